//! `KeyVaultStore` on its own: the store behind the loader, over the
//! official client against the local vault.

mod common;

use vault_settings::{
    ExposeSecret, KeyVaultStore, SecretRef, SecretStore, SecretString, StoreErrorKind,
};

fn store(vault: &vault_settings_emulator::Emulator) -> KeyVaultStore {
    KeyVaultStore::builder(&vault.vault_url())
        .credential(vault.credential())
        .client_options(vault.client_options())
        .build()
        .expect("the store builds")
}

#[tokio::test]
async fn set_then_get_round_trips_and_reports_versions() {
    let vault = common::vault().await;
    let store = store(&vault);

    let first = store
        .set("api-key", &SecretString::from("v1"))
        .await
        .expect("stored");
    let second = store
        .set("api-key", &SecretString::from("v2"))
        .await
        .expect("stored");
    assert_ne!(
        first.version, second.version,
        "each set makes a new version"
    );

    let latest = store
        .get(&SecretRef::latest("api-key").unwrap())
        .await
        .expect("fetched");
    assert_eq!(latest.value().expose_secret(), "v2");
    assert_eq!(latest.version(), second.version.as_deref());
    let pinned = format!("@kv:api-key/{}", first.version.as_deref().unwrap());
    let pinned = SecretRef::parse(&pinned).unwrap().unwrap();
    let old = store.get(&pinned).await.expect("fetched");
    assert_eq!(old.value().expose_secret(), "v1");
}

#[tokio::test]
async fn set_refuses_names_that_break_the_rule_without_sending_them() {
    let vault = common::vault().await;
    let store = store(&vault);

    for name in ["x/../../keys/k", "a/b", "a?x=1", "bad_name", ""] {
        let err = store
            .set(name, &SecretString::from("value"))
            .await
            .expect_err("the name is refused");
        assert_eq!(err.kind(), &StoreErrorKind::InvalidRequest, "{name:?}");
    }
    assert!(vault.requests().is_empty(), "{:?}", vault.requests());
}

#[test]
fn vault_urls_must_be_https_without_credentials() {
    for url in [
        "http://my-kv.vault.azure.net",
        "https://admin:pw@my-kv.vault.azure.net",
        "not a url",
    ] {
        let err = KeyVaultStore::builder(url)
            .build()
            .expect_err("the URL is refused");
        assert_eq!(err.kind(), &StoreErrorKind::InvalidRequest, "{url}");
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
