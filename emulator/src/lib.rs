//! A local Azure Key Vault (secrets) over HTTPS, for tests and offline
//! development.
//!
//! The emulator speaks the Key Vault secrets REST protocol on loopback with
//! a per-run CA, so the official `SecretClient` (and other SDKs) work
//! against it unchanged. See the crate README for what it covers.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use vault_settings_emulator::Emulator;
//!
//! let emulator = Emulator::builder().seed("github-token", "ghp_example").start().await?;
//! let client = emulator.secret_client()?;
//! let secret = client.get_secret("github-token", None).await?.into_model()?;
//! assert_eq!(secret.value.as_deref(), Some("ghp_example"));
//! # Ok(()) }
//! ```

mod api_version;
pub mod credential;
mod emulator;
pub mod error;
pub mod faults;
pub mod identity;
pub mod limits;
pub mod log;
mod model;
mod operations;
mod random;
mod responses;
pub mod routes;
mod seed;
mod server;
mod service;
pub mod state;
pub mod store;
pub mod tls;
pub mod token;

pub use api_version::{LATEST_API_VERSION, SUPPORTED_API_VERSIONS};
pub use credential::EmulatorCredential;
pub use emulator::{DEFAULT_VAULT_NAME, Emulator, EmulatorBuilder, VAULT_DNS_SUFFIX};
pub use error::EmulatorError;
pub use faults::{Fault, FaultHandle, FaultPlan, FaultRule, ForbiddenReason};
pub use log::RecordedRequest;
pub use routes::Operation;
pub use state::{ACCEPTED_AUDIENCES, CHALLENGE_RESOURCE};
pub use store::{DeletedSecret, NewSecret, SecretVersion, StoreSnapshot, StoredSecret};
pub use tls::TlsMaterial;
pub use token::{MintedToken, TokenClaims, TokenIssuer, TokenRejection, ValidatedToken};

/// Compiles the README's Rust examples as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
