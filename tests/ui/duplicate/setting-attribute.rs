use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[setting(env = "LOG_LEVEL")]
    #[setting(default)]
    log: String,
}

fn main() {}
