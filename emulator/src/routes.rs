//! Maps a request's method and path to a Key Vault secrets operation.

use hyper::Method;
use serde::{Deserialize, Serialize};

/// Names a Key Vault secrets operation, as fault rules and the request log
/// refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// `PUT /secrets/{name}`.
    SetSecret,
    /// `GET /secrets/{name}[/{version}]`.
    GetSecret,
    /// `PATCH /secrets/{name}[/{version}]`.
    UpdateSecret,
    /// `DELETE /secrets/{name}`.
    DeleteSecret,
    /// `GET /secrets`.
    ListSecrets,
    /// `GET /secrets/{name}/versions`.
    ListVersions,
    /// `GET /deletedsecrets/{name}`.
    GetDeletedSecret,
    /// `GET /deletedsecrets`.
    ListDeletedSecrets,
    /// `DELETE /deletedsecrets/{name}`.
    PurgeDeletedSecret,
    /// `POST /deletedsecrets/{name}/recover`.
    RecoverDeletedSecret,
    /// `POST /secrets/{name}/backup` (not implemented by the emulator).
    BackupSecret,
    /// `POST /secrets/restore` (not implemented by the emulator).
    RestoreSecret,
}

/// A routed request: the operation and the names from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RouteMatch {
    pub operation: Operation,
    pub name: Option<String>,
    pub version: Option<String>,
}

/// Why a request could not be routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteError {
    /// No operation lives at this path.
    UnknownPath,
    /// The path exists but not with this method.
    MethodNotAllowed,
}

/// Routes a request; a trailing `/` after a name means "latest version".
pub(crate) fn route(method: &Method, path: &str) -> Result<RouteMatch, RouteError> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let found = |operation, name: Option<&str>, version: Option<&str>| {
        Ok(RouteMatch {
            operation,
            name: name.map(str::to_owned),
            version: version.map(str::to_owned),
        })
    };
    match (segments.as_slice(), method.clone()) {
        (["secrets"] | ["secrets", ""], Method::GET) => found(Operation::ListSecrets, None, None),
        (["secrets", "restore"], Method::POST) => found(Operation::RestoreSecret, None, None),
        (["secrets", name] | ["secrets", name, ""], method) if !name.is_empty() => match method {
            Method::GET => found(Operation::GetSecret, Some(name), None),
            Method::PUT if segments.len() == 2 => found(Operation::SetSecret, Some(name), None),
            Method::PATCH => found(Operation::UpdateSecret, Some(name), None),
            Method::DELETE if segments.len() == 2 => {
                found(Operation::DeleteSecret, Some(name), None)
            }
            _ => Err(RouteError::MethodNotAllowed),
        },
        (["secrets", name, "versions"], method) if !name.is_empty() => match method {
            Method::GET => found(Operation::ListVersions, Some(name), None),
            _ => Err(RouteError::MethodNotAllowed),
        },
        (["secrets", name, "backup"], method) if !name.is_empty() => match method {
            Method::POST => found(Operation::BackupSecret, Some(name), None),
            _ => Err(RouteError::MethodNotAllowed),
        },
        (["secrets", name, version], method) if !name.is_empty() => match method {
            Method::GET => found(Operation::GetSecret, Some(name), Some(version)),
            Method::PATCH => found(Operation::UpdateSecret, Some(name), Some(version)),
            _ => Err(RouteError::MethodNotAllowed),
        },
        (["deletedsecrets"] | ["deletedsecrets", ""], Method::GET) => {
            found(Operation::ListDeletedSecrets, None, None)
        }
        (["deletedsecrets", name], method) if !name.is_empty() => match method {
            Method::GET => found(Operation::GetDeletedSecret, Some(name), None),
            Method::DELETE => found(Operation::PurgeDeletedSecret, Some(name), None),
            _ => Err(RouteError::MethodNotAllowed),
        },
        (["deletedsecrets", name, "recover"], method) if !name.is_empty() => match method {
            Method::POST => found(Operation::RecoverDeletedSecret, Some(name), None),
            _ => Err(RouteError::MethodNotAllowed),
        },
        (["secrets" | "deletedsecrets", ..], _) if segments.len() <= 3 => {
            Err(RouteError::MethodNotAllowed)
        }
        _ => Err(RouteError::UnknownPath),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(
        method: Method,
        path: &str,
    ) -> Result<(Operation, Option<String>, Option<String>), RouteError> {
        route(&method, path).map(|m| (m.operation, m.name, m.version))
    }

    #[test]
    fn secret_paths_route_like_the_service() {
        use Operation::*;
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(op(Method::GET, "/secrets"), Ok((ListSecrets, None, None)));
        assert_eq!(op(Method::PUT, "/secrets/a"), Ok((SetSecret, s("a"), None)));
        assert_eq!(op(Method::GET, "/secrets/a"), Ok((GetSecret, s("a"), None)));
        assert_eq!(
            op(Method::GET, "/secrets/a/"),
            Ok((GetSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::GET, "/secrets/a/v1"),
            Ok((GetSecret, s("a"), s("v1")))
        );
        assert_eq!(
            op(Method::PATCH, "/secrets/a/"),
            Ok((UpdateSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::PATCH, "/secrets/a/v1"),
            Ok((UpdateSecret, s("a"), s("v1")))
        );
        assert_eq!(
            op(Method::DELETE, "/secrets/a"),
            Ok((DeleteSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::GET, "/secrets/a/versions"),
            Ok((ListVersions, s("a"), None))
        );
        assert_eq!(
            op(Method::GET, "/deletedsecrets"),
            Ok((ListDeletedSecrets, None, None))
        );
        assert_eq!(
            op(Method::GET, "/deletedsecrets/a"),
            Ok((GetDeletedSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::DELETE, "/deletedsecrets/a"),
            Ok((PurgeDeletedSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::POST, "/deletedsecrets/a/recover"),
            Ok((RecoverDeletedSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::POST, "/secrets/a/backup"),
            Ok((BackupSecret, s("a"), None))
        );
        assert_eq!(
            op(Method::POST, "/secrets/restore"),
            Ok((RestoreSecret, None, None))
        );
        assert_eq!(
            op(Method::GET, "/secrets/restore"),
            Ok((GetSecret, s("restore"), None))
        );
    }

    #[test]
    fn wrong_methods_and_paths_are_refused() {
        assert_eq!(
            op(Method::POST, "/secrets/a"),
            Err(RouteError::MethodNotAllowed)
        );
        assert_eq!(
            op(Method::DELETE, "/secrets/a/v1"),
            Err(RouteError::MethodNotAllowed)
        );
        assert_eq!(
            op(Method::PUT, "/secrets/a/"),
            Err(RouteError::MethodNotAllowed)
        );
        assert_eq!(op(Method::GET, "/keys/a"), Err(RouteError::UnknownPath));
        assert_eq!(op(Method::GET, "/"), Err(RouteError::UnknownPath));
        assert_eq!(
            op(Method::GET, "/secrets/a/b/c"),
            Err(RouteError::UnknownPath)
        );
    }
}
