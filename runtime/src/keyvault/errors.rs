//! Maps the Azure SDK's errors to store error kinds, reading the inner error
//! code of Key Vault's 403 answers (the top-level code is always `Forbidden`).

use azure_core::{
    error::{Error, ErrorKind, ErrorResponse},
    http::{StatusCode, headers::HeaderName},
};

use crate::store::{StoreError, StoreErrorKind};

/// What the SDK says when a policy (such as authentication) failed; the
/// reason is in the source.
const SDK_WRAPPER_MESSAGE: &str = "non-transport error occurred which will not be retried";

const NETWORK_INFO: HeaderName = HeaderName::from_static("x-ms-keyvault-network-info");

/// Classifies an SDK error from a Key Vault call.
pub(crate) fn classify(error: Error) -> StoreError {
    let (kind, message) = match error.kind() {
        ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } => {
            let body: Option<ErrorResponse> = raw_response
                .as_ref()
                .and_then(|raw| serde_json::from_slice(raw.body().as_ref()).ok());
            let detail = body.and_then(|b| b.error);
            let inner = detail
                .as_ref()
                .and_then(|d| d.inner_error.as_ref())
                .and_then(|i| i.code.clone());
            let message = detail
                .as_ref()
                .and_then(|d| d.message.clone())
                .map(|m| first_line(&m))
                .unwrap_or_else(|| format!("HTTP {}", u16::from(*status)));
            let client_address = raw_response
                .as_ref()
                .and_then(|raw| raw.headers().get_optional_str(&NETWORK_INFO))
                .and_then(network_info_address);
            let kind = classify_status(
                *status,
                error_code.as_deref(),
                inner.as_deref(),
                client_address,
            );
            (kind, message)
        }
        ErrorKind::Credential => (StoreErrorKind::Unauthenticated, error_chain(&error)),
        ErrorKind::Connection | ErrorKind::Io => (StoreErrorKind::Network, error_chain(&error)),
        _ => (StoreErrorKind::Other, error_chain(&error)),
    };
    StoreError::new(kind, message).with_source(error)
}

fn classify_status(
    status: StatusCode,
    code: Option<&str>,
    inner: Option<&str>,
    client_address: Option<String>,
) -> StoreErrorKind {
    match u16::from(status) {
        404 => StoreErrorKind::NotFound,
        401 => StoreErrorKind::Unauthenticated,
        429 => StoreErrorKind::Throttled,
        403 => match inner.or(code) {
            Some("SecretDisabled") => StoreErrorKind::Disabled,
            Some("ForbiddenByFirewall") => StoreErrorKind::ForbiddenByFirewall { client_address },
            Some("ForbiddenByConnection") => StoreErrorKind::ForbiddenByConnection,
            _ => StoreErrorKind::AccessDenied,
        },
        400 => StoreErrorKind::InvalidRequest,
        408 | 504 => StoreErrorKind::Timeout,
        500..=599 => StoreErrorKind::Unavailable,
        _ => StoreErrorKind::Other,
    }
}

/// Reads `addr=` from `x-ms-keyvault-network-info`.
pub(crate) fn network_info_address(info: &str) -> Option<String> {
    info.split(';')
        .find_map(|part| part.trim().strip_prefix("addr="))
        .filter(|addr| !addr.is_empty())
        .map(str::to_owned)
}

/// Key Vault messages put caller details on later lines; the first line says
/// what happened.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim().to_owned()
}

/// The SDK wraps policy failures in a generic message; the reason is in the
/// source chain.
fn error_chain(error: &Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // Some errors repeat their cause in their own text; say it once.
        let cause_text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&cause_text)) {
            parts.push(cause_text);
        }
        source = cause.source();
    }
    if parts.len() > 1 {
        parts.retain(|part| part != SDK_WRAPPER_MESSAGE);
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_answers_are_told_apart_by_inner_code() {
        let forbidden =
            |inner| classify_status(StatusCode::Forbidden, Some("Forbidden"), inner, None);
        assert_eq!(forbidden(Some("SecretDisabled")), StoreErrorKind::Disabled);
        assert_eq!(
            forbidden(Some("ForbiddenByConnection")),
            StoreErrorKind::ForbiddenByConnection
        );
        assert_eq!(
            forbidden(Some("ForbiddenByRbac")),
            StoreErrorKind::AccessDenied
        );
        assert_eq!(forbidden(None), StoreErrorKind::AccessDenied);
        assert_eq!(
            classify_status(
                StatusCode::Forbidden,
                Some("Forbidden"),
                Some("ForbiddenByFirewall"),
                Some("1.2.3.4".into())
            ),
            StoreErrorKind::ForbiddenByFirewall {
                client_address: Some("1.2.3.4".into())
            }
        );
    }

    #[test]
    fn network_info_gives_the_caller_address() {
        let info = "conn_type=Ipv4;addr=131.107.174.140;act_addr_fam=InterNetwork;";
        assert_eq!(
            network_info_address(info).as_deref(),
            Some("131.107.174.140")
        );
        assert_eq!(
            network_info_address("conn_type=PrivateLink;private_endpoint=x"),
            None
        );
    }
}
