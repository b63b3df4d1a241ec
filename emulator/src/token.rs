//! Bearer tokens of the emulator: compact JWTs signed with HS256 under a
//! per-run random key.
//!
//! The claims mirror what Entra ID puts into Key Vault access tokens (`aud`,
//! `iss`, `tid`, `oid`, `appid`, `iat`, `nbf`, `exp`), so code that inspects
//! them sees familiar names. HS256 keeps minting and checking in one process
//! without key distribution; tokens are meaningless outside one run.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The fixed JOSE header of every token.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The suffix a scope carries and an audience does not.
const DEFAULT_SCOPE_SUFFIX: &str = "/.default";

/// Mints and validates the emulator's bearer tokens.
///
/// Clones share the signing key, so a token minted by one clone validates
/// with every other. The key is random per issuer and never exported.
#[derive(Clone)]
pub struct TokenIssuer {
    key: Arc<hmac::Key>,
    tenant_id: Arc<str>,
}

impl fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

/// Describes the token to mint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The resource the token is for, such as `https://vault.azure.net`; a
    /// trailing `/.default` (scope form) is removed.
    pub audience: String,
    /// The tenant written to `tid`; usually the issuer's own tenant.
    pub tenant_id: String,
    /// The caller's object id (`oid`).
    pub object_id: String,
    /// The caller's application id (`appid`), if it is an application.
    pub app_id: Option<String>,
    /// How long the token stays valid from now.
    pub lifetime: Duration,
}

/// Holds a freshly minted token and its expiry.
#[derive(Clone)]
pub struct MintedToken {
    /// The compact JWT.
    pub token: String,
    /// When the token stops being accepted.
    pub expires_on: OffsetDateTime,
}

impl fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedToken")
            .field("token", &"<redacted>")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

/// Holds what a valid token says about its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedToken {
    /// The token's audience, without `/.default`.
    pub audience: String,
    /// The caller's object id.
    pub object_id: String,
    /// The caller's application id, if any.
    pub app_id: Option<String>,
    /// When the token expires.
    pub expires_on: OffsetDateTime,
}

/// Says why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRejection {
    /// The token is not a compact JWT with a JSON header and claims.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// The signature does not match this issuer's key or algorithm.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// The token's `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// The token's `nbf` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// The token is for another resource.
    #[error("the token's audience `{audience}` is not accepted here")]
    WrongAudience {
        /// The audience the token carries.
        audience: String,
    },
    /// The token names another issuer.
    #[error("the token's issuer is not accepted here")]
    WrongIssuer,
}

/// The JWT claims set as serialized.
#[derive(Debug, Serialize, Deserialize)]
struct JwtClaims {
    aud: String,
    iss: String,
    tid: String,
    oid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    appid: Option<String>,
    iat: i64,
    nbf: i64,
    exp: i64,
}

impl TokenIssuer {
    /// Creates an issuer for a tenant with a fresh random signing key.
    ///
    /// # Panics
    ///
    /// Panics if the operating system's random number generator fails.
    pub fn new(tenant_id: &str) -> Self {
        let rng = ring::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .expect("the operating system's random number generator failed");
        Self {
            key: Arc::new(key),
            tenant_id: tenant_id.into(),
        }
    }

    /// Returns the tenant id this issuer signs for.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// Returns the issuer URL written to `iss`, in the Entra ID v1 form
    /// `https://sts.windows.net/{tenant}/`.
    pub fn issuer(&self) -> String {
        format!("https://sts.windows.net/{}/", self.tenant_id)
    }

    /// Mints a token for the given claims, valid from now for their lifetime.
    pub fn mint(&self, claims: &TokenClaims) -> MintedToken {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let lifetime = i64::try_from(claims.lifetime.as_secs()).unwrap_or(i64::MAX);
        let exp = now.saturating_add(lifetime);
        let jwt = JwtClaims {
            aud: normalize_audience(&claims.audience).to_owned(),
            iss: self.issuer(),
            tid: claims.tenant_id.clone(),
            oid: claims.object_id.clone(),
            appid: claims.app_id.clone(),
            iat: now,
            nbf: now,
            exp,
        };
        MintedToken {
            token: self.sign(&jwt),
            expires_on: OffsetDateTime::from_unix_timestamp(exp)
                .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc()),
        }
    }

    /// Checks a token's form, signature, issuer, validity window and audience
    /// (in that order), accepting any of the given audiences with or without
    /// a trailing `/.default` or `/`.
    pub fn validate(
        &self,
        token: &str,
        accepted_audiences: &[&str],
    ) -> Result<ValidatedToken, TokenRejection> {
        let claims = self.verify(token)?;
        if claims.iss != self.issuer() {
            return Err(TokenRejection::WrongIssuer);
        }
        let now = OffsetDateTime::now_utc().unix_timestamp();
        if claims.exp <= now {
            return Err(TokenRejection::Expired);
        }
        if claims.nbf > now {
            return Err(TokenRejection::NotYetValid);
        }
        let audience = normalize_audience(&claims.aud);
        let accepted = accepted_audiences
            .iter()
            .any(|a| normalize_audience(a).eq_ignore_ascii_case(audience));
        if !accepted {
            return Err(TokenRejection::WrongAudience {
                audience: audience.to_owned(),
            });
        }
        Ok(ValidatedToken {
            audience: audience.to_owned(),
            object_id: claims.oid,
            app_id: claims.appid,
            expires_on: OffsetDateTime::from_unix_timestamp(claims.exp)
                .map_err(|_| TokenRejection::Malformed)?,
        })
    }

    fn sign(&self, claims: &JwtClaims) -> String {
        // Serializing a struct of strings and integers cannot fail.
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let tag = hmac::sign(&self.key, signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    fn verify(&self, token: &str) -> Result<JwtClaims, TokenRejection> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenRejection::Malformed);
        };
        let header = decode_json::<serde_json::Value>(header)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenRejection::Malformed)?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(TokenRejection::BadSignature);
        }
        let signed_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
        hmac::verify(&self.key, &token.as_bytes()[..signed_len], &signature)
            .map_err(|_| TokenRejection::BadSignature)?;
        decode_json(payload)
    }
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, TokenRejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| TokenRejection::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenRejection::Malformed)
}

/// Turns a scope (`https://vault.azure.net/.default`) or a resource with a
/// trailing slash into the bare resource.
fn normalize_audience(audience: &str) -> &str {
    let audience = audience
        .strip_suffix(DEFAULT_SCOPE_SUFFIX)
        .unwrap_or(audience);
    audience.strip_suffix('/').unwrap_or(audience)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAULT: &str = "https://vault.localhost";

    fn claims(audience: &str, lifetime: Duration) -> TokenClaims {
        TokenClaims {
            audience: audience.into(),
            tenant_id: "tenant-1".into(),
            object_id: "oid-1".into(),
            app_id: Some("app-1".into()),
            lifetime,
        }
    }

    fn hour() -> Duration {
        Duration::from_secs(3600)
    }

    #[test]
    fn minted_token_validates_and_carries_claims() {
        let issuer = TokenIssuer::new("tenant-1");
        let minted = issuer.mint(&claims("https://vault.localhost/.default", hour()));
        assert_eq!(minted.token.split('.').count(), 3);
        let valid = issuer.validate(&minted.token, &[VAULT]).unwrap();
        assert_eq!(valid.audience, VAULT);
        assert_eq!(valid.object_id, "oid-1");
        assert_eq!(valid.app_id.as_deref(), Some("app-1"));
        assert_eq!(valid.expires_on, minted.expires_on);
        let left = minted.expires_on - OffsetDateTime::now_utc();
        assert!(left > time::Duration::minutes(59) && left <= time::Duration::hours(1));
    }

    #[test]
    fn audience_forms_are_equivalent() {
        let issuer = TokenIssuer::new("t");
        let token = issuer
            .mint(&claims("https://vault.azure.net", hour()))
            .token;
        for accepted in [
            "https://vault.azure.net",
            "https://vault.azure.net/",
            "https://vault.azure.net/.default",
        ] {
            assert!(issuer.validate(&token, &[accepted]).is_ok(), "{accepted}");
        }
    }

    #[test]
    fn clones_share_the_key_and_other_issuers_do_not() {
        let issuer = TokenIssuer::new("t");
        let token = issuer.mint(&claims(VAULT, hour())).token;
        assert!(issuer.clone().validate(&token, &[VAULT]).is_ok());
        let other = TokenIssuer::new("t");
        assert_eq!(
            other.validate(&token, &[VAULT]),
            Err(TokenRejection::BadSignature)
        );
    }

    #[test]
    fn tampered_claims_fail_the_signature() {
        let issuer = TokenIssuer::new("t");
        let token = issuer.mint(&claims(VAULT, hour())).token;
        let parts: Vec<&str> = token.split('.').collect();
        let forged = JwtClaims {
            aud: VAULT.into(),
            iss: issuer.issuer(),
            tid: "t".into(),
            oid: "someone-else".into(),
            appid: None,
            iat: 0,
            nbf: 0,
            exp: i64::MAX / 2,
        };
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let token = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(
            issuer.validate(&token, &[VAULT]),
            Err(TokenRejection::BadSignature)
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let issuer = TokenIssuer::new("t");
        let token = issuer.mint(&claims(VAULT, hour())).token;
        let payload = token.split('.').nth(1).unwrap();
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let token = format!("{none}.{payload}.");
        assert_eq!(
            issuer.validate(&token, &[VAULT]),
            Err(TokenRejection::BadSignature)
        );
    }

    #[test]
    fn garbage_is_malformed() {
        let issuer = TokenIssuer::new("t");
        for token in ["", "abc", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.e30"] {
            let result = issuer.validate(token, &[VAULT]);
            assert!(
                matches!(
                    result,
                    Err(TokenRejection::Malformed | TokenRejection::BadSignature)
                ),
                "{token}: {result:?}"
            );
        }
        assert_eq!(
            issuer.validate("abc", &[VAULT]),
            Err(TokenRejection::Malformed)
        );
    }

    #[test]
    fn expired_token_is_refused() {
        let issuer = TokenIssuer::new("t");
        let token = issuer.mint(&claims(VAULT, Duration::ZERO)).token;
        assert_eq!(
            issuer.validate(&token, &[VAULT]),
            Err(TokenRejection::Expired)
        );
    }

    #[test]
    fn future_token_is_not_yet_valid() {
        let issuer = TokenIssuer::new("t");
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let token = issuer.sign(&JwtClaims {
            aud: VAULT.into(),
            iss: issuer.issuer(),
            tid: "t".into(),
            oid: "o".into(),
            appid: None,
            iat: now,
            nbf: now + 600,
            exp: now + 3600,
        });
        assert_eq!(
            issuer.validate(&token, &[VAULT]),
            Err(TokenRejection::NotYetValid)
        );
    }

    #[test]
    fn wrong_issuer_is_refused() {
        let issuer = TokenIssuer::new("t");
        let mut other_tenant = issuer.clone();
        other_tenant.tenant_id = "another-tenant".into();
        let token = other_tenant.mint(&claims(VAULT, hour())).token;
        assert_eq!(
            issuer.validate(&token, &[VAULT]),
            Err(TokenRejection::WrongIssuer)
        );
    }

    #[test]
    fn wrong_audience_names_the_audience() {
        let issuer = TokenIssuer::new("t");
        let token = issuer
            .mint(&claims("https://management.azure.com/.default", hour()))
            .token;
        assert_eq!(
            issuer.validate(&token, &[VAULT, "https://vault.azure.net"]),
            Err(TokenRejection::WrongAudience {
                audience: "https://management.azure.com".into()
            })
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let issuer = TokenIssuer::new("t");
        let minted = issuer.mint(&claims(VAULT, hour()));
        let shown = format!("{minted:?} {issuer:?}");
        assert!(!shown.contains(&minted.token));
        assert!(shown.contains("<redacted>"));
    }
}
