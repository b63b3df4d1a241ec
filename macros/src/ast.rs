//! The model of a settings struct: its fields with their variable names, secret names and defaults.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, GenericArgument, Ident, PathArguments, Type, TypePath};

use crate::attr::{self, DefaultAttr};
use crate::errors::Errors;
use crate::names;

/// A struct deriving `VaultSettings`.
pub struct Input<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The named fields, in declaration order.
    pub fields: Vec<Field<'a>>,
}

/// One field of the struct.
pub struct Field<'a> {
    /// The field's identifier as written (possibly raw, `r#type`).
    pub ident: &'a Ident,
    /// The field's name without `r#`.
    pub name: String,
    /// The field's type.
    pub ty: &'a Type,
    /// `T` when the field's type is `Option<T>`.
    pub option_inner: Option<&'a Type>,
    /// The variable the field reads.
    pub var: Name,
    /// The secret's name in the vault, for `#[kv]` fields.
    pub secret: Option<Name>,
    /// The field's `default`, if any.
    pub default: Option<DefaultAttr>,
}

/// A variable or secret name and where it came from.
pub struct Name {
    /// The name itself.
    pub value: String,
    /// The literal that gave the name, or the field's identifier for a derived name.
    pub span: Span,
    /// Whether the name was written out by the user rather than derived.
    pub explicit: bool,
}

impl<'a> Input<'a> {
    /// Builds the model: checks the item's shape first, then parses every attribute.
    pub fn from_syn(input: &'a DeriveInput) -> syn::Result<Self> {
        let fields = &shape(input)?.named;

        let mut errors = Errors::default();
        let settings = attr::struct_attrs(&input.attrs, &mut errors);
        let parsed: Vec<_> = fields
            .iter()
            .map(|field| attr::field_attrs(&field.attrs, &mut errors))
            .collect();
        errors.finish()?;

        let env_prefix = settings
            .env_prefix
            .map(|lit| lit.value())
            .unwrap_or_default();
        let secret_prefix = settings
            .secret_prefix
            .map(|lit| lit.value())
            .unwrap_or_default();
        let fields = fields
            .iter()
            .zip(parsed)
            .filter_map(|(field, attrs)| {
                let ident = field.ident.as_ref()?;
                Some(Field::new(
                    ident,
                    &field.ty,
                    attrs,
                    &env_prefix,
                    &secret_prefix,
                ))
            })
            .collect();
        Ok(Self {
            ident: &input.ident,
            fields,
        })
    }
}

impl<'a> Field<'a> {
    fn new(
        ident: &'a Ident,
        ty: &'a Type,
        attrs: attr::FieldAttrs,
        env_prefix: &str,
        secret_prefix: &str,
    ) -> Self {
        let name = ident.unraw().to_string();
        let (var, base) = match &attrs.env {
            Some(lit) => {
                let var = Name {
                    value: lit.value(),
                    span: lit.span(),
                    explicit: true,
                };
                (var, lit.value())
            }
            None => {
                let value = names::var_from_field(env_prefix, &name);
                (
                    Name {
                        value,
                        span: ident.span(),
                        explicit: false,
                    },
                    name.to_ascii_uppercase(),
                )
            }
        };
        let secret = attrs.kv.map(|kv| match kv.secret {
            Some(lit) => Name {
                value: lit.value(),
                span: lit.span(),
                explicit: true,
            },
            None => Name {
                value: names::secret_from_var(secret_prefix, &base),
                span: var.span,
                explicit: false,
            },
        });
        Self {
            ident,
            name,
            ty,
            option_inner: option_inner(ty),
            var,
            secret,
            default: attrs.default,
        }
    }
}

/// Returns the named fields, or the reasons the item cannot derive `VaultSettings`.
fn shape(input: &DeriveInput) -> syn::Result<&syn::FieldsNamed> {
    let mut errors = Errors::default();
    let derive = "`#[derive(VaultSettings)]`";
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Some(fields),
            Fields::Unnamed(fields) => {
                let message =
                    format!("{derive} needs a struct with named fields, found a tuple struct");
                errors.at(fields.span(), message);
                None
            }
            Fields::Unit => {
                let message = format!(
                    "{derive} needs a struct with named fields, found a unit struct; write `struct {} {{}}` for a struct without settings",
                    input.ident
                );
                errors.at(input.ident.span(), message);
                None
            }
        },
        Data::Enum(data) => {
            let message = format!("{derive} needs a struct with named fields, found an enum");
            errors.at(data.enum_token.span(), message);
            None
        }
        Data::Union(data) => {
            let message = format!("{derive} needs a struct with named fields, found a union");
            errors.at(data.union_token.span(), message);
            None
        }
    };
    if !input.generics.params.is_empty() {
        let message =
            format!("{derive} does not support generic parameters; use concrete field types");
        errors.at(input.generics.params.span(), message);
    } else if let Some(clause) = &input.generics.where_clause {
        let message = format!("{derive} does not support `where` clauses");
        errors.at(clause.span(), message);
    }
    errors.finish()?;
    fields.ok_or_else(|| syn::Error::new(input.ident.span(), "expected named fields"))
}

/// Returns `T` when `ty` is spelled `Option<T>`, `std::option::Option<T>` or `core::option::Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let path = match ty {
        Type::Path(TypePath { qself: None, path }) => path,
        Type::Group(group) => return option_inner(&group.elem),
        Type::Paren(paren) => return option_inner(&paren.elem),
        _ => return None,
    };
    let segments: Vec<_> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let is_option = match segments.as_slice() {
        [option] => option == "Option" && path.leading_colon.is_none(),
        [krate, module, option] => {
            (krate == "std" || krate == "core") && module == "option" && option == "Option"
        }
        _ => false,
    };
    if !is_option {
        return None;
    }
    let last = path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner_of(ty: &str) -> Option<String> {
        let ty: Type = syn::parse_str(ty).unwrap();
        option_inner(&ty).map(|inner| quote::quote!(#inner).to_string())
    }

    #[test]
    fn option_is_recognised_in_its_usual_spellings() {
        assert_eq!(inner_of("Option<u16>").as_deref(), Some("u16"));
        assert_eq!(
            inner_of("std::option::Option<String>").as_deref(),
            Some("String")
        );
        assert_eq!(
            inner_of("::core::option::Option<u8>").as_deref(),
            Some("u8")
        );
    }

    #[test]
    fn other_types_are_not_option() {
        assert_eq!(inner_of("u16"), None);
        assert_eq!(inner_of("Vec<u16>"), None);
        assert_eq!(inner_of("my::Option<u16>"), None);
        assert_eq!(inner_of("::Option<u16>"), None);
    }

    #[test]
    fn names_follow_prefixes_and_explicit_overrides() {
        let input: DeriveInput = syn::parse_quote! {
            #[settings(env_prefix = "APP_", secret_prefix = "app-")]
            struct Settings {
                #[kv] github_token: String,
                #[kv(secret = "acs-connection")] acs: String,
                #[kv] #[setting(env = "DB_PW")] db_password: String,
                r#type: u8,
            }
        };
        let model = Input::from_syn(&input).unwrap();
        let names: Vec<_> = model
            .fields
            .iter()
            .map(|f| {
                (
                    f.var.value.as_str(),
                    f.secret.as_ref().map(|s| s.value.as_str()),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("APP_GITHUB_TOKEN", Some("app-github-token")),
                ("APP_ACS", Some("acs-connection")),
                ("DB_PW", Some("app-db-pw")),
                ("APP_TYPE", None),
            ]
        );
        assert_eq!(model.fields[3].name, "type");
    }
}
