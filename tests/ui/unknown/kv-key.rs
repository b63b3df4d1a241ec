use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[kv(secrte = "github-token")]
    github_token: SecretString,
    #[kv(vault = "other")]
    api_key: SecretString,
}

fn main() {}
