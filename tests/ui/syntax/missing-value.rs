use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[setting(env)]
    log: String,
    #[kv = "github-token"]
    token: SecretString,
    #[setting]
    port: u16,
}

fn main() {}
