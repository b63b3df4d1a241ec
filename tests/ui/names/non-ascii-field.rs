use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    café: String,
}

fn main() {}
