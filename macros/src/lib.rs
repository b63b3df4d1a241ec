//! The `#[derive(VaultSettings)]` macro; use it through the `vault-settings` crate, whose
//! re-export documents the attributes.

mod ast;
mod attr;
mod errors;
mod expand;
mod fallback;
mod names;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `load` and `load_with` for a settings struct; see `vault_settings::VaultSettings`.
// The helper names must match `attr::SETTINGS`, `attr::KV` and `attr::SETTING`: a derive's
// declaration cannot name constants.
#[proc_macro_derive(VaultSettings, attributes(settings, kv, setting))]
pub fn derive_vault_settings(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let expanded = ast::Input::from_syn(&input)
        .and_then(|model| valid::check(&model).map(|()| expand::expand(&model)));
    expanded
        .unwrap_or_else(|error| fallback::expand(&input, error))
        .into()
}
