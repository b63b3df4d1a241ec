//! Runtime of `vault-settings`: secret references, setting sources, secret
//! stores (Azure Key Vault), credentials and the loader that the derive calls.
//!
//! Applications use this crate through the `vault-settings` facade.

pub mod credential;
pub mod derive;
pub mod env_file;
pub mod error;
pub mod keyvault;
pub mod loader;
pub mod reference;
pub mod sources;
pub mod store;
mod tls;

pub use error::{ErrorKind, LoadError, SettingError};
pub use keyvault::KeyVaultStore;
pub use loader::Loader;
pub use reference::SecretRef;
pub use secrecy::{ExposeSecret, SecretString};
pub use store::{SecretStore, SecretValue, StoreError, StoreErrorKind};
