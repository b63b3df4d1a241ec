//! A `TokenCredential` that mints the emulator's tokens in-process.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error, ErrorKind};

use crate::token::{TokenClaims, TokenIssuer};

/// The object id written into tokens the credential mints.
pub const EMULATOR_OBJECT_ID: &str = "00000000-0000-0000-0000-0000000e0001";

/// Mints valid emulator tokens for whatever scope a client asks, counting
/// calls and remembering the scopes asked for.
///
/// Clients such as `SecretClient` cache tokens and refresh them five
/// minutes before expiry, so a lifetime under five minutes makes every
/// request fetch a new token.
pub struct EmulatorCredential {
    issuer: TokenIssuer,
    lifetime: Duration,
    audience: Option<String>,
    calls: AtomicUsize,
    scopes: Mutex<Vec<String>>,
}

impl fmt::Debug for EmulatorCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorCredential")
            .field("tenant_id", &self.issuer.tenant_id())
            .field("lifetime", &self.lifetime)
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl EmulatorCredential {
    /// Creates a credential whose tokens last one hour.
    pub fn new(issuer: TokenIssuer) -> Self {
        Self {
            issuer,
            lifetime: Duration::from_secs(3600),
            audience: None,
            calls: AtomicUsize::new(0),
            scopes: Mutex::new(Vec::new()),
        }
    }

    /// Sets how long minted tokens last.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Mints every token for this audience instead of the requested scope,
    /// to exercise wrong-audience answers.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Returns how many tokens were requested.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Returns the scopes of every request, in order.
    pub fn scopes(&self) -> Vec<String> {
        self.scopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait::async_trait]
impl TokenCredential for EmulatorCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.scopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(scopes.iter().map(|s| (*s).to_owned()));
        let audience = match (&self.audience, scopes.first()) {
            (Some(audience), _) => audience.clone(),
            (None, Some(scope)) => (*scope).to_owned(),
            (None, None) => {
                return Err(Error::with_message(
                    ErrorKind::Credential,
                    "the emulator credential needs exactly one scope",
                ));
            }
        };
        let minted = self.issuer.mint(&TokenClaims {
            audience,
            tenant_id: self.issuer.tenant_id().to_owned(),
            object_id: EMULATOR_OBJECT_ID.to_owned(),
            app_id: None,
            lifetime: self.lifetime,
        });
        Ok(AccessToken::new(minted.token, minted.expires_on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tokens_validate_for_the_requested_scope_and_calls_count() {
        let issuer = TokenIssuer::new("t");
        let credential = EmulatorCredential::new(issuer.clone());
        let token = credential
            .get_token(&["https://vault.localhost/.default"], None)
            .await
            .unwrap();
        let valid = issuer
            .validate(token.token.secret(), &["https://vault.localhost"])
            .unwrap();
        assert_eq!(valid.object_id, EMULATOR_OBJECT_ID);
        assert_eq!(credential.calls(), 1);
        assert_eq!(credential.scopes(), ["https://vault.localhost/.default"]);
        assert!(!format!("{credential:?}").contains(token.token.secret()));
    }

    #[tokio::test]
    async fn audience_override_and_missing_scope() {
        let issuer = TokenIssuer::new("t");
        let credential = EmulatorCredential::new(issuer.clone()).with_audience("https://other");
        let token = credential
            .get_token(&["https://vault.localhost/.default"], None)
            .await
            .unwrap();
        assert!(
            issuer
                .validate(token.token.secret(), &["https://vault.localhost"])
                .is_err()
        );
        let plain = EmulatorCredential::new(issuer);
        let error = plain.get_token(&[], None).await.unwrap_err();
        assert!(matches!(error.kind(), ErrorKind::Credential));
    }
}
