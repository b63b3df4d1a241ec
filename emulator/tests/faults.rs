//! Fault injection against the official client: retried faults recover
//! within the retry budget, exhausted ones surface with their kind, and a
//! stall ends at the client's timeout.

mod common;

use std::time::{Duration, Instant};

use azure_core::error::ErrorKind;
use common::http_error;
use vault_settings_emulator::{Emulator, Fault, FaultPlan, FaultRule, ForbiddenReason, Operation};

fn faulted(emulator: &Emulator) -> Vec<Option<Fault>> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.authorized)
        .map(|r| r.fault)
        .collect()
}

#[tokio::test]
async fn throttling_is_retried_after_retry_after() {
    let plan = FaultPlan::new().rule(
        FaultRule::new(Fault::throttle(1))
            .operation(Operation::GetSecret)
            .times(1),
    );
    let emulator = Emulator::builder()
        .seed("a", "x")
        .faults(plan)
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let started = Instant::now();
    let secret = client
        .get_secret("a", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(secret.value.as_deref(), Some("x"));
    assert!(
        elapsed >= Duration::from_secs(1),
        "Retry-After honoured: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(faulted(&emulator), [Some(Fault::throttle(1)), None]);
    let throttled = &emulator.requests()[1];
    assert_eq!(throttled.status, Some(429));
}

#[tokio::test]
async fn endless_throttling_is_reported_as_429_after_the_retry_budget() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    emulator.faults().push(FaultRule::new(Fault::throttle(0)));
    let client = emulator.secret_client().unwrap();
    let started = Instant::now();
    let error = client.get_secret("a", None).await.unwrap_err();
    assert_eq!(http_error(&error), (429, Some("Throttled".into()), None));
    // The fast test policy: 3 retries after the first attempt.
    assert_eq!(faulted(&emulator).len(), 4);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_by_status() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    let client = emulator.secret_client().unwrap();

    emulator
        .faults()
        .set(FaultPlan::new().rule(FaultRule::new(Fault::status(500)).times(2)));
    let secret = client
        .get_secret("a", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(secret.value.as_deref(), Some("x"));
    assert_eq!(
        faulted(&emulator),
        [Some(Fault::status(500)), Some(Fault::status(500)), None]
    );

    emulator.clear_requests();
    emulator
        .faults()
        .set(FaultPlan::new().rule(FaultRule::new(Fault::status(503))));
    let error = client.get_secret("a", None).await.unwrap_err();
    assert_eq!(
        http_error(&error),
        (503, Some("ServiceUnavailable".into()), None)
    );
    assert_eq!(faulted(&emulator).len(), 4);
}

#[tokio::test]
async fn a_connection_reset_is_retried_and_logged() {
    let plan = FaultPlan::new().rule(FaultRule::new(Fault::ConnectionReset).secret("a").times(1));
    let emulator = Emulator::builder()
        .seed("a", "x")
        .seed("b", "y")
        .faults(plan)
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let b = client
        .get_secret("b", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(b.value.as_deref(), Some("y"), "other secrets are untouched");
    let a = client
        .get_secret("a", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(a.value.as_deref(), Some("x"));
    let reset: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .collect();
    assert_eq!(reset.len(), 1);
    assert_eq!(reset[0].status, None);
    assert_eq!(reset[0].secret_name.as_deref(), Some("a"));
}

#[tokio::test]
async fn a_stall_ends_at_the_clients_read_timeout() {
    let plan = FaultPlan::new().rule(FaultRule::new(Fault::stall(Duration::from_secs(20))));
    let emulator = Emulator::builder()
        .seed("a", "x")
        .faults(plan)
        .client_timeouts(Duration::from_secs(1), Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let started = Instant::now();
    let error = client.get_secret("a", None).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error.kind(), ErrorKind::Io | ErrorKind::Connection),
        "{:?}",
        error.kind()
    );
    // 4 attempts × 300 ms plus at most ~1.1 s of back-off.
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1200), "{elapsed:?}");
}

#[tokio::test]
async fn a_short_stall_and_latency_only_delay_the_answer() {
    let plan = FaultPlan::new()
        .rule(
            FaultRule::new(Fault::latency(Duration::from_millis(150)))
                .operation(Operation::GetSecret),
        )
        .rule(
            FaultRule::new(Fault::stall(Duration::from_millis(100)))
                .operation(Operation::GetSecret)
                .times(1),
        );
    let emulator = Emulator::builder()
        .seed("a", "x")
        .faults(plan)
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let started = Instant::now();
    client.get_secret("a", None).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));
    let last = emulator.requests().pop().unwrap();
    assert_eq!(last.added_latency, Some(Duration::from_millis(150)));
    assert_eq!(last.fault, Some(Fault::stall(Duration::from_millis(100))));
    assert!(last.elapsed() >= Duration::from_millis(250));
    assert_eq!(last.status, Some(200));
}

#[tokio::test]
async fn a_malformed_body_is_a_data_conversion_error() {
    let plan = FaultPlan::new().rule(FaultRule::new(Fault::MalformedBody).times(1));
    let emulator = Emulator::builder()
        .seed("a", "x")
        .faults(plan)
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let error = match client.get_secret("a", None).await {
        Ok(response) => response.into_model().unwrap_err(),
        Err(error) => error,
    };
    assert!(
        matches!(error.kind(), ErrorKind::DataConversion),
        "{:?}",
        error.kind()
    );
}

#[tokio::test]
async fn the_challenge_is_never_faulted_and_plans_load_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("faults.json");
    std::fs::write(
        &path,
        r#"{"rules":[{"operation":"set_secret","fault":{"kind":"status","status":503,"retry_after_secs":0},"times":1}]}"#,
    )
    .unwrap();
    let plan = FaultPlan::from_file(&path).unwrap();
    let emulator = Emulator::builder().faults(plan).start().await.unwrap();
    let client = emulator.secret_client().unwrap();
    common::set(&client, "n", "v").await;
    let log = emulator.requests();
    assert_eq!(log[0].status, Some(401));
    assert_eq!(log[0].fault, None);
    assert_eq!(log[1].status, Some(503));
    assert_eq!(log[2].status, Some(200));
    assert_eq!(emulator.faults().plan().rules[0].times, Some(0));
}

#[tokio::test]
async fn a_firewall_refusal_names_the_reported_client_address_until_cleared() {
    let plan = FaultPlan::new().rule(FaultRule::new(Fault::forbidden(ForbiddenReason::Firewall)));
    let emulator = Emulator::builder()
        .seed("a", "x")
        .faults(plan)
        .client_address("203.0.113.7".parse().unwrap())
        .start()
        .await
        .unwrap();
    let client = emulator.secret_client().unwrap();
    let error = client.get_secret("a", None).await.unwrap_err();
    // The real message has CRLF line breaks, i.e. JSON escapes, which
    // azure_core 1.1 cannot parse into its borrowed `&str` fields: its
    // `error_code` falls back to the status text and only the raw body
    // holds the inner code.
    assert_eq!(
        http_error(&error),
        (403, Some("403".into()), Some("ForbiddenByFirewall".into()))
    );
    let ErrorKind::HttpResponse {
        raw_response: Some(raw),
        ..
    } = error.kind()
    else {
        panic!("no raw response");
    };
    let info = raw
        .headers()
        .get_optional_str(&"x-ms-keyvault-network-info".into());
    assert_eq!(
        info,
        Some("conn_type=Ipv4;addr=203.0.113.7;act_addr_fam=InterNetwork;")
    );
    assert!(
        error.to_string().contains("Client address: 203.0.113.7"),
        "{error}"
    );
    assert_eq!(faulted(&emulator).len(), 1, "403 is not retried");

    emulator.faults().clear();
    let secret = client
        .get_secret("a", None)
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(secret.value.as_deref(), Some("x"));
}
