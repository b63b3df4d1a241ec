use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    log_level: String,
    #[setting(env = "LOG_LEVEL")]
    verbosity: String,
}

fn main() {}
