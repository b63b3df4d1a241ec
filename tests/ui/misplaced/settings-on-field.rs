use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings {
    #[settings(env = "PORT")]
    port: u16,
}

fn main() {}
