use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[setting(secret = "github-token")]
    github_token: SecretString,
    #[kv(env = "API_KEY")]
    api_key: SecretString,
}

fn main() {}
