//! Lets concurrent first requests of a new client share one authentication
//! challenge.
//!
//! The SDK sends each client's first request without a token to learn the
//! vault's scope from the 401 challenge. Requests started together all go
//! unauthenticated, so N concurrent fetches cost N challenges. This per-try
//! policy, placed after the SDK's own authorization, lets one unauthenticated
//! request through at a time; once its challenge names the scope, waiting
//! GET requests are authorized with the same credential and skip the
//! challenge. Requests with a body are left to the SDK (it strips their body
//! before a challenge and restores it after).

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use azure_core::{
    credentials::{AccessToken, TokenCredential},
    http::{
        Context, Method, Request, StatusCode, Url,
        headers::{AUTHORIZATION, WWW_AUTHENTICATE},
        policies::{Policy, PolicyResult},
    },
    time::{Duration, OffsetDateTime},
};
use tokio::sync::Mutex;

/// Tokens closer than this to expiry are renewed, as the SDK does.
const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// The per-try policy described in the module docs.
#[derive(Debug)]
pub(crate) struct ChallengeGate {
    credential: Arc<dyn TokenCredential>,
    verify_resource: bool,
    leg: Mutex<()>,
    scope: RwLock<Option<String>>,
    token: Mutex<Option<AccessToken>>,
}

impl ChallengeGate {
    pub(crate) fn new(credential: Arc<dyn TokenCredential>, verify_resource: bool) -> Self {
        ChallengeGate {
            credential,
            verify_resource,
            leg: Mutex::new(()),
            scope: RwLock::new(None),
            token: Mutex::new(None),
        }
    }

    fn known_scope(&self) -> Option<String> {
        self.scope.read().ok().and_then(|scope| scope.clone())
    }

    async fn authorize(
        &self,
        ctx: &Context<'_>,
        request: &mut Request,
        scope: &str,
    ) -> azure_core::Result<()> {
        let mut cached = self.token.lock().await;
        let fresh = cached
            .as_ref()
            .is_some_and(|token| token.expires_on > OffsetDateTime::now_utc() + REFRESH_MARGIN);
        if !fresh {
            let options = azure_core::credentials::TokenRequestOptions {
                method_options: azure_core::http::ClientMethodOptions {
                    context: ctx.to_owned(),
                },
            };
            *cached = Some(self.credential.get_token(&[scope], Some(options)).await?);
        }
        if let Some(token) = cached.as_ref() {
            request.insert_header(AUTHORIZATION, format!("Bearer {}", token.token.secret()));
        }
        Ok(())
    }

    fn learn(&self, request_url: &Url, challenge: &str) {
        let Some(scope) = scope_from_challenge(challenge) else {
            return;
        };
        if self.verify_resource && !resource_matches(&scope, request_url) {
            return;
        }
        if let Ok(mut known) = self.scope.write() {
            *known = Some(scope);
        }
    }
}

#[async_trait]
impl Policy for ChallengeGate {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let Some((policy, rest)) = next.split_first() else {
            return policy_chain_end();
        };
        let unauthenticated = request.headers().get_optional_str(&AUTHORIZATION).is_none();
        if !unauthenticated {
            return policy.send(ctx, request, rest).await;
        }
        let bodiless = matches!(
            request.method(),
            Method::Get | Method::Head | Method::Delete
        );
        let _leg = self.leg.lock().await;
        if let (true, Some(scope)) = (bodiless, self.known_scope()) {
            drop(_leg);
            self.authorize(ctx, request, &scope).await?;
            return policy.send(ctx, request, rest).await;
        }
        let response = policy.send(ctx, request, rest).await?;
        if response.status() == StatusCode::Unauthorized
            && let Some(challenge) = response.headers().get_optional_str(&WWW_AUTHENTICATE)
        {
            self.learn(request.url(), challenge);
        }
        Ok(response)
    }
}

fn policy_chain_end() -> PolicyResult {
    Err(azure_core::Error::with_message(
        azure_core::error::ErrorKind::Other,
        "the challenge policy must not be the last policy of a pipeline",
    ))
}

/// Reads `scope="…"` or `resource="…"` (as `resource/.default`) from a
/// Bearer challenge.
pub(crate) fn scope_from_challenge(challenge: &str) -> Option<String> {
    let params = challenge
        .trim_start()
        .strip_prefix("Bearer")
        .unwrap_or(challenge);
    for part in params.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "scope" => return Some(value.to_owned()),
            "resource" => return Some(format!("{}/.default", value.trim_end_matches('/'))),
            _ => {}
        }
    }
    None
}

/// The SDK's rule: the request host must end with `.` + the scope's host.
fn resource_matches(scope: &str, request_url: &Url) -> bool {
    let (Ok(scope_url), Some(request_host)) = (Url::parse(scope), request_url.host_str()) else {
        return false;
    };
    scope_url
        .host_str()
        .is_some_and(|host| request_host.ends_with(&format!(".{host}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_either_challenge_form() {
        let resource = r#"Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net""#;
        assert_eq!(
            scope_from_challenge(resource).as_deref(),
            Some("https://vault.azure.net/.default")
        );
        let scope = r#"Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default""#;
        assert_eq!(
            scope_from_challenge(scope).as_deref(),
            Some("https://vault.azure.net/.default")
        );
        assert_eq!(scope_from_challenge("Bearer realm=\"x\""), None);
    }

    #[test]
    fn resource_must_match_the_vault_host() {
        let url = Url::parse("https://my.vault.azure.net/secrets/a/").unwrap();
        assert!(resource_matches("https://vault.azure.net/.default", &url));
        assert!(!resource_matches("https://evil.example/.default", &url));
        let local = Url::parse("https://127.0.0.1:8443/secrets/a/").unwrap();
        assert!(!resource_matches(
            "https://vault.azure.net/.default",
            &local
        ));
    }
}
