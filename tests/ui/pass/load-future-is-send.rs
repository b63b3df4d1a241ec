//! The futures of `load` and `load_with` are `Send`, so they can run in `tokio::spawn` or
//! any multi-threaded executor.

#![deny(warnings)]

use std::future::Future;

use vault_settings::{LoadError, Loader, SecretString, VaultSettings};

#[derive(VaultSettings)]
struct Settings {
    #[kv]
    github_token: SecretString,
    #[setting(default = 8080)]
    port: u16,
}

fn is_send<F: Future<Output = Result<Settings, LoadError>> + Send>(future: F) -> F {
    future
}

fn main() {
    // The futures are built, never polled, so nothing is read.
    let loader = Loader::new();
    drop(is_send(Settings::load()));
    drop(is_send(Settings::load_with(&loader)));
}
