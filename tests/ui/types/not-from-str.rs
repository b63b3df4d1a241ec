use vault_settings::VaultSettings;

struct Endpoint {
    host: String,
}

#[derive(VaultSettings)]
struct Settings {
    endpoint: Endpoint,
    port: u16,
}

fn main() {}
