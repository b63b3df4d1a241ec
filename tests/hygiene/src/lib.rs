//! A settings struct whose field names and surrounding items collide with every name the
//! derive's expansion uses, in a crate that depends on `vault-settings` alone.

// Each item below shadows a name that a careless expansion would pick up: prelude types,
// primitive `str`, and the derive's own local names.
#![allow(dead_code, non_camel_case_types, non_snake_case)]

use vault_settings::{SecretString, VaultSettings};

struct str;
struct Some;
struct None;
struct Ok;
struct Err;
type Result<T> = T;
trait Default {}
trait FromStr {}
mod core {}
mod std {}

/// A default that the expansion's own `__r` local must not shadow.
fn __r() -> u16 {
    7
}

/// Settings whose field names match the expansion's locals and well-known paths.
#[derive(VaultSettings)]
#[settings(env_prefix = "HY_")]
pub struct Colliding {
    /// Reads `HY_CORE`.
    pub core: u16,
    /// Reads `HY_STD`.
    pub std: ::std::string::String,
    /// Reads `HY_OPTION`.
    pub Option: ::core::option::Option<u16>,
    /// Reads `HY___R`, defaulting to the crate's `__r` function.
    #[setting(default = __r())]
    pub __r: u16,
    /// Reads `HY___LOADER`.
    pub __loader: ::std::string::String,
    /// Reads `HY___F0`, a plain value on a `#[kv]` field.
    #[kv]
    pub __f0: SecretString,
    /// Reads `HY___V0`.
    #[setting(default = "3")]
    pub __v0: u8,
    /// Reads `HY___VALUE`.
    #[setting(default)]
    pub __value: ::std::string::String,
    /// Reads `HY___FIELDS`.
    pub __FIELDS: ::core::option::Option<bool>,
    /// Reads `HY_TYPE`.
    pub r#type: ::std::string::String,
}

#[cfg(test)]
mod tests {
    use vault_settings::{ErrorKind, ExposeSecret, Loader};

    use super::Colliding;

    fn loader(
        vars: &[(
            &'static ::core::primitive::str,
            &'static ::core::primitive::str,
        )],
    ) -> Loader {
        Loader::new().no_env_file().env_vars(vars.iter().copied())
    }

    #[tokio::test]
    async fn every_field_reads_its_own_variable() {
        let vars = [
            ("HY_CORE", "1"),
            ("HY_STD", "two"),
            ("HY_OPTION", "3"),
            ("HY___LOADER", "four"),
            ("HY___F0", "five"),
            ("HY___FIELDS", "true"),
            ("HY_TYPE", "six"),
        ];
        let loaded = Colliding::load_with(&loader(&vars)).await.unwrap();
        assert_eq!(loaded.core, 1);
        assert_eq!(loaded.std, "two");
        assert_eq!(loaded.Option, ::core::option::Option::Some(3));
        assert_eq!(
            loaded.__r, 7,
            "the default names the crate's `__r`, not the expansion's"
        );
        assert_eq!(loaded.__loader, "four");
        assert_eq!(loaded.__f0.expose_secret(), "five");
        assert_eq!(loaded.__v0, 3);
        assert_eq!(loaded.__value, "");
        assert_eq!(loaded.__FIELDS, ::core::option::Option::Some(true));
        assert_eq!(loaded.r#type, "six");
    }

    #[tokio::test]
    async fn missing_required_fields_are_all_reported() {
        let error = Colliding::load_with(&loader(&[("HY_TYPE", "x")]))
            .await
            .err()
            .unwrap();
        let failed: ::std::vec::Vec<_> = error
            .failures()
            .iter()
            .map(|failure| (failure.field(), failure.var(), failure.kind()))
            .collect();
        let missing = |field, var| {
            (
                ::core::option::Option::Some(field),
                ::core::option::Option::Some(var),
                ErrorKind::Missing,
            )
        };
        assert_eq!(
            failed,
            [
                missing("core", "HY_CORE"),
                missing("std", "HY_STD"),
                missing("__loader", "HY___LOADER"),
                missing("__f0", "HY___F0"),
            ]
        );
    }
}
