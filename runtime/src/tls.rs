//! TLS set-up shared by every HTTP client the runtime builds: rustls with
//! the ring provider, never OpenSSL.

use std::time::Duration;

/// How long connecting to a vault may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a vault may take to answer once connected.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Installs ring as the process's rustls provider unless one is already
/// installed (reqwest is built without a provider of its own).
pub(crate) fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another installer is fine: a provider is in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Builds the HTTP client used for real vaults: the platform's trust store,
/// bounded connect and read timeouts, no redirects.
pub(crate) fn default_http_client() -> Result<reqwest::Client, reqwest::Error> {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}
