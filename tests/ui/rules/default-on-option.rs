use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[setting(default = 30)]
    timeout_ms: Option<u64>,
}

fn main() {}
