use vault_settings::VaultSettings;

#[derive(VaultSettings)]
struct Settings<T> {
    port: T,
}

// The stub `impl` emitted beside the error keeps this call free of further errors.
async fn start() -> Result<Settings<u16>, vault_settings::LoadError> {
    Settings::load().await
}

fn main() {
    drop(start());
}
