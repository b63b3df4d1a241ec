use vault_settings::{SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[kv(secret = "my.secret")]
    dotted: SecretString,
    #[kv(secret = "")]
    empty: SecretString,
}

fn main() {}
