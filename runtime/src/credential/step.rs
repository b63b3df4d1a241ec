//! What every step of the chain implements, and the settings the steps share.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, TokenRequestOptions};
use azure_core::http::{ClientOptions, Url};
use std::sync::Arc;

use super::error::{StepReport, StepStatus, one_line};
use super::kind::CredentialKind;
use super::vars::EnvVars;

/// Names the variable that overrides the Entra ID authority host.
pub(crate) const AUTHORITY_HOST_VAR: &str = "AZURE_AUTHORITY_HOST";
const PUBLIC_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Holds what the steps read when they are planned.
pub(crate) struct StepSettings {
    pub(crate) vars: EnvVars,
    pub(crate) client_options: ClientOptions,
    pub(crate) imds_endpoint: Option<Url>,
    pub(crate) imds_probe_timeout: Duration,
    pub(crate) cli_timeout: Duration,
}

impl StepSettings {
    /// Returns the Entra ID authority host, which must use https.
    pub(crate) fn authority_host(&self, kind: CredentialKind) -> Result<Url, StepReport> {
        let raw = self
            .vars
            .get(AUTHORITY_HOST_VAR)
            .unwrap_or(PUBLIC_AUTHORITY_HOST);
        let url = Url::parse(raw).map_err(|err| {
            StepReport::new(
                kind,
                StepStatus::Failed,
                format!("{AUTHORITY_HOST_VAR} is not a valid URL: {err}"),
                "set it to an https URL such as https://login.microsoftonline.com",
            )
        })?;
        if url.scheme() != "https" {
            return Err(StepReport::new(
                kind,
                StepStatus::Failed,
                format!("{AUTHORITY_HOST_VAR} does not use https"),
                "set it to an https URL such as https://login.microsoftonline.com",
            ));
        }
        Ok(url)
    }

    /// Returns client options for the SDK's Entra ID credentials, with the
    /// authority host taken from this chain's variables rather than from the
    /// process environment the SDK would read.
    pub(crate) fn entra_client_options(&self, authority_host: &Url) -> ClientOptions {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = authority_host.as_str().trim_end_matches('/').to_owned();
        ClientOptions {
            cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
            ..self.client_options.clone()
        }
    }
}

#[cfg(test)]
impl StepSettings {
    /// Builds settings for a unit test, with short timeouts.
    pub(crate) fn for_test(vars: EnvVars) -> Self {
        // Planning builds HTTP pipelines, which need a TLS provider.
        crate::tls::install_crypto_provider();
        Self {
            vars,
            client_options: ClientOptions::default(),
            imds_endpoint: None,
            imds_probe_timeout: Duration::from_millis(500),
            cli_timeout: Duration::from_secs(2),
        }
    }
}

/// Tells why one attempt of a step produced no token.
pub(crate) struct StepError {
    pub(crate) report: StepReport,
    /// Whether the chain stops here rather than trying the next step: a
    /// deployed credential that is configured but refused should not fall
    /// through to another identity.
    pub(crate) stops_chain: bool,
    /// Boxed: SDK errors are large and most step errors carry none.
    pub(crate) source: Option<Box<azure_core::Error>>,
}

impl StepError {
    /// Builds an error after which the chain moves on to the next step.
    pub(crate) fn moves_on(report: StepReport) -> Self {
        Self {
            report,
            stops_chain: false,
            source: None,
        }
    }

    /// Builds an error that ends the chain.
    pub(crate) fn stops(report: StepReport, source: Option<azure_core::Error>) -> Self {
        Self {
            report,
            stops_chain: true,
            source: source.map(Box::new),
        }
    }

    /// Builds an error that ends the chain from a failed token request of an
    /// SDK credential to the authority at `origin`.
    pub(crate) fn from_sdk(
        kind: CredentialKind,
        origin: &str,
        hint: &str,
        error: azure_core::Error,
    ) -> Self {
        let reason = format!(
            "the token request to {origin} failed: {}",
            innermost_message(&error)
        );
        Self::stops(
            StepReport::new(kind, StepStatus::Failed, reason, hint),
            Some(error),
        )
    }
}

/// Returns the most specific message in an error's source chain as one line.
///
/// The SDK's credentials wrap the service's or tool's own text in a generic
/// "authentication failed" message; the innermost text says what went wrong.
pub(crate) fn innermost_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut current = error.source();
    while let Some(inner) = current {
        let text = inner.to_string();
        if !text.trim().is_empty() {
            message = text;
        }
        current = inner.source();
    }
    one_line(&message)
}

/// Gets tokens for one kind of credential.
#[async_trait]
pub(crate) trait Step: Send + Sync + fmt::Debug {
    /// Requests a token. The chain caches it; a step need not.
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> Result<AccessToken, StepError>;
}

/// Is one step of the chain as planned from the variables, before any token request.
#[derive(Debug)]
pub(crate) enum PlannedStep {
    /// The step applies and will be tried.
    Ready(Box<dyn Step>),
    /// The step was decided without I/O: skipped, not selected, or misconfigured.
    Settled {
        report: StepReport,
        stops_chain: bool,
    },
}

impl PlannedStep {
    /// Plans a step that does not apply.
    pub(crate) fn skipped(report: StepReport) -> Self {
        Self::Settled {
            report,
            stops_chain: false,
        }
    }

    /// Plans a step skipped because some of `names` are not set, saying which.
    pub(crate) fn missing(
        kind: CredentialKind,
        vars: &EnvVars,
        names: &[&str],
        hint: &str,
    ) -> Self {
        let reason = missing_vars(vars, names);
        Self::skipped(StepReport::new(kind, StepStatus::Skipped, reason, hint))
    }

    /// Plans a step whose configuration is present but unusable; reaching it ends the chain.
    pub(crate) fn misconfigured(report: StepReport) -> Self {
        Self::Settled {
            report,
            stops_chain: true,
        }
    }
}

/// Lists the names among `names` that are unset, joined for a message.
fn missing_vars(vars: &EnvVars, names: &[&str]) -> String {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| vars.get(name).is_none())
        .collect();
    match missing.as_slice() {
        [] => String::new(),
        [one] => format!("{one} is not set"),
        [init @ .., last] => format!("{} and {last} are not set", init.join(", ")),
    }
}

/// A step served by one of the SDK's Entra ID credentials (client secret,
/// client assertion, workload identity): it maps the SDK's errors to a step
/// error with the step's own hint.
#[derive(Debug)]
pub(crate) struct EntraStep {
    pub(crate) kind: CredentialKind,
    pub(crate) credential: Arc<dyn azure_core::credentials::TokenCredential>,
    /// The authority's origin, for messages.
    pub(crate) authority: String,
    /// What to check when Entra ID refuses the credential.
    pub(crate) refused_hint: &'static str,
}

#[async_trait]
impl Step for EntraStep {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> Result<AccessToken, StepError> {
        self.credential
            .get_token(scopes, options)
            .await
            .map_err(|err| StepError::from_sdk(self.kind, &self.authority, self.refused_hint, err))
    }
}
