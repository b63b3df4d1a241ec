//! Rules that span attributes or fields, checked on the model after every attribute parsed.

use std::collections::HashMap;

use crate::ast::Input;
use crate::attr::{DEFAULT, ENV, KV, SECRET, SETTING};
use crate::errors::{self, Errors};
use crate::names::{self, SECRET_NAME_MAX, SecretNameError};

/// Checks every rule and reports every broken one.
pub fn check(input: &Input) -> syn::Result<()> {
    let mut errors = Errors::default();
    derived_vars_are_valid(input, &mut errors);
    derived_secret_names_fit(input, &mut errors);
    no_default_on_option(input, &mut errors);
    no_shared_variable(input, &mut errors);
    errors.finish()
}

// A non-ASCII field name upper-cases to a name that shells and `.env` files cannot hold.
fn derived_vars_are_valid(input: &Input, errors: &mut Errors) {
    for field in input.fields.iter().filter(|field| !field.var.explicit) {
        if names::check_var(&field.var.value).is_err() {
            let message = format!(
                "field `{}` maps to the variable `{}`, which is not a valid variable name; set `#[{SETTING}({ENV} = \"...\")]`",
                field.name, field.var.value
            );
            errors.at(field.var.span, message);
        }
    }
}

// Prefix plus field name can exceed the vault's length limit, which only the vault would report.
fn derived_secret_names_fit(input: &Input, errors: &mut Errors) {
    for field in &input.fields {
        let Some(secret) = field.secret.as_ref().filter(|secret| !secret.explicit) else {
            continue;
        };
        if !field.var.explicit && names::check_var(&field.var.value).is_err() {
            continue;
        }
        if let Err(error) = names::check_secret(&secret.value) {
            let reason = match error {
                SecretNameError::TooLong(len) => format!(
                    "a secret name of {len} characters; Key Vault allows at most {SECRET_NAME_MAX}"
                ),
                other => format!("the secret name `{}`: {other}", secret.value),
            };
            let message = format!(
                "field `{}` maps to {reason}; set `#[{KV}({SECRET} = \"...\")]`",
                field.name
            );
            errors.at(secret.span, message);
        }
    }
}

// An unset `Option` field is already `None`, so a default would hide that the value is missing.
fn no_default_on_option(input: &Input, errors: &mut Errors) {
    for field in &input.fields {
        if let (Some(default), Some(_)) = (&field.default, field.option_inner) {
            let message = errors::conflicting(
                DEFAULT,
                "an `Option` field",
                "an unset `Option` field is already `None`",
            );
            errors.at(default.key, message);
        }
    }
}

// Two fields on one variable would read one value twice, which is almost always a copy-paste slip.
fn no_shared_variable(input: &Input, errors: &mut Errors) {
    let mut first_reader = HashMap::new();
    for field in &input.fields {
        match first_reader.get(field.var.value.as_str()) {
            Some(first) => {
                let message = format!(
                    "variable `{}` is already read by field `{first}`; give one of them `#[{SETTING}({ENV} = \"...\")]`",
                    field.var.value
                );
                errors.at(field.var.span, message);
            }
            None => {
                first_reader.insert(field.var.value.as_str(), field.name.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use syn::DeriveInput;

    use super::*;

    fn messages(input: DeriveInput) -> Vec<String> {
        let model = Input::from_syn(&input).unwrap();
        match check(&model) {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        }
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let found = messages(syn::parse_quote! {
            struct Settings {
                #[setting(default = 1)] timeout: Option<u64>,
                log_level: String,
                #[setting(env = "LOG_LEVEL")] verbosity: String,
            }
        });
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("`default` conflicts with an `Option` field"));
        assert!(found[1].starts_with("variable `LOG_LEVEL` is already read by field `log_level`"));
    }

    #[test]
    fn a_secret_name_derived_within_the_limit_passes() {
        let field = "a".repeat(123);
        let input =
            format!("#[settings(secret_prefix = \"app-\")] struct S {{ #[kv] {field}: String }}");
        assert_eq!(
            messages(syn::parse_str(&input).unwrap()),
            Vec::<String>::new()
        );

        let input = input.replace("app-", "apps-");
        let found = messages(syn::parse_str(&input).unwrap());
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("a secret name of 128 characters"),
            "{found:?}"
        );
    }

    #[test]
    fn explicit_names_never_collide_with_derived_ones_of_other_case() {
        let found = messages(syn::parse_quote! {
            struct Settings {
                port: u16,
                #[setting(env = "port")] lower: u16,
            }
        });
        assert_eq!(found, Vec::<String>::new());
    }
}
