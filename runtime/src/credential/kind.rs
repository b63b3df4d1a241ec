//! The kinds of credential in the chain and how a user narrows the chain to some of them.

use std::fmt;
use std::str::FromStr;

use super::vars::EnvVars;

/// Names one step of the [`DefaultCredential`] chain.
///
/// The variants are listed in chain order.
///
/// [`DefaultCredential`]: super::DefaultCredential
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CredentialKind {
    /// A service principal from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and a client
    /// secret or certificate.
    Environment,
    /// A federated token file, as Kubernetes workload identity and CI systems provide.
    WorkloadIdentity,
    /// A managed identity, from the App Service style endpoint or the instance
    /// metadata service.
    ManagedIdentity,
    /// The account signed in to the Azure CLI (`az login`).
    AzureCli,
    /// The account signed in to the Azure Developer CLI (`azd auth login`).
    AzureDeveloperCli,
}

impl CredentialKind {
    /// Lists every kind in chain order.
    pub const ALL: [Self; 5] = [
        Self::Environment,
        Self::WorkloadIdentity,
        Self::ManagedIdentity,
        Self::AzureCli,
        Self::AzureDeveloperCli,
    ];

    /// Returns the name the other Azure SDKs give this credential, which is also
    /// the value that selects it in `AZURE_TOKEN_CREDENTIALS`.
    pub fn sdk_name(self) -> &'static str {
        match self {
            Self::Environment => "EnvironmentCredential",
            Self::WorkloadIdentity => "WorkloadIdentityCredential",
            Self::ManagedIdentity => "ManagedIdentityCredential",
            Self::AzureCli => "AzureCliCredential",
            Self::AzureDeveloperCli => "AzureDeveloperCliCredential",
        }
    }

    /// Tells whether this kind serves a developer's machine rather than a deployment.
    pub fn is_developer(self) -> bool {
        matches!(self, Self::AzureCli | Self::AzureDeveloperCli)
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Environment => "environment",
            Self::WorkloadIdentity => "workload identity",
            Self::ManagedIdentity => "managed identity",
            Self::AzureCli => "azure cli",
            Self::AzureDeveloperCli => "azure developer cli",
        })
    }
}

/// Chooses which steps of the chain run.
///
/// Read from `AZURE_TOKEN_CREDENTIALS` with the values the other Azure SDKs
/// accept (`dev`, `prod`, or one credential name such as `AzureCliCredential`,
/// case-insensitive), or set in code with
/// [`DefaultCredentialBuilder::selection`], which wins over the variable.
///
/// [`DefaultCredentialBuilder::selection`]: super::DefaultCredentialBuilder::selection
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSelection {
    /// Every step, in chain order.
    #[default]
    All,
    /// The developer tools only: Azure CLI, then Azure Developer CLI (`dev`).
    Developer,
    /// The deployed credentials only: environment, workload identity, managed
    /// identity (`prod`).
    Production,
    /// One step and no other.
    Only(CredentialKind),
}

impl CredentialSelection {
    /// Names the variable that selects steps, as in the other Azure SDKs.
    pub const VARIABLE: &'static str = "AZURE_TOKEN_CREDENTIALS";

    /// Reads the selection from `AZURE_TOKEN_CREDENTIALS`; unset means [`All`](Self::All).
    ///
    /// # Errors
    ///
    /// Fails when the variable holds a value that names no selection.
    pub fn from_env(vars: &EnvVars) -> Result<Self, SelectionError> {
        vars.get(Self::VARIABLE).map_or(Ok(Self::All), str::parse)
    }

    /// Tells whether the selection runs the given step.
    pub fn includes(self, kind: CredentialKind) -> bool {
        match self {
            Self::All => true,
            Self::Developer => kind.is_developer(),
            Self::Production => !kind.is_developer(),
            Self::Only(only) => only == kind,
        }
    }
}

impl fmt::Display for CredentialSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Developer => f.write_str("dev"),
            Self::Production => f.write_str("prod"),
            Self::Only(kind) => f.write_str(kind.sdk_name()),
        }
    }
}

impl FromStr for CredentialSelection {
    type Err = SelectionError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let trimmed = value.trim();
        if trimmed.eq_ignore_ascii_case("dev") {
            return Ok(Self::Developer);
        }
        if trimmed.eq_ignore_ascii_case("prod") {
            return Ok(Self::Production);
        }
        CredentialKind::ALL
            .into_iter()
            .find(|kind| kind.sdk_name().eq_ignore_ascii_case(trimmed))
            .map(Self::Only)
            .ok_or_else(|| SelectionError {
                value: trimmed.chars().take(64).collect(),
            })
    }
}

/// Reports a value of `AZURE_TOKEN_CREDENTIALS` that names no selection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported value `{value}` in `AZURE_TOKEN_CREDENTIALS`; use `dev`, `prod`, \
     `EnvironmentCredential`, `WorkloadIdentityCredential`, `ManagedIdentityCredential`, \
     `AzureCliCredential` or `AzureDeveloperCliCredential`"
)]
pub struct SelectionError {
    value: String,
}

impl From<SelectionError> for azure_core::Error {
    fn from(error: SelectionError) -> Self {
        azure_core::Error::new(azure_core::error::ErrorKind::Credential, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_values_other_sdks_accept() {
        assert_eq!("dev".parse(), Ok(CredentialSelection::Developer));
        assert_eq!(" PROD ".parse(), Ok(CredentialSelection::Production));
        assert_eq!(
            "azureclicredential".parse(),
            Ok(CredentialSelection::Only(CredentialKind::AzureCli))
        );
        for kind in CredentialKind::ALL {
            assert_eq!(kind.sdk_name().parse(), Ok(CredentialSelection::Only(kind)));
        }
    }

    #[test]
    fn rejects_unknown_values_and_names_the_variable() {
        let err = "VisualStudioCodeCredential"
            .parse::<CredentialSelection>()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`VisualStudioCodeCredential`"), "{text}");
        assert!(text.contains("AZURE_TOKEN_CREDENTIALS"), "{text}");
    }

    #[test]
    fn unset_variable_selects_everything() {
        assert_eq!(
            CredentialSelection::from_env(&EnvVars::new()),
            Ok(CredentialSelection::All)
        );
        let vars = EnvVars::new().with(CredentialSelection::VARIABLE, "dev");
        assert_eq!(
            CredentialSelection::from_env(&vars),
            Ok(CredentialSelection::Developer)
        );
    }

    #[test]
    fn developer_and_production_split_the_chain() {
        let dev: Vec<_> = CredentialKind::ALL
            .into_iter()
            .filter(|k| CredentialSelection::Developer.includes(*k))
            .collect();
        assert_eq!(
            dev,
            [CredentialKind::AzureCli, CredentialKind::AzureDeveloperCli]
        );
        assert!(CredentialKind::ALL.into_iter().all(|k| {
            CredentialSelection::Developer.includes(k)
                != CredentialSelection::Production.includes(k)
        }));
    }
}
