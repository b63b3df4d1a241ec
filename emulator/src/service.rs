//! The per-request pipeline: authenticate first, then read the body, route,
//! inject faults, run the operation, add the service's headers and record
//! the exchange.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, HOST, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};

use crate::api_version;
use crate::faults::{Fault, Injection};
use crate::log::RecordedRequest;
use crate::operations::{self, RequestContext};
use crate::responses::{self, Answer, Caller};
use crate::routes::{self, RouteError, RouteMatch};
use crate::state::{ACCEPTED_AUDIENCES, CHALLENGE_RESOURCE, VaultState};
use crate::token::ValidatedToken;

/// The largest request body read; bigger bodies are refused unread.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a malformed-body fault sends: JSON cut off mid-string.
const MALFORMED_BODY: &[u8] = br#"{"value":"trunc"#;

/// Returned to hyper to drop the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("the emulator dropped the connection on purpose (injected fault)")]
pub(crate) struct ConnectionDropped;

/// What the pipeline learned, for the request log.
struct Outcome {
    answer: Option<Answer>,
    authorized: bool,
    injection: Injection,
}

/// Answers one request.
pub(crate) async fn handle(
    state: Arc<VaultState>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ConnectionDropped> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let authority = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| state.default_authority.clone());
    let client_request_id = parts.headers.get("x-ms-client-request-id").cloned();
    let had_authorization = parts.headers.contains_key(AUTHORIZATION);
    let route = routes::route(&parts.method, parts.uri.path());

    let outcome = process(&state, &parts, body, &route, &authority, peer).await;

    let mut recorded = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        operation: route.as_ref().ok().map(|r| r.operation),
        secret_name: route.as_ref().ok().and_then(|r| r.name.clone()),
        client_request_id: client_request_id
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        peer,
        had_authorization,
        authorized: outcome.authorized,
        status: None,
        started,
        finished: Instant::now(),
        fault: outcome.injection.fault,
        added_latency: outcome.injection.latency,
    };
    let Some(answer) = outcome.answer else {
        state.log.push(recorded);
        return Err(ConnectionDropped);
    };
    recorded.status = Some(answer.status.as_u16());
    let response = build_response(&state, answer, peer, client_request_id);
    recorded.finished = Instant::now();
    state.log.push(recorded);
    Ok(response)
}

async fn process(
    state: &VaultState,
    parts: &hyper::http::request::Parts,
    body: Incoming,
    route: &Result<RouteMatch, RouteError>,
    authority: &str,
    peer: SocketAddr,
) -> Outcome {
    let mut outcome = Outcome {
        answer: None,
        authorized: false,
        injection: Injection::default(),
    };
    // Auth comes before anything that looks at the body: the Rust client
    // sends its first request unauthenticated and without its body.
    let caller = match authenticate(state, parts) {
        Ok(caller) => caller,
        Err(answer) => {
            outcome.answer = Some(answer);
            return outcome;
        }
    };
    outcome.authorized = true;
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            outcome.answer = Some(responses::bad_parameter(format!(
                "The request body could not be read or is larger than {MAX_BODY_BYTES} bytes."
            )));
            return outcome;
        }
    };
    let route = match route {
        Ok(route) => route,
        Err(RouteError::UnknownPath) => {
            outcome.answer = Some(responses::unknown_path());
            return outcome;
        }
        Err(RouteError::MethodNotAllowed) => {
            outcome.answer = Some(responses::method_not_allowed(parts.method.as_str()));
            return outcome;
        }
    };
    let (injection, answer) =
        answer_with_faults(state, parts, route, authority, &body, &caller, peer).await;
    outcome.injection = injection;
    outcome.answer = answer;
    outcome
}

/// Applies the fault plan to a routed, authorized request and answers it;
/// `None` means "drop the connection".
async fn answer_with_faults(
    state: &VaultState,
    parts: &hyper::http::request::Parts,
    route: &RouteMatch,
    authority: &str,
    body: &[u8],
    caller: &ValidatedToken,
    peer: SocketAddr,
) -> (Injection, Option<Answer>) {
    let injection = state
        .faults
        .take(Some(route.operation), route.name.as_deref());
    if let Some(latency) = injection.latency {
        tokio::time::sleep(latency).await;
    }
    let answer = match &injection.fault {
        Some(Fault::Throttle { retry_after_secs }) => Some(responses::throttled(*retry_after_secs)),
        Some(Fault::Status {
            status,
            retry_after_secs,
        }) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(responses::injected_status(status, *retry_after_secs))
        }
        Some(Fault::Forbidden { reason }) => {
            let caller = Caller {
                app_id: caller.app_id.as_deref(),
                object_id: &caller.object_id,
                issuer: &state.issuer.issuer(),
                client_address: state.client_address(peer),
                vault: &state.vault_name,
                secret: route.name.as_deref(),
            };
            Some(responses::forbidden(*reason, &caller))
        }
        Some(Fault::ConnectionReset) => None,
        Some(Fault::MalformedBody) => Some(Answer::raw(StatusCode::OK, MALFORMED_BODY.to_vec())),
        Some(Fault::Stall { stall_ms }) => {
            tokio::time::sleep(Duration::from_millis(*stall_ms)).await;
            Some(run(state, parts, route, authority, body))
        }
        Some(Fault::Latency { .. }) | None => Some(run(state, parts, route, authority, body)),
    };
    (injection, answer)
}

/// Checks the api-version and runs the operation.
fn run(
    state: &VaultState,
    parts: &hyper::http::request::Parts,
    route: &RouteMatch,
    authority: &str,
    body: &[u8],
) -> Answer {
    let query = parts.uri.query().unwrap_or_default();
    let param = |key: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let Some(api_version) = param("api-version") else {
        return responses::missing_api_version();
    };
    if !api_version::is_supported(&api_version) {
        return responses::unsupported_api_version(&api_version, api_version::LATEST_API_VERSION);
    }
    let max_results = param("maxresults");
    let skip_token = param("$skiptoken");
    let base_url = format!("https://{authority}");
    let ctx = RequestContext {
        base_url: &base_url,
        api_version: &api_version,
        max_results: max_results.as_deref(),
        skip_token: skip_token.as_deref(),
        body,
    };
    operations::execute(&state.store, route, &ctx)
}

/// Validates the bearer token; the error is the 401 to send.
fn authenticate(
    state: &VaultState,
    parts: &hyper::http::request::Parts,
) -> Result<ValidatedToken, Answer> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let token = header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    let Some(token) = token else {
        return Err(responses::missing_token());
    };
    state
        .issuer
        .validate(token, &ACCEPTED_AUDIENCES)
        .map_err(|rejection| {
            responses::invalid_token(&rejection, &state.issuer.issuer(), CHALLENGE_RESOURCE)
        })
}

fn build_response(
    state: &VaultState,
    answer: Answer,
    peer: SocketAddr,
    client_request_id: Option<HeaderValue>,
) -> Response<Full<Bytes>> {
    let status = answer.status;
    let has_body = answer.body.is_some();
    let mut response = Response::new(Full::new(Bytes::from(answer.body.unwrap_or_default())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    if has_body {
        put("content-type", "application/json; charset=utf-8");
    }
    put("cache-control", "no-cache");
    put("pragma", "no-cache");
    put("expires", "-1");
    put(
        "strict-transport-security",
        "max-age=31536000;includeSubDomains",
    );
    put("x-content-type-options", "nosniff");
    put("x-ms-request-id", &crate::random::guid());
    put("x-ms-keyvault-region", responses::REGION);
    put(
        "x-ms-keyvault-service-version",
        concat!("vault-settings-emulator/", env!("CARGO_PKG_VERSION")),
    );
    put(
        "x-ms-keyvault-network-info",
        &network_info(state.client_address(peer)),
    );
    if status == StatusCode::UNAUTHORIZED {
        put("www-authenticate", &state.challenge());
    }
    for (name, value) in &answer.headers {
        put(name, value);
    }
    if let Some(id) = client_request_id {
        headers.insert(HeaderName::from_static("x-ms-client-request-id"), id);
    }
    response
}

/// Formats `x-ms-keyvault-network-info` for the caller's address.
fn network_info(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            format!("conn_type=Ipv4;addr={v4};act_addr_fam=InterNetwork;")
        }
        IpAddr::V6(v6) => {
            format!("conn_type=Ipv6;addr={v6};act_addr_fam=InterNetworkV6;")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_info_matches_the_service_format() {
        assert_eq!(
            network_info("127.0.0.1".parse().unwrap()),
            "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;"
        );
        assert_eq!(
            network_info("::1".parse().unwrap()),
            "conn_type=Ipv6;addr=::1;act_addr_fam=InterNetworkV6;"
        );
    }
}
