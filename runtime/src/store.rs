//! The `SecretStore` abstraction: where resolved secrets come from and where
//! secrets are stored.

use std::{error::Error as StdError, fmt, sync::Arc};

use async_trait::async_trait;
use secrecy::SecretString;
use time::OffsetDateTime;

use crate::reference::SecretRef;

/// A source and sink of secrets, such as Azure Key Vault.
///
/// The trait is object-safe so applications and tests can hand the loader
/// their own store as `Arc<dyn SecretStore>`.
#[async_trait]
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// Fetches the secret `reference` points at.
    async fn get(&self, reference: &SecretRef) -> Result<SecretValue, StoreError>;

    /// Stores `value` as a new version of the secret `name` and returns the
    /// version that was created. Loading never calls it; a read-only store
    /// can keep this default, which refuses.
    async fn set(&self, name: &str, value: &SecretString) -> Result<StoredVersion, StoreError> {
        let _ = value;
        Err(StoreError::new(
            StoreErrorKind::InvalidRequest,
            format!("this store is read-only; `{name}` was not stored"),
        ))
    }
}

#[async_trait]
impl<S: SecretStore + ?Sized> SecretStore for Arc<S> {
    async fn get(&self, reference: &SecretRef) -> Result<SecretValue, StoreError> {
        (**self).get(reference).await
    }

    async fn set(&self, name: &str, value: &SecretString) -> Result<StoredVersion, StoreError> {
        (**self).set(name, value).await
    }
}

/// A fetched secret: its value, and what the store said about it.
pub struct SecretValue {
    value: SecretString,
    version: Option<String>,
    expires: Option<OffsetDateTime>,
}

impl SecretValue {
    /// Wraps a value with no metadata.
    pub fn new(value: SecretString) -> Self {
        SecretValue {
            value,
            version: None,
            expires: None,
        }
    }

    /// Records the version the store returned.
    #[must_use]
    pub fn with_version(mut self, version: Option<String>) -> Self {
        self.version = version;
        self
    }

    /// Records the secret's expiry time.
    #[must_use]
    pub fn with_expires(mut self, expires: Option<OffsetDateTime>) -> Self {
        self.expires = expires;
        self
    }

    /// The secret value.
    pub fn value(&self) -> &SecretString {
        &self.value
    }

    /// The version the store returned, if it said.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// When the secret expires, if it has an expiry. Key Vault still returns
    /// expired secrets; the loader warns about them.
    pub fn expires(&self) -> Option<OffsetDateTime> {
        self.expires
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValue")
            .field("value", &"[redacted]")
            .field("version", &self.version)
            .field("expires", &self.expires)
            .finish()
    }
}

/// The version a `set` created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    /// The secret's name.
    pub name: String,
    /// The new version's id, when the store has versions.
    pub version: Option<String>,
}

/// What kind of failure a store reported.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The secret, or the pinned version, does not exist.
    NotFound,
    /// The secret exists but is disabled.
    Disabled,
    /// The vault's firewall rejected the caller's address.
    ForbiddenByFirewall {
        /// The caller's address as the vault saw it, when it said.
        client_address: Option<String>,
    },
    /// Public network access to the vault is off; only private links may call it.
    ForbiddenByConnection,
    /// The caller is authenticated but lacks permission (RBAC or access policy).
    AccessDenied,
    /// No valid token: the credential failed or the vault refused the token.
    Unauthenticated,
    /// The vault throttled the caller and retries ran out.
    Throttled,
    /// The vault could not be reached (connection, TLS, DNS).
    Network,
    /// The request did not finish in time.
    Timeout,
    /// The vault answered with a server error (5xx) and retries ran out.
    Unavailable,
    /// The vault URL or the request was invalid.
    InvalidRequest,
    /// Any other failure.
    Other,
}

impl StoreErrorKind {
    /// A short, lowercase description of the kind.
    pub fn describe(&self) -> &'static str {
        match self {
            StoreErrorKind::NotFound => "not found",
            StoreErrorKind::Disabled => "disabled",
            StoreErrorKind::ForbiddenByFirewall { .. } => "forbidden by the vault firewall",
            StoreErrorKind::ForbiddenByConnection => "forbidden: public network access is disabled",
            StoreErrorKind::AccessDenied => "access denied",
            StoreErrorKind::Unauthenticated => "unauthenticated",
            StoreErrorKind::Throttled => "throttled",
            StoreErrorKind::Network => "network error",
            StoreErrorKind::Timeout => "timed out",
            StoreErrorKind::Unavailable => "the vault is unavailable",
            StoreErrorKind::InvalidRequest => "invalid request",
            StoreErrorKind::Other => "failed",
        }
    }

    /// What the user can do about this kind of failure.
    pub fn advice(&self) -> &'static str {
        match self {
            StoreErrorKind::NotFound => {
                "create the secret, or fix the name or version in the reference"
            }
            StoreErrorKind::Disabled => {
                "enable the secret, or point the reference at an enabled version"
            }
            StoreErrorKind::ForbiddenByFirewall { .. } => {
                "add this machine's public address to the vault's network rules (Networking, Firewall)"
            }
            StoreErrorKind::ForbiddenByConnection => {
                "enable public network access on the vault, or call it through its private endpoint"
            }
            StoreErrorKind::AccessDenied => {
                "grant the caller `get` on secrets (role Key Vault Secrets User, or an access policy)"
            }
            StoreErrorKind::Unauthenticated => {
                "check the credential: run `az login`, or set `AZURE_CLIENT_ID` and its secret or certificate"
            }
            StoreErrorKind::Throttled => "reduce the request rate or try again later",
            StoreErrorKind::Network => "check `KEY_VAULT_URL` and the network path to the vault",
            StoreErrorKind::Timeout => {
                "check the network path to the vault, or raise the load deadline"
            }
            StoreErrorKind::Unavailable => "try again later; the client already retried",
            StoreErrorKind::InvalidRequest => "check `KEY_VAULT_URL` and the reference",
            StoreErrorKind::Other => "see the cause below",
        }
    }
}

/// A failure reported by a secret store. Its text never holds a secret value.
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl StoreError {
    /// Creates an error of `kind` with a message that must not contain any
    /// secret value.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> &StoreErrorKind {
        &self.kind
    }

    /// The store's own message (for Key Vault, the service's error message).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
