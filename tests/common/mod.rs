//! Shared set-up for the integration tests: a local vault on loopback and a
//! loader pointed at it through the official client.

#![allow(dead_code)]

pub mod logs;

use std::{path::PathBuf, time::Duration};

use vault_settings::Loader;
use vault_settings_emulator::{Emulator, Fault, FaultRule, RecordedRequest};

/// Starts a fresh emulator on 127.0.0.1 with a per-run certificate.
pub async fn vault() -> Emulator {
    Emulator::start().await.expect("the emulator starts")
}

/// A loader that reads only `vars` (never the process environment), no
/// `.env` file, and resolves references in `vault` over HTTPS.
pub fn loader(vault: &Emulator, vars: &[(&str, &str)]) -> Loader {
    Loader::new()
        .no_env_file()
        .env_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .vault_url(vault.vault_url())
        .credential(vault.credential())
        .client_options(vault.client_options())
        .allow_vault_host(vault.host())
        .deadline(Duration::from_secs(20))
}

/// Stores a secret without going through HTTP and returns its version.
pub fn put(vault: &Emulator, name: &str, value: &str) -> String {
    vault.put_secret(name, value).expect("the secret is stored")
}

/// Delays every answer of the vault by `delay`.
pub fn slow_down(vault: &Emulator, delay: Duration) {
    vault.faults().push(FaultRule::new(Fault::latency(delay)));
}

/// Writes `text` as a `.env` file in a new temporary directory.
pub fn env_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(".env");
    std::fs::write(&path, text).expect("the .env file is written");
    (dir, path)
}

/// The GET requests for secrets that carried a valid token.
pub fn authorized_gets(vault: &Emulator) -> Vec<RecordedRequest> {
    vault
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/secrets/") && r.authorized)
        .collect()
}

/// The requests answered with the 401 challenge.
pub fn challenges(vault: &Emulator) -> usize {
    vault
        .requests()
        .iter()
        .filter(|r| !r.had_authorization && r.status == Some(401))
        .count()
}

/// Every request the vault saw for secrets (any method, any outcome).
pub fn secret_requests(vault: &Emulator) -> usize {
    vault
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/secrets"))
        .count()
}
