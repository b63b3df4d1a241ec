use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[setting(env = LOG_LEVEL)]
    log: String,
    #[kv(secret = 7)]
    token: SecretString,
}

fn main() {}
