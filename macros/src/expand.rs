//! Code generation: the `load` and `load_with` functions of a validated model.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::ast::{Field, Input};
use crate::attr::DefaultValue;

/// Generates the inherent `impl` with `load` and `load_with`.
pub fn expand(input: &Input) -> TokenStream {
    let ident = input.ident;
    let loader = local("loader");
    let (load_doc, load_with_doc) = docs(input);
    let body = load_with_body(input, &loader);
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #ident {
                #[doc = #load_doc]
                pub async fn load()
                    -> ::core::result::Result<Self, ::vault_settings::__private::LoadError>
                {
                    Self::load_with(&::vault_settings::__private::Loader::new()).await
                }

                #[doc = #load_with_doc]
                pub async fn load_with(#loader: &::vault_settings::__private::Loader)
                    -> ::core::result::Result<Self, ::vault_settings::__private::LoadError>
                {
                    #body
                }
            }
        };
    }
}

fn docs(input: &Input) -> (String, String) {
    let name = input.ident.to_string();
    let load = format!(
        " Loads `{name}` from the environment and `.env` with a default `Loader`, \
         resolving its `#[kv]` fields from Azure Key Vault.\n\n \
         # Errors\n\n \
         Returns a `LoadError` that lists every setting that is missing, \
         failed to resolve or failed to parse."
    );
    let load_with = format!(
        " Loads `{name}` through `loader`, which decides the `.env` file, \
         the vault and the credential.\n\n \
         # Errors\n\n \
         Returns a `LoadError` that lists every setting that is missing, \
         failed to resolve or failed to parse."
    );
    (load, load_with)
}

fn load_with_body(input: &Input, loader: &Ident) -> TokenStream {
    let resolution = local("r");
    let specs = input.fields.iter().map(field_spec);
    let table = local("FIELDS");
    let reads = input
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| read(index, field, &resolution));
    let value = local("value");
    let build = build(input, &value);
    let binding = if input.fields.is_empty() {
        quote!(#resolution)
    } else {
        quote!(mut #resolution)
    };
    quote! {
        use ::vault_settings::__private::{ParseFromStr as _, ParseSecretString as _};
        let #binding = ::vault_settings::__private::resolve(#loader, {
            static #table: &[::vault_settings::__private::FieldSpec] = &[#(#specs),*];
            #table
        })
        .await?;
        #(#reads)*
        #build
        #resolution.finish(#value)
    }
}

fn field_spec(field: &Field) -> TokenStream {
    let name = &field.name;
    let var = &field.var.value;
    let secret = match &field.secret {
        Some(secret) => {
            let secret = &secret.value;
            quote!(::core::option::Option::Some(#secret))
        }
        None => quote!(::core::option::Option::None),
    };
    let optional = field.option_inner.is_some();
    let has_default = field.default.is_some();
    quote! {
        ::vault_settings::__private::FieldSpec {
            field: #name,
            var: #var,
            secret: #secret,
            optional: #optional,
            has_default: #has_default,
        }
    }
}

/// Generates `let __fN = __r.<method>(N, parse, ...);` for one field.
fn read(index: usize, field: &Field, resolution: &Ident) -> TokenStream {
    let slot = local(&format!("f{index}"));
    let index = Literal::usize_unsuffixed(index);
    let ty = field.ty;
    let call = match (field.option_inner, &field.default) {
        (Some(inner), _) => {
            let parse = parser(inner);
            quote!(#resolution.optional(#index, #parse))
        }
        (None, None) => {
            let parse = parser(ty);
            quote!(#resolution.required(#index, #parse))
        }
        (None, Some(default)) => {
            let parse = parser(ty);
            match &default.value {
                DefaultValue::Str(lit) => {
                    quote!(#resolution.or_default_str(#index, #parse, #lit))
                }
                DefaultValue::Expr(expr) => {
                    let fallback = quote_spanned!(expr.span()=> || -> #ty { #expr });
                    quote!(#resolution.or_default(#index, #parse, #fallback))
                }
                DefaultValue::Trait => {
                    let fallback =
                        quote_spanned!(default.key=> <#ty as ::core::default::Default>::default);
                    quote!(#resolution.or_default(#index, #parse, #fallback))
                }
            }
        }
    };
    quote!(let #slot = #call;)
}

/// Generates the parse closure, spanned on the type so that rustc's error for a type
/// that is neither `FromStr` nor `SecretString` lands on the field's type.
fn parser(ty: &syn::Type) -> TokenStream {
    let raw = local("s");
    quote_spanned! {ty.span()=>
        |#raw: &::core::primitive::str| {
            (&::vault_settings::__private::Parse::<#ty>::new()).parse_setting(#raw)
        }
    }
}

/// Generates `let __value = ...;`: the struct when every field produced a value, else `None`.
fn build(input: &Input, value: &Ident) -> TokenStream {
    if input.fields.is_empty() {
        return quote!(let #value = ::core::option::Option::Some(Self {}););
    }
    let slots = (0..input.fields.len()).map(|index| local(&format!("f{index}")));
    let values: Vec<_> = (0..input.fields.len())
        .map(|index| local(&format!("v{index}")))
        .collect();
    let idents = input.fields.iter().map(|field| field.ident);
    quote! {
        let #value = match (#(#slots,)*) {
            (#(::core::option::Option::Some(#values),)*) => {
                ::core::option::Option::Some(Self { #(#idents: #values),* })
            }
            _ => ::core::option::Option::None,
        };
    }
}

/// Names a local of the generated code: prefixed `__` and hygienic, so that neither
/// field names nor names used in `default` expressions can collide with it.
///
/// A constant, static or unit struct of the same name in the struct's module still breaks
/// the `let` (a pattern resolves such items even across hygiene); `__`-prefixed names are
/// reserved for generated code by convention, as in other derives.
fn local(name: &str) -> Ident {
    format_ident!("__{name}", span = Span::mixed_site())
}
