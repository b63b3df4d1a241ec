#![doc = include_str!("../README.md")]

/// Derives `load` and `load_with` for a settings struct: each field is read from the
/// environment or `.env`, and `#[kv]` fields resolve `@kv:NAME` references from Azure Key
/// Vault.
///
/// ```no_run
/// use vault_settings::{SecretString, VaultSettings};
///
/// #[derive(VaultSettings)]
/// #[settings(env_prefix = "APP_", secret_prefix = "app-")]
/// struct Settings {
///     #[kv] // variable APP_GITHUB_TOKEN, secret app-github-token
///     github_token: SecretString,
///     #[kv(secret = "openai-api-key")] // variable APP_OPENAI_KEY, secret openai-api-key
///     openai_key: Option<SecretString>,
///     #[kv]
///     #[setting(env = "DB_PW")] // variable DB_PW, secret app-db-pw
///     db_password: SecretString,
///     #[setting(default = 8080)] // variable APP_PORT, 8080 when unset
///     port: u16,
///     #[setting(default = "polyclaw")] // parsed like a value from the environment
///     bot_name: String,
///     #[setting(env = "LOG_LEVEL", default)] // `String::default()` when unset
///     log: String,
///     timeout_ms: Option<u64>, // `None` when unset
/// }
///
/// # async fn start() -> Result<(), vault_settings::LoadError> {
/// let settings = Settings::load().await?;
/// # let _ = settings;
/// # Ok(())
/// # }
/// ```
///
/// `load_with` takes a [`Loader`] that chooses the sources, the vault and
/// the credential; tests can pass the variables directly:
///
/// ```
/// use vault_settings::{Loader, VaultSettings};
///
/// #[derive(VaultSettings)]
/// struct Settings {
///     #[setting(default = 8080)]
///     port: u16,
///     log_level: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let loader = Loader::new().no_env_file().env_vars([("LOG_LEVEL", "debug")]);
/// let settings = Settings::load_with(&loader).await.unwrap();
/// assert_eq!(settings.port, 8080);
/// assert_eq!(settings.log_level, "debug");
///
/// let loader = Loader::new().no_env_file().env_vars([("PORT", "http")]);
/// let error = Settings::load_with(&loader).await.err().unwrap();
/// let failed: Vec<_> = error.failures().iter().map(|f| f.var()).collect();
/// assert_eq!(failed, [Some("PORT"), Some("LOG_LEVEL")]);
/// # }
/// ```
///
/// A field's type is `SecretString`, any type that implements `FromStr` with a `Display`
/// error, or `Option` of either. A value that is set but does not parse is an error; it is
/// never replaced by the default.
///
/// # `#[settings(...)]` on the struct
///
/// - `env_prefix = "APP_"` is prepended to every derived variable name. It must be a valid
///   start of a variable name (ASCII letters, digits and `_`, not starting with a digit).
/// - `secret_prefix = "app-"` is prepended to every derived secret name. It may hold only
///   ASCII letters, digits and `-`.
///
/// Both are optional; without them names are derived from the field alone.
///
/// # `#[setting(...)]` on a field
///
/// - `env = "NAME"` sets the variable name, used verbatim: `env_prefix` is not added. It
///   must match `[A-Za-z_][A-Za-z0-9_]*`.
/// - `default = expr` gives the value when the variable is unset. A string literal is parsed
///   like a value read from the environment (so `default = "127.0.0.1:8080"` works for a
///   `SocketAddr`); any other expression must have the field's type and is evaluated only
///   when needed.
/// - `default` alone uses `Default::default()`.
///
/// Without `env`, the variable is `env_prefix` followed by the field name upper-cased
/// (`github_token` reads `GITHUB_TOKEN`; a raw identifier `r#type` reads `TYPE`). Without a
/// default, a field that is not an `Option` is required. `default` on an `Option` field is
/// refused: an unset `Option` field is already `None`.
///
/// # `#[kv]` and `#[kv(...)]` on a field
///
/// `#[kv]` marks a field whose value may be a Key Vault reference (`@kv:NAME`,
/// `@kv:NAME/VERSION` or a full secret identifier); a plain value is accepted too, for
/// local development. The field's secret name (named in errors, such as the hint for an unset
/// field) is derived from its
/// variable: `secret_prefix` followed by the variable name before `env_prefix` was added,
/// lower-cased, with `_` turned into `-` (`GITHUB_TOKEN` becomes `github-token`; with
/// `#[setting(env = "DB_PW")]` it is `db-pw`).
///
/// - `secret = "name"` sets the secret name, used verbatim: `secret_prefix` is not added.
///
/// Every secret name, given or derived, must follow Key Vault's rule, 1 to 127 ASCII
/// letters, digits and `-`; the derive checks it at compile time.
///
/// # Checked at compile time
///
/// Besides the rules above, the derive refuses unknown keys (suggesting the nearest one),
/// an attribute or key given twice, attributes on the wrong item, and two fields reading
/// the same variable. All mistakes of a stage are reported in one compile. A field type that
/// is neither `FromStr` nor `SecretString` gets rustc's own error, on the type.
///
/// # What the macro generates
///
/// An inherent `impl` on the struct, inside `const _: () = { ... };`, with two functions:
///
/// - `pub async fn load() -> Result<Self, LoadError>`, which is
///   `Self::load_with(&Loader::new())`;
/// - `pub async fn load_with(loader: &Loader) -> Result<Self, LoadError>`, which passes a
///   static table of the fields (name, variable, secret name, whether optional, whether
///   defaulted) to the runtime, lets it read the sources and fetch every secret at once,
///   then parses each field into its type.
///
/// All failures come back in one [`LoadError`] that lists each failing
/// setting. The generated code names everything by absolute path through this crate, so
/// the crate using the derive needs no other dependency, works under
/// `#![no_implicit_prelude]`, and may use any field names. It never logs.
///
/// # Limitations
///
/// - Only structs with named fields; enums, tuple structs and unit structs are refused
///   (`struct Settings {}` is fine and loads trivially).
/// - No generic parameters, lifetimes or `where` clauses.
/// - A field is optional only when its type is spelled `Option<T>`,
///   `std::option::Option<T>` or `core::option::Option<T>`; a type alias of `Option` is
///   treated as a required field of that type.
/// - No nested settings structs, no per-field parse functions and no list-valued variables;
///   a type with its own `FromStr` covers the last two.
/// - A default expression cannot refer to other fields.
/// - Names starting with `__` are reserved: a constant, static or unit struct named like
///   one of the generated locals (`__r`, `__f0`, ...) in the struct's module breaks the
///   expansion. Fields, functions and modules of any name are fine.
pub use vault_settings_macros::VaultSettings;

pub use vault_settings_runtime::{
    ErrorKind, ExposeSecret, KeyVaultStore, LoadError, Loader, SecretRef, SecretStore,
    SecretString, SecretValue, SettingError, StoreError, StoreErrorKind, StoredVersion, credential,
    env_file, error, keyvault, loader, reference, store,
};

/// Implements [`SecretStore`] for your own types: `#[vault_settings::async_trait]`.
pub use async_trait::async_trait;

/// The Azure SDK crates whose types appear in this API (credentials, client
/// options), re-exported so they need no dependency of their own and always
/// match the versions used here.
pub mod azure {
    pub use azure_core;
    pub use azure_security_keyvault_secrets;
}

/// Items used by the code `#[derive(VaultSettings)]` generates. Not public
/// API: names and shapes may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use vault_settings_runtime::derive::{
        FieldSpec, Parse, ParseFailure, ParseFromStr, ParseSecretString, Resolution, resolve,
    };
    pub use vault_settings_runtime::{LoadError, Loader, SecretString};
}
