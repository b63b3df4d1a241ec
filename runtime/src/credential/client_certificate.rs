//! Client assertions signed with a certificate's private key, for the
//! environment step's certificate form.
//!
//! `azure_identity`'s own certificate credential needs OpenSSL and PKCS#12, so
//! this module builds the RS256 assertion itself with `ring` and hands it to
//! the SDK's `ClientAssertionCredential`. It reads PEM files holding the
//! certificate (first) and an unencrypted RSA private key (PKCS#8 or PKCS#1).
//! PKCS#12 (PFX) files and encrypted keys are not supported; the error says
//! how to convert them.

use std::fmt;
use std::path::Path;

use async_trait::async_trait;
use azure_core::http::{ClientMethodOptions, Url};
use azure_core::time::OffsetDateTime;
use azure_identity::ClientAssertion;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// How long each assertion is valid; Entra ID accepts up to ten minutes.
const ASSERTION_LIFETIME_SECS: i64 = 600;

/// Signs client assertions with a certificate's RSA key.
pub(crate) struct CertificateAssertion {
    key: RsaKeyPair,
    rng: SystemRandom,
    header: String,
    client_id: String,
    audience: String,
}

impl fmt::Debug for CertificateAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAssertion")
            .field("client_id", &self.client_id)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl CertificateAssertion {
    /// Reads a PEM file with the certificate (and any chain) and its private key.
    ///
    /// The error text names what is wrong with the file and never holds key material.
    pub(crate) fn from_file(
        path: &Path,
        client_id: &str,
        tenant_id: &str,
        authority_host: &Url,
        send_chain: bool,
        password_set: bool,
    ) -> Result<Self, String> {
        let pem = std::fs::read(path).map_err(|err| format!("cannot read it: {err}"))?;
        Self::from_pem(
            &pem,
            client_id,
            tenant_id,
            authority_host,
            send_chain,
            password_set,
        )
    }

    /// Parses PEM bytes; see [`from_file`](Self::from_file).
    pub(crate) fn from_pem(
        pem: &[u8],
        client_id: &str,
        tenant_id: &str,
        authority_host: &Url,
        send_chain: bool,
        password_set: bool,
    ) -> Result<Self, String> {
        if !pem.starts_with(b"-----") && !pem.windows(11).any(|w| w == b"-----BEGIN ") {
            return Err(
                "it is not a PEM file; PKCS#12 (PFX) files are not supported, convert \
                 one with `openssl pkcs12 -in cert.pfx -out cert.pem -nodes`"
                    .to_owned(),
            );
        }
        if pem.windows(19).any(|w| w == b"ENCRYPTED PRIVATE K") || password_set {
            return Err(
                "encrypted private keys are not supported; decrypt the key with \
                 `openssl pkey` and unset AZURE_CLIENT_CERTIFICATE_PASSWORD"
                    .to_owned(),
            );
        }

        let chain = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| format!("a certificate in it cannot be parsed: {err}"))?;
        let leaf = chain
            .first()
            .ok_or("it holds no certificate (`-----BEGIN CERTIFICATE-----`)")?;
        let key = match PrivateKeyDer::from_pem_slice(pem) {
            Ok(PrivateKeyDer::Pkcs8(der)) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            Ok(PrivateKeyDer::Pkcs1(der)) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            Ok(_) => return Err("its private key is not an RSA key".to_owned()),
            Err(_) => return Err("it holds no private key".to_owned()),
        }
        .map_err(|err| format!("its private key is not a usable RSA key: {err}"))?;

        let header = assertion_header(leaf, send_chain.then_some(chain.as_slice()));
        let audience = token_endpoint(authority_host, tenant_id);
        Ok(Self {
            key,
            rng: SystemRandom::new(),
            header,
            client_id: client_id.to_owned(),
            audience,
        })
    }

    fn sign(&self, now: OffsetDateTime) -> azure_core::Result<String> {
        let claims = serde_json::json!({
            "aud": self.audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": self.nonce()?,
            "iat": now.unix_timestamp(),
            "nbf": now.unix_timestamp(),
            "exp": now.unix_timestamp() + ASSERTION_LIFETIME_SECS,
        });
        let mut jwt = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&self.header),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &self.rng, jwt.as_bytes(), &mut signature)
            .map_err(|_| credential_error("signing the client assertion failed"))?;
        jwt.push('.');
        jwt.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(jwt)
    }

    fn nonce(&self) -> azure_core::Result<String> {
        let mut bytes = [0u8; 16];
        self.rng
            .fill(&mut bytes)
            .map_err(|_| credential_error("no random numbers for the client assertion"))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[async_trait]
impl ClientAssertion for CertificateAssertion {
    async fn secret(&self, _: Option<ClientMethodOptions<'_>>) -> azure_core::Result<String> {
        self.sign(OffsetDateTime::now_utc())
    }
}

/// Builds the JOSE header: RS256 with both thumbprints of the certificate,
/// and the chain in `x5c` when asked to send it (subject name / issuer auth).
fn assertion_header(leaf: &CertificateDer<'_>, chain: Option<&[CertificateDer<'_>]>) -> String {
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, leaf.as_ref());
    let sha256 = ring::digest::digest(&ring::digest::SHA256, leaf.as_ref());
    let mut header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        "x5t": URL_SAFE_NO_PAD.encode(sha1.as_ref()),
        "x5t#S256": URL_SAFE_NO_PAD.encode(sha256.as_ref()),
    });
    if let Some(chain) = chain {
        header["x5c"] = chain
            .iter()
            .map(|cert| serde_json::Value::from(STANDARD.encode(cert.as_ref())))
            .collect();
    }
    header.to_string()
}

/// Returns the v2 token endpoint, which is the audience Entra ID expects.
fn token_endpoint(authority_host: &Url, tenant_id: &str) -> String {
    format!(
        "{}/{tenant_id}/oauth2/v2.0/token",
        authority_host.as_str().trim_end_matches('/')
    )
}

fn credential_error(message: &'static str) -> azure_core::Error {
    azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority() -> Url {
        Url::parse("https://127.0.0.1:8443/").unwrap()
    }

    #[test]
    fn pfx_bytes_are_refused_with_a_conversion_hint() {
        let err = CertificateAssertion::from_pem(
            &[0x30, 0x82, 0x01, 0x00],
            "app",
            "tenant",
            &authority(),
            false,
            false,
        )
        .unwrap_err();
        assert!(err.contains("openssl pkcs12"), "{err}");
    }

    #[test]
    fn encrypted_keys_are_refused() {
        let pem =
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let err = CertificateAssertion::from_pem(pem, "app", "tenant", &authority(), false, false)
            .unwrap_err();
        assert!(err.contains("encrypted"), "{err}");
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let err = CertificateAssertion::from_pem(pem, "app", "tenant", &authority(), false, false)
            .unwrap_err();
        assert!(err.contains("no certificate"), "{err}");
    }

    #[test]
    fn header_carries_both_thumbprints_and_optionally_the_chain() {
        let leaf = CertificateDer::from(vec![1u8, 2, 3]);
        let plain: serde_json::Value =
            serde_json::from_str(&assertion_header(&leaf, None)).unwrap();
        assert_eq!(plain["alg"], "RS256");
        assert_eq!(plain["x5t"], "cDeAcZjCKn0rCAc3HXY3eahP388"); // SHA-1 of 01 02 03
        assert_eq!(
            plain["x5t#S256"],
            "A5BYxvLAy0ksUzsKTRTvd8wPeKvMztUofYShogEc-4E" // SHA-256 of 01 02 03
        );
        assert!(plain.get("x5c").is_none());
        let chained: serde_json::Value =
            serde_json::from_str(&assertion_header(&leaf, Some(std::slice::from_ref(&leaf))))
                .unwrap();
        assert_eq!(chained["x5c"][0], "AQID");
    }

    #[test]
    fn signs_an_rs256_assertion_that_verifies_with_the_certificate_key() {
        let pem = include_bytes!("testdata/test-client.pem");
        let assertion =
            CertificateAssertion::from_pem(pem, "app-id", "tenant", &authority(), false, false)
                .unwrap();
        let now = OffsetDateTime::now_utc();
        let jwt = assertion.sign(now).unwrap();
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        let public_key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            assertion.key.public().as_ref(),
        );
        public_key
            .verify(
                signed.as_bytes(),
                &URL_SAFE_NO_PAD.decode(signature).unwrap(),
            )
            .unwrap();

        let claims = signed.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert_eq!(
            claims["aud"],
            "https://127.0.0.1:8443/tenant/oauth2/v2.0/token"
        );
        assert_eq!(claims["iss"], "app-id");
        assert_eq!(claims["sub"], "app-id");
        assert_eq!(
            claims["exp"],
            now.unix_timestamp() + ASSERTION_LIFETIME_SECS
        );
        assert_ne!(
            assertion.sign(now).unwrap(),
            jwt,
            "each assertion has its own jti"
        );
        assert!(!format!("{assertion:?}").contains("PRIVATE"));
    }

    #[test]
    fn audience_is_the_tenant_token_endpoint() {
        assert_eq!(
            token_endpoint(&authority(), "my-tenant"),
            "https://127.0.0.1:8443/my-tenant/oauth2/v2.0/token"
        );
    }
}
