//! The managed identity step, in two forms: the App Service style endpoint
//! (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, also used by Container Apps and
//! Functions) and the instance metadata service (IMDS) of VMs and AKS nodes.
//!
//! `azure_identity`'s `ManagedIdentityCredential` reads only the process
//! environment, always uses the fixed IMDS address and never probes, so a
//! laptop without IMDS waits through many connect timeouts. This step sends
//! the same requests itself, probes IMDS once with a short timeout, and takes
//! the IMDS address from `AZURE_POD_IDENTITY_AUTHORITY_HOST` (the variable the
//! other Azure SDKs read for it) or from the builder.
//!
//! Not implemented: the Azure Arc, Service Fabric, Cloud Shell and Azure ML
//! forms (`IMDS_ENDPOINT`, `IDENTITY_SERVER_THUMBPRINT`, `MSI_ENDPOINT`); on
//! those hosts the step falls back to IMDS and reports it unavailable.

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret, TokenRequestOptions};
use azure_core::http::headers::HeaderName;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, RawResponse, Request,
    RetryOptions, StatusCode, Url,
};
use azure_core::time::{Duration, OffsetDateTime};
use serde::Deserialize;
use std::time::Duration as StdDuration;
use tokio::sync::OnceCell;

use super::error::{StepReport, StepStatus, one_line};
use super::kind::CredentialKind;
use super::step::{PlannedStep, Step, StepError, StepSettings, innermost_message};

const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
/// Names the variable that moves the IMDS endpoint, as in the other Azure SDKs.
pub(crate) const IMDS_HOST_VAR: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
const CLIENT_ID: &str = "AZURE_CLIENT_ID";

/// The instance metadata address. Unit tests of this crate never see it: any
/// request a test forgot to aim elsewhere goes to a closed loopback port.
#[cfg(not(test))]
const DEFAULT_IMDS_HOST: &str = "http://169.254.169.254";
#[cfg(test)]
const DEFAULT_IMDS_HOST: &str = "http://127.0.0.1:9";

const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
const IMDS_API_VERSION: &str = "2018-02-01";
const APP_SERVICE_API_VERSION: &str = "2019-08-01";

const KIND: CredentialKind = CredentialKind::ManagedIdentity;
const UNAVAILABLE_HINT: &str = "on Azure, enable a managed identity for this resource; \
     elsewhere, use another credential";

/// Gets tokens from a managed identity endpoint.
#[derive(Debug)]
struct ManagedIdentityStep {
    form: Form,
    client_id: Option<String>,
    pipeline: Pipeline,
}

#[derive(Debug)]
enum Form {
    AppService { endpoint: Url, header: Secret },
    Imds { endpoint: Url, probe: Probe },
}

/// Remembers whether IMDS answered, so a machine without it pays the
/// probe timeout once per chain rather than once per token.
#[derive(Debug)]
struct Probe {
    pipeline: Pipeline,
    timeout: StdDuration,
    outcome: OnceCell<Result<(), String>>,
}

/// Plans the managed identity step. The App Service form applies when both
/// of its variables are set; otherwise IMDS is probed when a token is first needed.
pub(crate) fn plan(settings: &StepSettings) -> PlannedStep {
    let vars = &settings.vars;
    let client_id = vars.get(CLIENT_ID).map(str::to_owned);
    let client_options = ClientOptions {
        cloud: None,
        ..settings.client_options.clone()
    };

    let form = match (vars.get(IDENTITY_ENDPOINT), vars.get(IDENTITY_HEADER)) {
        (Some(endpoint), Some(header)) => match Url::parse(endpoint) {
            Ok(endpoint) => Form::AppService {
                endpoint,
                header: Secret::new(header.to_owned()),
            },
            Err(err) => {
                return PlannedStep::misconfigured(StepReport::new(
                    KIND,
                    StepStatus::Failed,
                    format!("{IDENTITY_ENDPOINT} is not a valid URL: {err}"),
                    "unset it, or set it to the identity endpoint's URL",
                ));
            }
        },
        _ => match imds_endpoint(settings) {
            Ok(endpoint) => Form::Imds {
                endpoint,
                probe: Probe {
                    pipeline: new_pipeline(ClientOptions {
                        retry: RetryOptions::none(),
                        ..client_options.clone()
                    }),
                    timeout: settings.imds_probe_timeout,
                    outcome: OnceCell::new(),
                },
            },
            Err(report) => return PlannedStep::misconfigured(report),
        },
    };

    PlannedStep::Ready(Box::new(ManagedIdentityStep {
        form,
        client_id,
        pipeline: new_pipeline(client_options),
    }))
}

fn imds_endpoint(settings: &StepSettings) -> Result<Url, StepReport> {
    let base = match (&settings.imds_endpoint, settings.vars.get(IMDS_HOST_VAR)) {
        (Some(url), _) => url.clone(),
        (None, Some(raw)) => Url::parse(raw).map_err(|err| {
            StepReport::new(
                KIND,
                StepStatus::Failed,
                format!("{IMDS_HOST_VAR} is not a valid URL: {err}"),
                "unset it, or set it to the metadata service's URL",
            )
        })?,
        (None, None) => Url::parse(DEFAULT_IMDS_HOST)
            .map_err(|err| StepReport::new(KIND, StepStatus::Failed, err.to_string(), ""))?,
    };
    base.join(IMDS_TOKEN_PATH)
        .map_err(|err| StepReport::new(KIND, StepStatus::Failed, err.to_string(), ""))
}

fn new_pipeline(options: ClientOptions) -> Pipeline {
    Pipeline::new(
        Some(env!("CARGO_PKG_NAME")),
        Some(env!("CARGO_PKG_VERSION")),
        options,
        Vec::new(),
        Vec::new(),
        None,
    )
}

#[async_trait]
impl Step for ManagedIdentityStep {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> Result<AccessToken, StepError> {
        let [scope] = scopes else {
            return Err(StepError::stops(
                StepReport::new(
                    KIND,
                    StepStatus::Failed,
                    format!(
                        "a managed identity serves one scope at a time, not {}",
                        scopes.len()
                    ),
                    "",
                ),
                None,
            ));
        };
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let options = options.unwrap_or_default();
        let context = options.method_options.context.to_borrowed();

        let mut request = match &self.form {
            Form::AppService { endpoint, header } => {
                let mut request = self.token_request(endpoint, APP_SERVICE_API_VERSION, resource);
                request.insert_header(
                    HeaderName::from_static("x-identity-header"),
                    header.secret().to_owned(),
                );
                request
            }
            Form::Imds { endpoint, probe } => {
                probe.check(endpoint, &context).await?;
                let mut request = self.token_request(endpoint, IMDS_API_VERSION, resource);
                request.insert_header(HeaderName::from_static("metadata"), "true");
                request
            }
        };

        let response = self
            .pipeline
            .send(&context, &mut request, Some(skip_checks()))
            .await
            .map_err(|err| {
                let report = StepReport::new(
                    KIND,
                    StepStatus::Failed,
                    format!(
                        "the token request to {} failed: {}",
                        self.form.origin(),
                        innermost_message(&err)
                    ),
                    "",
                );
                StepError::stops(report, Some(err))
            })?;
        self.read_response(response)
    }
}

impl ManagedIdentityStep {
    fn token_request(&self, endpoint: &Url, api_version: &str, resource: &str) -> Request {
        let mut url = endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("api-version", api_version)
                .append_pair("resource", resource);
            if let Some(client_id) = &self.client_id {
                query.append_pair("client_id", client_id);
            }
        }
        Request::new(url, Method::Get)
    }

    fn read_response(&self, response: RawResponse) -> Result<AccessToken, StepError> {
        let status = response.status();
        if status == StatusCode::Ok {
            return parse_token(response.body().as_ref()).map_err(|reason| {
                StepError::stops(StepReport::new(KIND, StepStatus::Failed, reason, ""), None)
            });
        }

        let detail = error_detail(response.body().as_ref());
        // IMDS answers 400 when the machine has no identity, or not the one asked for.
        if matches!(self.form, Form::Imds { .. }) && status == StatusCode::BadRequest {
            return Err(StepError::moves_on(StepReport::new(
                KIND,
                StepStatus::Unavailable,
                format!("the metadata service has no matching identity: {detail}"),
                "assign a managed identity to this machine, or set AZURE_CLIENT_ID \
                 to one that is assigned",
            )));
        }
        Err(StepError::stops(
            StepReport::new(
                KIND,
                StepStatus::Failed,
                format!(
                    "{} answered {}: {detail}",
                    self.form.origin(),
                    u16::from(status)
                ),
                "check that the identity exists and may get tokens for this resource",
            ),
            None,
        ))
    }
}

impl Form {
    fn origin(&self) -> String {
        match self {
            Self::AppService { endpoint, .. } | Self::Imds { endpoint, .. } => {
                endpoint.origin().ascii_serialization()
            }
        }
    }
}

impl Probe {
    /// Sends one request without the `Metadata` header: any HTTP answer means
    /// IMDS is there; silence within the timeout means it is not.
    async fn check(&self, endpoint: &Url, context: &Context<'_>) -> Result<(), StepError> {
        let outcome = self
            .outcome
            .get_or_init(|| async {
                let mut request = Request::new(endpoint.clone(), Method::Get);
                let sent = self
                    .pipeline
                    .send(context, &mut request, Some(skip_checks()));
                match tokio::time::timeout(self.timeout, sent).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(err)) => Err(innermost_message(&err)),
                    Err(_) => Err(format!("no answer within {}s", self.timeout.as_secs_f32())),
                }
            })
            .await;
        outcome.as_ref().map(|_| ()).map_err(|reason| {
            let origin = endpoint.origin().ascii_serialization();
            StepError::moves_on(StepReport::new(
                KIND,
                StepStatus::Unavailable,
                format!("no metadata service at {origin}: {reason}"),
                UNAVAILABLE_HINT,
            ))
        })
    }
}

fn skip_checks() -> PipelineSendOptions {
    PipelineSendOptions {
        skip_checks: true,
        ..Default::default()
    }
}

/// Is the token response of both forms. `expires_on` is unix seconds, sent as
/// a string by the real services; numbers and `expires_in` are accepted too.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_on: Option<NumberOrString>,
    #[serde(default)]
    expires_in: Option<NumberOrString>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(i64),
    String(String),
}

impl NumberOrString {
    fn seconds(&self) -> Option<i64> {
        match self {
            Self::Number(n) => Some(*n),
            Self::String(s) => s.trim().parse().ok(),
        }
    }
}

fn parse_token(body: &[u8]) -> Result<AccessToken, String> {
    let response: TokenResponse = serde_json::from_slice(body)
        // serde's message may quote the body (a token), so only say where.
        .map_err(|err| {
            format!(
                "the token response is not valid JSON of the expected shape ({:?} error at line {}, column {})",
                err.classify(),
                err.line(),
                err.column()
            )
        })?;
    let expires_on = match (&response.expires_on, &response.expires_in) {
        (Some(on), _) => on
            .seconds()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok()),
        (None, Some(delta)) => delta
            .seconds()
            .map(|secs| OffsetDateTime::now_utc() + Duration::seconds(secs)),
        (None, None) => None,
    }
    .ok_or("the token response has no valid expiry (`expires_on`)")?;
    Ok(AccessToken::new(response.access_token, expires_on))
}

/// Extracts the service's error text from an error body, never the body whole.
fn error_detail(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        error: Option<serde_json::Value>,
        #[serde(default)]
        error_description: Option<String>,
    }
    let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) else {
        return "no error description".to_owned();
    };
    let code = match parsed.error {
        Some(serde_json::Value::String(code)) => Some(code),
        Some(serde_json::Value::Object(map)) => map
            .get("message")
            .or_else(|| map.get("code"))
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        _ => None,
    };
    one_line(
        &[code, parsed.error_description]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::vars::EnvVars;

    #[test]
    fn parses_string_and_number_expiry() {
        let body = br#"{"access_token":"t","expires_on":"1900000000","token_type":"Bearer"}"#;
        let token = parse_token(body).unwrap();
        assert_eq!(token.expires_on.unix_timestamp(), 1_900_000_000);
        let token = parse_token(br#"{"access_token":"t","expires_on":1900000001}"#).unwrap();
        assert_eq!(token.expires_on.unix_timestamp(), 1_900_000_001);
        let token = parse_token(br#"{"access_token":"t","expires_in":"3600"}"#).unwrap();
        assert!(token.expires_on > OffsetDateTime::now_utc() + Duration::minutes(59));
        assert!(parse_token(br#"{"access_token":"t"}"#).is_err());
    }

    #[test]
    fn parse_errors_never_echo_the_body() {
        let err = parse_token(br#"{"access_token":"tok-SECRET","expires_on":"soon"}"#).unwrap_err();
        assert!(!err.contains("tok-SECRET"), "{err}");
    }

    #[test]
    fn error_detail_reads_both_error_shapes() {
        assert_eq!(
            error_detail(
                br#"{"error":"invalid_request","error_description":"Identity not found"}"#
            ),
            "invalid_request: Identity not found"
        );
        assert_eq!(
            error_detail(br#"{"error":{"code":"x","message":"no identity"}}"#),
            "no identity"
        );
        assert_eq!(error_detail(b"<html>"), "no error description");
    }

    #[test]
    fn imds_address_comes_from_the_variable() {
        let vars = EnvVars::new().with(IMDS_HOST_VAR, "http://127.0.0.1:4321");
        assert_eq!(
            imds_endpoint(&StepSettings::for_test(vars))
                .unwrap()
                .as_str(),
            "http://127.0.0.1:4321/metadata/identity/oauth2/token"
        );
        assert!(
            imds_endpoint(&StepSettings::for_test(EnvVars::new()))
                .unwrap()
                .as_str()
                .starts_with("http://127.0.0.1:9/")
        );
    }

    #[tokio::test]
    async fn silent_imds_is_unavailable_within_the_probe_timeout() {
        // A listener that accepts and never answers stands in for a dropped packet.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let vars = EnvVars::new().with(IMDS_HOST_VAR, format!("http://{addr}"));
        let PlannedStep::Ready(step) = plan(&StepSettings::for_test(vars)) else {
            panic!("IMDS is always planned");
        };
        let started = std::time::Instant::now();
        let err = step
            .get_token(&["https://vault.azure.net/.default"], None)
            .await
            .unwrap_err();
        assert!(started.elapsed() < StdDuration::from_secs(2));
        assert!(!err.stops_chain);
        assert_eq!(err.report.status(), StepStatus::Unavailable);
        assert!(
            err.report.reason().contains("no answer within 0.5s"),
            "{}",
            err.report
        );

        // The outcome is remembered: the second attempt does not wait again.
        let started = std::time::Instant::now();
        assert!(
            step.get_token(&["https://vault.azure.net/.default"], None)
                .await
                .is_err()
        );
        assert!(started.elapsed() < StdDuration::from_millis(100));
        hold.abort();
    }
}
