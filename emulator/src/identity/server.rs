//! The identity server's listeners (HTTPS for Entra ID, plain HTTP for the
//! managed identity endpoints) and its routing.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use super::managed::Form;
use super::requests::{IdentityEndpoint, IdentityRequest};
use super::{Reply, Shared, entra, managed};

/// The largest token request body read.
const MAX_BODY_BYTES: usize = 64 * 1024;
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const LOG_TARGET: &str = "vault_settings_emulator::identity";

/// Accepts connections until the shutdown sender is dropped; with an
/// acceptor each connection is TLS, without one plain HTTP.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => {
                    spawn_connection(tcp, acceptor.clone(), Arc::clone(&shared), shutdown.clone());
                }
                Err(error) => {
                    tracing::debug!(target: LOG_TARGET, %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
}

fn spawn_connection(
    tcp: TcpStream,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<()>,
) {
    let _ = tcp.set_nodelay(true);
    match acceptor {
        Some(acceptor) => tokio::spawn(tls_connection(acceptor, tcp, shared, shutdown)),
        None => tokio::spawn(connection(tcp, shared, shutdown)),
    };
}

async fn tls_connection(
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<()>,
) {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => connection(tls, shared, shutdown).await,
        _ => tracing::debug!(target: LOG_TARGET, "TLS handshake failed or timed out"),
    }
}

async fn connection<S>(stream: S, shared: Arc<Shared>, mut shutdown: watch::Receiver<()>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
    let serving = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = shutdown.changed() => {}
        result = serving => {
            if let Err(error) = result {
                tracing::debug!(target: LOG_TARGET, %error, "connection ended");
            }
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();

    let (reply, entry) = match (&parts.method, segments.as_slice()) {
        (&Method::POST, [tenant, "oauth2", "v2.0", "token"]) => {
            let mut entry = IdentityRequest::new(IdentityEndpoint::Entra);
            let reply = match Limited::new(body, MAX_BODY_BYTES).collect().await {
                Ok(collected) => entra::token(&shared, tenant, &collected.to_bytes(), &mut entry),
                Err(_) => Reply::json(
                    StatusCode::BAD_REQUEST,
                    &serde_json::json!({"error": "invalid_request"}),
                ),
            };
            (reply, entry)
        }
        (&Method::GET, ["msi", "token"]) => {
            let mut entry = IdentityRequest::new(IdentityEndpoint::AppService);
            let reply = managed::token(&shared, Form::AppService, &parts, &mut entry);
            (reply, entry)
        }
        (&Method::GET, ["metadata", "identity", "oauth2", "token"]) => {
            let mut entry = IdentityRequest::new(IdentityEndpoint::Imds);
            let reply = managed::token(&shared, Form::Imds, &parts, &mut entry);
            (reply, entry)
        }
        _ => (
            Reply::json(
                StatusCode::NOT_FOUND,
                &serde_json::json!({"error": "not_found", "error_description": "Unknown path"}),
            ),
            IdentityRequest::new(IdentityEndpoint::Unknown),
        ),
    };

    let mut entry = entry;
    entry.status = reply.status.as_u16();
    tracing::debug!(
        target: LOG_TARGET,
        endpoint = ?entry.endpoint,
        status = entry.status,
        issued = entry.issued,
        "token request answered"
    );
    shared.log.push(entry);
    Ok(reply.into_response())
}
