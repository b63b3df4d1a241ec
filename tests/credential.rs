//! The default credential chain end to end: every step gets a token from the
//! emulator's local identity endpoints (or from fake `az`/`azd` scripts) and
//! a secret loads with it over HTTPS. Nothing here reaches a real Azure
//! endpoint: the chain reads only the variables each test passes, and the
//! instance metadata address always points at a loopback stand-in.

#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use azure_security_keyvault_secrets::SecretClient;
use vault_settings::credential::{
    ChainError, CredentialKind, CredentialSelection, DefaultCredential, EnvVars, StepStatus,
};
use vault_settings::{ExposeSecret, SecretString, VaultSettings};
use vault_settings_emulator::identity::{Grant, IdentityEndpoint, IdentityServer};
use vault_settings_emulator::{CHALLENGE_RESOURCE, Emulator, TokenClaims};

const TENANT_SCOPE_SECRET: &str = "test-only-client-secret";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
/// A self-signed RSA test certificate and its key, made for these tests only.
const CERTIFICATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/runtime/src/credential/testdata/test-client.pem"
);

#[derive(VaultSettings)]
struct App {
    #[kv]
    github_token: SecretString,
}

/// A vault holding `github-token`, and identity endpoints that mint tokens it accepts.
async fn setup() -> (Emulator, IdentityServer) {
    let vault = common::vault().await;
    vault
        .put_secret("github-token", "ghp_fake_from_chain")
        .expect("the secret is stored");
    let identity = vault
        .start_identity()
        .await
        .expect("identity endpoints start");
    (vault, identity)
}

/// An address on loopback where nothing listens.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{addr}")
}

/// Variables that configure nothing but keep the chain on loopback: no tools
/// on `PATH`, and the metadata service at a closed port.
fn quiet_vars() -> EnvVars {
    EnvVars::new()
        .with("PATH", "/nonexistent")
        .with("AZURE_POD_IDENTITY_AUTHORITY_HOST", closed_port())
}

fn chain(vault: &Emulator, vars: EnvVars) -> Arc<DefaultCredential> {
    DefaultCredential::builder()
        .env_vars(vars)
        .client_options(ClientOptions {
            transport: Some(vault.transport()),
            ..vault.client_options().client_options
        })
        .cli_timeout(Duration::from_secs(5))
        .build()
        .expect("the chain builds")
}

async fn load(vault: &Emulator, credential: Arc<DefaultCredential>) -> App {
    let loader =
        common::loader(vault, &[("GITHUB_TOKEN", "@kv:github-token")]).credential(credential);
    App::load_with(&loader)
        .await
        .expect("the secret loads through the chain")
}

fn assert_loaded(app: &App) {
    assert_eq!(app.github_token.expose_secret(), "ghp_fake_from_chain");
}

/// Every request that carried a token was accepted: none was expired or for another audience.
fn assert_every_token_accepted(vault: &Emulator) {
    let refused: Vec<_> = vault
        .requests()
        .into_iter()
        .filter(|r| r.had_authorization && !r.authorized)
        .collect();
    assert!(refused.is_empty(), "the vault refused tokens: {refused:?}");
    assert!(!common::authorized_gets(vault).is_empty());
}

fn issued(identity: &IdentityServer, endpoint: IdentityEndpoint) -> Vec<Option<Grant>> {
    identity
        .requests()
        .into_iter()
        .filter(|r| r.issued && r.endpoint == endpoint)
        .map(|r| r.grant)
        .collect()
}

fn service_principal(identity: &IdentityServer) -> EnvVars {
    quiet_vars()
        .with("AZURE_AUTHORITY_HOST", identity.authority_host())
        .with("AZURE_TENANT_ID", identity.tenant_id())
        .with("AZURE_CLIENT_ID", CLIENT_ID)
}

#[tokio::test]
async fn environment_client_secret_loads_a_secret() {
    let (vault, identity) = setup().await;
    identity.add_client_secret(CLIENT_ID, TENANT_SCOPE_SECRET);
    let credential = chain(
        &vault,
        service_principal(&identity).with("AZURE_CLIENT_SECRET", TENANT_SCOPE_SECRET),
    );

    assert_loaded(&load(&vault, credential.clone()).await);
    assert_eq!(credential.selected(), Some(CredentialKind::Environment));
    assert_eq!(
        issued(&identity, IdentityEndpoint::Entra),
        [Some(Grant::ClientSecret)]
    );
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn environment_client_certificate_loads_a_secret() {
    let (vault, identity) = setup().await;
    let pem = std::fs::read_to_string(CERTIFICATE).expect("the test certificate");
    identity
        .add_client_certificate(CLIENT_ID, &pem)
        .expect("the certificate registers");
    let credential = chain(
        &vault,
        service_principal(&identity).with("AZURE_CLIENT_CERTIFICATE_PATH", CERTIFICATE),
    );

    assert_loaded(&load(&vault, credential.clone()).await);
    assert_eq!(credential.selected(), Some(CredentialKind::Environment));
    assert_eq!(
        issued(&identity, IdentityEndpoint::Entra),
        [Some(Grant::ClientCertificate)]
    );
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn a_wrong_client_secret_stops_the_chain_without_printing_it() {
    let (vault, identity) = setup().await;
    identity.add_client_secret(CLIENT_ID, TENANT_SCOPE_SECRET);
    let credential = chain(
        &vault,
        service_principal(&identity).with("AZURE_CLIENT_SECRET", "wrong-secret-do-not-print"),
    );

    let err = credential
        .get_token(&["https://vault.localhost/.default"], None)
        .await
        .expect_err("Entra ID refuses the secret");
    let chain_err = err.downcast_ref::<ChainError>().expect("a chain error");
    let env = chain_err
        .step(CredentialKind::Environment)
        .expect("the step");
    assert_eq!(env.status(), StepStatus::Failed);
    assert!(env.reason().contains("AADSTS7000215"), "{env}");
    assert_eq!(
        chain_err
            .step(CredentialKind::ManagedIdentity)
            .map(|s| s.status()),
        Some(StepStatus::NotTried)
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("wrong-secret-do-not-print"), "{shown}");
}

#[tokio::test]
async fn workload_identity_loads_a_secret() {
    let (vault, identity) = setup().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token_file = dir.path().join("azure-identity-token");
    std::fs::write(&token_file, "federated.jwt.from-the-cluster").expect("the token file");
    identity.add_federated_token(CLIENT_ID, "federated.jwt.from-the-cluster");
    let credential = chain(
        &vault,
        service_principal(&identity).with(
            "AZURE_FEDERATED_TOKEN_FILE",
            token_file.display().to_string(),
        ),
    );

    assert_loaded(&load(&vault, credential.clone()).await);
    assert_eq!(
        credential.selected(),
        Some(CredentialKind::WorkloadIdentity)
    );
    assert_eq!(
        issued(&identity, IdentityEndpoint::Entra),
        [Some(Grant::FederatedToken)]
    );
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn app_service_managed_identity_loads_a_secret() {
    let (vault, identity) = setup().await;
    let credential = chain(
        &vault,
        quiet_vars()
            .with("IDENTITY_ENDPOINT", identity.identity_endpoint())
            .with("IDENTITY_HEADER", identity.identity_header()),
    );

    assert_loaded(&load(&vault, credential.clone()).await);
    assert_eq!(credential.selected(), Some(CredentialKind::ManagedIdentity));
    assert_eq!(issued(&identity, IdentityEndpoint::AppService).len(), 1);
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn imds_managed_identity_probes_then_loads_a_secret() {
    let (vault, identity) = setup().await;
    let user_assigned = "99999999-8888-7777-6666-555555555555";
    identity.set_system_assigned_identity(false);
    identity.add_user_assigned_identity(user_assigned);
    let vars = quiet_vars()
        .with(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            identity.imds_endpoint(),
        )
        .with("AZURE_CLIENT_ID", user_assigned);
    let credential = chain(&vault, vars);

    assert_loaded(&load(&vault, credential.clone()).await);
    assert_eq!(credential.selected(), Some(CredentialKind::ManagedIdentity));
    let imds: Vec<_> = identity
        .requests()
        .into_iter()
        .filter(|r| r.endpoint == IdentityEndpoint::Imds)
        .collect();
    assert_eq!(imds.len(), 2, "one probe, one token request: {imds:?}");
    assert!(
        !imds[0].metadata_header && imds[0].status == 400,
        "the probe"
    );
    assert!(
        imds[1].metadata_header && imds[1].issued,
        "the token request"
    );
    assert_eq!(imds[1].client_id.as_deref(), Some(user_assigned));
    assert_every_token_accepted(&vault);
}

/// A temporary `PATH` with fake `az` and `azd` scripts and the few system
/// tools they use, and nothing else: a real `az` or `azd` installed on the
/// machine can never run (and so never reach Azure).
struct FakeTools {
    dir: tempfile::TempDir,
    system: tempfile::TempDir,
}

impl FakeTools {
    fn new() -> Self {
        let system = tempfile::tempdir().expect("a temporary directory");
        for tool in ["cat", "sleep"] {
            let found = ["/usr/bin", "/bin"]
                .iter()
                .map(|dir| Path::new(dir).join(tool))
                .find(|path| path.exists())
                .expect("the tool exists");
            std::os::unix::fs::symlink(found, system.path().join(tool)).expect("a link");
        }
        Self {
            dir: tempfile::tempdir().expect("a temporary directory"),
            system,
        }
    }

    fn write(&self, name: &str, body: &str) {
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("the script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    fn vars(&self) -> EnvVars {
        let path = format!("{}:{}", self.path().display(), self.system.path().display());
        quiet_vars().with("PATH", path)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn vault_token(vault: &Emulator) -> (String, i64) {
    let minted = vault.issuer().mint(&TokenClaims {
        audience: CHALLENGE_RESOURCE.to_owned(),
        tenant_id: vault.issuer().tenant_id().to_owned(),
        object_id: "developer".to_owned(),
        app_id: None,
        lifetime: Duration::from_secs(3600),
    });
    (minted.token, minted.expires_on.unix_timestamp())
}

#[tokio::test]
async fn azure_cli_loads_a_secret() {
    let (vault, _identity) = setup().await;
    let (token, expires_on) = vault_token(&vault);
    let tools = FakeTools::new();
    tools.write(
        "az",
        &format!(
            r#"cat <<'JSON'
{{"accessToken": "{token}", "expiresOn": "2030-01-01 00:00:00.000000",
 "expires_on": {expires_on}, "subscription": "s", "tenant": "t", "tokenType": "Bearer"}}
JSON"#
        ),
    );
    let credential = chain(&vault, tools.vars());

    assert_loaded(&load(&vault, credential.clone()).await);
    assert_eq!(credential.selected(), Some(CredentialKind::AzureCli));
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn a_hanging_az_times_out_and_azd_serves() {
    let (vault, _identity) = setup().await;
    let (token, expires_on) = vault_token(&vault);
    let expires = time::OffsetDateTime::from_unix_timestamp(expires_on)
        .expect("a timestamp")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("RFC 3339");
    let tools = FakeTools::new();
    tools.write("az", "sleep 30");
    tools.write(
        "azd",
        &format!("echo '{{\"token\":\"{token}\",\"expiresOn\":\"{expires}\"}}'"),
    );
    let credential = DefaultCredential::builder()
        .env_vars(tools.vars())
        .client_options(vault.client_options().client_options)
        .cli_timeout(Duration::from_millis(700))
        .build()
        .expect("the chain builds");

    let started = Instant::now();
    assert_loaded(&load(&vault, credential.clone()).await);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the CLI timeout"
    );
    assert_eq!(
        credential.selected(),
        Some(CredentialKind::AzureDeveloperCli)
    );
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn a_failing_az_is_reported_with_its_message() {
    let (vault, _identity) = setup().await;
    let tools = FakeTools::new();
    tools.write(
        "az",
        "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1",
    );
    let credential = chain(&vault, tools.vars());

    let err = credential
        .get_token(&["https://vault.localhost/.default"], None)
        .await
        .expect_err("no step can serve");
    let text = err.to_string();
    assert!(
        text.contains(
            "azure cli: failed (ERROR: Please run 'az login' to setup account.); run `az login`"
        ),
        "{text}"
    );
    assert!(
        text.contains("azure developer cli: not installed"),
        "{text}"
    );
}

/// A metadata service stand-in that accepts connections and never answers,
/// as a laptop's network drops packets to 169.254.169.254.
async fn silent_imds() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("its address");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (format!("http://{addr}"), task)
}

#[tokio::test]
async fn with_nothing_configured_the_chain_fails_fast_naming_every_step() {
    let (vault, _identity) = setup().await;
    let (imds, silent) = silent_imds().await;
    // The default one-second probe timeout applies.
    let credential = chain(
        &vault,
        quiet_vars().with("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds),
    );

    let started = Instant::now();
    let err = credential
        .get_token(&["https://vault.localhost/.default"], None)
        .await
        .expect_err("nothing is configured");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let chain_err = err.downcast_ref::<ChainError>().expect("a chain error");
    let kinds: Vec<_> = chain_err.steps().iter().map(|s| s.kind()).collect();
    assert_eq!(kinds, CredentialKind::ALL);
    let text = err.to_string();
    for step in [
        "environment: skipped",
        "workload identity: skipped",
        "managed identity: unavailable",
        "no answer within 1s",
        "azure cli: not installed",
        "azure developer cli: not installed",
    ] {
        assert!(text.contains(step), "missing {step:?} in {text}");
    }

    // A load through the same chain fails at once: the probe's outcome is kept.
    let loader =
        common::loader(&vault, &[("GITHUB_TOKEN", "@kv:github-token")]).credential(credential);
    let started = Instant::now();
    let err = App::load_with(&loader).await.err().expect("loading fails");
    assert!(
        err.has_kind(vault_settings::ErrorKind::Unauthenticated),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("`GITHUB_TOKEN`") && text.contains("azure cli: not installed"),
        "{text}"
    );
    assert_eq!(
        text.matches("no credential in the chain").count(),
        1,
        "said once: {text}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "took {:?}",
        started.elapsed()
    );
    silent.abort();
}

#[tokio::test]
async fn fifty_concurrent_loads_share_one_token_request() {
    let (vault, identity) = setup().await;
    identity.add_client_secret(CLIENT_ID, TENANT_SCOPE_SECRET);
    let credential = chain(
        &vault,
        service_principal(&identity).with("AZURE_CLIENT_SECRET", TENANT_SCOPE_SECRET),
    );

    // The loads run concurrently on one task: the loader's future is not `Send`.
    let loads = (0..50).map(|_| load(&vault, Arc::clone(&credential)));
    for app in futures::future::join_all(loads).await {
        assert_loaded(&app);
    }

    assert_eq!(identity.issued_tokens(), 1, "{:?}", identity.requests());
    assert_eq!(identity.requests().len(), 1);
    assert_eq!(common::authorized_gets(&vault).len(), 50);
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn a_token_that_expires_mid_run_is_refreshed_and_never_sent_expired() {
    let (vault, identity) = setup().await;
    identity.add_client_secret(CLIENT_ID, TENANT_SCOPE_SECRET);
    identity.set_token_lifetime(Duration::from_secs(3));
    let credential = chain(
        &vault,
        service_principal(&identity).with("AZURE_CLIENT_SECRET", TENANT_SCOPE_SECRET),
    );
    // One long-lived client, as an application holds: its own token cache
    // must not send the first token after it expired.
    let client = SecretClient::new(&vault.vault_url(), credential, Some(vault.client_options()))
        .expect("the client builds");

    let read = || async {
        client
            .get_secret("github-token", None)
            .await
            .expect("the secret reads")
            .into_model()
            .expect("the secret parses")
            .value
    };
    assert_eq!(read().await.as_deref(), Some("ghp_fake_from_chain"));
    tokio::time::sleep(Duration::from_millis(3500)).await; // past the first token's expiry
    assert_eq!(read().await.as_deref(), Some("ghp_fake_from_chain"));

    assert_eq!(
        identity.issued_tokens(),
        2,
        "the expired token was replaced"
    );
    assert_every_token_accepted(&vault);
}

#[tokio::test]
async fn a_token_is_refreshed_before_it_expires() {
    let (vault, identity) = setup().await;
    identity.add_client_secret(CLIENT_ID, TENANT_SCOPE_SECRET);
    identity.set_token_lifetime(Duration::from_secs(4));
    let credential = chain(
        &vault,
        service_principal(&identity).with("AZURE_CLIENT_SECRET", TENANT_SCOPE_SECRET),
    );
    let scope = ["https://vault.localhost/.default"];

    let first = credential.get_token(&scope, None).await.expect("a token");
    let again = credential.get_token(&scope, None).await.expect("a token");
    assert!(
        first.token.secret() == again.token.secret(),
        "cached while fresh"
    );
    // Past half of its four-second life, but before it expires.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let refreshed = credential.get_token(&scope, None).await.expect("a token");
    assert!(
        first.token.secret() != refreshed.token.secret(),
        "a new token"
    );
    assert!(
        first.expires_on > time::OffsetDateTime::now_utc(),
        "refreshed early"
    );
    assert_eq!(identity.issued_tokens(), 2);
}

#[tokio::test]
async fn azure_token_credentials_pins_one_kind() {
    let (vault, identity) = setup().await;
    identity.add_client_secret(CLIENT_ID, TENANT_SCOPE_SECRET);
    // AZURE_CLIENT_ID also names the user-assigned identity the managed identity step asks for.
    identity.add_user_assigned_identity(CLIENT_ID);
    // Both a service principal and a managed identity are configured; the
    // pin picks the managed identity, though the environment comes first.
    let vars = service_principal(&identity)
        .with("AZURE_CLIENT_SECRET", TENANT_SCOPE_SECRET)
        .with("IDENTITY_ENDPOINT", identity.identity_endpoint())
        .with("IDENTITY_HEADER", identity.identity_header())
        .with(CredentialSelection::VARIABLE, "ManagedIdentityCredential");
    let credential = chain(&vault, vars.clone());

    let app = load(&vault, credential.clone()).await;
    assert_loaded(&app);
    assert_eq!(credential.selected(), Some(CredentialKind::ManagedIdentity));
    assert!(
        issued(&identity, IdentityEndpoint::Entra).is_empty(),
        "the environment step was skipped"
    );
    assert_eq!(issued(&identity, IdentityEndpoint::AppService).len(), 1);

    let dev_only = chain(&vault, vars.with(CredentialSelection::VARIABLE, "dev"));
    let err = dev_only
        .get_token(&["https://vault.localhost/.default"], None)
        .await
        .expect_err("no developer tool is installed");
    let chain_err = err.downcast_ref::<ChainError>().expect("a chain error");
    for kind in [
        CredentialKind::Environment,
        CredentialKind::WorkloadIdentity,
        CredentialKind::ManagedIdentity,
    ] {
        assert_eq!(
            chain_err.step(kind).map(|s| s.status()),
            Some(StepStatus::NotSelected)
        );
    }
    assert_eq!(
        identity.issued_tokens(),
        1,
        "nothing was asked of the pinned-out steps"
    );
}
