//! Answers the emulator sends: the success shapes' wrapper and every error
//! answer with the service's codes and messages.
//!
//! Messages marked "as observed" were seen in real service answers; the
//! others follow the service's style but their exact wording is unconfirmed
//! (see the emulator README).

use hyper::StatusCode;
use serde::Serialize;

use crate::model::{ErrorBody, ErrorDetail, InnerError};
use crate::token::TokenRejection;

/// An answer before the common headers are added.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Option<Vec<u8>>,
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    /// Creates a JSON answer.
    pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self {
                status,
                body: Some(body),
                headers: Vec::new(),
            },
            Err(_) => Self::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                None,
                "The emulator could not serialize its answer.".into(),
            ),
        }
    }

    /// Creates an answer without a body.
    pub(crate) fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Creates an answer with a raw body, sent as JSON even if it is not.
    pub(crate) fn raw(status: StatusCode, body: Vec<u8>) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    /// Creates an error answer with the service's body shape.
    pub(crate) fn error(
        status: StatusCode,
        code: &str,
        inner: Option<&str>,
        message: String,
    ) -> Self {
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                innererror: inner.map(|code| InnerError { code }),
            },
        };
        // An error body of strings always serializes.
        let body = serde_json::to_vec(&body).unwrap_or_default();
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// 401 for a request without a bearer token (as observed).
pub(crate) fn missing_token() -> Answer {
    Answer::error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized",
        None,
        "AKV10000: Request is missing a Bearer or PoP token.".into(),
    )
}

/// 401 for a token the emulator refused.
pub(crate) fn invalid_token(rejection: &TokenRejection, issuer: &str, audience: &str) -> Answer {
    let message = match rejection {
        // As observed.
        TokenRejection::WrongAudience { audience: found } => {
            format!("AKV10022: Invalid audience. Expected {audience}, found: {found}.")
        }
        // As observed, except that the issuer found is not named.
        TokenRejection::WrongIssuer => {
            format!("AKV10032: Invalid issuer. Expected one of {issuer}, found another issuer.")
        }
        // As observed.
        TokenRejection::BadSignature => {
            "AKV10046: Unable to resolve the key used for signature validation.".into()
        }
        // The IDX codes are those of the token validation library the
        // service reports; the full texts are unconfirmed.
        TokenRejection::Expired => {
            "Error validating token: IDX10223: Lifetime validation failed. The token is expired."
                .into()
        }
        TokenRejection::NotYetValid => {
            "Error validating token: IDX10222: Lifetime validation failed. The token is not yet valid."
                .into()
        }
        TokenRejection::Malformed => {
            "Error validating token: the bearer token is not a well-formed JWT.".into()
        }
    };
    Answer::error(StatusCode::UNAUTHORIZED, "Unauthorized", None, message)
}

/// 404 for an unknown secret or version (as observed).
pub(crate) fn secret_not_found(name: &str, version: Option<&str>) -> Answer {
    let id = match version {
        Some(v) => format!("{name}/{v}"),
        None => name.to_owned(),
    };
    Answer::error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        None,
        format!(
            "A secret with (name/id) {id} was not found in this key vault. If you recently \
             deleted this secret you may be able to recover it using the correct recovery \
             command. For help resolving this issue, please see \
             https://go.microsoft.com/fwlink/?linkid=2125182"
        ),
    )
}

/// 404 for an unknown deleted secret (as observed).
pub(crate) fn deleted_secret_not_found(name: &str) -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        "SecretNotFound",
        None,
        format!("Deleted Secret not found: {name}"),
    )
}

/// 400 for a name that breaks the naming rule (as observed).
pub(crate) fn invalid_name(name: &str) -> Answer {
    bad_parameter(format!("The request URI contains an invalid name: {name}"))
}

/// 403 for reading a disabled secret (as observed).
pub(crate) fn disabled(operation: &str) -> Answer {
    Answer::error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        Some("SecretDisabled"),
        format!("Operation {operation} is not allowed on a disabled secret."),
    )
}

/// 409 for a set on a soft-deleted name.
pub(crate) fn deleted_but_recoverable(name: &str) -> Answer {
    Answer::error(
        StatusCode::CONFLICT,
        "Conflict",
        Some("ObjectIsDeletedButRecoverable"),
        format!(
            "Secret {name} is currently in a deleted but recoverable state, and its name cannot \
             be reused; in this state, the secret can only be recovered or purged."
        ),
    )
}

/// 429 with `Retry-After` (message as observed; the real service was seen
/// without the header).
pub(crate) fn throttled(retry_after_secs: u64) -> Answer {
    Answer::error(
        StatusCode::TOO_MANY_REQUESTS,
        "Throttled",
        None,
        "Request was not processed because too many requests were received. Reason: \
         VaultRequestTypeLimitReached"
            .into(),
    )
    .with_header("retry-after", retry_after_secs.to_string())
}

/// An injected error status with a generic body for its class.
pub(crate) fn injected_status(status: StatusCode, retry_after_secs: Option<u64>) -> Answer {
    let code = match status {
        StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
        StatusCode::TOO_MANY_REQUESTS => "Throttled",
        s if s.is_server_error() => "InternalServerError",
        _ => "BadParameter",
    };
    let message = format!("The emulator injected this {} answer.", status.as_u16());
    let answer = Answer::error(status, code, None, message);
    match retry_after_secs {
        Some(secs) => answer.with_header("retry-after", secs.to_string()),
        None => answer,
    }
}

/// 400 `BadParameter` with a message.
pub(crate) fn bad_parameter(message: String) -> Answer {
    Answer::error(StatusCode::BAD_REQUEST, "BadParameter", None, message)
}

/// 400 for a missing `api-version`.
pub(crate) fn missing_api_version() -> Answer {
    bad_parameter("The api-version query parameter is required.".into())
}

/// 400 for an `api-version` the service does not know.
pub(crate) fn unsupported_api_version(version: &str, latest: &str) -> Answer {
    bad_parameter(format!(
        "The specified version ({version}) is not recognized. Consider using the latest \
         supported version ({latest})."
    ))
}

/// 400 for a value above the size limit.
pub(crate) fn value_too_large(len: usize, limit: usize) -> Answer {
    bad_parameter(format!(
        "The secret value is {len} bytes long; the maximum allowed size is {limit} bytes."
    ))
}

/// 404 for a path that is no Key Vault secrets operation.
pub(crate) fn unknown_path() -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        "NotFound",
        None,
        "The requested URI does not represent any resource on the server.".into(),
    )
}

/// 405 for a known path with the wrong method.
pub(crate) fn method_not_allowed(method: &str) -> Answer {
    Answer::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        None,
        format!("The method {method} is not allowed on this resource."),
    )
}

/// 501 for operations the emulator does not implement.
pub(crate) fn not_implemented(operation: &str) -> Answer {
    Answer::error(
        StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        None,
        format!("The emulator does not implement {operation}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(answer: &Answer) -> serde_json::Value {
        serde_json::from_slice(answer.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn error_bodies_have_the_service_shape() {
        let disabled = body(&disabled("get"));
        assert_eq!(disabled["error"]["code"], "Forbidden");
        assert_eq!(disabled["error"]["innererror"]["code"], "SecretDisabled");
        let missing = body(&secret_not_found("a", Some("v")));
        assert_eq!(missing["error"]["code"], "SecretNotFound");
        assert!(missing["error"].get("innererror").is_none());
        assert!(
            missing["error"]["message"]
                .as_str()
                .unwrap()
                .contains("(name/id) a/v was")
        );
    }

    #[test]
    fn throttling_carries_retry_after() {
        let answer = throttled(3);
        assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(answer.headers, vec![("retry-after", "3".to_owned())]);
        assert_eq!(
            injected_status(StatusCode::SERVICE_UNAVAILABLE, None)
                .headers
                .len(),
            0
        );
    }
}
