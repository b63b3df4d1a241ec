use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings(u16, String);

fn main() {}
