use vault_settings::VaultSettings;

#[derive(VaultSettings)]
#[kv]
struct Settings {
    port: u16,
}

fn main() {}
