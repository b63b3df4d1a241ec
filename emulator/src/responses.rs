//! Answers the emulator sends: the success shapes' wrapper and every error
//! answer with the service's codes and messages.
//!
//! Messages marked "as observed" were seen in real service answers; the
//! others follow the service's style but their exact wording is unconfirmed
//! (see the emulator README).

use std::net::IpAddr;

use hyper::StatusCode;
use serde::Serialize;

use crate::faults::ForbiddenReason;

use crate::model::{ErrorBody, ErrorDetail, InnerError};
use crate::token::TokenRejection;

/// The region the emulator reports in headers and messages.
pub(crate) const REGION: &str = "local";

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

/// Who is calling, as 403 messages describe the caller.
pub(crate) struct Caller<'a> {
    pub app_id: Option<&'a str>,
    pub object_id: &'a str,
    pub issuer: &'a str,
    pub client_address: IpAddr,
    pub vault: &'a str,
    pub secret: Option<&'a str>,
}

/// 403 for a refusal by firewall, network setting, RBAC or access policy,
/// with the service's message layout (as observed; ids are the emulator's).
pub(crate) fn forbidden(reason: ForbiddenReason, caller: &Caller) -> Answer {
    let who = format!(
        "appid={};oid={};iss={}",
        caller.app_id.unwrap_or(caller.object_id),
        caller.object_id,
        caller.issuer
    );
    let vault = format!("{};location={REGION}", caller.vault);
    let message = match reason {
        ForbiddenReason::Firewall => format!(
            "Client address is not authorized and caller is not a trusted service.\r\n\
             Client address: {}\r\nCaller: {who}\r\nVault: {vault}",
            caller.client_address
        ),
        ForbiddenReason::Connection => format!(
            "Public network access is disabled and request is not from a trusted service nor \
             via an approved private link.\r\nCaller: {who}\r\nVault: {vault}"
        ),
        ForbiddenReason::Rbac => format!(
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, \
             deny assignments or role definitions were changed recently, please observe \
             propagation time.\r\nCaller: {who}\r\nAction: \
             'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: \
             '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator/\
             providers/microsoft.keyvault/vaults/{}/secrets/{}'\r\nAssignment: (not found)\r\n\
             DenyAssignmentId: null\r\nDecisionReason: null \r\nVault: {vault}\r\n",
            caller.vault,
            caller.secret.unwrap_or_default()
        ),
        ForbiddenReason::Policy => format!(
            "The user, group or application '{who}' does not have secrets get permission on key \
             vault '{vault}'. For help resolving this issue, please see \
             https://go.microsoft.com/fwlink/?linkid=2125287"
        ),
    };
    Answer::error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        Some(reason.inner_code()),
        message,
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

/// An injected error status with a generic body for its class; a 409 is
/// the service's "being deleted" answer (as observed), which a purge or
/// recover right after a delete receives.
pub(crate) fn injected_status(status: StatusCode, retry_after_secs: Option<u64>) -> Answer {
    let answer = if status == StatusCode::CONFLICT {
        Answer::error(
            status,
            "Conflict",
            Some("ObjectIsBeingDeleted"),
            "Secret is currently being deleted.".into(),
        )
    } else {
        let code = match status {
            StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailable",
            StatusCode::TOO_MANY_REQUESTS => "Throttled",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::REQUEST_TIMEOUT => "RequestTimeout",
            s if s.is_server_error() => "InternalServerError",
            _ => "BadParameter",
        };
        let message = format!("The emulator injected this {} answer.", status.as_u16());
        Answer::error(status, code, None, message)
    };
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
    fn forbidden_answers_carry_the_inner_code_and_caller() {
        let caller = Caller {
            app_id: Some("app"),
            object_id: "oid",
            issuer: "https://sts.windows.net/t/",
            client_address: "203.0.113.7".parse().unwrap(),
            vault: "emulator",
            secret: Some("db-password"),
        };
        let firewall = body(&forbidden(ForbiddenReason::Firewall, &caller));
        assert_eq!(firewall["error"]["code"], "Forbidden");
        assert_eq!(
            firewall["error"]["innererror"]["code"],
            "ForbiddenByFirewall"
        );
        let message = firewall["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("Client address is not authorized"));
        assert!(
            message.contains("\r\nClient address: 203.0.113.7\r\n"),
            "{message}"
        );
        assert!(message.contains("Caller: appid=app;oid=oid;iss=https://sts.windows.net/t/"));
        assert!(message.ends_with("Vault: emulator;location=local"));
        for (reason, code) in [
            (ForbiddenReason::Connection, "ForbiddenByConnection"),
            (ForbiddenReason::Rbac, "ForbiddenByRbac"),
            (ForbiddenReason::Policy, "ForbiddenByPolicy"),
        ] {
            let json = body(&forbidden(reason, &caller));
            assert_eq!(json["error"]["innererror"]["code"], code);
        }
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
