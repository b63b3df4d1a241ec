//! The identity endpoints' answers on the wire, error shapes included.

use super::*;
use crate::state::ACCEPTED_AUDIENCES;

async fn server() -> (IdentityServer, TokenIssuer, reqwest::Client) {
    let tls = TlsMaterial::generate(&[]).unwrap();
    let issuer = TokenIssuer::new("tenant-1");
    let server = IdentityServer::start(issuer.clone(), &tls).await.unwrap();
    let client = tls.http_client(&[]).unwrap();
    (server, issuer, client)
}

async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn client_secret_grant_issues_a_token_the_vault_accepts() {
    let (server, issuer, client) = server().await;
    server.add_client_secret("app", "s3cret");
    let url = format!("{}/tenant-1/oauth2/v2.0/token", server.authority_host());
    let form = "grant_type=client_credentials&client_id=app&client_secret=s3cret\
                &scope=https%3A%2F%2Fvault.localhost%2F.default";
    let (status, body) = json(client.post(&url).body(form).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    let validated = issuer.validate(token, &ACCEPTED_AUDIENCES).unwrap();
    assert_eq!(validated.app_id.as_deref(), Some("app"));

    let log = server.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].grant, Some(Grant::ClientSecret));
    assert!(!format!("{log:?}").contains("s3cret"));
}

#[tokio::test]
async fn entra_errors_carry_aadsts_codes() {
    let (server, _issuer, client) = server().await;
    server.add_client_secret("app", "s3cret");
    let scope = "scope=https%3A%2F%2Fvault.localhost%2F.default";
    let ok = "grant_type=client_credentials&client_id=app&client_secret=s3cret";
    let cases = [
        ("tenant-1", format!("{ok}x&{scope}"), 401, 7000215),
        (
            "tenant-1",
            format!("{}&{scope}", ok.replace("=app", "=other")),
            400,
            700016,
        ),
        ("tenant-2", format!("{ok}&{scope}"), 400, 90002),
        (
            "tenant-1",
            format!("{ok}&scope=https%3A%2F%2Fvault.localhost"),
            400,
            1002012,
        ),
        (
            "tenant-1",
            format!("grant_type=password&client_id=app&{scope}"),
            400,
            70003,
        ),
    ];
    for (tenant, form, status, code) in cases {
        let url = format!("{}/{tenant}/oauth2/v2.0/token", server.authority_host());
        let (got, body) = json(client.post(&url).body(form.clone()).send().await.unwrap()).await;
        assert_eq!(got, status, "{form}: {body}");
        assert_eq!(body["error_codes"][0], code, "{form}: {body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("AADSTS{code}: ")),
            "{description}"
        );
    }
    assert_eq!(server.issued_tokens(), 0);
}

#[tokio::test]
async fn imds_needs_the_metadata_header_and_an_assigned_identity() {
    let (server, _issuer, client) = server().await;
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.localhost",
        server.imds_endpoint()
    );
    let (status, body) = json(client.get(&url).send().await.unwrap()).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Required metadata header not specified"))
    );

    let (status, body) = json(
        client
            .get(&url)
            .header("Metadata", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["resource"], "https://vault.localhost");
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > time::OffsetDateTime::now_utc().unix_timestamp());

    let user = format!("{url}&client_id=unknown");
    let (status, body) = json(
        client
            .get(&user)
            .header("Metadata", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Identity not found"))
    );
}

#[tokio::test]
async fn app_service_form_checks_the_identity_header() {
    let (server, _issuer, client) = server().await;
    let url = format!(
        "{}?api-version=2019-08-01&resource=https://vault.localhost",
        server.identity_endpoint()
    );
    let wrong = client
        .get(&url)
        .header("X-IDENTITY-HEADER", "guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let right = client
        .get(&url)
        .header("X-IDENTITY-HEADER", server.identity_header())
        .send()
        .await
        .unwrap();
    assert_eq!(right.status().as_u16(), 200);
    assert_eq!(server.issued_tokens(), 1);
}

#[tokio::test]
async fn token_lifetime_can_be_shortened_mid_run() {
    let (server, issuer, client) = server().await;
    server.set_token_lifetime(std::time::Duration::from_secs(1));
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.localhost",
        server.imds_endpoint()
    );
    let (_, body) = json(
        client
            .get(&url)
            .header("Metadata", "true")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(issuer.validate(&token, &ACCEPTED_AUDIENCES).is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        issuer.validate(&token, &ACCEPTED_AUDIENCES),
        Err(crate::token::TokenRejection::Expired)
    );
}
