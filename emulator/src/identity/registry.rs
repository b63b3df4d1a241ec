//! The identities the server knows: applications with secrets, certificates
//! or federated tokens, and the managed identities of the "machine".

use std::collections::HashMap;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Holds every registered identity.
#[derive(Debug)]
pub(crate) struct Registry {
    applications: HashMap<String, Application>,
    system_assigned: bool,
    user_assigned: Vec<String>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            applications: HashMap::new(),
            system_assigned: true,
            user_assigned: Vec::new(),
        }
    }
}

/// One application (service principal) and the credentials it may present.
#[derive(Debug, Default)]
pub(crate) struct Application {
    secrets: Vec<String>,
    certificates: Vec<RegisteredCertificate>,
    federated_tokens: Vec<String>,
}

/// A certificate registered for an application, with its thumbprints.
#[derive(Debug, Clone)]
pub(crate) struct RegisteredCertificate {
    pub(crate) der: CertificateDer<'static>,
    pub(crate) sha1: Vec<u8>,
    pub(crate) sha256: Vec<u8>,
}

/// Says why a certificate could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot register the certificate: {reason}")]
pub struct CertificateError {
    reason: String,
}

impl Registry {
    pub(crate) fn add_secret(&mut self, client_id: &str, secret: &str) {
        self.application(client_id).secrets.push(secret.to_owned());
    }

    pub(crate) fn add_certificate(
        &mut self,
        client_id: &str,
        pem: &[u8],
    ) -> Result<(), CertificateError> {
        let der = CertificateDer::from_pem_slice(pem).map_err(|err| CertificateError {
            reason: format!("no PEM certificate found: {err}"),
        })?;
        if webpki::EndEntityCert::try_from(&der).is_err() {
            return Err(CertificateError {
                reason: "the certificate cannot be parsed".to_owned(),
            });
        }
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der.as_ref());
        let sha256 = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
        self.application(client_id)
            .certificates
            .push(RegisteredCertificate {
                sha1: sha1.as_ref().to_vec(),
                sha256: sha256.as_ref().to_vec(),
                der: der.into_owned(),
            });
        Ok(())
    }

    pub(crate) fn add_federated_token(&mut self, client_id: &str, token: &str) {
        self.application(client_id)
            .federated_tokens
            .push(token.trim().to_owned());
    }

    pub(crate) fn set_system_assigned(&mut self, enabled: bool) {
        self.system_assigned = enabled;
    }

    pub(crate) fn add_user_assigned(&mut self, client_id: &str) {
        self.user_assigned.push(client_id.to_owned());
    }

    pub(crate) fn is_application(&self, client_id: &str) -> bool {
        self.applications.contains_key(client_id)
    }

    pub(crate) fn secret_matches(&self, client_id: &str, secret: &str) -> bool {
        self.applications.get(client_id).is_some_and(|app| {
            app.secrets
                .iter()
                .any(|known| constant_time_eq(known.as_bytes(), secret.as_bytes()))
        })
    }

    pub(crate) fn federated_token_matches(&self, client_id: &str, token: &str) -> bool {
        self.applications.get(client_id).is_some_and(|app| {
            app.federated_tokens
                .iter()
                .any(|known| constant_time_eq(known.as_bytes(), token.as_bytes()))
        })
    }

    /// Finds a certificate of the application by its SHA-256 or SHA-1 thumbprint.
    pub(crate) fn certificate(
        &self,
        client_id: &str,
        sha256: Option<&[u8]>,
        sha1: Option<&[u8]>,
    ) -> Option<RegisteredCertificate> {
        let app = self.applications.get(client_id)?;
        app.certificates
            .iter()
            .find(|cert| match (sha256, sha1) {
                (Some(thumb), _) => cert.sha256 == thumb,
                (None, Some(thumb)) => cert.sha1 == thumb,
                (None, None) => false,
            })
            .cloned()
    }

    /// Tells whether a managed identity answers: the system-assigned one
    /// when `client_id` is `None`, else that user-assigned one.
    pub(crate) fn has_managed_identity(&self, client_id: Option<&str>) -> bool {
        match client_id {
            None => self.system_assigned,
            Some(id) => self.user_assigned.iter().any(|known| known == id),
        }
    }

    fn application(&mut self, client_id: &str) -> &mut Application {
        self.applications.entry(client_id.to_owned()).or_default()
    }
}

/// Compares secrets without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_tokens_match_only_their_application() {
        let mut registry = Registry::default();
        registry.add_secret("app-1", "s1");
        registry.add_federated_token("app-2", "jwt\n");
        assert!(registry.secret_matches("app-1", "s1"));
        assert!(!registry.secret_matches("app-1", "s2"));
        assert!(!registry.secret_matches("app-2", "s1"));
        assert!(registry.federated_token_matches("app-2", "jwt"));
        assert!(!registry.federated_token_matches("app-1", "jwt"));
    }

    #[test]
    fn managed_identities_default_to_system_assigned_only() {
        let mut registry = Registry::default();
        assert!(registry.has_managed_identity(None));
        assert!(!registry.has_managed_identity(Some("uai")));
        registry.add_user_assigned("uai");
        registry.set_system_assigned(false);
        assert!(registry.has_managed_identity(Some("uai")));
        assert!(!registry.has_managed_identity(None));
    }

    #[test]
    fn non_pem_certificates_are_refused() {
        let err = Registry::default()
            .add_certificate("app", b"not a certificate")
            .unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }
}
