//! The loader under the faults the emulator injects: what the official
//! client's retry policy absorbs, what it reports, and by which kind.
//!
//! The emulator's `client_options()` use a fast exponential policy (20 ms
//! initial delay, 3 retries); the SDK retries 408, 429, 500, 502, 503 and 504
//! and transport failures, and never 401, 403 or 404.

// Some settings structs exist only to be loaded; tests read a few fields.
#![allow(dead_code)]

mod common;

use std::time::{Duration, Instant};

use vault_settings::{ErrorKind, ExposeSecret, SecretString, StoreErrorKind, VaultSettings};
use vault_settings_emulator::{Emulator, Fault, FaultRule, ForbiddenReason};

#[derive(VaultSettings)]
struct Token {
    #[kv]
    token: SecretString,
}

async fn vault_with_token() -> Emulator {
    let vault = common::vault().await;
    common::put(&vault, "token", "t-value");
    vault
}

async fn load(vault: &Emulator) -> Result<Token, vault_settings::LoadError> {
    Token::load_with(&common::loader(vault, &[("TOKEN", "@kv:token")])).await
}

fn gets_of_token(vault: &Emulator) -> usize {
    common::authorized_gets(vault).len()
}

#[tokio::test]
async fn throttling_for_a_while_is_retried_and_the_load_succeeds() {
    let vault = vault_with_token().await;
    vault
        .faults()
        .push(FaultRule::new(Fault::throttle(0)).secret("token").times(2));

    let token = load(&vault).await.expect("the third attempt succeeds");

    assert_eq!(token.token.expose_secret(), "t-value");
    assert_eq!(
        gets_of_token(&vault),
        3,
        "two throttled answers, then the value"
    );
}

#[tokio::test]
async fn endless_throttling_is_reported_as_throttled_after_bounded_retries() {
    let vault = vault_with_token().await;
    vault
        .faults()
        .push(FaultRule::new(Fault::throttle(0)).secret("token"));

    let err = load(&vault).await.err().expect("loading fails");

    assert!(err.has_kind(ErrorKind::Throttled), "{err}");
    assert_eq!(gets_of_token(&vault), 4, "one attempt and three retries");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let vault = vault_with_token().await;
    vault
        .faults()
        .push(FaultRule::new(Fault::status(500)).secret("token").times(1));
    let token = load(&vault).await.expect("one 500 is absorbed");
    assert_eq!(token.token.expose_secret(), "t-value");

    vault.faults().clear();
    vault.clear_requests();
    vault
        .faults()
        .push(FaultRule::new(Fault::status(503)).secret("token"));
    let err = load(&vault).await.err().expect("endless 503 fails");
    assert!(err.has_kind(ErrorKind::Unavailable), "{err}");
    assert_eq!(gets_of_token(&vault), 4);
}

#[tokio::test]
async fn forbidden_answers_are_told_apart_and_never_retried() {
    let cases = [
        (ForbiddenReason::Firewall, ErrorKind::ForbiddenByFirewall),
        (
            ForbiddenReason::Connection,
            ErrorKind::ForbiddenByConnection,
        ),
        (ForbiddenReason::Rbac, ErrorKind::AccessDenied),
        (ForbiddenReason::Policy, ErrorKind::AccessDenied),
    ];
    for (reason, kind) in cases {
        let vault = vault_with_token().await;
        vault
            .faults()
            .push(FaultRule::new(Fault::forbidden(reason)).secret("token"));

        let err = load(&vault).await.err().expect("loading fails");

        let failure = err.failure_of("token").expect("token fails");
        assert_eq!(failure.kind(), kind, "{reason:?}: {err}");
        assert_eq!(gets_of_token(&vault), 1, "{reason:?} is not retried");
        if kind == ErrorKind::ForbiddenByFirewall {
            let Some(StoreErrorKind::ForbiddenByFirewall { client_address }) = failure.store_kind()
            else {
                panic!("a firewall refusal: {err}");
            };
            assert_eq!(
                client_address.as_deref(),
                Some("127.0.0.1"),
                "the address the vault saw"
            );
            assert!(
                err.to_string().contains("client address 127.0.0.1"),
                "{err}"
            );
        }
    }
}

#[tokio::test]
async fn a_reset_connection_is_retried() {
    let vault = vault_with_token().await;
    vault.faults().push(
        FaultRule::new(Fault::ConnectionReset)
            .secret("token")
            .times(1),
    );

    let token = load(&vault).await.expect("the retry succeeds");

    assert_eq!(token.token.expose_secret(), "t-value");
}

#[tokio::test]
async fn a_stalled_answer_ends_within_the_load_deadline() {
    let vault = vault_with_token().await;
    vault
        .faults()
        .push(FaultRule::new(Fault::stall(Duration::from_secs(60))).secret("token"));
    let loader =
        common::loader(&vault, &[("TOKEN", "@kv:token")]).deadline(Duration::from_millis(700));

    let started = Instant::now();
    let err = Token::load_with(&loader)
        .await
        .err()
        .expect("loading fails");

    assert!(err.has_kind(ErrorKind::Timeout), "{err}");
    assert!(err.to_string().contains("deadline"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_malformed_body_is_an_error_not_a_value() {
    let vault = vault_with_token().await;
    vault
        .faults()
        .push(FaultRule::new(Fault::MalformedBody).secret("token"));

    let err = load(&vault).await.err().expect("loading fails");

    assert!(err.has_kind(ErrorKind::Other), "{err}");
}
