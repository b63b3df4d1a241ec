//! What the derive emits when it fails: the errors, plus a stub `impl` so that call sites
//! of `load` and `load_with` do not add errors of their own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// Emits `compile_error!`s for `error` and a stub `impl` with the real signatures.
///
/// The stubs' bodies panic. They can never run: the `compile_error!`s beside them stop the
/// crate from building, so the body only has to type-check without naming anything that
/// might itself fail to resolve.
pub fn expand(input: &DeriveInput, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #[doc(hidden)]
                pub async fn load()
                    -> ::core::result::Result<Self, ::vault_settings::__private::LoadError>
                {
                    ::core::panic!("`#[derive(VaultSettings)]` failed; see the compile errors")
                }

                #[doc(hidden)]
                pub async fn load_with(_: &::vault_settings::__private::Loader)
                    -> ::core::result::Result<Self, ::vault_settings::__private::LoadError>
                {
                    ::core::panic!("`#[derive(VaultSettings)]` failed; see the compile errors")
                }
            }
        };
    }
}
