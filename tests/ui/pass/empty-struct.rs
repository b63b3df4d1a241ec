//! A struct without fields is allowed and loads without reading any setting.

#![deny(warnings)]

use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Nothing {}

fn main() {
    drop(Nothing::load());
}
