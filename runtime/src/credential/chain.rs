//! `DefaultCredential`: the chain itself, its builder, and how it picks and
//! remembers the step that serves it.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, Url};

use super::cache::TokenCache;
use super::error::{ChainError, StepReport, StepStatus};
use super::kind::{CredentialKind, CredentialSelection, SelectionError};
use super::step::{PlannedStep, StepError, StepSettings};
use super::vars::EnvVars;
use super::{azure_cli, azure_developer_cli, environment, managed_identity, workload_identity};

const LOG_TARGET: &str = "vault_settings::credential";

/// How long the instance metadata probe waits for any answer.
const DEFAULT_IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long `az` or `azd` may run, as in the Python SDK.
const DEFAULT_CLI_TIMEOUT: Duration = Duration::from_secs(10);

/// Gets Azure tokens from the first credential that works where the program runs.
///
/// It tries, in order: a service principal from the environment (client
/// secret or certificate), workload identity (a federated token file),
/// managed identity (App Service style endpoint, or the instance metadata
/// service after a one-second probe), the Azure CLI and the Azure Developer
/// CLI. A step whose variables are absent is skipped without I/O, and a tool
/// that is not on `PATH` is skipped without running it.
///
/// - The first step that yields a token serves the chain from then on.
/// - Tokens are cached per scope and refreshed five minutes before expiry
///   (halfway through the life of shorter tokens); concurrent callers share
///   one request, and an expired token is never returned.
/// - A configured deployed credential (environment, workload identity, App
///   Service endpoint) that is refused ends the chain instead of falling
///   through to another identity; the CLI steps move on when they fail.
/// - `AZURE_TOKEN_CREDENTIALS` (`dev`, `prod` or one credential name) or
///   [`DefaultCredentialBuilder::selection`] narrows the chain.
/// - When no step yields a token, the error is a [`ChainError`] listing every
///   step, why it produced nothing and what to do; it never holds a token or
///   a client secret.
///
/// Every endpoint comes from the variables the Azure SDKs read
/// (`AZURE_AUTHORITY_HOST`, `IDENTITY_ENDPOINT`, `IDENTITY_HEADER`,
/// `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_POD_IDENTITY_AUTHORITY_HOST`, ...),
/// read from an [`EnvVars`] map: the process environment by default, or a
/// map given to the builder.
pub struct DefaultCredential {
    selection: CredentialSelection,
    steps: Vec<(CredentialKind, PlannedStep)>,
    winner: OnceLock<usize>,
    cache: TokenCache,
}

impl fmt::Debug for DefaultCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredential")
            .field("selection", &self.selection)
            .field("winner", &self.winner.get().map(|&i| self.steps[i].0))
            .finish_non_exhaustive()
    }
}

impl DefaultCredential {
    /// Builds a chain from the process environment with default options.
    ///
    /// # Errors
    ///
    /// Fails when `AZURE_TOKEN_CREDENTIALS` holds an unsupported value.
    pub fn new() -> Result<Arc<Self>, SelectionError> {
        Self::builder().build()
    }

    /// Starts a builder, for another environment map, HTTP transport, selection or timeouts.
    pub fn builder() -> DefaultCredentialBuilder {
        DefaultCredentialBuilder::default()
    }

    /// Returns the step that produced the chain's first token, once one has.
    pub fn selected(&self) -> Option<CredentialKind> {
        self.winner.get().map(|&index| self.steps[index].0)
    }

    async fn fetch(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if let Some(&index) = self.winner.get() {
            return self.fetch_from_winner(index, scopes, options).await;
        }

        let mut reports = Vec::with_capacity(self.steps.len());
        let mut source = None;
        let mut stopped = false;
        for (index, (kind, planned)) in self.steps.iter().enumerate() {
            if stopped {
                let report =
                    StepReport::new(*kind, StepStatus::NotTried, "an earlier step failed", "");
                reports.push(report);
                continue;
            }
            let failure = match planned {
                PlannedStep::Settled {
                    report,
                    stops_chain,
                } => StepError {
                    report: report.clone(),
                    stops_chain: *stops_chain,
                    source: None,
                },
                PlannedStep::Ready(step) => match step.get_token(scopes, options.clone()).await {
                    Ok(token) => {
                        self.remember(index, *kind);
                        return Ok(token);
                    }
                    Err(err) => err,
                },
            };
            let report = &failure.report;
            tracing::debug!(target: LOG_TARGET, step = %kind, %report, "no token from this step");
            stopped = failure.stops_chain;
            source = source.or(failure.source.map(|boxed| *boxed));
            reports.push(failure.report);
        }
        Err(chain_error(reports, source))
    }

    /// Makes the step at `index` serve the chain from now on.
    fn remember(&self, index: usize, kind: CredentialKind) {
        if self.winner.set(index).is_ok() {
            tracing::info!(target: LOG_TARGET, step = %kind, "credential chain uses {kind}");
        }
    }

    /// Asks the remembered step alone; its failure is reported with the
    /// other steps marked as not tried.
    async fn fetch_from_winner(
        &self,
        winner: usize,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let (winner_kind, PlannedStep::Ready(step)) = &self.steps[winner] else {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "the remembered credential step cannot run",
            ));
        };
        let err = match step.get_token(scopes, options).await {
            Ok(token) => return Ok(token),
            Err(err) => err,
        };
        tracing::debug!(
            target: LOG_TARGET,
            step = %winner_kind,
            report = %err.report,
            "no token from this step"
        );
        let reports = self
            .steps
            .iter()
            .enumerate()
            .map(|(index, (kind, _))| {
                if index == winner {
                    err.report.clone()
                } else {
                    StepReport::new(
                        *kind,
                        StepStatus::NotTried,
                        format!("the chain uses {winner_kind}, which produced its first token"),
                        "",
                    )
                }
            })
            .collect();
        Err(chain_error(reports, err.source.map(|boxed| *boxed)))
    }
}

fn chain_error(reports: Vec<StepReport>, source: Option<azure_core::Error>) -> azure_core::Error {
    azure_core::Error::new(ErrorKind::Credential, ChainError::new(reports, source))
}

#[async_trait]
impl TokenCredential for DefaultCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if scopes.is_empty() {
            return Err(azure_core::Error::with_message(
                ErrorKind::Credential,
                "no scope requested; ask for a token with at least one scope",
            ));
        }
        self.cache
            .get_or_fetch(scopes, || self.fetch(scopes, options))
            .await
    }
}

/// Configures a [`DefaultCredential`].
#[derive(Debug)]
pub struct DefaultCredentialBuilder {
    vars: Option<EnvVars>,
    client_options: ClientOptions,
    selection: Option<CredentialSelection>,
    imds_endpoint: Option<Url>,
    imds_probe_timeout: Duration,
    cli_timeout: Duration,
}

impl Default for DefaultCredentialBuilder {
    fn default() -> Self {
        Self {
            vars: None,
            client_options: ClientOptions::default(),
            selection: None,
            imds_endpoint: None,
            imds_probe_timeout: DEFAULT_IMDS_PROBE_TIMEOUT,
            cli_timeout: DEFAULT_CLI_TIMEOUT,
        }
    }
}

impl DefaultCredentialBuilder {
    /// Reads variables from this map instead of the process environment.
    ///
    /// The map is also the whole environment of `az` and `azd`, so it needs
    /// `PATH` (and `HOME`, for a real CLI's login cache) for the CLI steps.
    pub fn env_vars(mut self, vars: EnvVars) -> Self {
        self.vars = Some(vars);
        self
    }

    /// Sets the HTTP options (transport, retries) of every step that sends
    /// requests: environment, workload identity and managed identity.
    pub fn client_options(mut self, options: ClientOptions) -> Self {
        self.client_options = options;
        self
    }

    /// Narrows the chain in code; this wins over `AZURE_TOKEN_CREDENTIALS`.
    pub fn selection(mut self, selection: CredentialSelection) -> Self {
        self.selection = Some(selection);
        self
    }

    /// Sets the instance metadata service's base URL, which wins over
    /// `AZURE_POD_IDENTITY_AUTHORITY_HOST` and the standard `169.254.169.254`.
    pub fn imds_endpoint(mut self, endpoint: Url) -> Self {
        self.imds_endpoint = Some(endpoint);
        self
    }

    /// Sets how long the instance metadata probe waits (one second by default).
    pub fn imds_probe_timeout(mut self, timeout: Duration) -> Self {
        self.imds_probe_timeout = timeout;
        self
    }

    /// Sets how long `az` or `azd` may run before it is killed (ten seconds by default).
    pub fn cli_timeout(mut self, timeout: Duration) -> Self {
        self.cli_timeout = timeout;
        self
    }

    /// Plans every step from the variables, without any I/O beyond reading a
    /// configured certificate or federated token file.
    ///
    /// # Errors
    ///
    /// Fails when no selection was set in code and `AZURE_TOKEN_CREDENTIALS`
    /// holds an unsupported value.
    pub fn build(self) -> Result<Arc<DefaultCredential>, SelectionError> {
        // The HTTP steps build reqwest clients, which need a TLS provider.
        crate::tls::install_crypto_provider();

        let vars = self.vars.unwrap_or_else(EnvVars::from_process);
        let selection = match self.selection {
            Some(selection) => selection,
            None => CredentialSelection::from_env(&vars)?,
        };
        let mut client_options = self.client_options;
        if client_options.transport.is_none()
            && let Ok(client) = crate::tls::default_http_client()
        {
            // Bounded connect and read timeouts, as for the vault itself.
            client_options.transport = Some(azure_core::http::Transport::new(Arc::new(client)));
        }
        let settings = StepSettings {
            vars,
            client_options,
            imds_endpoint: self.imds_endpoint,
            imds_probe_timeout: self.imds_probe_timeout,
            cli_timeout: self.cli_timeout,
        };

        let steps = CredentialKind::ALL
            .into_iter()
            .map(|kind| (kind, plan_step(kind, selection, &settings)))
            .collect();
        Ok(Arc::new(DefaultCredential {
            selection,
            steps,
            winner: OnceLock::new(),
            cache: TokenCache::default(),
        }))
    }
}

fn plan_step(
    kind: CredentialKind,
    selection: CredentialSelection,
    settings: &StepSettings,
) -> PlannedStep {
    if !selection.includes(kind) {
        return PlannedStep::skipped(StepReport::new(
            kind,
            StepStatus::NotSelected,
            format!("{}={selection}", CredentialSelection::VARIABLE),
            "",
        ));
    }
    match kind {
        CredentialKind::Environment => environment::plan(settings),
        CredentialKind::WorkloadIdentity => workload_identity::plan(settings),
        CredentialKind::ManagedIdentity => managed_identity::plan(settings),
        CredentialKind::AzureCli => azure_cli::plan(settings),
        CredentialKind::AzureDeveloperCli => azure_developer_cli::plan(settings),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::time::Instant;

    const SCOPE: &str = "https://vault.azure.net/.default";

    /// A temporary `PATH` directory holding fake `az` and `azd` scripts.
    struct FakeTools {
        dir: tempfile::TempDir,
    }

    impl FakeTools {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        /// Writes a tool that logs each run to `<name>.runs` and then runs `body`.
        fn tool(&self, name: &str, body: &str) -> &Self {
            let path = self.dir.path().join(name);
            let runs = self.runs_file(name);
            let script = format!("#!/bin/sh\necho run >> '{}'\n{body}\n", runs.display());
            std::fs::write(&path, script).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            self
        }

        fn runs_file(&self, name: &str) -> std::path::PathBuf {
            self.dir.path().join(format!("{name}.runs"))
        }

        fn runs(&self, name: &str) -> usize {
            std::fs::read_to_string(self.runs_file(name))
                .map(|text| text.lines().count())
                .unwrap_or(0)
        }

        fn vars(&self) -> EnvVars {
            base_vars().with(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.path().display()),
            )
        }
    }

    /// Variables that keep every test away from real endpoints: IMDS is a
    /// closed loopback port and `PATH` has no real tools.
    fn base_vars() -> EnvVars {
        EnvVars::new()
            .with("PATH", "/nonexistent")
            .with(managed_identity::IMDS_HOST_VAR, "http://127.0.0.1:9")
    }

    fn az_token_script(token: &str) -> String {
        let expires_on = azure_core::time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
        format!(
            r#"cat <<'JSON'
{{"accessToken": "{token}", "expiresOn": "2030-01-01 00:00:00.000000",
 "expires_on": {expires_on}, "subscription": "s", "tenant": "t", "tokenType": "Bearer"}}
JSON"#
        )
    }

    fn azd_token_script(token: &str) -> String {
        let expires =
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1);
        let expires = expires
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        format!("echo '{{\"token\":\"{token}\",\"expiresOn\":\"{expires}\"}}'")
    }

    fn chain(vars: EnvVars) -> Arc<DefaultCredential> {
        DefaultCredential::builder()
            .env_vars(vars)
            .imds_probe_timeout(Duration::from_millis(500))
            .cli_timeout(Duration::from_secs(2))
            .build()
            .unwrap()
    }

    fn chain_error(err: &azure_core::Error) -> &ChainError {
        err.downcast_ref::<ChainError>()
            .unwrap_or_else(|| panic!("expected a ChainError, got {err}"))
    }

    #[tokio::test]
    async fn nothing_configured_fails_fast_naming_every_step() {
        let started = Instant::now();
        let err = chain(base_vars())
            .get_token(&[SCOPE], None)
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));

        let chain_err = chain_error(&err);
        let statuses: Vec<_> = chain_err
            .steps()
            .iter()
            .map(|s| (s.kind(), s.status()))
            .collect();
        assert_eq!(
            statuses,
            [
                (CredentialKind::Environment, StepStatus::Skipped),
                (CredentialKind::WorkloadIdentity, StepStatus::Skipped),
                (CredentialKind::ManagedIdentity, StepStatus::Unavailable),
                (CredentialKind::AzureCli, StepStatus::NotInstalled),
                (CredentialKind::AzureDeveloperCli, StepStatus::NotInstalled),
            ]
        );
        let text = err.to_string();
        assert!(
            text.starts_with("no credential in the chain produced a token:"),
            "{text}"
        );
        for needle in [
            "AZURE_CLIENT_ID",
            "az login",
            "azd auth login",
            "managed identity",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text}");
        }
    }

    #[tokio::test]
    async fn azure_cli_serves_and_is_remembered() {
        let tools = FakeTools::new();
        tools
            .tool("az", &az_token_script("cli-token"))
            .tool("azd", &azd_token_script("azd-token"));
        let credential = chain(tools.vars());
        let token = credential.get_token(&[SCOPE], None).await.unwrap();
        assert_eq!(token.token.secret(), "cli-token");
        assert_eq!(credential.selected(), Some(CredentialKind::AzureCli));

        credential
            .get_token(&["other/.default"], None)
            .await
            .unwrap();
        assert_eq!(tools.runs("az"), 2, "one run per scope");
        assert_eq!(tools.runs("azd"), 0, "the remembered step alone serves");
    }

    #[tokio::test]
    async fn failing_cli_moves_on_to_azd_and_reports_its_message() {
        let tools = FakeTools::new();
        tools
            .tool(
                "az",
                "echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1",
            )
            .tool("azd", &azd_token_script("azd-token"));
        let credential = chain(tools.vars());
        let token = credential.get_token(&[SCOPE], None).await.unwrap();
        assert_eq!(token.token.secret(), "azd-token");
        assert_eq!(
            credential.selected(),
            Some(CredentialKind::AzureDeveloperCli)
        );

        tools.tool("azd", "echo 'not logged in' >&2; exit 1");
        let err = chain(tools.vars())
            .get_token(&[SCOPE], None)
            .await
            .unwrap_err();
        let az = chain_error(&err).step(CredentialKind::AzureCli).unwrap();
        assert_eq!(az.status(), StepStatus::Failed);
        assert!(az.reason().contains("Please run 'az login'"), "{az}");
        assert_eq!(az.hint(), "run `az login`");
    }

    #[tokio::test]
    async fn hanging_cli_is_bounded_by_the_timeout() {
        let tools = FakeTools::new();
        tools
            .tool("az", "sleep 30")
            .tool("azd", &azd_token_script("azd-token"));
        let credential = DefaultCredential::builder()
            .env_vars(tools.vars())
            .cli_timeout(Duration::from_millis(400))
            .selection(CredentialSelection::Only(CredentialKind::AzureCli))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = credential.get_token(&[SCOPE], None).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3));
        let az = chain_error(&err).step(CredentialKind::AzureCli).unwrap();
        assert_eq!(az.status(), StepStatus::TimedOut, "{az}");
        assert_eq!(tools.runs("azd"), 0);
    }

    #[tokio::test]
    async fn selection_from_the_variable_skips_the_rest() {
        let tools = FakeTools::new();
        tools
            .tool("az", &az_token_script("cli-token"))
            .tool("azd", &azd_token_script("azd-token"));
        let vars = tools
            .vars()
            .with(CredentialSelection::VARIABLE, "AzureDeveloperCliCredential")
            .with("AZURE_TENANT_ID", "t")
            .with("AZURE_CLIENT_ID", "c")
            .with("AZURE_CLIENT_SECRET", "never-used");
        let credential = chain(vars);
        let token = credential.get_token(&[SCOPE], None).await.unwrap();
        assert_eq!(token.token.secret(), "azd-token");
        assert_eq!(tools.runs("az"), 0);

        let prod = chain(tools.vars().with(CredentialSelection::VARIABLE, "prod"));
        let err = prod.get_token(&[SCOPE], None).await.unwrap_err();
        let report = chain_error(&err).step(CredentialKind::AzureCli).unwrap();
        assert_eq!(report.status(), StepStatus::NotSelected);
        assert!(
            report.to_string().contains("AZURE_TOKEN_CREDENTIALS=prod"),
            "{report}"
        );
        assert_eq!(tools.runs("az"), 0);
    }

    #[tokio::test]
    async fn code_selection_wins_over_the_variable() {
        let vars = base_vars().with(CredentialSelection::VARIABLE, "not-a-credential");
        assert!(
            DefaultCredential::builder()
                .env_vars(vars.clone())
                .build()
                .is_err()
        );
        let credential = DefaultCredential::builder()
            .env_vars(vars)
            .selection(CredentialSelection::Developer)
            .build()
            .unwrap();
        let err = credential.get_token(&[SCOPE], None).await.unwrap_err();
        let report = chain_error(&err).step(CredentialKind::Environment).unwrap();
        assert_eq!(report.status(), StepStatus::NotSelected);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_cause_one_cli_run() {
        let tools = FakeTools::new();
        tools.tool(
            "az",
            &format!("sleep 0.2\n{}", az_token_script("cli-token")),
        );
        let credential = chain(tools.vars());
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let credential = Arc::clone(&credential);
                tokio::spawn(async move { credential.get_token(&[SCOPE], None).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().token.secret(), "cli-token");
        }
        assert_eq!(tools.runs("az"), 1);
    }

    #[tokio::test]
    async fn a_refused_service_principal_stops_the_chain() {
        let tools = FakeTools::new();
        tools.tool("az", &az_token_script("cli-token"));
        // A closed port: the configured service principal cannot get a token.
        let vars = tools
            .vars()
            .with("AZURE_TENANT_ID", "tenant")
            .with("AZURE_CLIENT_ID", "app")
            .with("AZURE_CLIENT_SECRET", "super-secret-value")
            .with("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9");
        let credential = DefaultCredential::builder()
            .env_vars(vars)
            .client_options(ClientOptions {
                retry: azure_core::http::RetryOptions::none(),
                ..Default::default()
            })
            .build()
            .unwrap();
        let err = credential.get_token(&[SCOPE], None).await.unwrap_err();
        let chain_err = chain_error(&err);
        assert_eq!(
            chain_err
                .step(CredentialKind::Environment)
                .map(StepReport::status),
            Some(StepStatus::Failed)
        );
        assert_eq!(
            chain_err
                .step(CredentialKind::AzureCli)
                .map(StepReport::status),
            Some(StepStatus::NotTried)
        );
        assert_eq!(tools.runs("az"), 0);
        let shown = format!("{err} {err:?} {credential:?}");
        assert!(!shown.contains("super-secret-value"), "{shown}");
    }

    #[test]
    fn fake_tool_helper_writes_executables() {
        let tools = FakeTools::new();
        tools.tool("az", "exit 0");
        let mode = std::fs::metadata(tools.dir.path().join("az"))
            .unwrap()
            .permissions()
            .mode();
        assert_ne!(mode & 0o111, 0);
        assert!(!Path::new(&tools.runs_file("az")).exists());
    }
}
