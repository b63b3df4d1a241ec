//! A per-scope token cache that refreshes before expiry and lets concurrent
//! callers share one token request.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use azure_core::credentials::AccessToken;
use azure_core::error::ErrorKind;
use azure_core::time::{Duration, OffsetDateTime};
use tokio::sync::Mutex as AsyncMutex;

/// How long before expiry a token is refreshed, as in the Azure SDKs.
const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// How much validity a cached token must have left to stand in for a failed refresh.
const FALLBACK_MIN_VALIDITY: Duration = Duration::seconds(30);

const LOG_TARGET: &str = "vault_settings::credential";

/// Caches one token per scope set.
///
/// Each scope set has its own slot behind an async mutex: the first caller
/// fetches while later callers wait on the slot and then read the fresh token,
/// so any number of concurrent callers costs one token request.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<String, Arc<AsyncMutex<Option<CachedToken>>>>>,
}

#[derive(Debug)]
struct CachedToken {
    token: AccessToken,
    refresh_at: OffsetDateTime,
}

impl CachedToken {
    fn new(token: AccessToken, now: OffsetDateTime) -> Self {
        // A token that lives less than twice the margin is refreshed halfway
        // through its life instead, so short-lived tokens are still reused.
        let margin = REFRESH_MARGIN.min((token.expires_on - now) / 2);
        Self {
            refresh_at: token.expires_on - margin,
            token,
        }
    }
}

impl TokenCache {
    /// Returns the cached token for `scopes` while it is fresh, or calls
    /// `fetch` for a new one. Never returns a token that has expired.
    pub(crate) async fn get_or_fetch<F, Fut>(
        &self,
        scopes: &[&str],
        fetch: F,
    ) -> azure_core::Result<AccessToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = azure_core::Result<AccessToken>>,
    {
        let slot = self.slot(scopes);
        let mut cached = slot.lock().await;

        let now = OffsetDateTime::now_utc();
        if let Some(entry) = cached.as_ref().filter(|entry| now < entry.refresh_at) {
            return Ok(entry.token.clone());
        }

        match fetch().await {
            Ok(token) => {
                let now = OffsetDateTime::now_utc();
                if token.expires_on <= now {
                    return Err(azure_core::Error::with_message(
                        ErrorKind::Credential,
                        "the credential returned a token that has already expired; \
                         check this machine's clock",
                    ));
                }
                *cached = Some(CachedToken::new(token.clone(), now));
                Ok(token)
            }
            Err(error) => match cached.as_ref() {
                Some(entry) if entry.token.expires_on - now > FALLBACK_MIN_VALIDITY => {
                    tracing::warn!(
                        target: LOG_TARGET,
                        "token refresh failed; using the cached token until it nears expiry"
                    );
                    Ok(entry.token.clone())
                }
                _ => Err(error),
            },
        }
    }

    fn slot(&self, scopes: &[&str]) -> Arc<AsyncMutex<Option<CachedToken>>> {
        let key = scopes.join(" ");
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(key).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn token(name: &str, lifetime: Duration) -> AccessToken {
        AccessToken::new(name.to_owned(), OffsetDateTime::now_utc() + lifetime)
    }

    #[tokio::test]
    async fn reuses_a_fresh_token_per_scope() {
        let cache = TokenCache::default();
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let got = cache
                .get_or_fetch(&["a/.default"], || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(token("t1", Duration::hours(1)))
                })
                .await
                .unwrap();
            assert_eq!(got.token.secret(), "t1");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let other = cache
            .get_or_fetch(&["b/.default"], || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(token("t2", Duration::hours(1)))
            })
            .await
            .unwrap();
        assert_eq!(other.token.secret(), "t2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(TokenCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = Arc::clone(&cache);
                let calls = Arc::clone(&calls);
                tokio::spawn(async move {
                    cache
                        .get_or_fetch(&["s"], || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok(token("shared", Duration::hours(1)))
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().token.secret(), "shared");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_inside_the_margin() {
        let cache = TokenCache::default();
        let first = cache
            .get_or_fetch(&["s"], || async { Ok(token("old", Duration::minutes(4))) })
            .await
            .unwrap();
        assert_eq!(first.token.secret(), "old");
        // Four minutes of life is under twice the margin: it stays fresh for two.
        let again = cache
            .get_or_fetch(&["s"], || async { Ok(token("new", Duration::hours(1))) })
            .await
            .unwrap();
        assert_eq!(again.token.secret(), "old");
    }

    #[tokio::test]
    async fn short_lived_token_is_refreshed_halfway() {
        let cache = TokenCache::default();
        cache
            .get_or_fetch(&["s"], || async {
                Ok(token("old", Duration::milliseconds(400)))
            })
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let refreshed = cache
            .get_or_fetch(&["s"], || async { Ok(token("new", Duration::hours(1))) })
            .await
            .unwrap();
        assert_eq!(refreshed.token.secret(), "new");
    }

    #[tokio::test]
    async fn never_returns_an_expired_token() {
        let cache = TokenCache::default();
        let err = cache
            .get_or_fetch(&["s"], || async {
                Ok(token("stale", Duration::seconds(-1)))
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("already expired"), "{err}");

        cache
            .get_or_fetch(&["s"], || async {
                Ok(token("brief", Duration::milliseconds(100)))
            })
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let failed = cache
            .get_or_fetch(&["s"], || async {
                Err(azure_core::Error::with_message(
                    ErrorKind::Credential,
                    "down",
                ))
            })
            .await;
        assert!(failed.is_err(), "an expired cached token must not stand in");
    }

    #[tokio::test]
    async fn failed_refresh_falls_back_to_a_still_valid_token() {
        let cache = TokenCache::default();
        cache
            .get_or_fetch(&["s"], || async {
                Ok(token("valid", Duration::minutes(4)))
            })
            .await
            .unwrap();
        // Force the slot past its refresh time without waiting two minutes.
        {
            let slot = cache.slot(&["s"]);
            let mut entry = slot.lock().await;
            if let Some(entry) = entry.as_mut() {
                entry.refresh_at = OffsetDateTime::now_utc() - Duration::seconds(1);
            }
        }
        let got = cache
            .get_or_fetch(&["s"], || async {
                Err(azure_core::Error::with_message(
                    ErrorKind::Credential,
                    "down",
                ))
            })
            .await
            .unwrap();
        assert_eq!(got.token.secret(), "valid");
    }
}
