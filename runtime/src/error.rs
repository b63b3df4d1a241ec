//! Load errors: every failing setting of one load, reported together.
//!
//! Each failure names the field, the variable, the secret (name and version)
//! and the vault host when they apply, says what kind of failure it is and
//! what to do. No failure ever holds a secret value, a token or a full
//! `.env` line.

use std::{error::Error as StdError, fmt};

use crate::store::{StoreError, StoreErrorKind};

/// What kind of failure one setting had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A required setting is set nowhere.
    Missing,
    /// The value (or default) did not parse into the field's type.
    Parse,
    /// The value starts with `@kv:` but is not a valid reference.
    BadReference,
    /// A reference on a field that is not marked `#[kv]`.
    ReferenceOnPlainField,
    /// A plain value on a `#[kv]` field while the loader requires references.
    ReferenceRequired,
    /// A reference but no vault: `KEY_VAULT_URL` is unset and no store was given.
    NoVault,
    /// A full identifier names a host that is not a known Key Vault host.
    VaultHostNotAllowed,
    /// The secret or the pinned version does not exist.
    NotFound,
    /// The secret is disabled.
    Disabled,
    /// The vault firewall rejected the caller's address.
    ForbiddenByFirewall,
    /// Public network access to the vault is disabled.
    ForbiddenByConnection,
    /// The caller lacks permission (RBAC or access policy).
    AccessDenied,
    /// The credential produced no valid token.
    Unauthenticated,
    /// The vault throttled the caller.
    Throttled,
    /// The vault could not be reached.
    Network,
    /// The load deadline passed before the secret arrived.
    Timeout,
    /// The vault kept answering with server errors.
    Unavailable,
    /// The `.env` file could not be read or parsed.
    EnvFile,
    /// The vault configuration (such as `KEY_VAULT_URL`) is invalid.
    Config,
    /// Any other store failure.
    Other,
}

impl ErrorKind {
    fn from_store(kind: &StoreErrorKind) -> Self {
        match kind {
            StoreErrorKind::NotFound => ErrorKind::NotFound,
            StoreErrorKind::Disabled => ErrorKind::Disabled,
            StoreErrorKind::ForbiddenByFirewall { .. } => ErrorKind::ForbiddenByFirewall,
            StoreErrorKind::ForbiddenByConnection => ErrorKind::ForbiddenByConnection,
            StoreErrorKind::AccessDenied => ErrorKind::AccessDenied,
            StoreErrorKind::Unauthenticated => ErrorKind::Unauthenticated,
            StoreErrorKind::Throttled => ErrorKind::Throttled,
            StoreErrorKind::Network => ErrorKind::Network,
            StoreErrorKind::Timeout => ErrorKind::Timeout,
            StoreErrorKind::Unavailable => ErrorKind::Unavailable,
            StoreErrorKind::InvalidRequest => ErrorKind::Config,
            StoreErrorKind::Other => ErrorKind::Other,
        }
    }
}

/// One failing setting.
pub struct SettingError {
    inner: Box<Details>,
}

#[derive(Debug)]
struct Details {
    kind: ErrorKind,
    field: Option<&'static str>,
    var: Option<String>,
    secret: Option<String>,
    vault: Option<String>,
    detail: String,
    store_kind: Option<StoreErrorKind>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl SettingError {
    /// Creates a failure of `kind`; `detail` must not contain a secret value.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        SettingError {
            inner: Box::new(Details {
                kind,
                field: None,
                var: None,
                secret: None,
                vault: None,
                detail: detail.into(),
                store_kind: None,
                source: None,
            }),
        }
    }

    /// Wraps a store failure for `secret` in `vault`.
    pub(crate) fn from_store(error: &StoreError, secret: String, vault: Option<String>) -> Self {
        let kind = ErrorKind::from_store(error.kind());
        let advice = error.kind().advice();
        let mut detail = error.kind().describe().to_owned();
        match error.kind() {
            StoreErrorKind::ForbiddenByFirewall {
                client_address: Some(addr),
            } => detail.push_str(&format!(" (client address {addr})")),
            // For these kinds the store's own message is the useful part: the
            // credential chain's report, the transport's reason.
            StoreErrorKind::Unauthenticated
            | StoreErrorKind::Network
            | StoreErrorKind::Unavailable
            | StoreErrorKind::InvalidRequest
            | StoreErrorKind::Other
                if !error.message().is_empty() =>
            {
                detail.push_str(": ");
                detail.push_str(error.message());
            }
            _ => {}
        }
        // A multi-line report (the credential chain's) carries its own hints.
        if !detail.contains('\n') {
            detail.push_str("; ");
            detail.push_str(advice);
        }
        let mut failure = SettingError::new(kind, detail);
        failure.inner.secret = Some(secret);
        failure.inner.vault = vault;
        failure.inner.store_kind = Some(error.kind().clone());
        failure
    }

    /// Names the field the failure belongs to.
    #[must_use]
    pub fn with_field(mut self, field: &'static str) -> Self {
        self.inner.field = Some(field);
        self
    }

    /// Names the variable the failure belongs to.
    #[must_use]
    pub fn with_var(mut self, var: impl Into<String>) -> Self {
        self.inner.var = Some(var.into());
        self
    }

    /// Names the secret the failure belongs to.
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.inner.secret = Some(secret.into());
        self
    }

    /// Names the vault host the failure belongs to.
    #[must_use]
    pub fn with_vault(mut self, vault: Option<String>) -> Self {
        self.inner.vault = vault;
        self
    }

    /// Attaches the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The struct field, when the failure belongs to one.
    pub fn field(&self) -> Option<&str> {
        self.inner.field
    }

    /// The variable, when the failure belongs to one.
    pub fn var(&self) -> Option<&str> {
        self.inner.var.as_deref()
    }

    /// The secret reference (`name` or `name/version`), when one was involved.
    pub fn secret(&self) -> Option<&str> {
        self.inner.secret.as_deref()
    }

    /// The vault host, when a vault was involved.
    pub fn vault(&self) -> Option<&str> {
        self.inner.vault.as_deref()
    }

    /// What went wrong and what to do, in one clause.
    pub fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// The store's own failure kind, when the failure came from the store.
    pub fn store_kind(&self) -> Option<&StoreErrorKind> {
        self.inner.store_kind.as_ref()
    }
}

/// `Debug` shows the failure's own facts; the cause is reachable through
/// `source()`.
impl fmt::Debug for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingError")
            .field("kind", &self.inner.kind)
            .field("field", &self.inner.field)
            .field("var", &self.inner.var)
            .field("secret", &self.inner.secret)
            .field("vault", &self.inner.vault)
            .field("detail", &self.inner.detail)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut context = Vec::new();
        if let Some(field) = self.inner.field {
            context.push(format!("field `{field}`"));
        }
        if let Some(secret) = &self.inner.secret {
            match &self.inner.vault {
                Some(vault) => context.push(format!("secret `{secret}` in `{vault}`")),
                None => context.push(format!("secret `{secret}`")),
            }
        }
        match (&self.inner.var, context.is_empty()) {
            (Some(var), true) => write!(f, "`{var}`: ")?,
            (Some(var), false) => write!(f, "`{var}` ({}): ", context.join(", "))?,
            (None, false) => write!(f, "{}: ", context.join(", "))?,
            (None, true) => {}
        }
        f.write_str(&self.inner.detail)
    }
}

impl StdError for SettingError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Why loading settings failed: every failing setting at once.
pub struct LoadError {
    failures: Vec<SettingError>,
}

impl LoadError {
    /// Builds an error from the failures of one load.
    pub fn new(failures: Vec<SettingError>) -> Self {
        LoadError { failures }
    }

    /// Every failing setting, in field order.
    pub fn failures(&self) -> &[SettingError] {
        &self.failures
    }

    /// Finds the failure of the field `field`.
    pub fn failure_of(&self, field: &str) -> Option<&SettingError> {
        self.failures.iter().find(|f| f.field() == Some(field))
    }

    /// Tells whether any failure is of `kind`.
    pub fn has_kind(&self, kind: ErrorKind) -> bool {
        self.failures.iter().any(|f| f.kind() == kind)
    }
}

impl From<SettingError> for LoadError {
    fn from(failure: SettingError) -> Self {
        LoadError::new(vec![failure])
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failures.as_slice() {
            [] => f.write_str("failed to load settings"),
            [one] => write!(f, "failed to load settings: {one}"),
            many => {
                write!(f, "failed to load {} settings:", many.len())?;
                for failure in many {
                    // A failure's own list (the credential chain's steps)
                    // nests under it.
                    let text = failure.to_string().replace('\n', "\n    ");
                    write!(f, "\n  - {text}")?;
                }
                Ok(())
            }
        }
    }
}

/// `Debug` reads like `Display`, so `main() -> Result<(), LoadError>` prints
/// the list of failures rather than a dump of internals.
impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A `LoadError` is an aggregate: its failures are in
/// [`failures`](LoadError::failures), and its text already holds each of
/// them, so it names no single source.
impl StdError for LoadError {}
