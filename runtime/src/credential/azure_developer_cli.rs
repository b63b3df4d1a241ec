//! The Azure Developer CLI step: the account signed in with `azd auth login`.

use std::sync::Arc;

use azure_identity::{AzureDeveloperCliCredential, AzureDeveloperCliCredentialOptions};

use super::cli::{BoundedExecutor, CliStep, CliTool};
use super::error::{StepReport, StepStatus};
use super::kind::CredentialKind;
use super::step::{PlannedStep, StepSettings, innermost_message};

static AZD: CliTool = CliTool {
    kind: CredentialKind::AzureDeveloperCli,
    program: "azd",
    install_hint: "install the Azure Developer CLI and run `azd auth login`",
    login_hint: "run `azd auth login`",
};

/// Plans the Azure Developer CLI step, which runs `azd auth token` through
/// the SDK's `AzureDeveloperCliCredential` with the chain's timeout.
pub(crate) fn plan(settings: &StepSettings) -> PlannedStep {
    let executor = BoundedExecutor::new(settings.vars.clone(), settings.cli_timeout);
    let options = AzureDeveloperCliCredentialOptions {
        executor: Some(Arc::new(executor)),
        ..Default::default()
    };
    match AzureDeveloperCliCredential::new(Some(options)) {
        Ok(credential) => PlannedStep::Ready(Box::new(CliStep::new(&AZD, settings, credential))),
        Err(err) => PlannedStep::skipped(StepReport::new(
            AZD.kind,
            StepStatus::Failed,
            innermost_message(&err),
            AZD.login_hint,
        )),
    }
}
