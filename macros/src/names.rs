//! Variable and secret names: how they are derived from fields and which names are valid.

use std::fmt;

/// The longest secret name Key Vault accepts.
pub const SECRET_NAME_MAX: usize = 127;

/// Derives a field's variable name: the prefix followed by the field name upper-cased.
pub fn var_from_field(env_prefix: &str, field: &str) -> String {
    format!("{env_prefix}{}", field.to_ascii_uppercase())
}

/// Derives a secret name: the prefix followed by `base` lower-cased, with `_` turned into `-`.
pub fn secret_from_var(secret_prefix: &str, base: &str) -> String {
    format!("{secret_prefix}{}", dashed(base))
}

/// Lower-cases `name` and turns every `_` into `-`.
fn dashed(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// Why a name cannot be used as an environment variable name or prefix.
#[derive(Debug, PartialEq, Eq)]
pub enum VarNameError {
    /// The name is empty.
    Empty,
    /// The name begins with an ASCII digit.
    LeadingDigit,
    /// The name holds a character other than ASCII letters, digits and `_`.
    InvalidChar(char),
}

impl fmt::Display for VarNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("variable name is empty"),
            Self::LeadingDigit => f.write_str(
                "variable name starts with a digit; names match `[A-Za-z_][A-Za-z0-9_]*`",
            ),
            Self::InvalidChar(c) => write!(
                f,
                "variable name contains `{}`; names match `[A-Za-z_][A-Za-z0-9_]*`",
                c.escape_default()
            ),
        }
    }
}

/// Checks that `name` is a portable variable name, `[A-Za-z_][A-Za-z0-9_]*`.
pub fn check_var(name: &str) -> Result<(), VarNameError> {
    if name.is_empty() {
        return Err(VarNameError::Empty);
    }
    check_var_prefix(name)
}

/// Checks that `prefix` can begin a variable name; the empty prefix is allowed.
pub fn check_var_prefix(prefix: &str) -> Result<(), VarNameError> {
    if prefix.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(VarNameError::LeadingDigit);
    }
    match prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        Some(c) => Err(VarNameError::InvalidChar(c)),
        None => Ok(()),
    }
}

/// Why a name cannot be used as a Key Vault secret name or prefix.
#[derive(Debug, PartialEq, Eq)]
pub enum SecretNameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`SECRET_NAME_MAX`] characters.
    TooLong(usize),
    /// The name holds `_`; the payload is the dashed form to suggest.
    Underscore(String),
    /// The name holds a character other than ASCII letters, digits and `-`.
    InvalidChar(char),
}

impl fmt::Display for SecretNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(
                f,
                "secret name is empty; Key Vault needs 1 to {SECRET_NAME_MAX} characters"
            ),
            Self::TooLong(len) => write!(
                f,
                "secret name is {len} characters long; Key Vault allows at most {SECRET_NAME_MAX}"
            ),
            Self::Underscore(dashed) => write!(
                f,
                "secret name contains `_`, which Key Vault does not allow; use `{dashed}`"
            ),
            Self::InvalidChar(c) => write!(
                f,
                "secret name contains `{}`; Key Vault allows only ASCII letters, digits and `-`",
                c.escape_default()
            ),
        }
    }
}

/// Checks `name` against Key Vault's rule: 1 to 127 ASCII letters, digits and `-`.
pub fn check_secret(name: &str) -> Result<(), SecretNameError> {
    if name.is_empty() {
        return Err(SecretNameError::Empty);
    }
    check_secret_prefix(name)
}

/// Checks that `prefix` can begin a secret name; the empty prefix is allowed.
pub fn check_secret_prefix(prefix: &str) -> Result<(), SecretNameError> {
    let len = prefix.chars().count();
    if len > SECRET_NAME_MAX {
        return Err(SecretNameError::TooLong(len));
    }
    if prefix.contains('_') {
        return Err(SecretNameError::Underscore(prefix.replace('_', "-")));
    }
    match prefix
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        Some(c) => Err(SecretNameError::InvalidChar(c)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_map_to_dashed_lower_case_secret_names() {
        assert_eq!(secret_from_var("", "GITHUB_TOKEN"), "github-token");
        assert_eq!(
            secret_from_var("", "COSMOSDB_PRIMARY_KEY"),
            "cosmosdb-primary-key"
        );
        assert_eq!(secret_from_var("app-", "DB_PW"), "app-db-pw");
    }

    #[test]
    fn fields_map_to_prefixed_upper_case_variables() {
        assert_eq!(var_from_field("", "github_token"), "GITHUB_TOKEN");
        assert_eq!(var_from_field("APP_", "github_token"), "APP_GITHUB_TOKEN");
        assert_eq!(var_from_field("", "_x"), "_X");
    }

    #[test]
    fn secret_names_of_127_characters_are_accepted() {
        let name = "a-1".repeat(42) + "z";
        assert_eq!(name.len(), 127);
        assert_eq!(check_secret(&name), Ok(()));
    }

    #[test]
    fn secret_names_of_128_characters_are_rejected_for_length() {
        let name = "a".repeat(128);
        let error = check_secret(&name).unwrap_err();
        assert_eq!(error, SecretNameError::TooLong(128));
        assert_eq!(
            error.to_string(),
            "secret name is 128 characters long; Key Vault allows at most 127"
        );
    }

    #[test]
    fn underscores_in_secret_names_suggest_the_dashed_name() {
        let error = check_secret("github_token").unwrap_err();
        assert_eq!(error, SecretNameError::Underscore("github-token".into()));
        assert!(error.to_string().ends_with("use `github-token`"));
    }

    #[test]
    fn other_characters_and_empty_secret_names_are_rejected() {
        assert_eq!(
            check_secret("my.secret"),
            Err(SecretNameError::InvalidChar('.'))
        );
        assert_eq!(check_secret("a b"), Err(SecretNameError::InvalidChar(' ')));
        assert_eq!(check_secret("café"), Err(SecretNameError::InvalidChar('é')));
        assert_eq!(check_secret(""), Err(SecretNameError::Empty));
        assert_eq!(check_secret_prefix(""), Ok(()));
    }

    #[test]
    fn variable_names_follow_the_portable_rule() {
        assert_eq!(check_var("LOG_LEVEL"), Ok(()));
        assert_eq!(check_var("_private9"), Ok(()));
        assert_eq!(check_var(""), Err(VarNameError::Empty));
        assert_eq!(check_var("1PORT"), Err(VarNameError::LeadingDigit));
        assert_eq!(check_var("LOG-LEVEL"), Err(VarNameError::InvalidChar('-')));
        assert_eq!(check_var("CAFÉ"), Err(VarNameError::InvalidChar('É')));
        assert_eq!(check_var_prefix(""), Ok(()));
    }
}
