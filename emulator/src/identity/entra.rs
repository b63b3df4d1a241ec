//! The Entra ID v2 token endpoint for the client credentials grant, with a
//! client secret, a certificate assertion, or a federated token.

use std::collections::HashMap;

use hyper::StatusCode;

use super::assertion;
use super::requests::{Grant, IdentityRequest};
use super::{Reply, Shared};
use crate::token::TokenClaims;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An error answer in Entra ID's shape, with its `AADSTS` code.
struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
}

impl EntraError {
    fn new(status: StatusCode, error: &'static str, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            code,
            message: message.into(),
        }
    }

    fn into_reply(self, entry: &mut IdentityRequest) -> Reply {
        entry.error = Some(format!("AADSTS{}", self.code));
        let trace_id = crate::random::guid();
        let body = serde_json::json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {trace_id} Timestamp: {}",
                self.code,
                self.message,
                time::OffsetDateTime::now_utc().unix_timestamp()
            ),
            "error_codes": [self.code],
            "timestamp": time::OffsetDateTime::now_utc().unix_timestamp(),
            "trace_id": trace_id,
            "correlation_id": trace_id,
            "error_uri": "https://login.microsoftonline.com/error",
        });
        Reply::json(self.status, &body)
    }
}

/// Answers `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) fn token(
    shared: &Shared,
    tenant_id: &str,
    body: &[u8],
    entry: &mut IdentityRequest,
) -> Reply {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    entry.client_id = form.get("client_id").cloned();
    entry.resource = form.get("scope").cloned();
    match issue(shared, tenant_id, &form, entry) {
        Ok(reply) => reply,
        Err(error) => error.into_reply(entry),
    }
}

fn issue(
    shared: &Shared,
    tenant_id: &str,
    form: &HashMap<String, String>,
    entry: &mut IdentityRequest,
) -> Result<Reply, EntraError> {
    if tenant_id != shared.issuer.tenant_id() {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            format!("Tenant '{tenant_id}' not found."),
        ));
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type; only 'client_credentials' is served.",
        ));
    }
    let client_id = required(form, "client_id")?;
    let scope = required(form, "scope")?;
    let audience = single_default_scope(scope)?;

    let grant = authenticate(shared, tenant_id, client_id, form)?;
    entry.grant = Some(grant);

    let minted = shared.issuer.mint(&TokenClaims {
        audience: audience.to_owned(),
        tenant_id: tenant_id.to_owned(),
        object_id: format!("sp-{client_id}"),
        app_id: Some(client_id.to_owned()),
        lifetime: shared.token_lifetime(),
    });
    let lifetime = shared.token_lifetime().as_secs();
    entry.issued = true;
    Ok(Reply::json(
        StatusCode::OK,
        &serde_json::json!({
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": minted.token,
        }),
    ))
}

fn authenticate(
    shared: &Shared,
    tenant_id: &str,
    client_id: &str,
    form: &HashMap<String, String>,
) -> Result<Grant, EntraError> {
    let registry = shared.registry();
    if !registry.is_application(client_id) {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory \
                 '{tenant_id}'."
            ),
        ));
    }

    if let Some(secret) = form.get("client_secret") {
        return if registry.secret_matches(client_id, secret) {
            Ok(Grant::ClientSecret)
        } else {
            Err(EntraError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request \
                 is the client secret value, not the client secret ID.",
            ))
        };
    }

    let Some(assertion) = form.get("client_assertion") else {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or \
             'client_secret'.",
        ));
    };
    if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
        return Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50027,
            format!("The client_assertion_type must be '{ASSERTION_TYPE}'."),
        ));
    }

    if assertion::names_certificate(assertion) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        return assertion::verify(&registry, client_id, tenant_id, assertion, now)
            .map(|()| Grant::ClientCertificate)
            .map_err(|rejection| {
                EntraError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    rejection.code,
                    rejection.message,
                )
            });
    }
    if registry.federated_token_matches(client_id, assertion) {
        return Ok(Grant::FederatedToken);
    }
    Err(EntraError::new(
        StatusCode::BAD_REQUEST,
        "invalid_client",
        70021,
        "No matching federated identity record found for presented assertion.",
    ))
}

fn required<'a>(form: &'a HashMap<String, String>, name: &str) -> Result<&'a str, EntraError> {
    form.get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| {
            EntraError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                format!("The request body must contain the following parameter: '{name}'."),
            )
        })
}

/// The client credentials grant takes exactly one `{resource}/.default` scope.
fn single_default_scope(scope: &str) -> Result<&str, EntraError> {
    let mut scopes = scope.split_whitespace();
    match (scopes.next(), scopes.next()) {
        (Some(only), None) if only.ends_with("/.default") => Ok(only),
        _ => Err(EntraError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows \
                 must have a scope value with /.default suffixed to the resource identifier."
            ),
        )),
    }
}
