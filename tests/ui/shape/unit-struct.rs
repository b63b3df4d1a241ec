use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings;

fn main() {}
