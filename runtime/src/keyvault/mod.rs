//! Azure Key Vault as a [`SecretStore`], over the official `SecretClient`.
//!
//! One store serves the application's vault and any other vault a full
//! identifier names; every client it builds shares one credential, so one
//! token serves them all.

mod challenge;
mod errors;

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use azure_core::{
    credentials::TokenCredential,
    http::{Transport, Url},
};
use azure_security_keyvault_secrets::{
    ResourceExt, SecretClient, SecretClientOptions,
    models::{SecretClientGetSecretOptions, SetSecretParameters},
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    credential::{DefaultCredential, EnvVars},
    reference::SecretRef,
    store::{SecretStore, SecretValue, StoreError, StoreErrorKind, StoredVersion},
    tls,
};

/// Reads and writes secrets in Azure Key Vault.
pub struct KeyVaultStore {
    vault: Url,
    credential: Arc<dyn TokenCredential>,
    options: SecretClientOptions,
    clients: Mutex<HashMap<String, Arc<SecretClient>>>,
}

/// Builds a [`KeyVaultStore`].
pub struct KeyVaultStoreBuilder {
    vault: String,
    credential: Option<Arc<dyn TokenCredential>>,
    options: Option<SecretClientOptions>,
    env_vars: Option<EnvVars>,
}

impl KeyVaultStore {
    /// Starts building a store for the vault at `vault_url`
    /// (`https://NAME.vault.azure.net`).
    pub fn builder(vault_url: &str) -> KeyVaultStoreBuilder {
        KeyVaultStoreBuilder {
            vault: vault_url.to_owned(),
            credential: None,
            options: None,
            env_vars: None,
        }
    }

    /// The application's vault.
    pub fn vault_url(&self) -> &Url {
        &self.vault
    }

    fn client(&self, vault: Option<&Url>) -> Result<Arc<SecretClient>, StoreError> {
        let vault = vault.unwrap_or(&self.vault);
        let key = origin(vault);
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let mut options = self.options.clone();
        let verify = options.verify_challenge_resource.unwrap_or(true);
        let gate = challenge::ChallengeGate::new(self.credential.clone(), verify);
        options.client_options.per_try_policies.push(Arc::new(gate));
        let client =
            SecretClient::new(&key, self.credential.clone(), Some(options)).map_err(|err| {
                StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    format!("cannot create a client for `{key}`"),
                )
                .with_source(err)
            })?;
        let client = Arc::new(client);
        clients.insert(key, client.clone());
        Ok(client)
    }
}

impl KeyVaultStoreBuilder {
    /// Authenticates with `credential` instead of the default chain.
    #[must_use]
    pub fn credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Lets the default credential chain read `vars` instead of the process
    /// environment (it is not used when a credential is given).
    #[must_use]
    pub fn env_vars(mut self, vars: EnvVars) -> Self {
        self.env_vars = Some(vars);
        self
    }

    /// Uses these client options (transport, retry policy, API version).
    /// Without a transport, the store builds one with bounded timeouts.
    #[must_use]
    pub fn client_options(mut self, options: SecretClientOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Checks the URL and builds the store.
    pub fn build(self) -> Result<KeyVaultStore, StoreError> {
        tls::install_crypto_provider();
        // The URL is not repeated in these messages: a mistyped variable may
        // hold something else entirely.
        let invalid = |why: &str| {
            StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!("the vault URL {why}"),
            )
        };
        let vault = Url::parse(self.vault.trim())
            .map_err(|_| invalid("is not a URL; expected https://NAME.vault.azure.net"))?;
        if !vault.username().is_empty() || vault.password().is_some() {
            return Err(invalid("must not contain a user name or password"));
        }
        if vault.scheme() != "https" {
            return Err(invalid(
                "is not an https URL; Key Vault is only reachable over HTTPS",
            ));
        }
        if vault.host_str().is_none() {
            return Err(invalid("has no host"));
        }
        let mut options = self.options.unwrap_or_default();
        if options.client_options.transport.is_none() {
            let client = tls::default_http_client().map_err(|err| {
                StoreError::new(StoreErrorKind::Other, "cannot build the HTTP client")
                    .with_source(err)
            })?;
            options.client_options.transport = Some(Transport::new(Arc::new(client)));
        }
        let credential = match self.credential {
            Some(credential) => credential,
            None => default_credential(&options.client_options, self.env_vars).map_err(|err| {
                StoreError::new(
                    StoreErrorKind::Unauthenticated,
                    format!("cannot set up the default credential: {err}"),
                )
                .with_source(err)
            })?,
        };
        Ok(KeyVaultStore {
            vault,
            credential,
            options,
            clients: Mutex::new(HashMap::new()),
        })
    }
}

#[async_trait]
impl SecretStore for KeyVaultStore {
    async fn get(&self, reference: &SecretRef) -> Result<SecretValue, StoreError> {
        let client = self.client(reference.vault())?;
        let options = SecretClientGetSecretOptions {
            secret_version: reference.version().map(str::to_owned),
            ..Default::default()
        };
        let response = client
            .get_secret(reference.name(), Some(options))
            .await
            .map_err(errors::classify)?;
        let secret = response.into_model().map_err(errors::classify)?;
        let version = secret.resource_id().ok().and_then(|id| id.version);
        let expires = secret.attributes.as_ref().and_then(|a| a.expires);
        let value = secret.value.ok_or_else(|| {
            StoreError::new(StoreErrorKind::Other, "the vault answered without a value")
        })?;
        Ok(SecretValue::new(SecretString::from(value))
            .with_version(version)
            .with_expires(expires))
    }

    async fn set(&self, name: &str, value: &SecretString) -> Result<StoredVersion, StoreError> {
        // A name is part of the request path: an unchecked one (`a/../x`)
        // could send the value somewhere else in the vault.
        crate::reference::validate_name(name)
            .map_err(|err| StoreError::new(StoreErrorKind::InvalidRequest, err.to_string()))?;
        let client = self.client(None)?;
        let parameters = SetSecretParameters {
            value: Some(value.expose_secret().to_owned()),
            ..Default::default()
        };
        let body = parameters.try_into().map_err(errors::classify)?;
        let response = client
            .set_secret(name, body, None)
            .await
            .map_err(errors::classify)?;
        let secret = response.into_model().map_err(errors::classify)?;
        let version = secret.resource_id().ok().and_then(|id| id.version);
        Ok(StoredVersion {
            name: name.to_owned(),
            version,
        })
    }
}

impl fmt::Debug for KeyVaultStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVaultStore")
            .field("vault", &self.vault.as_str())
            .finish_non_exhaustive()
    }
}

/// The credential used when the application gives none: the default chain
/// over the process environment, sending its token requests through the
/// store's transport and retry policy (not its Key Vault policies).
fn default_credential(
    client_options: &azure_core::http::ClientOptions,
    env_vars: Option<EnvVars>,
) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let token_options = azure_core::http::ClientOptions {
        transport: client_options.transport.clone(),
        retry: client_options.retry.clone(),
        ..Default::default()
    };
    let mut builder = DefaultCredential::builder().client_options(token_options);
    if let Some(vars) = env_vars {
        builder = builder.env_vars(vars);
    }
    let credential: Arc<dyn TokenCredential> = builder.build()?;
    Ok(credential)
}

/// `https://host[:port]`, the form `SecretClient` expects.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}
