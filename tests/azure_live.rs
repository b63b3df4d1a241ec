//! An opt-in check against a real vault. It runs only when
//! `VAULT_SETTINGS_LIVE_VAULT_URL` names a vault and
//! `VAULT_SETTINGS_LIVE_SECRET` names a secret in it that the default
//! credential chain may read; otherwise it is skipped, so no test reaches
//! Azure by default.

use vault_settings::{
    ExposeSecret, Loader, SecretString, VaultSettings, credential::DefaultCredential,
};

#[derive(VaultSettings)]
struct Live {
    #[kv]
    live_secret: SecretString,
}

#[tokio::test]
async fn loads_a_secret_from_a_real_vault_when_asked_to() {
    let (Ok(url), Ok(secret)) = (
        std::env::var("VAULT_SETTINGS_LIVE_VAULT_URL"),
        std::env::var("VAULT_SETTINGS_LIVE_SECRET"),
    ) else {
        eprintln!(
            "skipped: set VAULT_SETTINGS_LIVE_VAULT_URL and VAULT_SETTINGS_LIVE_SECRET to run it"
        );
        return;
    };
    // The credential chain reads the real process environment (PATH for
    // `az`, AZURE_* for a service principal); the settings come from a map.
    let credential = DefaultCredential::new().expect("the default chain builds");
    let loader = Loader::new()
        .no_env_file()
        .env_vars([("LIVE_SECRET", format!("@kv:{secret}"))])
        .vault_url(url)
        .credential(credential);

    let live = Live::load_with(&loader)
        .await
        .expect("the live secret loads");

    assert!(!live.live_secret.expose_secret().is_empty());
}
