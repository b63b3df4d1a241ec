use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[setting(env = "LOG-LEVEL")]
    log: String,
    #[setting(env = "1PORT")]
    port: u16,
}

fn main() {}
