//! The environment step: a service principal from `AZURE_TENANT_ID`,
//! `AZURE_CLIENT_ID` and either `AZURE_CLIENT_SECRET` or
//! `AZURE_CLIENT_CERTIFICATE_PATH`.

use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use azure_identity::{
    ClientAssertionCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions,
};

use super::client_certificate::CertificateAssertion;
use super::error::{StepReport, StepStatus, one_line};
use super::kind::CredentialKind;
use super::step::{EntraStep, PlannedStep, StepSettings};

const TENANT_ID: &str = "AZURE_TENANT_ID";
const CLIENT_ID: &str = "AZURE_CLIENT_ID";
const CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
const CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
const CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
const SEND_CERTIFICATE_CHAIN: &str = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";

const KIND: CredentialKind = CredentialKind::Environment;
const SETUP_HINT: &str = "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET \
     (or AZURE_CLIENT_CERTIFICATE_PATH) to use a service principal";
const REFUSED_HINT: &str = "check AZURE_TENANT_ID, AZURE_CLIENT_ID and the service principal's \
     secret or certificate in Entra ID";

/// Plans the environment step from the variables; a client secret wins over
/// a certificate, as in the other Azure SDKs.
pub(crate) fn plan(settings: &StepSettings) -> PlannedStep {
    let vars = &settings.vars;
    let has_secret = vars.get(CLIENT_SECRET).is_some();
    let has_certificate = vars.get(CERTIFICATE_PATH).is_some();
    let credential_var = if has_certificate && !has_secret {
        CERTIFICATE_PATH
    } else {
        CLIENT_SECRET
    };
    let configured = (
        vars.get(TENANT_ID),
        vars.get(CLIENT_ID),
        has_secret || has_certificate,
    );
    let (Some(tenant_id), Some(client_id), true) = configured else {
        let names = [TENANT_ID, CLIENT_ID, credential_var];
        return PlannedStep::missing(KIND, vars, &names, SETUP_HINT);
    };

    let authority_host = match settings.authority_host(KIND) {
        Ok(url) => url,
        Err(report) => return PlannedStep::misconfigured(report),
    };
    let client_options = settings.entra_client_options(&authority_host);

    let credential: azure_core::Result<Arc<dyn TokenCredential>> = if let Some(secret) =
        vars.get(CLIENT_SECRET)
    {
        ClientSecretCredential::new(
            tenant_id,
            client_id.to_owned(),
            Secret::new(secret.to_owned()),
            Some(ClientSecretCredentialOptions { client_options }),
        )
        .map(|credential| credential as Arc<dyn TokenCredential>)
    } else {
        let path = vars.get(CERTIFICATE_PATH).unwrap_or_default();
        let assertion = match CertificateAssertion::from_file(
            path.as_ref(),
            client_id,
            tenant_id,
            &authority_host,
            send_chain(vars.get(SEND_CERTIFICATE_CHAIN)),
            vars.get(CERTIFICATE_PASSWORD).is_some(),
        ) {
            Ok(assertion) => assertion,
            Err(reason) => {
                return PlannedStep::misconfigured(StepReport::new(
                    KIND,
                    StepStatus::Failed,
                    format!("cannot use {CERTIFICATE_PATH} `{path}`: {reason}"),
                    "point it at a PEM file holding the certificate and its unencrypted private key",
                ));
            }
        };
        ClientAssertionCredential::new(
            tenant_id.to_owned(),
            client_id.to_owned(),
            assertion,
            Some(ClientAssertionCredentialOptions { client_options }),
        )
        .map(|credential| credential as Arc<dyn TokenCredential>)
    };

    match credential {
        Ok(credential) => PlannedStep::Ready(Box::new(EntraStep {
            kind: KIND,
            credential,
            authority: authority_host.origin().ascii_serialization(),
            refused_hint: REFUSED_HINT,
        })),
        Err(err) => PlannedStep::misconfigured(StepReport::new(
            KIND,
            StepStatus::Failed,
            one_line(&err.to_string()),
            SETUP_HINT,
        )),
    }
}

fn send_chain(value: Option<&str>) -> bool {
    value.is_some_and(|value| value == "1" || value.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::vars::EnvVars;

    fn settled(planned: PlannedStep) -> (StepReport, bool) {
        match planned {
            PlannedStep::Settled {
                report,
                stops_chain,
            } => (report, stops_chain),
            PlannedStep::Ready(step) => panic!("expected a settled step, got {step:?}"),
        }
    }

    #[test]
    fn skipped_without_variables_names_what_is_missing() {
        let (report, stops) = settled(plan(&StepSettings::for_test(
            EnvVars::new().with(CLIENT_ID, "app"),
        )));
        assert!(!stops);
        assert_eq!(report.status(), StepStatus::Skipped);
        assert_eq!(
            report.reason(),
            "AZURE_TENANT_ID and AZURE_CLIENT_SECRET are not set"
        );
        assert!(report.hint().contains("AZURE_CLIENT_CERTIFICATE_PATH"));
    }

    #[test]
    fn secret_configuration_is_ready_and_never_shown() {
        let vars = EnvVars::new()
            .with(TENANT_ID, "tenant")
            .with(CLIENT_ID, "app")
            .with(CLIENT_SECRET, "s3cr3t-value")
            .with("AZURE_AUTHORITY_HOST", "https://127.0.0.1:1");
        let planned = plan(&StepSettings::for_test(vars));
        assert!(matches!(planned, PlannedStep::Ready(_)));
        assert!(!format!("{planned:?}").contains("s3cr3t"));
    }

    #[test]
    fn plain_http_authority_is_refused() {
        let vars = EnvVars::new()
            .with(TENANT_ID, "tenant")
            .with(CLIENT_ID, "app")
            .with(CLIENT_SECRET, "x")
            .with("AZURE_AUTHORITY_HOST", "http://127.0.0.1:1");
        let (report, stops) = settled(plan(&StepSettings::for_test(vars)));
        assert!(stops);
        assert!(report.reason().contains("https"), "{report}");
    }

    #[test]
    fn unreadable_certificate_stops_with_the_path() {
        let vars = EnvVars::new()
            .with(TENANT_ID, "tenant")
            .with(CLIENT_ID, "app")
            .with(CERTIFICATE_PATH, "/nonexistent/cert.pem");
        let (report, stops) = settled(plan(&StepSettings::for_test(vars)));
        assert!(stops);
        assert_eq!(report.status(), StepStatus::Failed);
        assert!(
            report.reason().contains("/nonexistent/cert.pem"),
            "{report}"
        );
    }
}
