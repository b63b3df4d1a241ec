//! Loads a settings struct whose secrets live in Key Vault.
//!
//! By default the example starts the local vault on 127.0.0.1, stores the
//! five secrets in it through the official client, and loads
//! `examples/quickstart.env` over HTTPS. With `KEY_VAULT_URL` set in the
//! environment (and `az login` done), it loads from that vault instead.
//!
//! ```sh
//! cargo run --example quickstart
//! KEY_VAULT_URL=https://my-kv.vault.azure.net cargo run --example quickstart
//! ```

use std::{
    error::Error,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use vault_settings::{
    KeyVaultStore, Loader, SecretRef, SecretStore, SecretString, SecretValue, StoreError,
    VaultSettings, async_trait, store::StoredVersion,
};
use vault_settings_emulator::Emulator;

#[derive(VaultSettings)]
struct Settings {
    #[kv]
    github_token: SecretString,
    #[kv]
    bot_app_password: SecretString,
    #[kv]
    admin_secret: SecretString,
    #[kv(secret = "acs-connection")]
    acs_connection_string: SecretString,
    #[kv(secret = "openai-api-key")]
    azure_openai_api_key: Option<SecretString>,
    #[setting(default = 8080)]
    port: u16,
    bot_name: String,
}

/// Fake values stored in the local vault.
const DEMO_SECRETS: [(&str, &str); 5] = [
    ("github-token", "ghp_demo_0000000000000000000000000000"),
    ("bot-app-password", "demo-bot-password"),
    ("admin-secret", "demo-admin-secret"),
    (
        "acs-connection",
        "endpoint=https://demo.communication.azure.com/;accesskey=ZGVtbw==",
    ),
    ("openai-api-key", "demo-openai-key"),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let env_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.env");

    let (store, source, _vault) = match std::env::var("KEY_VAULT_URL") {
        Ok(url) => {
            let store = KeyVaultStore::builder(&url).build()?;
            (store, format!("Azure Key Vault at {url}"), None)
        }
        Err(_) => {
            let vault = start_local_vault().await?;
            let store = KeyVaultStore::builder(&vault.vault_url())
                .credential(vault.credential())
                .client_options(vault.client_options())
                .build()?;
            (
                store,
                format!("the local vault at {}", vault.vault_url()),
                Some(vault),
            )
        }
    };
    let counted = Arc::new(CountingStore::new(store));
    let loader = Loader::new().env_file(&env_file).store(counted.clone());

    let started = Instant::now();
    let settings = Settings::load_with(&loader).await?;
    let elapsed = started.elapsed();

    println!("loaded examples/quickstart.env from {source}");
    println!(
        "  github_token          = {}",
        redacted(&settings.github_token)
    );
    println!(
        "  bot_app_password      = {}",
        redacted(&settings.bot_app_password)
    );
    println!(
        "  admin_secret          = {}",
        redacted(&settings.admin_secret)
    );
    println!(
        "  acs_connection_string = {}",
        redacted(&settings.acs_connection_string)
    );
    println!(
        "  azure_openai_api_key  = {}",
        settings
            .azure_openai_api_key
            .as_ref()
            .map_or("(unset)", redacted)
    );
    println!("  port                  = {}", settings.port);
    println!("  bot_name              = {}", settings.bot_name);
    println!(
        "fetched {} secrets over HTTPS in {:.1} ms",
        counted.fetches(),
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Starts the emulator and stores the demo secrets through the official client.
async fn start_local_vault() -> Result<Emulator, Box<dyn Error>> {
    use vault_settings::azure::azure_security_keyvault_secrets::models::SetSecretParameters;

    let vault = Emulator::start().await?;
    let client = vault.secret_client()?;
    for (name, value) in DEMO_SECRETS {
        let parameters = SetSecretParameters {
            value: Some(value.to_owned()),
            ..Default::default()
        };
        client
            .set_secret(name, parameters.try_into()?, None)
            .await?;
    }
    Ok(vault)
}

/// Shows that a secret is set without showing any of it.
fn redacted(_: &SecretString) -> &'static str {
    "[redacted]"
}

/// Wraps a store and counts the secrets it fetched.
#[derive(Debug)]
struct CountingStore<S> {
    inner: S,
    fetches: AtomicUsize,
}

impl<S> CountingStore<S> {
    fn new(inner: S) -> Self {
        CountingStore {
            inner,
            fetches: AtomicUsize::new(0),
        }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl<S: SecretStore> SecretStore for CountingStore<S> {
    async fn get(&self, reference: &SecretRef) -> Result<SecretValue, StoreError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        self.inner.get(reference).await
    }

    async fn set(&self, name: &str, value: &SecretString) -> Result<StoredVersion, StoreError> {
        self.inner.set(name, value).await
    }
}
