//! A canary secret must appear in no `Debug` output, no error message and no
//! log line at any level, from us or from the SDK.

// Some settings structs exist only to be loaded; tests read a few fields.
#![allow(dead_code)]

mod common;

use common::logs;
use vault_settings::{ExposeSecret, SecretString, VaultSettings};

const CANARY: &str = "canary-7f3a9c-do-not-print";

#[derive(Debug, VaultSettings)]
struct App {
    #[kv]
    api_key: SecretString,
    #[kv(secret = "canary")]
    other: Option<SecretString>,
    #[setting(default = 1)]
    workers: u8,
}

#[derive(Debug, VaultSettings)]
struct Misparsed {
    #[kv(secret = "canary")]
    port: u16,
}

#[tokio::test]
async fn a_canary_secret_never_reaches_debug_errors_or_logs() {
    let (captured, _guard) = logs::capture();
    let vault = common::vault().await;
    common::put(&vault, "canary", CANARY);
    let loader = common::loader(
        &vault,
        &[("API_KEY", "@kv:canary"), ("OTHER", "@kv:canary")],
    );

    let app = App::load_with(&loader).await.expect("settings load");
    assert_eq!(
        app.api_key.expose_secret(),
        CANARY,
        "the canary did resolve"
    );
    let debug = format!("{app:?} {loader:?}");
    assert!(!debug.contains(CANARY), "Debug leaked: {debug}");

    // A secret that fails to parse: the parser's message is withheld.
    let loader = common::loader(&vault, &[("PORT", "@kv:canary")]);
    let err = Misparsed::load_with(&loader)
        .await
        .expect_err("a non-number fails");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("`PORT`"), "{shown}");
    assert!(!shown.contains(CANARY), "the error leaked: {shown}");
    for failure in err.failures() {
        let mut source = std::error::Error::source(failure);
        while let Some(cause) = source {
            assert!(!format!("{cause} {cause:?}").contains(CANARY));
            source = cause.source();
        }
    }

    // A plain value on a #[kv] field under `require_references`.
    let loader = common::loader(&vault, &[("API_KEY", CANARY)]).require_references(true);
    let err = App::load_with(&loader)
        .await
        .expect_err("plain values are refused");
    assert!(!format!("{err} {err:?}").contains(CANARY));

    let logs = captured.text();
    assert!(
        logs.contains("loaded settings"),
        "logs were captured: {logs}"
    );
    assert!(!logs.contains(CANARY), "a log line leaked the canary");
}
