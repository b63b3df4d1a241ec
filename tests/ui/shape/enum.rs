use vault_settings::VaultSettings;

#[derive(VaultSettings)]
enum Settings {
    Port(u16),
}

fn main() {}
