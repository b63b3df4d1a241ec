//! The `@kv:` reference grammar and Key Vault's naming rules.
//!
//! A setting whose value starts with `@kv:` refers to a secret:
//!
//! - `@kv:NAME`: the latest version of `NAME` in the application's vault;
//! - `@kv:NAME/VERSION`: one exact version;
//! - `@kv:https://VAULT-HOST/secrets/NAME[/VERSION]`: a secret in another vault.
//!
//! Azure App Service's forms are accepted too, so settings can move between
//! App Service and containers unchanged:
//! `@Microsoft.KeyVault(SecretUri=https://…/secrets/NAME[/VERSION])` and
//! `@Microsoft.KeyVault(VaultName=V;SecretName=NAME[;SecretVersion=VERSION])`.
//!
//! Anything after the prefix that does not parse is an error; it is never
//! treated as a literal value.

use std::fmt;

use url::Url;

/// The prefix that marks a value as a Key Vault reference.
pub const PREFIX: &str = "@kv:";

/// The prefix of Azure App Service's Key Vault references.
pub const APP_SERVICE_PREFIX: &str = "@Microsoft.KeyVault(";

/// The longest secret name Key Vault accepts.
pub const MAX_NAME_LEN: usize = 127;

/// Host suffixes of Key Vault in the known Azure clouds (public, China, US
/// Government, and the retired Germany cloud).
pub const KNOWN_VAULT_SUFFIXES: &[&str] = &[
    ".vault.azure.net",
    ".vault.azure.cn",
    ".vault.usgovcloudapi.net",
    ".vault.microsoftazure.de",
];

/// A parsed reference to one secret, optionally pinned to a version and
/// optionally in a vault other than the application's.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretRef {
    name: String,
    version: Option<String>,
    vault: Option<Url>,
}

/// Why a reference did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// Nothing follows the prefix.
    #[error("the reference names no secret")]
    Empty,
    /// The value starts like a reference but not exactly with `@kv:` (other
    /// case, leading blanks); it would otherwise load as literal text.
    #[error("references start with exactly `@kv:` (lower case, no leading blanks)")]
    Prefix,
    /// The secret name breaks Key Vault's naming rule.
    #[error(transparent)]
    Name(#[from] NameError),
    /// The version is not Key Vault's 32-character hex form.
    #[error("the part after `/` is not a secret version; versions are 32 hexadecimal characters")]
    Version,
    /// The reference has a trailing `/` or more than `NAME/VERSION`.
    #[error("expected `NAME` or `NAME/VERSION`, found {0} path segments")]
    Shape(usize),
    /// A full identifier that is not an `https://HOST/secrets/NAME[/VERSION]` URL.
    #[error("not a secret identifier; expected `https://VAULT-HOST/secrets/NAME[/VERSION]`")]
    Identifier,
    /// An App Service reference that is malformed.
    #[error("malformed `@Microsoft.KeyVault(...)` reference; {0}")]
    AppService(&'static str),
}

/// Why a secret name breaks Key Vault's naming rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("secret names cannot be empty")]
    Empty,
    /// The name is longer than 127 characters.
    #[error("secret name is {0} characters long; Key Vault allows at most 127")]
    TooLong(usize),
    /// The name has a character outside ASCII letters, digits and `-`.
    ///
    /// The name itself is not kept: a value pasted after `@kv:` by mistake
    /// may be a secret.
    #[error(
        "the secret name has {found:?} at position {position}; Key Vault allows only ASCII letters, digits and `-`{hint}"
    )]
    Character {
        /// Its 1-based position in the name, counted in characters.
        position: usize,
        /// The first character that is not allowed.
        found: char,
        /// A suggestion, such as the dashed form of an underscored name.
        hint: String,
    },
}

impl SecretRef {
    /// Builds a reference to the latest version of `name` in the default
    /// vault, checking the name.
    pub fn latest(name: &str) -> Result<Self, NameError> {
        validate_name(name)?;
        Ok(SecretRef {
            name: name.to_owned(),
            version: None,
            vault: None,
        })
    }

    /// Parses `value` when it is a reference: `Ok(None)` for an ordinary
    /// value, `Ok(Some(_))` for a valid reference, and an error for a value
    /// that starts like a reference but does not parse.
    pub fn parse(value: &str) -> Result<Option<Self>, ReferenceError> {
        if let Some(rest) = value.strip_prefix(PREFIX) {
            return parse_kv(rest).map(Some);
        }
        if let Some(rest) = value.strip_prefix(APP_SERVICE_PREFIX) {
            return parse_app_service(rest).map(Some);
        }
        if looks_like_a_reference(value) {
            return Err(ReferenceError::Prefix);
        }
        Ok(None)
    }

    /// Tells whether `value` starts like a reference (whether or not it parses).
    pub fn is_reference(value: &str) -> bool {
        value.starts_with(PREFIX)
            || value.starts_with(APP_SERVICE_PREFIX)
            || looks_like_a_reference(value)
    }

    /// The secret's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pinned version, if any.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The vault of a full identifier (`https://host[:port]`), or `None` for
    /// the application's own vault.
    pub fn vault(&self) -> Option<&Url> {
        self.vault.as_ref()
    }

    /// The vault host of a full identifier.
    pub fn vault_host(&self) -> Option<&str> {
        self.vault.as_ref().and_then(Url::host_str)
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(vault) = &self.vault {
            write!(f, "{}", vault.as_str().trim_end_matches('/'))?;
            f.write_str("/secrets/")?;
        }
        f.write_str(&self.name)?;
        if let Some(version) = &self.version {
            write!(f, "/{version}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretRef({self})")
    }
}

/// Checks a secret name against Key Vault's rule: 1 to 127 characters of
/// ASCII letters, digits and `-`.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let bad = name
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_alphanumeric() && *c != '-');
    if let Some((index, found)) = bad {
        let hint = match found {
            '_' if looks_like_a_name(name) => {
                format!("; did you mean `{}`", name.replace('_', "-"))
            }
            '_' => "; use `-` instead of `_`".to_owned(),
            _ => String::new(),
        };
        return Err(NameError::Character {
            position: index + 1,
            found,
            hint,
        });
    }
    let len = name.len();
    if len > MAX_NAME_LEN {
        return Err(NameError::TooLong(len));
    }
    Ok(())
}

/// Tells whether an underscored name reads like a variable name
/// (`github_token`, `DB_PASSWORD`) rather than a token pasted after `@kv:` by
/// mistake, so that repeating its dashed form in an error reveals nothing.
fn looks_like_a_name(name: &str) -> bool {
    name.len() <= 64
        && name.split('_').all(|word| {
            let lower = word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            let upper = word
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            (1..=16).contains(&word.len()) && (lower || upper)
        })
}

/// Maps a variable name to the secret name `#[kv]` fields use by default: lower-cased, with `_` turned into `-` (`GITHUB_TOKEN` →
/// `github-token`).
pub fn secret_name_for_var(var: &str) -> String {
    var.to_ascii_lowercase().replace('_', "-")
}

/// Tells whether `host` is a Key Vault host of a known Azure cloud.
pub fn is_known_vault_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    KNOWN_VAULT_SUFFIXES
        .iter()
        .any(|suffix| host.len() > suffix.len() && host.ends_with(suffix))
}

/// A value that is almost a reference: `@KV:`, ` @kv:`, `@microsoft.keyvault(`.
fn looks_like_a_reference(value: &str) -> bool {
    let trimmed = value.trim_start().as_bytes();
    let starts_with = |prefix: &str| {
        trimmed.len() >= prefix.len()
            && trimmed[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    starts_with(PREFIX) || starts_with(APP_SERVICE_PREFIX)
}

fn parse_kv(rest: &str) -> Result<SecretRef, ReferenceError> {
    if rest.is_empty() {
        return Err(ReferenceError::Empty);
    }
    if rest.starts_with("https://") || rest.starts_with("http://") {
        return parse_identifier(rest);
    }
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [name] => build(name, None, None),
        [name, version] if !version.is_empty() => build(name, Some(version), None),
        _ => Err(ReferenceError::Shape(segments.len())),
    }
}

fn parse_identifier(text: &str) -> Result<SecretRef, ReferenceError> {
    let url = Url::parse(text).map_err(|_| ReferenceError::Identifier)?;
    if url.scheme() != "https"
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(ReferenceError::Identifier);
    }
    let path = url.path().trim_end_matches('/');
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut vault = url.clone();
    vault.set_path("");
    match segments.as_slice() {
        ["secrets", name] => build(name, None, Some(vault)),
        ["secrets", name, version] => build(name, Some(version), Some(vault)),
        _ => Err(ReferenceError::Identifier),
    }
}

fn parse_app_service(rest: &str) -> Result<SecretRef, ReferenceError> {
    let body = rest
        .strip_suffix(')')
        .ok_or(ReferenceError::AppService("it must end with `)`"))?;
    if let Some(uri) = body.strip_prefix("SecretUri=") {
        return parse_identifier(uri.trim());
    }
    let mut vault_name = None;
    let mut secret_name = None;
    let mut version = None;
    for part in body.split(';').filter(|p| !p.trim().is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or(ReferenceError::AppService("expected `Key=Value` pairs"))?;
        match key.trim() {
            "VaultName" => vault_name = Some(value.trim()),
            "SecretName" => secret_name = Some(value.trim()),
            "SecretVersion" => version = Some(value.trim()).filter(|v| !v.is_empty()),
            _ => return Err(ReferenceError::AppService("unknown key")),
        }
    }
    let vault_name = vault_name.ok_or(ReferenceError::AppService("`VaultName` is missing"))?;
    let secret_name = secret_name.ok_or(ReferenceError::AppService("`SecretName` is missing"))?;
    if !is_vault_name(vault_name) {
        return Err(ReferenceError::AppService(
            "`VaultName` must be 3 to 24 letters, digits and `-`",
        ));
    }
    let vault = Url::parse(&format!("https://{vault_name}.vault.azure.net"))
        .map_err(|_| ReferenceError::AppService("`VaultName` is not a host name"))?;
    build(secret_name, version, Some(vault))
}

fn build(
    name: &str,
    version: Option<&str>,
    vault: Option<Url>,
) -> Result<SecretRef, ReferenceError> {
    validate_name(name)?;
    if let Some(version) = version {
        let hex = version.len() == 32 && version.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            return Err(ReferenceError::Version);
        }
    }
    Ok(SecretRef {
        name: name.to_owned(),
        version: version.map(str::to_owned),
        vault,
    })
}

fn is_vault_name(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.contains("--")
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = "0123456789abcdef0123456789abcdef";

    fn parse(text: &str) -> SecretRef {
        SecretRef::parse(text)
            .expect("parses")
            .expect("is a reference")
    }

    #[test]
    fn near_misses_of_the_prefix_are_errors_not_literals() {
        for text in [
            "@KV:x",
            "@Kv:x",
            " @kv:x",
            "\t@kv:x",
            "@microsoft.keyvault(SecretUri=x)",
        ] {
            assert_eq!(
                SecretRef::parse(text),
                Err(ReferenceError::Prefix),
                "{text:?}"
            );
        }
    }

    #[test]
    fn plain_values_are_not_references() {
        for text in ["", "hello", "kv:x", "@kvx:foo", "ping @kv:x later"] {
            assert_eq!(SecretRef::parse(text), Ok(None), "{text:?}");
        }
    }

    #[test]
    fn latest_and_pinned() {
        let latest = parse("@kv:github-token");
        assert_eq!((latest.name(), latest.version()), ("github-token", None));
        assert!(latest.vault().is_none());
        let pinned = parse(&format!("@kv:db-password/{V1}"));
        assert_eq!(pinned.version(), Some(V1));
        assert_eq!(pinned.to_string(), format!("db-password/{V1}"));
    }

    #[test]
    fn full_identifiers() {
        let other = parse("@kv:https://other.vault.azure.net/secrets/api-key");
        assert_eq!(other.vault_host(), Some("other.vault.azure.net"));
        assert_eq!(other.version(), None);
        let pinned = parse(&format!(
            "@kv:https://other.vault.azure.net/secrets/api-key/{V1}"
        ));
        assert_eq!(pinned.version(), Some(V1));
        assert_eq!(
            pinned.to_string(),
            format!("https://other.vault.azure.net/secrets/api-key/{V1}")
        );
        let port = parse("@kv:https://emulator.vault.localhost:8443/secrets/a");
        assert_eq!(
            port.vault().map(Url::as_str),
            Some("https://emulator.vault.localhost:8443/")
        );
    }

    #[test]
    fn malformed_references_are_errors() {
        let cases = [
            "@kv:",
            "@kv:github_token",
            "@kv:my.secret",
            "@kv:a b",
            "@kv:db-password/",
            "@kv:a/b/c",
            "@kv:a/not-a-version",
            "@kv:http://other.vault.azure.net/secrets/a",
            "@kv:https://other.vault.azure.net/keys/a",
            "@kv:https://other.vault.azure.net/secrets/a?x=1",
            "@kv:https://other.vault.azure.net/secrets/",
            "@Microsoft.KeyVault(VaultName=v;SecretName=a)",
            "@Microsoft.KeyVault(SecretName=a",
        ];
        for text in cases {
            assert!(SecretRef::parse(text).is_err(), "{text:?} should not parse");
        }
    }

    #[test]
    fn underscore_names_suggest_the_dashed_form() {
        let err = SecretRef::parse("@kv:github_token").unwrap_err();
        assert!(
            err.to_string().contains("did you mean `github-token`"),
            "{err}"
        );
    }

    #[test]
    fn errors_never_repeat_what_may_be_a_pasted_secret() {
        for (text, secret) in [
            ("@kv:ghp_R3alTokenPastedByMistake1234", "R3alToken"),
            ("@kv:db/ThisIsAPastedPasswordNotAVersion", "PastedPassword"),
            ("@kv:pass.word", "pass"),
            (
                "@kv:https://admin:Sup3rS3cretPW@kv1.vault.azure.net/secrets/db",
                "Sup3r",
            ),
            (
                "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/db?sig=SIG123)",
                "SIG123",
            ),
        ] {
            let err = SecretRef::parse(text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(secret), "{text}: {shown}");
        }
    }

    #[test]
    fn name_length_limit() {
        let ok = "a".repeat(127);
        assert!(validate_name(&ok).is_ok());
        let long = "a".repeat(128);
        assert_eq!(validate_name(&long), Err(NameError::TooLong(128)));
        assert!(validate_name("Az-09").is_ok());
    }

    #[test]
    fn variable_names_map_to_secret_names() {
        assert_eq!(secret_name_for_var("GITHUB_TOKEN"), "github-token");
        assert_eq!(
            secret_name_for_var("COSMOSDB_PRIMARY_KEY"),
            "cosmosdb-primary-key"
        );
    }

    #[test]
    fn app_service_forms() {
        let by_uri = parse(&format!(
            "@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/a/{V1})"
        ));
        assert_eq!((by_uri.name(), by_uri.version()), ("a", Some(V1)));
        let by_name = parse("@Microsoft.KeyVault(VaultName=kv1;SecretName=a)");
        assert_eq!(by_name.vault_host(), Some("kv1.vault.azure.net"));
        let versioned = parse(&format!(
            "@Microsoft.KeyVault(VaultName=kv1;SecretName=a;SecretVersion={V1})"
        ));
        assert_eq!(versioned.version(), Some(V1));
    }

    #[test]
    fn known_cloud_hosts() {
        assert!(is_known_vault_host("my-kv.vault.azure.net"));
        assert!(is_known_vault_host("MY-KV.VAULT.AZURE.CN"));
        assert!(!is_known_vault_host("vault.azure.net"));
        assert!(!is_known_vault_host("evil.example.com"));
        assert!(!is_known_vault_host("my-kv.vault.azure.net.evil.com"));
    }
}
