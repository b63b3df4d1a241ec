use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[setting(env = "LOG_LEVEL", env = "RUST_LOG")]
    log: String,
}

fn main() {}
