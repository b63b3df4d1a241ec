//! What each step of the chain did, and the error returned when no step produced a token.

use std::fmt;

use super::kind::CredentialKind;

/// Says how far one step of the chain got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepStatus {
    /// The step's variables are absent; it was passed over without any I/O.
    Skipped,
    /// The selection (`AZURE_TOKEN_CREDENTIALS` or code) leaves the step out.
    NotSelected,
    /// The step looked and found nothing to use, such as no instance metadata service.
    Unavailable,
    /// The step's command-line tool is not on `PATH`.
    NotInstalled,
    /// The step's command-line tool did not finish in time.
    TimedOut,
    /// The step was configured and tried, and it failed.
    Failed,
    /// An earlier step stopped the chain, or another step already serves it.
    NotTried,
}

impl fmt::Display for StepStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Skipped => "skipped",
            Self::NotSelected => "not selected",
            Self::Unavailable => "unavailable",
            Self::NotInstalled => "not installed",
            Self::TimedOut => "timed out",
            Self::Failed => "failed",
            Self::NotTried => "not tried",
        })
    }
}

/// Records what one step of the chain did and what the user can do about it.
///
/// Its `Display` reads `kind: status (reason); hint`. Reasons are written by
/// the chain or taken from the tool's or service's error text; they never
/// hold a token or a client secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    kind: CredentialKind,
    status: StepStatus,
    reason: String,
    hint: String,
}

impl StepReport {
    pub(crate) fn new(
        kind: CredentialKind,
        status: StepStatus,
        reason: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            status,
            reason: reason.into(),
            hint: hint.into(),
        }
    }

    /// Returns the step this report is about.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// Returns how far the step got.
    pub fn status(&self) -> StepStatus {
        self.status
    }

    /// Returns why the step produced no token.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Returns what the user can do to make this step work, if anything.
    pub fn hint(&self) -> &str {
        &self.hint
    }
}

impl fmt::Display for StepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.status)?;
        if !self.reason.is_empty() {
            write!(f, " ({})", self.reason)?;
        }
        if !self.hint.is_empty() {
            write!(f, "; {}", self.hint)?;
        }
        Ok(())
    }
}

/// Reports that no step of the chain produced a token, with one report per step.
///
/// The credential returns it inside an [`azure_core::Error`] of kind
/// `Credential`; get it back with `error.downcast_ref::<ChainError>()`.
#[derive(Debug)]
pub struct ChainError {
    steps: Vec<StepReport>,
    source: Option<azure_core::Error>,
}

impl ChainError {
    pub(crate) fn new(steps: Vec<StepReport>, source: Option<azure_core::Error>) -> Self {
        Self { steps, source }
    }

    /// Returns one report per step, in chain order.
    pub fn steps(&self) -> &[StepReport] {
        &self.steps
    }

    /// Returns the report of the given step.
    pub fn step(&self, kind: CredentialKind) -> Option<&StepReport> {
        self.steps.iter().find(|report| report.kind == kind)
    }
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no credential in the chain produced a token:")?;
        for step in &self.steps {
            write!(f, "\n  - {step}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ChainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|error| error as &(dyn std::error::Error + 'static))
    }
}

/// Turns a foreign error text (a CLI's stderr, a service's message) into one
/// short line fit for a step report.
pub(crate) fn one_line(text: &str) -> String {
    const LIMIT: usize = 300;
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("To troubleshoot, visit"))
        .collect::<Vec<_>>()
        .join(" ");
    if joined.chars().count() <= LIMIT {
        return joined;
    }
    let mut short: String = joined.chars().take(LIMIT).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_every_step_with_its_hint() {
        let err = ChainError::new(
            vec![
                StepReport::new(
                    CredentialKind::Environment,
                    StepStatus::Skipped,
                    "AZURE_TENANT_ID is not set",
                    "set AZURE_TENANT_ID",
                ),
                StepReport::new(
                    CredentialKind::AzureCli,
                    StepStatus::NotInstalled,
                    "",
                    "install it and run `az login`",
                ),
            ],
            None,
        );
        assert_eq!(
            err.to_string(),
            "no credential in the chain produced a token:\n  \
             - environment: skipped (AZURE_TENANT_ID is not set); set AZURE_TENANT_ID\n  \
             - azure cli: not installed; install it and run `az login`"
        );
        assert_eq!(
            err.step(CredentialKind::AzureCli).map(StepReport::status),
            Some(StepStatus::NotInstalled)
        );
    }

    #[test]
    fn one_line_joins_trims_and_bounds_foreign_text() {
        assert_eq!(
            one_line("ERROR: Please run 'az login'.\n\n  to setup account.\n"),
            "ERROR: Please run 'az login'. to setup account."
        );
        assert_eq!(
            one_line("failed.\nTo troubleshoot, visit https://aka.ms/x"),
            "failed."
        );
        assert_eq!(one_line(&"x".repeat(1000)).chars().count(), 301);
    }
}
