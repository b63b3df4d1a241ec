use vault_settings::VaultSettings;

#[derive(VaultSettings)]
#[settings(env_prefx = "APP_")]
struct Settings {
    port: u16,
}

fn main() {}
