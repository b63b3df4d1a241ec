use vault_settings::VaultSettings;

// A broken attribute stops the derive before the cross-field rules run, so the `default`
// on an `Option` field below is reported only once the attribute is fixed.
#[derive(VaultSettings)]
struct Settings {
    #[setting(evn = "PORT")]
    port: u16,
    #[setting(default = 30)]
    timeout_ms: Option<u64>,
}

fn main() {}
