//! The managed identity endpoints: the App Service form (`IDENTITY_ENDPOINT`
//! with the `X-IDENTITY-HEADER` secret) and the instance metadata form
//! (`Metadata: true`), both over plain HTTP as on Azure.

use std::collections::HashMap;

use hyper::StatusCode;
use hyper::http::request::Parts;

use super::requests::IdentityRequest;
use super::{Reply, Shared};
use crate::token::TokenClaims;

/// The object id written into managed identity tokens.
const MANAGED_OBJECT_ID: &str = "managed-identity";

/// Which form a request came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    AppService,
    Imds,
}

/// Answers a managed identity token request.
pub(crate) fn token(
    shared: &Shared,
    form: Form,
    parts: &Parts,
    entry: &mut IdentityRequest,
) -> Reply {
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    entry.client_id = query.get("client_id").cloned();
    entry.resource = query.get("resource").cloned();
    entry.metadata_header = parts
        .headers
        .get("metadata")
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"true"));

    if let Err((status, error, description)) = check(shared, form, parts, &query, entry) {
        entry.error = Some(error.to_owned());
        return Reply::json(
            status,
            &serde_json::json!({ "error": error, "error_description": description }),
        );
    }

    let resource = entry.resource.clone().unwrap_or_default();
    let lifetime = shared.token_lifetime();
    let minted = shared.issuer.mint(&TokenClaims {
        audience: resource.clone(),
        tenant_id: shared.issuer.tenant_id().to_owned(),
        object_id: MANAGED_OBJECT_ID.to_owned(),
        app_id: entry.client_id.clone(),
        lifetime,
    });
    entry.issued = true;
    // Both forms send `expires_on` and `expires_in` as strings of seconds.
    Reply::json(
        StatusCode::OK,
        &serde_json::json!({
            "access_token": minted.token,
            "expires_on": minted.expires_on.unix_timestamp().to_string(),
            "expires_in": lifetime.as_secs().to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": entry.client_id.clone().unwrap_or_else(|| "system-assigned".to_owned()),
        }),
    )
}

type Refusal = (StatusCode, &'static str, String);

fn check(
    shared: &Shared,
    form: Form,
    parts: &Parts,
    query: &HashMap<String, String>,
    entry: &IdentityRequest,
) -> Result<(), Refusal> {
    match form {
        Form::AppService => {
            let sent = parts.headers.get("x-identity-header").map(|v| v.as_bytes());
            if sent != Some(shared.identity_header.as_bytes()) {
                // The real endpoint's answer to a wrong secret is not documented
                // precisely; 401 with an OAuth-style body is a stand-in.
                return Err((
                    StatusCode::UNAUTHORIZED,
                    "invalid_request",
                    "The X-IDENTITY-HEADER is missing or wrong.".to_owned(),
                ));
            }
        }
        Form::Imds => {
            if !entry.metadata_header {
                return Err((
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Required metadata header not specified".to_owned(),
                ));
            }
        }
    }
    if !query.contains_key("api-version") {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'api-version' is missing".to_owned(),
        ));
    }
    if query.get("resource").is_none_or(String::is_empty) {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'resource' is missing".to_owned(),
        ));
    }
    if !shared
        .registry()
        .has_managed_identity(entry.client_id.as_deref())
    {
        return Err((
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Identity not found".to_owned(),
        ));
    }
    Ok(())
}
