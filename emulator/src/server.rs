//! The accept loop: TLS handshakes and HTTP/1.1 connections, all stopped
//! when the emulator's shutdown signal fires.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::service;
use crate::state::VaultState;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until the shutdown sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<VaultState>,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let connection = connection(tcp, peer, acceptor.clone(), Arc::clone(&state), shutdown.clone());
                    tokio::spawn(connection);
                }
                Err(error) => {
                    // Usually out of file descriptors; back off briefly.
                    tracing::debug!(target: "vault_settings_emulator", %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
}

async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    state: Arc<VaultState>,
    mut shutdown: watch::Receiver<()>,
) {
    let _ = tcp.set_nodelay(true);
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
    let tls = tokio::select! {
        _ = shutdown.changed() => return,
        result = handshake => match result {
            Ok(Ok(tls)) => tls,
            Ok(Err(error)) => {
                tracing::debug!(target: "vault_settings_emulator", %peer, %error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(target: "vault_settings_emulator", %peer, "TLS handshake timed out");
                return;
            }
        },
    };
    let service = service_fn(move |request| service::handle(Arc::clone(&state), peer, request));
    let serving = http1::Builder::new().serve_connection(TokioIo::new(tls), service);
    tokio::select! {
        _ = shutdown.changed() => {}
        result = serving => {
            if let Err(error) = result {
                tracing::debug!(target: "vault_settings_emulator", %peer, %error, "connection ended");
            }
        }
    }
}
