//! Per-run TLS material: a throwaway CA, a server certificate it signs, and
//! clients that trust only that CA.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::EmulatorError;

/// Names every server certificate covers, whatever the caller asks for.
const ALWAYS_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// How long generated certificates are valid, counted from one hour ago.
const VALIDITY: time::Duration = time::Duration::days(7);

/// Connect timeout of clients built by [`TlsMaterial::http_client`].
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Read timeout of clients built by [`TlsMaterial::http_client`].
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Holds a per-run CA and the TLS server configuration for a certificate it
/// signed, with the ring provider and HTTP/1.1 ALPN.
///
/// The private keys never leave the process: only the CA certificate is
/// exported, so clients (including other processes) can trust the emulator.
#[derive(Clone)]
pub struct TlsMaterial {
    ca_pem: Arc<str>,
    server_config: Arc<ServerConfig>,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial").finish_non_exhaustive()
    }
}

impl TlsMaterial {
    /// Generates a CA and a server certificate for the given DNS names and IP
    /// addresses, always adding `localhost`, `127.0.0.1` and `::1`.
    ///
    /// A name such as `*.vault.localhost` yields a wildcard entry.
    pub fn generate(names: &[&str]) -> Result<Self, EmulatorError> {
        install_ring_provider();
        let ca_key = KeyPair::generate().map_err(EmulatorError::Certificate)?;
        let ca_params = ca_params();
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .map_err(EmulatorError::Certificate)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().map_err(EmulatorError::Certificate)?;
        let leaf_cert = leaf_params(names)?
            .signed_by(&leaf_key, &issuer)
            .map_err(EmulatorError::Certificate)?;

        let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
        let server_config = server_config(chain, PrivateKeyDer::from(leaf_key))?;
        Ok(Self {
            ca_pem: ca_cert.pem().into(),
            server_config: Arc::new(server_config),
        })
    }

    /// Returns the CA certificate in PEM form, for clients to trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Returns the rustls server configuration.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.server_config)
    }

    /// Returns a TLS acceptor for the server certificate.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.server_config())
    }

    /// Builds a `reqwest` client that trusts only this CA and sends each given
    /// host to the given socket address.
    ///
    /// The client uses no proxy, follows no redirects, and has a 5 s connect
    /// timeout and a 30 s read timeout. As with `reqwest::ClientBuilder::resolve`,
    /// the port comes from the request URL, not from the address.
    pub fn http_client(
        &self,
        resolve: &[(&str, SocketAddr)],
    ) -> Result<reqwest::Client, EmulatorError> {
        self.http_client_with_timeouts(resolve, CONNECT_TIMEOUT, READ_TIMEOUT)
    }

    /// Builds a client like [`TlsMaterial::http_client`] with the given
    /// connect and read timeouts.
    pub fn http_client_with_timeouts(
        &self,
        resolve: &[(&str, SocketAddr)],
        connect_timeout: Duration,
        read_timeout: Duration,
    ) -> Result<reqwest::Client, EmulatorError> {
        install_ring_provider();
        let ca = reqwest::Certificate::from_pem(self.ca_pem.as_bytes())
            .map_err(EmulatorError::HttpClient)?;
        let mut builder = reqwest::Client::builder()
            .tls_certs_only([ca])
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .read_timeout(read_timeout);
        for (host, addr) in resolve {
            builder = builder.resolve(host, *addr);
        }
        builder.build().map_err(EmulatorError::HttpClient)
    }
}

/// Installs ring as the process-wide rustls provider unless one is installed.
///
/// `reqwest` is built with `rustls-no-provider`, so it panics without this.
pub(crate) fn install_ring_provider() {
    // An error means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn validity() -> (time::OffsetDateTime, time::OffsetDateTime) {
    let start = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    (start, start + VALIDITY)
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let (not_before, not_after) = validity();
    params.not_before = not_before;
    params.not_after = not_after;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params
        .distinguished_name
        .push(DnType::CommonName, "vault-settings emulator CA (per run)");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

fn leaf_params(names: &[&str]) -> Result<CertificateParams, EmulatorError> {
    let mut all: Vec<String> = Vec::new();
    for name in names.iter().chain(ALWAYS_NAMES.iter()) {
        let name = normalize_name(name);
        if !all.contains(&name) {
            all.push(name);
        }
    }
    let mut params = CertificateParams::new(all).map_err(EmulatorError::Certificate)?;
    let (not_before, not_after) = validity();
    params.not_before = not_before;
    params.not_after = not_after;
    params
        .distinguished_name
        .push(DnType::CommonName, "vault-settings emulator");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    Ok(params)
}

/// Writes IP addresses in their canonical form so duplicates are detected.
fn normalize_name(name: &str) -> String {
    let trimmed = name.trim_start_matches('[').trim_end_matches(']');
    match trimmed.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => name.to_ascii_lowercase(),
    }
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerConfig, EmulatorError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(EmulatorError::Tls)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(EmulatorError::Tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Returns the loopback addresses the emulator may bind to by default.
pub(crate) const fn default_loopback() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
}

/// Tells whether an address is loopback (IPv4 `127/8`, IPv6 `::1`, or a
/// v4-mapped loopback).
pub(crate) fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6 == Ipv6Addr::LOCALHOST || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn names_are_deduplicated_and_always_include_loopback() {
        let params = leaf_params(&["LOCALHOST", "[::1]", "emulator.vault.localhost"]).unwrap();
        let names: Vec<String> = params
            .subject_alt_names
            .iter()
            .map(|san| format!("{san:?}"))
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert!(names.iter().any(|n| n.contains("emulator.vault.localhost")));
        assert!(names.iter().any(|n| n.contains("127.0.0.1")));
    }

    #[test]
    fn generated_ca_is_pem_and_debug_hides_keys() {
        let tls = TlsMaterial::generate(&["a.vault.localhost"]).unwrap();
        assert!(tls.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!tls.ca_pem().contains("PRIVATE KEY"));
        assert_eq!(format!("{tls:?}"), "TlsMaterial { .. }");
        assert_eq!(
            tls.server_config().alpn_protocols,
            vec![b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback(&"127.0.0.1:1".parse().unwrap()));
        assert!(is_loopback(&"127.9.9.9:1".parse().unwrap()));
        assert!(is_loopback(&"[::1]:1".parse().unwrap()));
        assert!(is_loopback(&"[::ffff:127.0.0.1]:1".parse().unwrap()));
        assert!(!is_loopback(&"0.0.0.0:1".parse().unwrap()));
        assert!(!is_loopback(&"[::]:1".parse().unwrap()));
        assert!(!is_loopback(&"10.0.0.1:1".parse().unwrap()));
    }

    /// Serves one raw HTTP/1.1 answer over TLS and fetches it with the client
    /// from `http_client`, through a host name that only `resolve` knows.
    #[tokio::test]
    async fn client_trusts_the_ca_and_uses_the_resolve_map() {
        let tls = TlsMaterial::generate(&["*.vault.localhost"]).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tls.acceptor();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut stream = acceptor.accept(tcp).await.unwrap();
            let mut buf = vec![0u8; 4096];
            let _ = stream.read(&mut buf).await.unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                .await
                .unwrap();
            stream.shutdown().await.unwrap();
        });
        let client = tls.http_client(&[("t.vault.localhost", addr)]).unwrap();
        let url = format!("https://t.vault.localhost:{}/", addr.port());
        let body = client.get(url).send().await.unwrap().text().await.unwrap();
        assert_eq!(body, "ok");
        server.await.unwrap();
    }

    #[tokio::test]
    async fn other_clients_reject_the_certificate() {
        let tls = TlsMaterial::generate(&[]).unwrap();
        let other = TlsMaterial::generate(&[]).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = tls.acceptor();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            acceptor.accept(tcp).await.is_err()
        });
        let client = other.http_client(&[]).unwrap();
        let result = client
            .get(format!("https://localhost:{}/", addr.port()))
            .send()
            .await;
        assert!(result.is_err(), "a client trusting another CA connected");
        assert!(
            server.await.unwrap(),
            "handshake should fail on the server too"
        );
    }
}
