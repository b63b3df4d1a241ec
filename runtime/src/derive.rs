//! What `#[derive(VaultSettings)]` expands to calls: a table of field specs,
//! one resolution pass, and a typed parse per field.
//!
//! Generated code reaches these items through the facade's hidden
//! `__private` module; they are not meant to be called by hand, and their
//! shape may change between minor versions.

use std::{fmt::Display, marker::PhantomData, str::FromStr};

use secrecy::{ExposeSecret, SecretString};

use crate::{
    error::{ErrorKind, LoadError, SettingError},
    loader::Loader,
};

/// How one struct field is read.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The field's name in the struct.
    pub field: &'static str,
    /// The variable it reads (prefix already applied).
    pub var: &'static str,
    /// For `#[kv]` fields, the field's secret name; `None` for plain fields.
    pub secret: Option<&'static str>,
    /// Whether the field is an `Option<T>`.
    pub optional: bool,
    /// Whether the field has a default.
    pub has_default: bool,
}

impl FieldSpec {
    /// Tells whether the field is marked `#[kv]`.
    pub fn is_secret(&self) -> bool {
        self.secret.is_some()
    }

    /// Names this field and its variable on `failure`. The derived secret
    /// name is not added: a failure names a secret only when one was
    /// actually referenced.
    pub(crate) fn attach(&self, failure: SettingError) -> SettingError {
        failure.with_field(self.field).with_var(self.var)
    }
}

/// Reads the sources and resolves every reference for `fields`.
pub async fn resolve(
    loader: &Loader,
    fields: &'static [FieldSpec],
) -> Result<Resolution, LoadError> {
    loader.resolve(fields).await
}

/// The raw value of one field after resolution.
pub(crate) enum Slot {
    /// Set nowhere.
    Unset,
    /// A plain value from the environment or the file.
    Plain(zeroize::Zeroizing<String>),
    /// A value fetched from the vault.
    Secret(SecretString),
    /// Already failed; the failure is recorded.
    Failed,
}

/// The outcome of resolving every field, consumed by the generated code one
/// field at a time.
pub struct Resolution {
    fields: &'static [FieldSpec],
    slots: Vec<Slot>,
    failures: Vec<(usize, SettingError)>,
}

impl Resolution {
    pub(crate) fn new(
        fields: &'static [FieldSpec],
        slots: Vec<Slot>,
        failures: Vec<(usize, SettingError)>,
    ) -> Self {
        Resolution {
            fields,
            slots,
            failures,
        }
    }

    /// Parses a required field; records `Missing` when it is unset.
    pub fn required<T>(
        &mut self,
        index: usize,
        parse: impl FnOnce(&str) -> Result<T, ParseFailure>,
    ) -> Option<T> {
        match self.take(index) {
            Slot::Unset => {
                let spec = self.fields[index];
                let hint = match spec.secret {
                    Some(name) => format!(
                        "not set; set `{}=@kv:{name}` in the environment or `.env`",
                        spec.var
                    ),
                    None => "not set; set it in the environment or in `.env`".to_owned(),
                };
                self.fail(index, SettingError::new(ErrorKind::Missing, hint));
                None
            }
            slot => self.parse_slot(index, slot, parse),
        }
    }

    /// Parses an `Option<T>` field: `Some(None)` when it is unset.
    pub fn optional<T>(
        &mut self,
        index: usize,
        parse: impl FnOnce(&str) -> Result<T, ParseFailure>,
    ) -> Option<Option<T>> {
        match self.take(index) {
            Slot::Unset => Some(None),
            slot => self.parse_slot(index, slot, parse).map(Some),
        }
    }

    /// Parses a field with a default value, used when it is unset.
    pub fn or_default<T>(
        &mut self,
        index: usize,
        parse: impl FnOnce(&str) -> Result<T, ParseFailure>,
        default: impl FnOnce() -> T,
    ) -> Option<T> {
        match self.take(index) {
            Slot::Unset => Some(default()),
            slot => self.parse_slot(index, slot, parse),
        }
    }

    /// Parses a field whose default is a string, parsed like a value when the
    /// field is unset.
    pub fn or_default_str<T>(
        &mut self,
        index: usize,
        parse: impl FnOnce(&str) -> Result<T, ParseFailure>,
        default: &'static str,
    ) -> Option<T> {
        match self.take(index) {
            Slot::Unset => match parse(default) {
                Ok(value) => Some(value),
                Err(failure) => {
                    let detail = format!("the default {}", failure.describe(false));
                    self.fail(index, SettingError::new(ErrorKind::Parse, detail));
                    None
                }
            },
            slot => self.parse_slot(index, slot, parse),
        }
    }

    /// Returns the built struct, or every failure recorded on the way.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, LoadError> {
        match value {
            Some(value) if self.failures.is_empty() => Ok(value),
            _ => {
                let mut failures = self.failures;
                failures.sort_by_key(|(index, _)| *index);
                let mut failures: Vec<SettingError> =
                    failures.into_iter().map(|(_, failure)| failure).collect();
                if failures.is_empty() {
                    failures.push(SettingError::new(
                        ErrorKind::Other,
                        "a field was not built but no failure was recorded; this is a bug in vault-settings",
                    ));
                }
                Err(LoadError::new(failures))
            }
        }
    }

    fn take(&mut self, index: usize) -> Slot {
        std::mem::replace(&mut self.slots[index], Slot::Failed)
    }

    fn parse_slot<T>(
        &mut self,
        index: usize,
        slot: Slot,
        parse: impl FnOnce(&str) -> Result<T, ParseFailure>,
    ) -> Option<T> {
        let result = match &slot {
            Slot::Plain(value) => parse(value),
            Slot::Secret(value) => parse(value.expose_secret()),
            Slot::Unset | Slot::Failed => return None,
        };
        match result {
            Ok(value) => Some(value),
            Err(failure) => {
                let secret = self.fields[index].is_secret();
                let detail = format!("the value {}", failure.describe(secret));
                self.fail(index, SettingError::new(ErrorKind::Parse, detail));
                None
            }
        }
    }

    fn fail(&mut self, index: usize, failure: SettingError) {
        let failure = self.fields[index].attach(failure);
        self.failures.push((index, failure));
    }
}

/// Why a value did not parse into a field's type.
#[derive(Debug, Clone)]
pub struct ParseFailure {
    type_name: &'static str,
    message: String,
}

impl ParseFailure {
    /// Describes the failure; the parser's message is left out for secret
    /// fields, since some parsers echo their input.
    fn describe(&self, secret: bool) -> String {
        if secret {
            format!("cannot be parsed as `{}`", self.type_name)
        } else {
            format!("cannot be parsed as `{}`: {}", self.type_name, self.message)
        }
    }
}

/// Selects how a field's type is parsed, at compile time: `SecretString`
/// directly, anything else through `FromStr`.
///
/// Generated code calls `(&Parse::<T>::new()).parse_setting(raw)`; method
/// resolution picks `ParseSecretString` for `SecretString` (which is not
/// `FromStr`) and `ParseFromStr` for every other type.
pub struct Parse<T>(PhantomData<fn() -> T>);

impl<T> Parse<T> {
    /// Creates the selector.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Parse(PhantomData)
    }
}

/// Parses a `SecretString` field.
pub trait ParseSecretString {
    /// Wraps the raw value.
    fn parse_setting(&self, raw: &str) -> Result<SecretString, ParseFailure>;
}

impl ParseSecretString for Parse<SecretString> {
    fn parse_setting(&self, raw: &str) -> Result<SecretString, ParseFailure> {
        Ok(SecretString::from(raw))
    }
}

/// Parses a field whose type implements `FromStr`.
pub trait ParseFromStr<T> {
    /// Parses the raw value with `FromStr`.
    fn parse_setting(&self, raw: &str) -> Result<T, ParseFailure>;
}

impl<T> ParseFromStr<T> for &Parse<T>
where
    T: FromStr,
    T::Err: Display,
{
    fn parse_setting(&self, raw: &str) -> Result<T, ParseFailure> {
        raw.parse::<T>().map_err(|err| ParseFailure {
            type_name: std::any::type_name::<T>(),
            message: err.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_picks_the_right_parser() {
        let port: u16 = (&Parse::<u16>::new()).parse_setting("8080").unwrap();
        assert_eq!(port, 8080);
        // The borrow is what generated code writes; it selects the parser.
        #[allow(clippy::needless_borrow)]
        let token = (&Parse::<SecretString>::new())
            .parse_setting("s3cr3t")
            .unwrap();
        assert_eq!(token.expose_secret(), "s3cr3t");
        let err = (&Parse::<u16>::new()).parse_setting("").unwrap_err();
        assert_eq!(err.type_name, "u16");
    }

    #[test]
    fn secret_parse_failures_omit_the_parser_message() {
        let err = (&Parse::<u16>::new()).parse_setting("abc").unwrap_err();
        assert!(err.describe(false).contains("invalid digit"));
        assert!(!err.describe(true).contains("invalid digit"));
    }
}
