use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[setting(evn = "LOG_LEVEL")]
    log: String,
}

fn main() {}
