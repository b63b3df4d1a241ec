//! Runtime of `vault-settings`: secret references, setting sources, secret
//! stores (Azure Key Vault), credentials and the loader that the derive calls.
//!
//! Applications use this crate through the `vault-settings` facade.

pub mod credential;
#[doc(hidden)]
pub mod derive;
pub mod env_file;
pub mod error;
pub mod keyvault;
pub mod loader;
pub mod reference;
mod sources;
pub mod store;
mod tls;

pub use error::{ErrorKind, LoadError, SettingError};
pub use keyvault::KeyVaultStore;
pub use loader::Loader;
pub use reference::SecretRef;
pub use secrecy::{ExposeSecret, SecretString};
pub use store::{SecretStore, SecretValue, StoreError, StoreErrorKind, StoredVersion};
