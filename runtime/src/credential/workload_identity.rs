//! The workload identity step: a federated token file exchanged for a token,
//! as on Kubernetes with Entra workload identity or in CI with OIDC.

use std::path::PathBuf;

use azure_identity::{
    ClientAssertionCredentialOptions, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::error::{StepReport, StepStatus, one_line};
use super::kind::CredentialKind;
use super::step::{EntraStep, PlannedStep, StepSettings};

const TENANT_ID: &str = "AZURE_TENANT_ID";
const CLIENT_ID: &str = "AZURE_CLIENT_ID";
const TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";

const KIND: CredentialKind = CredentialKind::WorkloadIdentity;
const SETUP_HINT: &str = "set AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID, \
     or enable workload identity on the pod";
const REFUSED_HINT: &str =
    "check the federated credential (issuer, subject, audience) of the app registration";

/// Plans the workload identity step; every value comes from the chain's
/// variables, none from the process environment.
pub(crate) fn plan(settings: &StepSettings) -> PlannedStep {
    let vars = &settings.vars;
    let (Some(token_file), Some(client_id), Some(tenant_id)) = (
        vars.get(TOKEN_FILE),
        vars.get(CLIENT_ID),
        vars.get(TENANT_ID),
    ) else {
        let names = [TOKEN_FILE, CLIENT_ID, TENANT_ID];
        return PlannedStep::missing(KIND, vars, &names, SETUP_HINT);
    };

    let authority_host = match settings.authority_host(KIND) {
        Ok(url) => url,
        Err(report) => return PlannedStep::misconfigured(report),
    };
    let options = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: settings.entra_client_options(&authority_host),
        },
        client_id: Some(client_id.to_owned()),
        tenant_id: Some(tenant_id.to_owned()),
        token_file_path: Some(PathBuf::from(token_file)),
    };
    // The SDK reads the token file here, so a missing file shows up at once.
    match WorkloadIdentityCredential::new(Some(options)) {
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
            "make AZURE_FEDERATED_TOKEN_FILE point at a readable token file",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::vars::EnvVars;

    #[test]
    fn skipped_without_a_token_file() {
        let planned = plan(&StepSettings::for_test(
            EnvVars::new().with(CLIENT_ID, "app").with(TENANT_ID, "t"),
        ));
        let PlannedStep::Settled {
            report,
            stops_chain: false,
        } = planned
        else {
            panic!("expected a skipped step, got {planned:?}");
        };
        assert_eq!(report.reason(), "AZURE_FEDERATED_TOKEN_FILE is not set");
    }

    #[test]
    fn missing_token_file_stops_the_chain() {
        let vars = EnvVars::new()
            .with(CLIENT_ID, "app")
            .with(TENANT_ID, "tenant")
            .with(TOKEN_FILE, "/nonexistent/token")
            .with("AZURE_AUTHORITY_HOST", "https://127.0.0.1:1");
        let PlannedStep::Settled {
            report,
            stops_chain: true,
        } = plan(&StepSettings::for_test(vars))
        else {
            panic!("expected a misconfigured step");
        };
        assert!(report.reason().contains("/nonexistent/token"), "{report}");
    }

    #[test]
    fn readable_token_file_is_ready() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "federated-jwt").unwrap();
        let vars = EnvVars::new()
            .with(CLIENT_ID, "app")
            .with(TENANT_ID, "tenant")
            .with(TOKEN_FILE, file.display().to_string())
            .with("AZURE_AUTHORITY_HOST", "https://127.0.0.1:1");
        assert!(matches!(
            plan(&StepSettings::for_test(vars)),
            PlannedStep::Ready(_)
        ));
    }
}
