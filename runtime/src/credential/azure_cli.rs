//! The Azure CLI step: the account signed in with `az login`.

use std::sync::Arc;

use azure_identity::{AzureCliCredential, AzureCliCredentialOptions};

use super::cli::{BoundedExecutor, CliStep, CliTool};
use super::error::{StepReport, StepStatus};
use super::kind::CredentialKind;
use super::step::{PlannedStep, StepSettings, innermost_message};

static AZ: CliTool = CliTool {
    kind: CredentialKind::AzureCli,
    program: "az",
    install_hint: "install the Azure CLI and run `az login`",
    login_hint: "run `az login`",
};

/// Plans the Azure CLI step, which runs `az account get-access-token` through
/// the SDK's `AzureCliCredential` with the chain's timeout.
pub(crate) fn plan(settings: &StepSettings) -> PlannedStep {
    let executor = BoundedExecutor::new(settings.vars.clone(), settings.cli_timeout);
    let options = AzureCliCredentialOptions {
        executor: Some(Arc::new(executor)),
        ..Default::default()
    };
    match AzureCliCredential::new(Some(options)) {
        Ok(credential) => PlannedStep::Ready(Box::new(CliStep::new(&AZ, settings, credential))),
        Err(err) => PlannedStep::skipped(StepReport::new(
            AZ.kind,
            StepStatus::Failed,
            innermost_message(&err),
            AZ.login_hint,
        )),
    }
}
