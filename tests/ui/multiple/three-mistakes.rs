use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[setting(evn = "LOG_LEVEL")]
    log: String,
    #[kv(secret = "db_password")]
    db_password: SecretString,
    #[setting(env = "PORT", env = "HTTP_PORT")]
    port: u16,
}

// The stub `impl` keeps call sites quiet: only the three mistakes above are reported.
async fn start() -> Result<Settings, vault_settings::LoadError> {
    Settings::load().await
}

fn main() {
    drop(start());
}
