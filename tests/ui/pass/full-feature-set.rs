//! Every attribute and field form together, as the derive's documentation shows them.

#![deny(warnings)]

use vault_settings::{LoadError, Loader, SecretString, VaultSettings};

#[derive(VaultSettings)]
#[settings(env_prefix = "APP_", secret_prefix = "app-")]
struct Settings {
    #[kv]
    github_token: SecretString,
    #[kv(secret = "acs-connection")]
    acs_connection_string: SecretString,
    #[kv(secret = "openai-api-key")]
    azure_openai_api_key: Option<SecretString>,
    #[setting(default = 8080)]
    port: u16,
    #[setting(default = "polyclaw")]
    bot_name: String,
    #[setting(env = "LOG_LEVEL", default)]
    log: String,
    #[kv]
    #[setting(env = "DB_PW")]
    db_password: SecretString,
    timeout_ms: Option<u64>,
    #[kv]
    #[setting(default = "5")]
    max_connections: u32,
    #[setting(default = Self::DEFAULT_RETRIES)]
    retries: u8,
    workers: std::option::Option<usize>,
    r#type: String,
}

impl Settings {
    const DEFAULT_RETRIES: u8 = 3;
}

async fn start(loader: &Loader) -> Result<(Settings, Settings), LoadError> {
    Ok((Settings::load().await?, Settings::load_with(loader).await?))
}

fn main() {
    // Building the future checks the types; it is never polled, so nothing is read.
    let loader = Loader::new();
    drop(start(&loader));
}
