//! Raw HTTPS requests against the emulator: the bearer challenge, token
//! validation answers and the service's response headers.

use std::time::Duration;

use vault_settings_emulator::{Emulator, EmulatorError, TokenClaims};

const API: &str = "api-version=2025-07-01";

fn claims(emulator: &Emulator, audience: &str, lifetime: Duration) -> TokenClaims {
    TokenClaims {
        audience: audience.into(),
        tenant_id: emulator.issuer().tenant_id().into(),
        object_id: "oid".into(),
        app_id: None,
        lifetime,
    }
}

async fn body(response: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn unauthenticated_requests_get_the_challenge_and_service_headers() {
    let emulator = Emulator::builder()
        .tenant_id("tenant-123")
        .start()
        .await
        .unwrap();
    let url = format!("{}/secrets/anything?{API}", emulator.vault_url());
    let response = emulator
        .http_client()
        .put(url)
        .header("x-ms-client-request-id", "req-42")
        .body("not even json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let headers = response.headers().clone();
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(
        header("www-authenticate"),
        "Bearer authorization=\"https://login.microsoftonline.com/tenant-123\", resource=\"https://vault.localhost\""
    );
    assert_eq!(
        header("x-ms-keyvault-network-info"),
        "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;"
    );
    assert_eq!(header("x-ms-client-request-id"), "req-42");
    assert_eq!(header("x-ms-request-id").len(), 36);
    assert_eq!(header("content-type"), "application/json; charset=utf-8");
    assert_eq!(header("cache-control"), "no-cache");
    assert_eq!(header("x-content-type-options"), "nosniff");
    let json = body(response).await;
    assert_eq!(json["error"]["code"], "Unauthorized");
    assert_eq!(
        json["error"]["message"],
        "AKV10000: Request is missing a Bearer or PoP token."
    );
    let log = emulator.requests();
    assert_eq!(log.len(), 1);
    assert!(!log[0].had_authorization && !log[0].authorized);
    assert_eq!(log[0].client_request_id.as_deref(), Some("req-42"));
}

#[tokio::test]
async fn bad_tokens_get_401_with_the_reason() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    let other = Emulator::start().await.unwrap();
    let hour = Duration::from_secs(3600);
    let cases = [
        ("not-a-jwt".to_owned(), "Error validating token"),
        (
            emulator
                .issuer()
                .mint(&claims(
                    &emulator,
                    "https://vault.localhost",
                    Duration::ZERO,
                ))
                .token,
            "IDX10223",
        ),
        (
            emulator
                .issuer()
                .mint(&claims(
                    &emulator,
                    "https://management.azure.com/.default",
                    hour,
                ))
                .token,
            "AKV10022: Invalid audience. Expected https://vault.localhost, found: https://management.azure.com.",
        ),
        (
            other
                .issuer()
                .mint(&claims(&other, "https://vault.localhost", hour))
                .token,
            "AKV10046",
        ),
    ];
    for (token, expected) in cases {
        let response = emulator
            .http_client()
            .get(format!("{}/secrets/a?{API}", emulator.vault_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{expected}");
        assert!(response.headers().contains_key("www-authenticate"));
        let json = body(response).await;
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains(&token) || token == "not-a-jwt");
    }
    let log = emulator.requests();
    assert!(log.iter().all(|r| r.had_authorization && !r.authorized));
}

#[tokio::test]
async fn public_cloud_audience_and_ip_host_are_accepted() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    let token = emulator
        .issuer()
        .mint(&claims(
            &emulator,
            "https://vault.azure.net/.default",
            Duration::from_secs(60),
        ))
        .token;
    let url = format!(
        "https://127.0.0.1:{}/secrets/a/?{API}",
        emulator.addr().port()
    );
    let response = emulator
        .http_client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let json = body(response).await;
    let id = json["id"].as_str().unwrap();
    assert!(
        id.starts_with(&format!(
            "https://127.0.0.1:{}/secrets/a/",
            emulator.addr().port()
        )),
        "{id}"
    );
    assert_eq!(json["value"], "x");
    assert_eq!(json["attributes"]["recoveryLevel"], "Recoverable+Purgeable");
}

#[tokio::test]
async fn missing_api_version_and_unknown_paths() {
    let emulator = Emulator::builder().seed("a", "x").start().await.unwrap();
    let token = emulator.token().token;
    let client = emulator.http_client();
    let get = |path: &str| {
        client
            .get(format!("{}{path}", emulator.vault_url()))
            .bearer_auth(&token)
            .send()
    };
    let response = get("/secrets/a").await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(body(response).await["error"]["code"], "BadParameter");
    assert_eq!(
        get(&format!("/keys/a?{API}"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let response = client
        .post(format!("{}/secrets/a?{API}", emulator.vault_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let response = get(&format!("/secrets?{API}&maxresults=26")).await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn list_pages_end_with_a_null_next_link() {
    let emulator = Emulator::builder()
        .seed("a", "1")
        .seed("b", "2")
        .seed("c", "3")
        .start()
        .await
        .unwrap();
    let token = emulator.token().token;
    let url = format!("{}/secrets?{API}&maxresults=2", emulator.vault_url());
    let first = body(
        emulator
            .http_client()
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    assert!(
        first["value"][0].get("value").is_none(),
        "list items never carry values"
    );
    let next = first["nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/secrets?", emulator.vault_url())),
        "{next}"
    );
    let last = body(
        emulator
            .http_client()
            .get(next)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(last["value"].as_array().unwrap().len(), 1);
    assert!(last["nextLink"].is_null());
}

#[tokio::test]
async fn only_loopback_binds_and_valid_vault_names_are_allowed() {
    let error = Emulator::builder()
        .bind("0.0.0.0:0".parse().unwrap())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(error, EmulatorError::NotLoopback(_)));
    let error = Emulator::builder()
        .vault_name("no_underscores")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(error, EmulatorError::InvalidVaultName(_)));
    let v6 = Emulator::builder()
        .bind("[::1]:0".parse().unwrap())
        .vault_name("six")
        .start()
        .await;
    // IPv6 loopback may be missing in some sandboxes; when it binds, it serves.
    if let Ok(emulator) = v6 {
        assert!(emulator.addr().is_ipv6());
        let client = emulator.secret_client().unwrap();
        let error = client.get_secret("missing", None).await.unwrap_err();
        assert!(error.to_string().contains("was not found"), "{error}");
    }
}

#[tokio::test]
async fn shutdown_stops_the_listener() {
    let emulator = Emulator::start().await.unwrap();
    let addr = emulator.addr();
    let client = emulator.http_client();
    let url = format!("{}/secrets?{API}", emulator.vault_url());
    assert_eq!(
        client.get(&url).send().await.unwrap().status().as_u16(),
        401
    );
    emulator.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    assert!(client.get(&url).send().await.is_err());
}

#[tokio::test]
async fn put_secret_validates_like_the_service() {
    let emulator = Emulator::start().await.unwrap();
    let version = emulator.put_secret("ok-name", "v").unwrap();
    assert_eq!(
        emulator.snapshot().secret("ok-name").unwrap().versions[0].version,
        version
    );
    assert!(matches!(
        emulator.put_secret("bad.name", "v"),
        Err(EmulatorError::InvalidSecretName(_))
    ));
    let error = emulator
        .put_secret("big", "x".repeat(25 * 1024 + 1))
        .unwrap_err();
    assert!(matches!(error, EmulatorError::ValueTooLarge { .. }));
    assert!(!error.to_string().contains("xxx"));
    let client = emulator.secret_client().unwrap();
    client.delete_secret("ok-name", None).await.unwrap();
    let error = emulator.put_secret("OK-NAME", "v2").unwrap_err();
    assert!(matches!(error, EmulatorError::SecretDeleted(_)), "{error}");
}
