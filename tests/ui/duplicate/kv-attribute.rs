use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[kv]
    #[kv]
    github_token: SecretString,
}

fn main() {}
