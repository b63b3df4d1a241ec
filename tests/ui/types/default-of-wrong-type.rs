use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[setting(default = 8080)]
    bot_name: String,
}

fn main() {}
