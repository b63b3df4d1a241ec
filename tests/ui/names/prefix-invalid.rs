use vault_settings::VaultSettings;

#[derive(VaultSettings)]
#[settings(env_prefix = "APP-", secret_prefix = "app_")]
struct Settings {
    port: u16,
}

fn main() {}
