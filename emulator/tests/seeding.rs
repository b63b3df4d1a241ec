//! Seeding the emulator from JSON and `.env`-like files.

use std::io::Write;

use vault_settings_emulator::{Emulator, EmulatorError};

fn file(suffix: &str, text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

#[tokio::test]
async fn json_seed_file_loads_versions_and_attributes() {
    let seed = file(
        ".json",
        r#"{"github-token": "ghp_example",
            "db-password": ["old-pw", {"value": "new-pw", "contentType": "text/plain"}],
            "off": {"value": "x", "enabled": false, "tags": {"team": "core"}}}"#,
    );
    let emulator = Emulator::builder()
        .seed_file(seed.path())
        .start()
        .await
        .unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.latest_value("github-token"), Some("ghp_example"));
    let db = snapshot.secret("db-password").unwrap();
    assert_eq!(db.versions.len(), 2);
    assert_eq!(db.versions[0].value, "old-pw");
    assert_eq!(
        db.latest().unwrap().content_type.as_deref(),
        Some("text/plain")
    );
    let off = snapshot.secret("off").unwrap().latest().unwrap();
    assert!(!off.enabled);
    assert_eq!(off.tags.get("team").map(String::as_str), Some("core"));

    let client = emulator.secret_client().unwrap();
    let got = client
        .get_secret("db-password", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(got.value.as_deref(), Some("new-pw"));
}

#[tokio::test]
async fn env_seed_file_and_programmatic_seeds_combine() {
    let seed = file(".env", "# fixtures\nexport api-key='k1'\nmulti=\"a\\nb\"\n");
    let emulator = Emulator::builder()
        .seed_file(seed.path())
        .seed("api-key", "k2")
        .start()
        .await
        .unwrap();
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.secret("api-key").unwrap().versions.len(), 2);
    assert_eq!(snapshot.latest_value("api-key"), Some("k2"));
    assert_eq!(snapshot.latest_value("multi"), Some("a\nb"));
}

#[tokio::test]
async fn bad_seed_files_fail_start_without_showing_values() {
    let seed = file(".env", "good=1\nBAD_NAME=hunter2\n");
    let error = Emulator::builder()
        .seed_file(seed.path())
        .start()
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(matches!(error, EmulatorError::Seed { .. }));
    assert!(
        shown.contains("line 2") && shown.contains("BAD_NAME"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");

    let missing = Emulator::builder()
        .seed_file("/nonexistent/seed.json")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(missing, EmulatorError::ReadFile { .. }));
}
