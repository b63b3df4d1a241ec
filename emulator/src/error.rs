//! The emulator's error type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Describes why the emulator could not be set up or driven.
///
/// Messages name the file, address or secret name involved and never contain
/// a secret value or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// Generating the per-run CA or server certificate failed.
    #[error("failed to generate the emulator's certificates")]
    Certificate(#[source] rcgen::Error),
    /// Building the TLS server configuration failed.
    #[error("failed to build the emulator's TLS configuration")]
    Tls(#[source] rustls::Error),
    /// Building an HTTP client that trusts the emulator's CA failed.
    #[error("failed to build an HTTP client for the emulator")]
    HttpClient(#[source] reqwest::Error),
    /// Building the official `SecretClient` failed.
    #[error("failed to build a Key Vault client for the emulator")]
    SecretClient(#[source] azure_core::Error),
    /// The requested bind address is not a loopback address.
    #[error("refusing to bind the emulator to `{0}`; only loopback addresses are allowed")]
    NotLoopback(SocketAddr),
    /// Binding the listening socket failed.
    #[error("failed to bind the emulator to `{addr}`")]
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A vault name does not follow Key Vault's rules (3 to 24 letters, digits and `-`).
    #[error("invalid vault name `{0}`; use 3 to 24 ASCII letters, digits and single dashes")]
    InvalidVaultName(String),
    /// A secret name does not follow Key Vault's rules (1 to 127 letters, digits and `-`).
    #[error("invalid secret name `{0}`; use 1 to 127 ASCII letters, digits and `-`")]
    InvalidSecretName(String),
    /// A secret value is larger than the service's limit.
    #[error("the value of secret `{name}` is {len} bytes; the limit is {limit} bytes")]
    ValueTooLarge {
        /// The secret's name.
        name: String,
        /// The value's length in bytes.
        len: usize,
        /// The service limit in bytes.
        limit: usize,
    },
    /// A secret cannot be stored because its name belongs to a soft-deleted
    /// secret (recover or purge it first).
    #[error("secret `{0}` is deleted but recoverable; recover or purge it before reusing the name")]
    SecretDeleted(String),
    /// Reading a seed or fault-plan file failed.
    #[error("failed to read `{path}`")]
    ReadFile {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A seed file could not be parsed.
    #[error("invalid seed file `{path}`: {reason}")]
    Seed {
        /// The seed file.
        path: PathBuf,
        /// What is wrong, without any value from the file.
        reason: String,
    },
    /// A fault plan could not be parsed.
    #[error("invalid fault plan: {reason}")]
    FaultPlan {
        /// What is wrong.
        reason: String,
    },
}
