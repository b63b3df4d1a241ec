//! Runs the official Python SDK's conformance script against the emulator.
//!
//! The interpreter is `$VAULT_SETTINGS_PYTHON`, else `.venv/bin/python` at
//! the workspace root, else `python3`. When it or the Azure packages are
//! missing, the test fails under `CI=true` and is skipped with a printed
//! reason elsewhere.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use vault_settings_emulator::Emulator;

/// How long the script may run before the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> PathBuf {
    if let Some(explicit) = std::env::var_os("VAULT_SETTINGS_PYTHON") {
        return explicit.into();
    }
    let venv = workspace_root().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Checks that the interpreter runs and has the SDK; the error says why not.
async fn probe(python: &Path) -> Result<(), String> {
    let output = Command::new(python)
        .args(["-c", "import azure.keyvault.secrets, azure.core"])
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run `{}`: {e}", python.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` lacks azure-keyvault-secrets / azure-core (pip install -r emulator/conformance/requirements.txt)",
            python.display()
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_conformance() {
    let python = python();
    if let Err(reason) = probe(&python).await {
        assert!(!in_ci(), "python conformance cannot run in CI: {reason}");
        println!("skipping python conformance: {reason}");
        return;
    }

    let emulator = Emulator::builder()
        .seed("py-seeded", "seeded-value")
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("emulator-ca.pem");
    std::fs::write(&ca_file, emulator.ca_pem()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/conformance.py");
    let vault_url = emulator.loopback_url();

    let child = Command::new(&python)
        .arg(&script)
        .env("VAULT_URL", &vault_url)
        .env("VAULT_CA_FILE", &ca_file)
        .env("VAULT_TOKEN", emulator.token().token)
        // Keep the child off any proxy the environment names.
        .env("NO_PROXY", "*")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, child)
        .await
        .expect("the conformance script timed out")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "conformance script failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.lines().filter(|l| l.starts_with("ok - ")).count() >= 20,
        "{stdout}"
    );

    let log = emulator.requests();
    assert!(
        log.iter().any(|r| r.status == Some(401)),
        "the challenge was exercised"
    );
    assert!(log.iter().all(|r| r.status.is_some()));
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.secret("py-conformance").unwrap().versions.len(), 2);
    assert!(snapshot.deleted_secret("py-page-0").is_none());
}
