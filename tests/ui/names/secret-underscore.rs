use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[kv(secret = "github_token")]
    github_token: SecretString,
}

fn main() {}
