//! The running emulator and its builder.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::credential::{EMULATOR_OBJECT_ID, EmulatorCredential};
use crate::error::EmulatorError;
use crate::faults::{FaultHandle, FaultPlan};
use crate::limits;
use crate::log::{RecordedRequest, RequestLog};
use crate::random;
use crate::seed;
use crate::server;
use crate::state::{CHALLENGE_RESOURCE, VaultState};
use crate::store::{NewSecret, SecretStore, StoreSnapshot};
use crate::tls::{self, TlsMaterial};
use crate::token::{MintedToken, TokenClaims, TokenIssuer};

/// The vault name used unless the builder sets one.
pub const DEFAULT_VAULT_NAME: &str = "emulator";

/// The DNS suffix of emulated vaults; `{name}.vault.localhost` is mapped to
/// the emulator's address by the clients it builds, not by the OS.
pub const VAULT_DNS_SUFFIX: &str = "vault.localhost";

/// Configures an [`Emulator`] before it starts.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    vault_name: String,
    tenant_id: Option<String>,
    seed_files: Vec<PathBuf>,
    seeds: Vec<(String, NewSecret)>,
    faults: FaultPlan,
    token_lifetime: Duration,
    bind: SocketAddr,
    recoverable_days: u32,
    client_connect_timeout: Duration,
    client_read_timeout: Duration,
    client_address: Option<IpAddr>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            vault_name: DEFAULT_VAULT_NAME.to_owned(),
            tenant_id: None,
            seed_files: Vec::new(),
            seeds: Vec::new(),
            faults: FaultPlan::default(),
            token_lifetime: Duration::from_secs(3600),
            bind: tls::default_loopback(),
            recoverable_days: 90,
            client_connect_timeout: Duration::from_secs(5),
            client_read_timeout: Duration::from_secs(30),
            client_address: None,
        }
    }
}

impl EmulatorBuilder {
    /// Sets the vault name (3 to 24 letters, digits and single dashes).
    pub fn vault_name(mut self, name: impl Into<String>) -> Self {
        self.vault_name = name.into();
        self
    }

    /// Sets the tenant id in challenges and tokens (random by default).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Loads secrets from a JSON or `.env`-like file at start (see the
    /// seed format in the crate README).
    pub fn seed_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.seed_files.push(path.into());
        self
    }

    /// Stores a secret at start; repeated names add versions.
    pub fn seed(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.seeds.push((name.into(), NewSecret::new(value)));
        self
    }

    /// Stores a secret version with attributes at start.
    pub fn seed_with(mut self, name: impl Into<String>, secret: NewSecret) -> Self {
        self.seeds.push((name.into(), secret));
        self
    }

    /// Sets the initial fault plan.
    pub fn faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }

    /// Sets the lifetime of tokens minted by [`Emulator::credential`] and
    /// [`Emulator::token`] (one hour by default).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Sets the listening address; only loopback addresses are accepted.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Sets the soft-delete retention in days (90 by default, which the
    /// service reports as `Recoverable+Purgeable`; 7 to 89 are reported as
    /// `CustomizedRecoverable+Purgeable`).
    pub fn recoverable_days(mut self, days: u32) -> Self {
        self.recoverable_days = days;
        self
    }

    /// Sets the connect and read timeouts of the HTTP client behind
    /// [`Emulator::transport`] (5 s and 30 s by default).
    pub fn client_timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.client_connect_timeout = connect;
        self.client_read_timeout = read;
        self
    }

    /// Reports this address as the caller's in `x-ms-keyvault-network-info`
    /// and firewall messages, as a real vault reports a public IP.
    pub fn client_address(mut self, ip: IpAddr) -> Self {
        self.client_address = Some(ip);
        self
    }

    /// Starts the emulator on the current tokio runtime.
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        if !limits::is_valid_vault_name(&self.vault_name) {
            return Err(EmulatorError::InvalidVaultName(self.vault_name));
        }
        if !tls::is_loopback(&self.bind) {
            return Err(EmulatorError::NotLoopback(self.bind));
        }
        self.faults.validate()?;
        let mut store = SecretStore::new(self.recoverable_days);
        for path in &self.seed_files {
            for (name, secret) in seed::load(path)? {
                put(&mut store, &name, secret)?;
            }
        }
        for (name, secret) in self.seeds {
            put(&mut store, &name, secret)?;
        }

        let host = format!("{}.{VAULT_DNS_SUFFIX}", self.vault_name);
        let wildcard = format!("*.{VAULT_DNS_SUFFIX}");
        let tls = TlsMaterial::generate(&[&host, &wildcard])?;
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: self.bind,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: self.bind,
                source,
            })?;
        let http = tls.http_client_with_timeouts(
            &[(&host, addr)],
            self.client_connect_timeout,
            self.client_read_timeout,
        )?;

        let tenant_id = self.tenant_id.unwrap_or_else(random::guid);
        let issuer = TokenIssuer::new(&tenant_id);
        let faults = FaultHandle::new(self.faults);
        let state = Arc::new(VaultState {
            store: Mutex::new(store),
            log: RequestLog::default(),
            faults: faults.clone(),
            issuer: issuer.clone(),
            default_authority: format!("{host}:{}", addr.port()),
            vault_name: self.vault_name.clone(),
            reported_client_address: self.client_address,
        });
        let (shutdown, signal) = watch::channel(());
        let task = tokio::spawn(server::serve(
            listener,
            tls.acceptor(),
            Arc::clone(&state),
            signal,
        ));
        let credential =
            Arc::new(EmulatorCredential::new(issuer.clone()).with_lifetime(self.token_lifetime));
        tracing::debug!(target: "vault_settings_emulator", %addr, vault = %host, "emulator started");
        Ok(Emulator {
            state,
            faults,
            issuer,
            tls,
            http,
            credential,
            host,
            addr,
            token_lifetime: self.token_lifetime,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// Stores one version, mapping store errors to emulator errors.
fn put(store: &mut SecretStore, name: &str, secret: NewSecret) -> Result<String, EmulatorError> {
    if !limits::is_valid_secret_name(name) {
        return Err(EmulatorError::InvalidSecretName(name.to_owned()));
    }
    if secret.value.len() > limits::MAX_VALUE_BYTES {
        return Err(EmulatorError::ValueTooLarge {
            name: name.to_owned(),
            len: secret.value.len(),
            limit: limits::MAX_VALUE_BYTES,
        });
    }
    match store.set(name, secret, time::OffsetDateTime::now_utc()) {
        Ok((_, version)) => Ok(version.version.clone()),
        // Setting fails only for names of soft-deleted secrets.
        Err(_) => Err(EmulatorError::SecretDeleted(name.to_owned())),
    }
}

/// A running local Key Vault (secrets) over HTTPS on loopback.
///
/// Dropping it, or calling [`Emulator::shutdown`], stops the server and
/// closes every connection.
pub struct Emulator {
    state: Arc<VaultState>,
    faults: FaultHandle,
    issuer: TokenIssuer,
    tls: TlsMaterial,
    http: reqwest::Client,
    credential: Arc<EmulatorCredential>,
    host: String,
    addr: SocketAddr,
    token_lifetime: Duration,
    shutdown: Option<watch::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("vault_url", &self.vault_url())
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with the defaults: vault `emulator` on
    /// `127.0.0.1` with a free port, no secrets, no faults.
    pub async fn start() -> Result<Self, EmulatorError> {
        Self::builder().start().await
    }

    /// Returns a builder for a configured emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Returns the vault URL, `https://{name}.vault.localhost:{port}`.
    ///
    /// The host does not resolve through the OS; use the clients from
    /// [`Emulator::transport`] or [`Emulator::secret_client`], or
    /// `https://127.0.0.1:{port}` with challenge verification off.
    pub fn vault_url(&self) -> String {
        format!("https://{}:{}", self.host, self.addr.port())
    }

    /// Returns `https://127.0.0.1:{port}` (or `https://[::1]:{port}`), a URL
    /// any client resolves; clients must then turn challenge-resource
    /// verification off.
    pub fn loopback_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Returns the vault host, `{name}.vault.localhost`.
    pub fn host(&self) -> String {
        self.host.clone()
    }

    /// Returns the listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the per-run CA certificate in PEM form.
    pub fn ca_pem(&self) -> &str {
        self.tls.ca_pem()
    }

    /// Returns the TLS material, to build more clients or servers.
    pub fn tls(&self) -> &TlsMaterial {
        &self.tls
    }

    /// Returns the token issuer whose tokens the vault accepts.
    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    /// Starts local Entra ID and managed identity token endpoints whose
    /// tokens this vault accepts; see [`crate::identity`].
    pub async fn start_identity(&self) -> Result<crate::identity::IdentityServer, EmulatorError> {
        crate::identity::IdentityServer::start(self.issuer.clone(), &self.tls).await
    }

    /// Returns the HTTP client that trusts the CA and maps the vault host to
    /// the emulator.
    pub fn http_client(&self) -> reqwest::Client {
        self.http.clone()
    }

    /// Returns an `azure_core` transport over [`Emulator::http_client`].
    pub fn transport(&self) -> Transport {
        Transport::new(Arc::new(self.http.clone()))
    }

    /// Returns `SecretClientOptions` for the emulator: its transport,
    /// challenge-resource verification left on (the challenge names
    /// `https://vault.localhost` and the host ends in `.vault.localhost`),
    /// and a fast retry policy for tests.
    ///
    /// The retry policy is exponential with a 20 ms initial delay, at most
    /// 3 retries, 5 s total and a 1 s cap on computed delays (the SDK's
    /// floor). Each retry waits 20 ms × 2ⁿ plus up to 255 ms of jitter, so
    /// three retries take at most about 1.1 s, unless a `Retry-After` asks
    /// for more: the SDK honours it on 429 and 503 without a cap.
    pub fn client_options(&self) -> SecretClientOptions {
        let retry = RetryOptions::exponential(ExponentialRetryOptions {
            initial_delay: azure_core::time::Duration::milliseconds(20),
            max_retries: 3,
            max_total_elapsed: azure_core::time::Duration::seconds(5),
            max_delay: azure_core::time::Duration::seconds(1),
        });
        SecretClientOptions {
            client_options: ClientOptions {
                transport: Some(self.transport()),
                retry,
                ..Default::default()
            },
            verify_challenge_resource: Some(true),
            ..Default::default()
        }
    }

    /// Returns the emulator's shared credential, which mints valid tokens
    /// in-process and counts its calls.
    pub fn credential(&self) -> Arc<EmulatorCredential> {
        Arc::clone(&self.credential)
    }

    /// Builds the official `SecretClient` for this vault with
    /// [`Emulator::credential`] and [`Emulator::client_options`].
    pub fn secret_client(&self) -> Result<SecretClient, EmulatorError> {
        SecretClient::new(
            &self.vault_url(),
            self.credential(),
            Some(self.client_options()),
        )
        .map_err(EmulatorError::SecretClient)
    }

    /// Mints a valid bearer token for `https://vault.localhost`, for clients
    /// in other processes.
    pub fn token(&self) -> MintedToken {
        self.issuer.mint(&TokenClaims {
            audience: CHALLENGE_RESOURCE.to_owned(),
            tenant_id: self.issuer.tenant_id().to_owned(),
            object_id: EMULATOR_OBJECT_ID.to_owned(),
            app_id: None,
            lifetime: self.token_lifetime,
        })
    }

    /// Returns every request answered so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log.entries()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// Stores a new enabled version of a secret and returns its version id.
    pub fn put_secret(
        &self,
        name: impl AsRef<str>,
        value: impl Into<String>,
    ) -> Result<String, EmulatorError> {
        self.put_secret_with(name, NewSecret::new(value))
    }

    /// Stores a new version with attributes and returns its version id.
    pub fn put_secret_with(
        &self,
        name: impl AsRef<str>,
        secret: NewSecret,
    ) -> Result<String, EmulatorError> {
        let mut store = self
            .state
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        put(&mut store, name.as_ref(), secret)
    }

    /// Returns a copy of the store, for assertions.
    pub fn snapshot(&self) -> StoreSnapshot {
        self.state
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .snapshot()
    }

    /// Returns a handle to change the fault plan while the emulator runs.
    pub fn faults(&self) -> FaultHandle {
        self.faults.clone()
    }

    /// Stops accepting connections, closes open ones and waits for the
    /// accept loop to end.
    pub async fn shutdown(mut self) {
        self.shutdown.take();
        if let Some(task) = self.task.take() {
            // A join error means the loop panicked or was cancelled; either
            // way it has stopped, which is all shutdown promises.
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Dropping the sender wakes the accept loop and every connection.
        self.shutdown.take();
    }
}
