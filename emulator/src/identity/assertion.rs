//! Checks the JWT client assertions of the certificate grant: RS256, signed
//! by a registered certificate named by its thumbprint, for this token
//! endpoint, issued by and about the client, and within its validity window.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use super::registry::Registry;

/// How far clocks may disagree, as Entra ID allows.
const CLOCK_SKEW_SECS: i64 = 300;

/// Says why an assertion was refused, with the Entra ID code for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssertionRejection {
    pub(crate) code: u32,
    pub(crate) message: &'static str,
}

const fn reject(code: u32, message: &'static str) -> AssertionRejection {
    AssertionRejection { code, message }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    x5t: Option<String>,
    #[serde(default, rename = "x5t#S256")]
    x5t_s256: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    aud: String,
    iss: String,
    sub: String,
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
}

/// Tells whether an assertion names a certificate, which is how the
/// certificate grant is told apart from a federated token.
pub(crate) fn names_certificate(assertion: &str) -> bool {
    assertion
        .split('.')
        .next()
        .and_then(|header| decode::<Header>(header).ok())
        .is_some_and(|header| header.x5t.is_some() || header.x5t_s256.is_some())
}

/// Verifies a certificate assertion of `client_id` for the token endpoint of
/// `tenant_id`.
pub(crate) fn verify(
    registry: &Registry,
    client_id: &str,
    tenant_id: &str,
    assertion: &str,
    now: i64,
) -> Result<(), AssertionRejection> {
    let malformed = reject(
        50027,
        "Invalid JWT token. The client assertion is malformed.",
    );
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed);
    };
    let header_fields: Header = decode(header).map_err(|()| malformed.clone())?;
    if header_fields.alg != "RS256" {
        return Err(reject(
            5002738,
            "The client assertion uses an algorithm other than RS256.",
        ));
    }

    let thumbprint =
        |value: &Option<String>| value.as_ref().and_then(|v| URL_SAFE_NO_PAD.decode(v).ok());
    let certificate = registry
        .certificate(
            client_id,
            thumbprint(&header_fields.x5t_s256).as_deref(),
            thumbprint(&header_fields.x5t).as_deref(),
        )
        .ok_or(reject(
            700027,
            "Client assertion failed signature validation: the key was not found.",
        ))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| malformed.clone())?;
    let signed = &assertion[..header.len() + 1 + claims.len()];
    let end_entity = webpki::EndEntityCert::try_from(&certificate.der).map_err(|_| {
        reject(
            700027,
            "Client assertion failed signature validation: the certificate cannot be parsed.",
        )
    })?;
    end_entity
        .verify_signature(
            webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &signature,
        )
        .map_err(|_| reject(700027, "Client assertion failed signature validation."))?;

    let claims: Claims = decode(claims).map_err(|()| malformed)?;
    let expected_path = format!("/{tenant_id}/oauth2/v2.0/token");
    let audience_path = url::Url::parse(&claims.aud)
        .map(|url| url.path().to_owned())
        .unwrap_or_default();
    if audience_path != expected_path {
        return Err(reject(
            700212,
            "The client assertion's audience is not this tenant's token endpoint.",
        ));
    }
    if claims.iss != client_id || claims.sub != client_id {
        return Err(reject(
            700021,
            "The client assertion's issuer and subject must be the client id.",
        ));
    }
    if claims.exp + CLOCK_SKEW_SECS <= now {
        return Err(reject(
            700024,
            "The client assertion is not within its valid time range.",
        ));
    }
    if claims.nbf.is_some_and(|nbf| nbf - CLOCK_SKEW_SECS > now) {
        return Err(reject(
            700024,
            "The client assertion is not within its valid time range.",
        ));
    }
    Ok(())
}

fn decode<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, ()> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| ())?;
    serde_json::from_slice(&bytes).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn tells_certificate_assertions_from_federated_tokens() {
        let cert = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"RS256","x5t":"AAAA"}"#),
            encode("{}")
        );
        let federated = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"RS256","kid":"k"}"#),
            encode("{}")
        );
        assert!(names_certificate(&cert));
        assert!(!names_certificate(&federated));
        assert!(!names_certificate("opaque"));
    }

    #[test]
    fn unknown_thumbprints_and_malformed_assertions_are_refused() {
        let registry = Registry::default();
        let assertion = format!(
            "{}.{}.c2ln",
            encode(r#"{"alg":"RS256","x5t#S256":"AAAA"}"#),
            encode("{}")
        );
        assert_eq!(
            verify(&registry, "app", "tenant", &assertion, 0)
                .unwrap_err()
                .code,
            700027
        );
        assert_eq!(
            verify(&registry, "app", "tenant", "a.b", 0)
                .unwrap_err()
                .code,
            50027
        );
        let hs256 = format!(
            "{}.{}.c2ln",
            encode(r#"{"alg":"HS256","x5t":"AAAA"}"#),
            encode("{}")
        );
        assert_eq!(
            verify(&registry, "app", "tenant", &hs256, 0)
                .unwrap_err()
                .code,
            5002738
        );
    }
}
