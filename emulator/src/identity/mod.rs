//! Local token endpoints for credential chains: the Entra ID token endpoint
//! (client secret, certificate assertion, federated token) over HTTPS, and
//! the managed identity endpoint in its App Service and instance metadata
//! forms over plain HTTP, all on loopback.
//!
//! Tokens come from the vault's own [`TokenIssuer`], so the vault accepts
//! them (and checks their audience and expiry) exactly as it accepts tokens
//! of [`crate::EmulatorCredential`]. Point a credential at the server with
//! the variables the Azure SDKs read:
//!
//! - `AZURE_AUTHORITY_HOST`: [`IdentityServer::authority_host`], with a
//!   transport that trusts the emulator's CA;
//! - `AZURE_TENANT_ID`: [`IdentityServer::tenant_id`];
//! - `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`:
//!   [`IdentityServer::identity_endpoint`] and [`IdentityServer::identity_header`];
//! - `AZURE_POD_IDENTITY_AUTHORITY_HOST`: [`IdentityServer::imds_endpoint`].
//!
//! What it does not check: federated tokens are compared with the
//! registered value instead of being validated as JWTs against an issuer,
//! and managed identity requests are not tied to a resource.

mod assertion;
mod entra;
mod managed;
mod registry;
mod requests;
mod server;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::EmulatorError;
use crate::tls::{self, TlsMaterial};
use crate::token::TokenIssuer;

pub use registry::CertificateError;
pub use requests::{Grant, IdentityEndpoint, IdentityRequest};

/// How long issued tokens live unless [`IdentityServer::set_token_lifetime`] says otherwise.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) issuer: TokenIssuer,
    pub(crate) identity_header: String,
    registry: Mutex<registry::Registry>,
    token_lifetime: Mutex<Duration>,
    pub(crate) log: crate::log::RequestLog<IdentityRequest>,
}

impl Shared {
    pub(crate) fn registry(&self) -> MutexGuard<'_, registry::Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn token_lifetime(&self) -> Duration {
        *self
            .token_lifetime
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A JSON answer.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: &serde_json::Value) -> Self {
        Self {
            status,
            body: body.to_string().into_bytes(),
        }
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
        );
        response.headers_mut().insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// A running set of local token endpoints.
///
/// Dropping it, or calling [`IdentityServer::shutdown`], stops both listeners.
pub struct IdentityServer {
    shared: Arc<Shared>,
    https_addr: SocketAddr,
    http_addr: SocketAddr,
    shutdown: Option<watch::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for IdentityServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityServer")
            .field("authority_host", &self.authority_host())
            .field("http", &self.http_addr)
            .finish_non_exhaustive()
    }
}

impl IdentityServer {
    /// Starts the endpoints on `127.0.0.1` (two free ports), minting tokens
    /// with `issuer` and serving HTTPS with `tls`.
    ///
    /// A system-assigned managed identity is enabled; applications must be
    /// registered before they get tokens.
    pub async fn start(issuer: TokenIssuer, tls: &TlsMaterial) -> Result<Self, EmulatorError> {
        tls::install_ring_provider();
        let https = bind().await?;
        let http = bind().await?;
        let https_addr = local_addr(&https)?;
        let http_addr = local_addr(&http)?;

        let shared = Arc::new(Shared {
            issuer,
            identity_header: crate::random::version_id(),
            registry: Mutex::default(),
            token_lifetime: Mutex::new(DEFAULT_TOKEN_LIFETIME),
            log: crate::log::RequestLog::default(),
        });
        let (shutdown, signal) = watch::channel(());
        let tasks = vec![
            tokio::spawn(server::serve(
                https,
                Some(tls.acceptor()),
                Arc::clone(&shared),
                signal.clone(),
            )),
            tokio::spawn(server::serve(http, None, Arc::clone(&shared), signal)),
        ];
        tracing::debug!(target: server::LOG_TARGET, %https_addr, %http_addr, "identity server up");
        Ok(Self {
            shared,
            https_addr,
            http_addr,
            shutdown: Some(shutdown),
            tasks,
        })
    }

    /// Returns the value for `AZURE_AUTHORITY_HOST`, `https://127.0.0.1:{port}`.
    pub fn authority_host(&self) -> String {
        format!("https://{}", self.https_addr)
    }

    /// Returns the only tenant the Entra ID endpoint serves: the issuer's.
    pub fn tenant_id(&self) -> &str {
        self.shared.issuer.tenant_id()
    }

    /// Returns the value for `IDENTITY_ENDPOINT`, `http://127.0.0.1:{port}/msi/token`.
    pub fn identity_endpoint(&self) -> String {
        format!("http://{}/msi/token", self.http_addr)
    }

    /// Returns the value for `IDENTITY_HEADER`, random per server.
    pub fn identity_header(&self) -> &str {
        &self.shared.identity_header
    }

    /// Returns the value for `AZURE_POD_IDENTITY_AUTHORITY_HOST`, the base URL
    /// of the instance metadata stand-in, `http://127.0.0.1:{port}`.
    pub fn imds_endpoint(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Registers an application that authenticates with a client secret.
    pub fn add_client_secret(&self, client_id: &str, secret: &str) {
        self.shared.registry().add_secret(client_id, secret);
    }

    /// Registers an application that signs assertions with the key of this
    /// PEM certificate (the first certificate in `pem`; any key in it is ignored).
    pub fn add_client_certificate(
        &self,
        client_id: &str,
        pem: &str,
    ) -> Result<(), CertificateError> {
        self.shared
            .registry()
            .add_certificate(client_id, pem.as_bytes())
    }

    /// Registers an application that presents this federated token as its assertion.
    pub fn add_federated_token(&self, client_id: &str, token: &str) {
        self.shared.registry().add_federated_token(client_id, token);
    }

    /// Assigns a user-assigned managed identity, requested by its client id.
    pub fn add_user_assigned_identity(&self, client_id: &str) {
        self.shared.registry().add_user_assigned(client_id);
    }

    /// Turns the system-assigned managed identity on or off (on by default).
    pub fn set_system_assigned_identity(&self, enabled: bool) {
        self.shared.registry().set_system_assigned(enabled);
    }

    /// Sets the lifetime of tokens issued from now on (one hour by default).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        *self
            .shared
            .token_lifetime
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = lifetime;
    }

    /// Returns every request answered so far, in order.
    pub fn requests(&self) -> Vec<IdentityRequest> {
        self.shared.log.entries()
    }

    /// Returns how many tokens were issued so far.
    pub fn issued_tokens(&self) -> usize {
        self.shared
            .log
            .entries()
            .iter()
            .filter(|r| r.issued)
            .count()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Stops both listeners and waits for them to finish.
    pub async fn shutdown(mut self) {
        self.shutdown.take();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for IdentityServer {
    fn drop(&mut self) {
        self.shutdown.take();
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn bind() -> Result<tokio::net::TcpListener, EmulatorError> {
    let addr = tls::default_loopback();
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Bind { addr, source })
}

fn local_addr(listener: &tokio::net::TcpListener) -> Result<SocketAddr, EmulatorError> {
    listener.local_addr().map_err(|source| EmulatorError::Bind {
        addr: tls::default_loopback(),
        source,
    })
}

#[cfg(test)]
mod tests;
