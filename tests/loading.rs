//! Loading end to end: the derive, the loader and the official Key Vault
//! client against the local vault over HTTPS.

// Some settings structs exist only to be loaded; tests read a few fields.
#![allow(dead_code)]

mod common;

use std::time::Duration;

use vault_settings::{ErrorKind, ExposeSecret, SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Bot {
    #[kv]
    github_token: SecretString,
    #[kv(secret = "acs-connection")]
    acs_connection_string: SecretString,
    #[kv(secret = "openai-api-key")]
    azure_openai_api_key: Option<SecretString>,
    #[setting(default = 8080)]
    port: u16,
    #[setting(default = "polyclaw")]
    bot_name: String,
    log_level: Option<String>,
}

#[tokio::test]
async fn kv_fields_resolve_and_plain_fields_parse() {
    let vault = common::vault().await;
    common::put(&vault, "github-token", "ghp_fake_token_1");
    common::put(
        &vault,
        "acs-connection",
        "endpoint=https://acs.example/;key=fake",
    );
    let loader = common::loader(
        &vault,
        &[
            ("GITHUB_TOKEN", "@kv:github-token"),
            ("ACS_CONNECTION_STRING", "@kv:acs-connection"),
            ("PORT", "9000"),
        ],
    );

    let bot = Bot::load_with(&loader).await.expect("settings load");

    assert_eq!(bot.github_token.expose_secret(), "ghp_fake_token_1");
    assert_eq!(
        bot.acs_connection_string.expose_secret(),
        "endpoint=https://acs.example/;key=fake"
    );
    assert!(
        bot.azure_openai_api_key.is_none(),
        "an unset Option is None"
    );
    assert_eq!(bot.port, 9000);
    assert_eq!(bot.bot_name, "polyclaw", "the string default applies");
    assert_eq!(bot.log_level, None);
}

#[derive(VaultSettings)]
struct Mixed {
    #[kv]
    github_token: SecretString,
    bot_name: String,
}

#[tokio::test]
async fn a_reference_on_a_plain_field_is_an_error_naming_the_field() {
    let vault = common::vault().await;
    common::put(&vault, "github-token", "ghp_fake_token_2");
    let loader = common::loader(
        &vault,
        &[
            ("GITHUB_TOKEN", "@kv:github-token"),
            ("BOT_NAME", "@kv:github-token"),
        ],
    );

    let err = Mixed::load_with(&loader)
        .await
        .err()
        .expect("loading fails");

    let failure = err.failure_of("bot_name").expect("bot_name fails");
    assert_eq!(failure.kind(), ErrorKind::ReferenceOnPlainField);
    assert_eq!(failure.var(), Some("BOT_NAME"));
    let text = err.to_string();
    assert!(
        text.contains("`bot_name`") && text.contains("#[kv]"),
        "{text}"
    );
    assert!(
        err.failure_of("github_token").is_none(),
        "the #[kv] field itself resolved: {text}"
    );
    assert!(!text.contains("ghp_fake_token_2"));
}

#[derive(VaultSettings)]
struct Three {
    #[kv]
    db_password: SecretString,
    bot_name: String,
    port: u16,
}

#[tokio::test]
async fn every_failure_of_one_load_comes_back_in_one_error() {
    let vault = common::vault().await;
    let loader = common::loader(
        &vault,
        &[("DB_PASSWORD", "@kv:db-password"), ("PORT", "80a")],
    );

    let err = Three::load_with(&loader)
        .await
        .err()
        .expect("loading fails");

    let kinds: Vec<_> = err
        .failures()
        .iter()
        .map(|f| (f.field(), f.kind()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("db_password"), ErrorKind::NotFound),
            (Some("bot_name"), ErrorKind::Missing),
            (Some("port"), ErrorKind::Parse),
        ]
    );
    let text = err.to_string();
    assert!(text.starts_with("failed to load 3 settings:"), "{text}");
    assert!(
        text.contains("`db-password`") && text.contains(&vault.host()),
        "{text}"
    );
    assert!(text.contains("`PORT`") && text.contains("`u16`"), "{text}");
}

#[derive(VaultSettings)]
struct Five {
    #[kv(secret = "shared-a")]
    one: SecretString,
    #[kv(secret = "shared-a")]
    two: SecretString,
    #[kv(secret = "shared-b")]
    three: SecretString,
    #[kv(secret = "shared-b")]
    four: SecretString,
    #[kv(secret = "shared-a")]
    five: SecretString,
}

#[tokio::test]
async fn five_references_to_two_secrets_cost_two_concurrent_gets_and_one_challenge() {
    let vault = common::vault().await;
    common::put(&vault, "shared-a", "value-a");
    common::put(&vault, "shared-b", "value-b");
    // Slow answers make the overlap of concurrent requests observable.
    common::slow_down(&vault, Duration::from_millis(300));
    let loader = common::loader(
        &vault,
        &[
            ("ONE", "@kv:shared-a"),
            ("TWO", "@kv:shared-a"),
            ("THREE", "@kv:shared-b"),
            ("FOUR", "@kv:shared-b"),
            ("FIVE", "@kv:shared-a"),
        ],
    );

    let five = Five::load_with(&loader).await.expect("settings load");

    assert_eq!(five.one.expose_secret(), "value-a");
    assert_eq!(five.four.expose_secret(), "value-b");
    assert_eq!(five.five.expose_secret(), "value-a");
    let gets = common::authorized_gets(&vault);
    assert_eq!(
        gets.len(),
        2,
        "one authorized GET per distinct secret: {gets:?}"
    );
    let last_start = gets.iter().map(|r| r.started).max().unwrap();
    let first_end = gets.iter().map(|r| r.finished).min().unwrap();
    assert!(
        last_start < first_end,
        "the two GETs were in flight at the same time: {gets:?}"
    );
    assert!(common::challenges(&vault) <= 1, "{:?}", vault.requests());
}

#[derive(VaultSettings)]
struct Precedence {
    port: u16,
    bot_name: String,
    #[setting(default = 3)]
    retries: u8,
    timeout_ms: Option<u64>,
}

#[tokio::test]
async fn the_environment_beats_the_file_and_defaults_apply() {
    let vault = common::vault().await;
    let (_dir, path) = common::env_file("PORT=8000\nBOT_NAME=from-file\n");
    let loader = common::loader(&vault, &[("PORT", "9000")]).env_file(&path);

    let settings = Precedence::load_with(&loader).await.expect("settings load");

    assert_eq!(settings.port, 9000, "the environment wins");
    assert_eq!(settings.bot_name, "from-file");
    assert_eq!(settings.retries, 3);
    assert_eq!(settings.timeout_ms, None);

    let flipped = common::loader(&vault, &[("PORT", "9000")])
        .env_file(&path)
        .file_overrides_env(true);
    let settings = Precedence::load_with(&flipped)
        .await
        .expect("settings load");
    assert_eq!(settings.port, 8000, "the file wins when asked to");
}

#[derive(VaultSettings)]
struct Grammar {
    #[kv]
    latest: SecretString,
    #[kv]
    pinned: SecretString,
    #[kv]
    elsewhere: SecretString,
}

#[tokio::test]
async fn references_select_latest_pinned_and_full_identifiers() {
    let vault = common::vault().await;
    let v1 = common::put(&vault, "db-password", "old-pw");
    common::put(&vault, "db-password", "new-pw");
    let full = format!("@kv:{}/secrets/db-password/{v1}", vault.vault_url());
    let loader = common::loader(
        &vault,
        &[
            ("LATEST", "@kv:db-password"),
            ("PINNED", &format!("@kv:db-password/{v1}")),
            ("ELSEWHERE", &full),
        ],
    );

    let settings = Grammar::load_with(&loader).await.expect("settings load");

    assert_eq!(settings.latest.expose_secret(), "new-pw");
    assert_eq!(settings.pinned.expose_secret(), "old-pw");
    assert_eq!(settings.elsewhere.expose_secret(), "old-pw");
}

#[derive(VaultSettings)]
struct OneSecret {
    #[kv]
    token: SecretString,
}

#[tokio::test]
async fn malformed_references_are_rejected_before_any_request() {
    let vault = common::vault().await;
    let malformed = [
        "@kv:",
        "@kv:github_token",
        "@kv:my.secret",
        "@kv:a b",
        "@kv:db-password/",
        "@kv:a/b/c",
        "@kv:https://other.vault.azure.net/keys/x",
    ];
    for value in malformed {
        let loader = common::loader(&vault, &[("TOKEN", value)]);
        let err = OneSecret::load_with(&loader)
            .await
            .err()
            .expect("loading fails");
        let failure = err.failure_of("token").expect("token fails");
        assert_eq!(failure.kind(), ErrorKind::BadReference, "{value}: {err}");
        assert!(err.to_string().contains("`TOKEN`"), "{err}");
    }
    let loader = common::loader(
        &vault,
        &[("TOKEN", "@kv:https://evil.example.com/secrets/x")],
    );
    let err = OneSecret::load_with(&loader)
        .await
        .err()
        .expect("loading fails");
    assert!(err.has_kind(ErrorKind::VaultHostNotAllowed), "{err}");
    assert_eq!(
        common::secret_requests(&vault),
        0,
        "no request was sent for a rejected reference"
    );
}

#[tokio::test]
async fn a_reference_without_a_vault_says_to_set_key_vault_url() {
    let loader = vault_settings::Loader::new()
        .no_env_file()
        .env_vars([("TOKEN", "@kv:token")]);

    let err = OneSecret::load_with(&loader)
        .await
        .err()
        .expect("loading fails");

    assert!(err.has_kind(ErrorKind::NoVault), "{err}");
    assert!(err.to_string().contains("KEY_VAULT_URL"), "{err}");
}

#[tokio::test]
async fn plain_values_on_kv_fields_are_allowed_unless_references_are_required() {
    let vault = common::vault().await;
    let loader = common::loader(&vault, &[("TOKEN", "local-dev-token")]);
    let settings = OneSecret::load_with(&loader).await.expect("settings load");
    assert_eq!(settings.token.expose_secret(), "local-dev-token");

    let strict = common::loader(&vault, &[("TOKEN", "local-dev-token")]).require_references(true);
    let err = OneSecret::load_with(&strict)
        .await
        .err()
        .expect("loading fails");
    assert!(err.has_kind(ErrorKind::ReferenceRequired), "{err}");
    assert!(!err.to_string().contains("local-dev-token"), "{err}");
}

#[tokio::test]
async fn loading_can_run_on_a_spawned_task() {
    let vault = common::vault().await;
    common::put(&vault, "token", "spawned");
    let loader = std::sync::Arc::new(common::loader(&vault, &[("TOKEN", "@kv:token")]));

    let task = tokio::spawn({
        let loader = loader.clone();
        async move { OneSecret::load_with(&loader).await }
    });

    let settings = task.await.expect("the task ran").expect("settings load");
    assert_eq!(settings.token.expose_secret(), "spawned");
}

#[derive(VaultSettings)]
struct Spellings {
    #[kv]
    bare: SecretString,
    #[kv]
    upper: SecretString,
    #[kv]
    full: SecretString,
}

#[tokio::test]
async fn one_secret_spelled_three_ways_is_fetched_once() {
    let vault = common::vault().await;
    common::put(&vault, "shared-a", "value-a");
    let full = format!("@kv:{}/secrets/shared-a", vault.vault_url());
    let loader = common::loader(
        &vault,
        &[
            ("BARE", "@kv:shared-a"),
            ("UPPER", "@kv:SHARED-A"),
            ("FULL", &full),
        ],
    );

    let settings = Spellings::load_with(&loader).await.expect("settings load");

    assert_eq!(settings.upper.expose_secret(), "value-a");
    assert_eq!(settings.full.expose_secret(), "value-a");
    assert_eq!(
        common::authorized_gets(&vault).len(),
        1,
        "names compare without case"
    );
}

#[tokio::test]
async fn a_named_env_file_must_exist_unless_it_is_optional() {
    let vault = common::vault().await;
    let missing = std::env::temp_dir().join("vault-settings-no-such-file.env");
    let loader = common::loader(&vault, &[("PORT", "1"), ("BOT_NAME", "b")]).env_file(&missing);

    let err = Precedence::load_with(&loader)
        .await
        .err()
        .expect("a missing named file fails");
    assert!(err.has_kind(ErrorKind::EnvFile), "{err}");

    let optional =
        common::loader(&vault, &[("PORT", "1"), ("BOT_NAME", "b")]).optional_env_file(&missing);
    let settings = Precedence::load_with(&optional)
        .await
        .expect("an optional file may be missing");
    assert_eq!(settings.port, 1);
}

#[tokio::test]
async fn a_reference_with_the_wrong_case_is_an_error_not_a_literal() {
    let vault = common::vault().await;
    for value in ["@KV:token", "@Kv:token", " @kv:token"] {
        let loader = common::loader(&vault, &[("TOKEN", value)]);
        let err = OneSecret::load_with(&loader)
            .await
            .err()
            .expect("loading fails");
        assert!(err.has_kind(ErrorKind::BadReference), "{value:?}: {err}");
        assert!(err.to_string().contains("exactly `@kv:`"), "{err}");
    }
}

#[tokio::test]
async fn the_debug_form_of_a_load_error_reads_like_its_message() {
    let vault = common::vault().await;
    let loader = common::loader(&vault, &[("TOKEN", "@kv:missing")]);

    let err = OneSecret::load_with(&loader)
        .await
        .err()
        .expect("loading fails");

    assert_eq!(format!("{err:?}"), err.to_string());
    let failure = &err.failures()[0];
    assert!(
        !format!("{failure:?}").contains("x-ms-request-id"),
        "{failure:?}"
    );
}
