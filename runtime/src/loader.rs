//! The loader: reads the sources, resolves `@kv:` references through one
//! secret store, concurrently and within a deadline.

use std::{
    collections::HashMap,
    fmt,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use azure_core::credentials::TokenCredential;
use azure_security_keyvault_secrets::SecretClientOptions;
use futures::StreamExt;
use time::OffsetDateTime;

use crate::{
    credential::EnvVars,
    derive::{FieldSpec, Resolution, Slot},
    error::{ErrorKind, LoadError, SettingError},
    keyvault::KeyVaultStore,
    reference::{SecretRef, is_known_vault_host},
    sources::{Environment, Sources},
    store::{SecretStore, SecretValue, StoreError},
};

/// The variable that names the application's vault.
pub const KEY_VAULT_URL: &str = "KEY_VAULT_URL";

/// How long a load may take before unfinished fetches fail with `Timeout`.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);

/// How many secrets are fetched at once.
pub const DEFAULT_CONCURRENCY: usize = 16;

const LOG_TARGET: &str = "vault_settings::load";

/// Configures how settings are loaded: which file, which environment, which
/// vault, how many fetches at once and how long loading may take.
///
/// `Loader::new()` reads `.env` in the current directory (if present) and the
/// process environment, and resolves references through the vault named by
/// `KEY_VAULT_URL` with the default credential chain.
pub struct Loader {
    env_file: Option<PathBuf>,
    env_file_required: bool,
    environment: Environment,
    file_overrides_env: bool,
    vault_url: Option<String>,
    store: Option<Arc<dyn SecretStore>>,
    credential: Option<Arc<dyn TokenCredential>>,
    client_options: Option<SecretClientOptions>,
    allowed_hosts: Vec<String>,
    concurrency: usize,
    deadline: Duration,
    require_references: bool,
    built: Mutex<Option<(String, Arc<dyn SecretStore>)>>,
}

impl Default for Loader {
    fn default() -> Self {
        Loader::new()
    }
}

impl Loader {
    /// Creates a loader with the defaults described on [`Loader`].
    pub fn new() -> Self {
        Loader {
            env_file: Some(PathBuf::from(".env")),
            env_file_required: false,
            environment: Environment::Process,
            file_overrides_env: false,
            vault_url: None,
            store: None,
            credential: None,
            client_options: None,
            allowed_hosts: Vec::new(),
            concurrency: DEFAULT_CONCURRENCY,
            deadline: DEFAULT_DEADLINE,
            require_references: false,
            built: Mutex::new(None),
        }
    }

    /// Reads this file instead of `./.env`. A file named here must exist:
    /// a mistyped path is an error, not an empty file (see
    /// [`optional_env_file`](Self::optional_env_file)).
    #[must_use]
    pub fn env_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.env_file = Some(path.into());
        self.env_file_required = true;
        self
    }

    /// Reads this file instead of `./.env` when it exists.
    #[must_use]
    pub fn optional_env_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.env_file = Some(path.into());
        self.env_file_required = false;
        self
    }

    /// Reads no `.env` file at all.
    #[must_use]
    pub fn no_env_file(mut self) -> Self {
        self.env_file = None;
        self
    }

    /// Fails the load when the `.env` file does not exist (by default only a
    /// file named with [`env_file`](Self::env_file) must exist).
    #[must_use]
    pub fn require_env_file(mut self, required: bool) -> Self {
        self.env_file_required = required;
        self
    }

    /// Reads variables from `vars` instead of the process environment. The
    /// default credential chain reads the same map (so a test never touches
    /// the process environment).
    #[must_use]
    pub fn env_vars<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let map = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.environment = Environment::Map(Arc::new(map));
        self
    }

    /// Lets the `.env` file win over the environment (the default is the
    /// opposite, as in the dotenv tools and container platforms).
    #[must_use]
    pub fn file_overrides_env(mut self, yes: bool) -> Self {
        self.file_overrides_env = yes;
        self
    }

    /// Uses this vault instead of the one `KEY_VAULT_URL` names.
    #[must_use]
    pub fn vault_url(mut self, url: impl Into<String>) -> Self {
        self.vault_url = Some(url.into());
        self
    }

    /// Resolves references through `store` instead of building a Key Vault
    /// client. Full identifiers are passed to the store as they are.
    #[must_use]
    pub fn store(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Authenticates to Key Vault with `credential` instead of the default chain.
    #[must_use]
    pub fn credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Builds Key Vault clients with these options (transport, retries).
    #[must_use]
    pub fn client_options(mut self, options: SecretClientOptions) -> Self {
        self.client_options = Some(options);
        self
    }

    /// Accepts full identifiers on `host`, which is not a Key Vault host of a
    /// known Azure cloud (an emulator, for instance).
    #[must_use]
    pub fn allow_vault_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// Fetches at most `n` secrets at once (at least one).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Fails fetches still unfinished after `deadline` with `Timeout`.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Refuses plain values on `#[kv]` fields, so every secret must come from
    /// the vault.
    #[must_use]
    pub fn require_references(mut self, yes: bool) -> Self {
        self.require_references = yes;
        self
    }

    pub(crate) async fn resolve(
        &self,
        fields: &'static [FieldSpec],
    ) -> Result<Resolution, LoadError> {
        let started = Instant::now();
        let sources = Sources::gather(
            self.environment.clone(),
            self.env_file.as_deref(),
            self.env_file_required,
            self.file_overrides_env,
        )?;
        let mut plan = Plan {
            default_vault: self.default_vault_url(&sources),
            ..Plan::default()
        };
        for (index, spec) in fields.iter().enumerate() {
            let slot = self.classify(&mut plan, index, spec, &sources);
            plan.slots.push(slot);
        }
        let fetched = self.fetch_all(&mut plan, fields, &sources).await;
        tracing::info!(
            target: LOG_TARGET,
            settings = fields.len(),
            secrets = fetched,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "loaded settings"
        );
        Ok(Resolution::new(fields, plan.slots, plan.failures))
    }

    fn classify(&self, plan: &mut Plan, index: usize, spec: &FieldSpec, sources: &Sources) -> Slot {
        let Some((value, _origin)) = sources.get(spec.var) else {
            return Slot::Unset;
        };
        let reference = match SecretRef::parse(&value) {
            Ok(Some(reference)) => reference,
            Ok(None) if spec.is_secret() && self.require_references => {
                plan.fail(index, spec, SettingError::new(
                    ErrorKind::ReferenceRequired,
                    "holds a plain value but references are required; store it in the vault and set `@kv:NAME`",
                ));
                return Slot::Failed;
            }
            Ok(None) => return Slot::Plain(value),
            Err(err) => {
                // The value is not shown: a secret pasted after `@kv:` by
                // mistake would otherwise reach logs.
                let detail = format!("is not a valid Key Vault reference: {err}");
                plan.fail(
                    index,
                    spec,
                    SettingError::new(ErrorKind::BadReference, detail),
                );
                return Slot::Failed;
            }
        };
        if !spec.is_secret() {
            let detail = format!(
                "holds the reference `@kv:{reference}` but field `{}` is not marked `#[kv]`; mark it `#[kv]` or give it a plain value",
                spec.field
            );
            plan.fail(
                index,
                spec,
                SettingError::new(ErrorKind::ReferenceOnPlainField, detail),
            );
            return Slot::Failed;
        }
        if let Some(host) = reference.vault_host() {
            let allowed = is_known_vault_host(host)
                || self
                    .allowed_hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(host));
            if !allowed {
                let detail = format!(
                    "`{host}` is not a Key Vault host of a known Azure cloud; allow it with `Loader::allow_vault_host`"
                );
                let failure = SettingError::new(ErrorKind::VaultHostNotAllowed, detail)
                    .with_secret(reference.to_string());
                plan.fail(index, spec, failure);
                return Slot::Failed;
            }
        }
        let key = FetchKey::new(&reference, plan.default_vault.as_ref());
        let (_, indexes) = plan
            .wanted
            .entry(key)
            .or_insert_with(|| (reference, Vec::new()));
        indexes.push(index);
        Slot::Failed
    }

    async fn fetch_all(
        &self,
        plan: &mut Plan,
        fields: &'static [FieldSpec],
        sources: &Sources,
    ) -> usize {
        if plan.wanted.is_empty() {
            return 0;
        }
        let store = match self.secret_store(sources) {
            Ok(store) => store,
            Err(setup) => {
                let wanted = std::mem::take(&mut plan.wanted);
                for (reference, indexes) in wanted.into_values() {
                    for index in indexes {
                        let failure = setup.failure(reference.to_string());
                        plan.fail(index, &fields[index], failure);
                    }
                }
                return 0;
            }
        };
        let wanted: Vec<(SecretRef, Vec<usize>)> =
            std::mem::take(&mut plan.wanted).into_values().collect();
        let mut results: Vec<Option<Result<SecretValue, StoreError>>> = Vec::new();
        results.resize_with(wanted.len(), || None);
        // The stream's items are plain indexes: items that borrow would make
        // the load future lose `Send` (a higher-ranked lifetime limitation).
        let wanted_ref = &wanted;
        let store_ref = &store;
        let fetches = futures::stream::iter(0..wanted.len())
            .map(move |i| {
                let reference = &wanted_ref[i].0;
                async move {
                    tracing::debug!(
                        target: LOG_TARGET,
                        secret = reference.name(),
                        vault = reference.vault_host().unwrap_or("default"),
                        "fetching secret"
                    );
                    (i, store_ref.get(reference).await)
                }
            })
            .buffer_unordered(self.concurrency);
        let collect = async {
            futures::pin_mut!(fetches);
            while let Some((i, result)) = fetches.next().await {
                results[i] = Some(result);
            }
        };
        // On timeout the unfinished fetches are dropped and reported below.
        let _ = tokio::time::timeout(self.deadline, collect).await;
        let default_vault = plan
            .default_vault
            .as_ref()
            .and_then(|url| url.host_str().map(str::to_owned));
        let mut fetched = 0;
        for ((reference, indexes), result) in wanted.iter().zip(results) {
            let vault = reference
                .vault_host()
                .map(str::to_owned)
                .or_else(|| default_vault.clone());
            match result {
                Some(Ok(value)) => {
                    fetched += 1;
                    self.warn_if_expired(&value, reference, indexes, fields);
                    for &index in indexes {
                        plan.slots[index] = Slot::Secret(value.value().clone());
                    }
                }
                Some(Err(err)) => {
                    let err = Arc::new(err);
                    for &index in indexes {
                        let failure =
                            SettingError::from_store(&err, reference.to_string(), vault.clone())
                                .with_source(SharedStoreError(err.clone()));
                        plan.fail(index, &fields[index], failure);
                    }
                }
                None => {
                    for &index in indexes {
                        let detail = format!(
                            "no answer from the vault within the {:?} load deadline; check the network path or raise `Loader::deadline`",
                            self.deadline
                        );
                        let failure = SettingError::new(ErrorKind::Timeout, detail)
                            .with_secret(reference.to_string());
                        plan.fail(index, &fields[index], failure.with_vault(vault.clone()));
                    }
                }
            }
        }
        fetched
    }

    fn warn_if_expired(
        &self,
        value: &SecretValue,
        reference: &SecretRef,
        indexes: &[usize],
        fields: &[FieldSpec],
    ) {
        let Some(expires) = value.expires() else {
            return;
        };
        if expires <= OffsetDateTime::now_utc() {
            for &index in indexes {
                tracing::warn!(
                    target: LOG_TARGET,
                    setting = fields[index].var,
                    secret = %reference,
                    expired_at = %expires,
                    "secret has expired; Key Vault still returns it, but it should be rotated"
                );
            }
        }
    }

    /// The application's vault as configured: `Loader::vault_url`, else
    /// `KEY_VAULT_URL` from the sources.
    fn configured_vault_url(&self, sources: &Sources) -> Option<String> {
        self.vault_url
            .clone()
            .or_else(|| sources.get(KEY_VAULT_URL).map(|(v, _)| v.to_string()))
    }

    fn default_vault_url(&self, sources: &Sources) -> Option<url::Url> {
        url::Url::parse(self.configured_vault_url(sources)?.trim()).ok()
    }

    fn secret_store(&self, sources: &Sources) -> Result<Arc<dyn SecretStore>, StoreSetupError> {
        if let Some(store) = &self.store {
            return Ok(store.clone());
        }
        let url = self
            .configured_vault_url(sources)
            .ok_or(StoreSetupError::NoVault)?;
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((built_url, store)) = built.as_ref()
            && *built_url == url
        {
            return Ok(store.clone());
        }
        let mut builder = KeyVaultStore::builder(&url);
        if let Some(credential) = &self.credential {
            builder = builder.credential(credential.clone());
        }
        if let Some(options) = &self.client_options {
            builder = builder.client_options(options.clone());
        }
        if let Environment::Map(map) = &self.environment {
            let vars = map
                .iter()
                .fold(EnvVars::new(), |vars, (k, v)| vars.with(k, v));
            builder = builder.env_vars(vars);
        }
        let store: Arc<dyn SecretStore> = Arc::new(
            builder
                .build()
                .map_err(|err| StoreSetupError::Failed(Arc::new(err)))?,
        );
        *built = Some((url, store.clone()));
        Ok(store)
    }
}

/// Why no store could be had for the references of a load.
enum StoreSetupError {
    /// No store was given and no vault URL is configured.
    NoVault,
    /// The Key Vault store (its URL or its credential) could not be set up.
    Failed(Arc<StoreError>),
}

impl StoreSetupError {
    /// The failure of one setting whose reference could not be fetched.
    fn failure(&self, secret: String) -> SettingError {
        match self {
            StoreSetupError::NoVault => SettingError::new(
                ErrorKind::NoVault,
                "is a Key Vault reference but no vault is configured; set `KEY_VAULT_URL` to https://NAME.vault.azure.net",
            )
            .with_secret(secret),
            StoreSetupError::Failed(error) => SettingError::from_store(error, secret, None)
                .with_source(SharedStoreError(error.clone())),
        }
    }
}

impl fmt::Debug for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loader")
            .field("env_file", &self.env_file)
            .field("env_file_required", &self.env_file_required)
            .field("environment", &self.environment)
            .field("file_overrides_env", &self.file_overrides_env)
            .field("vault_url", &self.vault_url)
            .field("store", &self.store)
            .field("concurrency", &self.concurrency)
            .field("deadline", &self.deadline)
            .field("require_references", &self.require_references)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Plan {
    slots: Vec<Slot>,
    failures: Vec<(usize, SettingError)>,
    wanted: HashMap<FetchKey, (SecretRef, Vec<usize>)>,
    default_vault: Option<url::Url>,
}

/// Identifies one secret version in one vault, however it was written: Key
/// Vault names and versions compare without regard to case, and a full
/// identifier of the application's own vault is the same as a bare name.
#[derive(PartialEq, Eq, Hash)]
struct FetchKey {
    vault: Option<String>,
    name: String,
    version: Option<String>,
}

impl FetchKey {
    fn new(reference: &SecretRef, default_vault: Option<&url::Url>) -> Self {
        let origin = |url: &url::Url| url.origin().ascii_serialization().to_ascii_lowercase();
        let vault = reference
            .vault()
            .map(origin)
            .filter(|vault| Some(vault) != default_vault.map(origin).as_ref());
        FetchKey {
            vault,
            name: reference.name().to_ascii_lowercase(),
            version: reference.version().map(str::to_ascii_lowercase),
        }
    }
}

impl Plan {
    fn fail(&mut self, index: usize, spec: &FieldSpec, failure: SettingError) {
        self.failures.push((index, spec.attach(failure)));
    }
}

/// One store failure shared by every setting that referenced the secret.
#[derive(Debug)]
struct SharedStoreError(Arc<StoreError>);

impl fmt::Display for SharedStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
