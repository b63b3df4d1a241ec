//! Acceptance cases taken from real bug reports against dotenv loaders and
//! Key Vault tools (the case ids follow the project's case list). Each case
//! loads through the derive and, where a vault is involved, through the
//! official client against the local vault over HTTPS.

// Some settings structs exist only to be loaded; tests read a few fields.
#![allow(dead_code)]

mod common;

use vault_settings_emulator::NewSecret;

use vault_settings::{ErrorKind, ExposeSecret, SecretString, VaultSettings, env_file::EnvFile};

/// Loads `S` from `text` as the `.env` file, with `vars` as the environment.
async fn load_file<S>(
    vault: &vault_settings_emulator::Emulator,
    text: &str,
    vars: &[(&str, &str)],
    load: impl AsyncFnOnce(&vault_settings::Loader) -> Result<S, vault_settings::LoadError>,
) -> Result<S, vault_settings::LoadError> {
    let (_dir, path) = common::env_file(text);
    let loader = common::loader(vault, vars).env_file(&path);
    load(&loader).await
}

#[derive(VaultSettings)]
struct C02 {
    empty: String,
    hint: String,
    quoted: String,
    chan: String,
    chan_q: String,
}

#[derive(VaultSettings)]
struct C02Port {
    port: u16,
}

#[tokio::test]
async fn c02_empty_values_and_values_starting_with_a_hash() {
    let vault = common::vault().await;
    let text = "EMPTY=\nHINT=   # fill me in\nQUOTED=\"\"\nCHAN=#alerts\nCHAN_Q=\"#alerts\"\n";

    let s = load_file(&vault, text, &[], async |l| C02::load_with(l).await)
        .await
        .expect("settings load");

    assert_eq!(s.empty, "");
    assert_eq!(s.hint, "", "a comment after whitespace is not the value");
    assert_eq!(s.quoted, "");
    assert_eq!(
        s.chan, "",
        "`#` right after `=` starts a comment, as in dotenvy"
    );
    assert_eq!(s.chan_q, "#alerts");

    let err = load_file(&vault, "PORT=\n", &[], async |l| {
        C02Port::load_with(l).await
    })
    .await
    .err()
    .expect("an empty u16 fails");
    let failure = err.failure_of("port").expect("port fails");
    assert_eq!(failure.kind(), ErrorKind::Parse);
    assert!(err.to_string().contains("`PORT`"), "{err}");
}

#[derive(VaultSettings)]
struct C03 {
    #[kv]
    github_token: SecretString,
    #[setting(env = "exporter_url")]
    exporter_url: String,
    #[setting(env = "export_dir")]
    export_dir: String,
    port: u16,
}

#[tokio::test]
async fn c03_export_prefix_and_keys_that_begin_with_export() {
    let vault = common::vault().await;
    common::put(&vault, "github-token", "ghp_c03_fake");
    let text = "export GITHUB_TOKEN=@kv:github-token\nexporter_url=http://127.0.0.1:4318\nexport_dir=out/dir\nexport   PORT=8080\n";

    let s = load_file(&vault, text, &[], async |l| C03::load_with(l).await)
        .await
        .expect("settings load");

    assert_eq!(s.github_token.expose_secret(), "ghp_c03_fake");
    assert_eq!(s.exporter_url, "http://127.0.0.1:4318");
    assert_eq!(s.export_dir, "out/dir");
    assert_eq!(s.port, 8080);
    let file = EnvFile::parse(text).expect("the file parses");
    let keys: Vec<&str> = file.keys().collect();
    assert_eq!(keys, ["GITHUB_TOKEN", "exporter_url", "export_dir", "PORT"]);
}

#[derive(VaultSettings)]
struct C05 {
    pw1: String,
    re: String,
    pw2: String,
    msg: String,
    msg2: String,
}

#[tokio::test]
async fn c05_single_quotes_and_dollars_in_unquoted_values() {
    let vault = common::vault().await;
    let good =
        "PW1='pa$$word@'\nRE='\\d+\\n'\nPW2=pa$$word@\nMSG='It'\\''s ok'\nMSG2='I'\"'\"'m here'\n";

    let s = load_file(&vault, good, &[], async |l| C05::load_with(l).await)
        .await
        .expect("settings load");

    assert_eq!(s.pw1, "pa$$word@");
    assert_eq!(s.re, "\\d+\\n", "backslashes are kept inside single quotes");
    assert_eq!(
        s.pw2, "pa@",
        "unquoted `$` expands, as in dotenvy; quote such values"
    );
    assert_eq!(s.msg, "It's ok");
    assert_eq!(s.msg2, "I'm here");

    let bad = format!("{good}BAD='It\\'s broken'\n");
    let err = load_file(&vault, &bad, &[], async |l| C05::load_with(l).await)
        .await
        .err()
        .expect("line 6 fails");
    assert!(err.has_kind(ErrorKind::EnvFile), "{err}");
    let text = err.to_string();
    assert!(text.contains("line 6") && text.contains("BAD"), "{text}");
    assert!(
        text.contains(r"'\''"),
        "the error shows the '\\'' form: {text}"
    );
    assert!(!text.contains("broken"), "{text}");
}

#[derive(VaultSettings)]
struct C06 {
    url: String,
    lit: String,
    missing: String,
    unbraced: String,
}

#[tokio::test]
async fn c06_variable_substitution() {
    let vault = common::vault().await;
    let text = "DB_USER=bob\nDB_HOST=db.internal\nURL=\"postgres://${DB_USER}@${DB_HOST}/app\"\nLIT='x${DB_USER}'\nMISSING=\"[${NOT_SET_ANYWHERE}]\"\nUNBRACED=$DB_USER@h\n";

    let s = load_file(&vault, text, &[], async |l| C06::load_with(l).await)
        .await
        .expect("settings load");

    assert_eq!(s.url, "postgres://bob@db.internal/app");
    assert_eq!(s.lit, "x${DB_USER}");
    assert_eq!(s.missing, "[]");
    // dotenvy's documented rule: `$DB_USER@h` reads the name `DB_USER` and
    // then `@h`; the documented result is that the whole name expands.
    assert_eq!(
        s.unbraced,
        dotenvy_unbraced("DB_USER=bob\nUNBRACED=$DB_USER@h\n")
    );
}

/// What dotenvy 0.15.7 itself makes of an unbraced reference, so the test
/// pins compatibility rather than a guess.
fn dotenvy_unbraced(text: &str) -> String {
    let mut value = None;
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        let (key, v) = item.expect("dotenvy parses the sample");
        if key == "UNBRACED" {
            value = Some(v);
        }
    }
    value.expect("UNBRACED is set")
}

#[derive(VaultSettings)]
struct C07 {
    port: u16,
    url: String,
    log_level: String,
}

#[tokio::test]
async fn c07_environment_beats_the_file_and_the_last_duplicate_wins() {
    let vault = common::vault().await;
    let text = "PORT=8000\nDB_USER=bob\nURL=\"${DB_USER}@db\"\nLOG_LEVEL=info\nLOG_LEVEL=debug\n";
    let env = [("PORT", "9000"), ("DB_USER", "alice")];

    let s = load_file(&vault, text, &env, async |l| C07::load_with(l).await)
        .await
        .expect("settings load");

    assert_eq!(s.port, 9000, "`.env` never overrides the environment");
    assert_eq!(
        s.url, "alice@db",
        "the environment wins inside substitution too"
    );
    assert_eq!(s.log_level, "debug", "the last duplicate wins");
}

#[derive(VaultSettings)]
struct C09 {
    #[kv]
    tls_key: SecretString,
    tls_key2: String,
    greeting: String,
    plain: String,
    after: u8,
}

#[tokio::test]
async fn c09_multi_line_values_and_unicode() {
    let vault = common::vault().await;
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIBVQ\n-----END PRIVATE KEY-----\n";
    let text = format!(
        "TLS_KEY=\"{pem}\"\nTLS_KEY2=\"-----BEGIN PRIVATE KEY-----\\nMIIBVQ\\n-----END PRIVATE KEY-----\\n\"\nGREETING=\"café – 日本 🌍\"\nPLAIN=naïve\nAFTER=1\n"
    );

    let s = load_file(&vault, &text, &[], async |l| C09::load_with(l).await)
        .await
        .expect("settings load");

    assert_eq!(s.tls_key.expose_secret(), pem);
    assert_eq!(s.tls_key2, pem);
    assert_eq!(s.greeting, "café – 日本 🌍");
    assert_eq!(s.plain, "naïve");
    assert_eq!(s.after, 1);

    let crlf = text.replace('\n', "\r\n");
    let s = load_file(&vault, &crlf, &[], async |l| C09::load_with(l).await)
        .await
        .expect("the CRLF file loads");
    assert_eq!(s.tls_key2, pem);
    assert_eq!(s.after, 1);
}

#[derive(VaultSettings)]
struct C10 {
    #[setting(default)]
    port: u16,
}

#[tokio::test]
async fn c10_parse_errors_are_clear_and_never_echo_the_value() {
    let vault = common::vault().await;
    let cases = [
        (
            "PORT=8080\n# db\nDB_PASSWORD=correct horse battery\n",
            &["line 3", "DB_PASSWORD", "quote"][..],
        ),
        (
            "WIN_PATH=C:\\Users\\svc\n",
            &["WIN_PATH", "single quotes"][..],
        ),
        ("A=1\nCERT=\"-----BEGIN\nMIIB\n", &["CERT", "line 2"][..]),
    ];
    for (text, wanted) in cases {
        let err = load_file(&vault, text, &[], async |l| C10::load_with(l).await)
            .await
            .err()
            .expect("loading fails");
        let shown = format!("{err}\n{err:?}");
        assert!(shown.contains(".env"), "the error names the file: {shown}");
        for word in wanted {
            assert!(shown.contains(word), "missing {word:?} in: {shown}");
        }
        for secret in ["horse", "battery", "svc", "MIIB"] {
            assert!(!shown.contains(secret), "{secret:?} leaked: {shown}");
        }
    }
}

#[derive(VaultSettings)]
struct C11 {
    #[kv]
    github_token: SecretString,
    #[kv]
    cosmosdb_primary_key: SecretString,
}

#[tokio::test]
async fn c11_variable_names_map_to_secret_names_and_bad_names_are_refused_locally() {
    let vault = common::vault().await;
    common::put(&vault, "github-token", "ghp_c11");
    common::put(&vault, "cosmosdb-primary-key", "cosmos_c11");
    let long_ok = "a".repeat(127);
    common::put(&vault, &long_ok, "long_c11");
    let reference = |name: &str| format!("@kv:{name}");
    let loader = common::loader(
        &vault,
        &[
            ("GITHUB_TOKEN", &reference("github-token")),
            ("COSMOSDB_PRIMARY_KEY", &reference(&long_ok)),
        ],
    );
    let s = C11::load_with(&loader).await.expect("settings load");
    assert_eq!(s.github_token.expose_secret(), "ghp_c11");
    assert_eq!(
        s.cosmosdb_primary_key.expose_secret(),
        "long_c11",
        "127 characters are fine"
    );
    assert_eq!(
        vault_settings::reference::secret_name_for_var("COSMOSDB_PRIMARY_KEY"),
        "cosmosdb-primary-key"
    );

    vault.clear_requests();
    let too_long = reference(&"a".repeat(128));
    let bad = [
        (too_long.as_str(), "at most 127"),
        ("@kv:github_token", "did you mean `github-token`"),
        ("@kv:my.secret", "only ASCII letters, digits and `-`"),
        ("@kv:a b", "only ASCII letters, digits and `-`"),
        ("@kv:", "names no secret"),
    ];
    for (value, message) in bad {
        let loader = common::loader(
            &vault,
            &[("GITHUB_TOKEN", value), ("COSMOSDB_PRIMARY_KEY", "plain")],
        );
        let err = C11::load_with(&loader).await.err().expect("loading fails");
        let failure = err.failure_of("github_token").expect("github_token fails");
        assert_eq!(failure.kind(), ErrorKind::BadReference);
        let text = err.to_string();
        assert!(
            text.contains("`GITHUB_TOKEN`") && text.contains(message),
            "{text}"
        );
    }
    assert_eq!(
        common::secret_requests(&vault),
        0,
        "rejected names are never sent"
    );
}

#[derive(VaultSettings)]
struct C14 {
    #[kv]
    db_password: SecretString,
}

#[tokio::test]
async fn c14_a_disabled_secret_fails_with_advice_and_without_retries() {
    let vault = common::vault().await;
    vault
        .put_secret_with("db-password", NewSecret::new("pw_c14").enabled(false))
        .expect("the secret is stored");
    let loader = common::loader(&vault, &[("DB_PASSWORD", "@kv:db-password")]);

    let err = C14::load_with(&loader).await.err().expect("loading fails");

    let failure = err.failure_of("db_password").expect("db_password fails");
    assert_eq!(failure.kind(), ErrorKind::Disabled);
    let text = err.to_string();
    assert!(
        text.contains("`DB_PASSWORD`") && text.contains("`db-password`"),
        "{text}"
    );
    assert!(
        text.contains("disabled") && text.contains("enable"),
        "{text}"
    );
    assert!(!text.contains("pw_c14"));
    let answers: Vec<_> = common::authorized_gets(&vault)
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(answers, [Some(403)], "one answer, no retries");
}

#[derive(VaultSettings)]
struct C15 {
    #[kv]
    api_key: SecretString,
}

#[tokio::test]
async fn c15_an_expired_secret_still_resolves() {
    let vault = common::vault().await;
    let yesterday = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    vault
        .put_secret_with("api-key", NewSecret::new("k1").expires(yesterday))
        .expect("the secret is stored");
    let loader = common::loader(&vault, &[("API_KEY", "@kv:api-key")]);

    let s = C15::load_with(&loader)
        .await
        .expect("an expired secret still loads");

    assert_eq!(s.api_key.expose_secret(), "k1");
}

#[derive(VaultSettings)]
struct C16 {
    #[kv]
    db_password: SecretString,
    #[kv(secret = "db-password")]
    old_password: SecretString,
}

#[tokio::test]
async fn c16_pinned_versions() {
    let vault = common::vault().await;
    let v1 = common::put(&vault, "db-password", "old-pw");
    common::put(&vault, "db-password", "new-pw");
    let pinned = format!("@kv:db-password/{v1}");
    let loader = common::loader(
        &vault,
        &[
            ("DB_PASSWORD", "@kv:db-password"),
            ("OLD_PASSWORD", &pinned),
        ],
    );

    let s = C16::load_with(&loader).await.expect("settings load");

    assert_eq!(s.db_password.expose_secret(), "new-pw");
    assert_eq!(s.old_password.expose_secret(), "old-pw");

    let unknown = "0123456789abcdef0123456789abcdef";
    let loader = common::loader(
        &vault,
        &[
            ("DB_PASSWORD", "@kv:db-password"),
            ("OLD_PASSWORD", &format!("@kv:db-password/{unknown}")),
        ],
    );
    let err = C16::load_with(&loader)
        .await
        .err()
        .expect("an unknown version fails");
    let failure = err.failure_of("old_password").expect("old_password fails");
    assert_eq!(failure.kind(), ErrorKind::NotFound, "no fallback to latest");
    assert!(
        err.to_string()
            .contains(&format!("`db-password/{unknown}`")),
        "{err}"
    );

    vault.clear_requests();
    for bad in ["@kv:db-password/", "@kv:a/b/c"] {
        let loader = common::loader(&vault, &[("DB_PASSWORD", bad), ("OLD_PASSWORD", "x")]);
        let err = C16::load_with(&loader)
            .await
            .err()
            .expect("a syntax error fails");
        assert!(err.has_kind(ErrorKind::BadReference), "{err}");
    }
    assert_eq!(
        common::secret_requests(&vault),
        0,
        "syntax errors are never sent"
    );
}
