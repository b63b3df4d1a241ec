//! What the two CLI steps share: a step that checks `PATH` before running
//! its tool, and an executor that runs `az` or `azd` with the chain's own
//! environment, without a terminal, and kills it when it takes too long.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_identity::Executor;

use super::error::{StepReport, StepStatus};
use super::kind::CredentialKind;
use super::step::{Step, StepError, StepSettings, innermost_message};
use super::vars::EnvVars;

/// Describes one command-line tool the chain can get tokens from.
#[derive(Debug)]
pub(crate) struct CliTool {
    pub(crate) kind: CredentialKind,
    /// The program name looked up on `PATH`.
    pub(crate) program: &'static str,
    pub(crate) install_hint: &'static str,
    pub(crate) login_hint: &'static str,
}

/// Gets tokens from a command-line tool through one of the SDK's CLI
/// credentials, after checking that the tool is installed.
#[derive(Debug)]
pub(crate) struct CliStep {
    tool: &'static CliTool,
    vars: EnvVars,
    timeout: Duration,
    credential: Arc<dyn TokenCredential>,
}

impl CliStep {
    pub(crate) fn new(
        tool: &'static CliTool,
        settings: &StepSettings,
        credential: Arc<dyn TokenCredential>,
    ) -> Self {
        Self {
            tool,
            vars: settings.vars.clone(),
            timeout: settings.cli_timeout,
            credential,
        }
    }
}

#[async_trait]
impl Step for CliStep {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> Result<AccessToken, StepError> {
        if find_on_path(&self.vars, self.tool.program).is_none() {
            return Err(StepError::moves_on(StepReport::new(
                self.tool.kind,
                StepStatus::NotInstalled,
                format!("`{}` is not on PATH", self.tool.program),
                self.tool.install_hint,
            )));
        }
        self.credential
            .get_token(scopes, options)
            .await
            .map_err(|err| cli_failure(self.tool, self.timeout, &err))
    }
}

/// Runs a command for `azure_identity`'s CLI credentials.
///
/// The child sees exactly the chain's variables (so a test's `PATH` holds),
/// gets no stdin, and runs in its own process group; when it outlives the
/// timeout the whole group is killed and the run fails with
/// [`io::ErrorKind::TimedOut`].
#[derive(Debug)]
pub(crate) struct BoundedExecutor {
    vars: EnvVars,
    timeout: Duration,
}

impl BoundedExecutor {
    pub(crate) fn new(vars: EnvVars, timeout: Duration) -> Self {
        Self { vars, timeout }
    }
}

#[async_trait]
impl Executor for BoundedExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> io::Result<Output> {
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .envs(self.vars.iter())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);

        let child = command.spawn()?;
        let group = child.id();
        match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(output) => output,
            Err(_elapsed) => {
                kill_group(group);
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("did not finish within {}s", self.timeout.as_secs_f32()),
                ))
            }
        }
    }
}

/// Kills the process group the timed-out tool leads, so that programs the
/// shell started for it die too. Dropping the child kills only the shell.
fn kill_group(group: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = group
        .and_then(|id| i32::try_from(id).ok())
        .and_then(rustix::process::Pid::from_raw)
    {
        // The group may already be gone; there is nothing to do then.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// Classifies a failed CLI credential call; the chain moves on after any of them.
fn cli_failure(tool: &CliTool, timeout: Duration, error: &azure_core::Error) -> StepError {
    let timed_out =
        std::iter::successors(Some(error as &(dyn std::error::Error + 'static)), |err| {
            err.source()
        })
        .filter_map(|err| err.downcast_ref::<io::Error>())
        .any(|err| err.kind() == io::ErrorKind::TimedOut);
    let report = if timed_out {
        StepReport::new(
            tool.kind,
            StepStatus::TimedOut,
            format!("no answer within {}s", timeout.as_secs_f32()),
            "run the tool by hand to see why it hangs, or raise the CLI timeout",
        )
    } else {
        StepReport::new(
            tool.kind,
            StepStatus::Failed,
            innermost_message(error),
            tool.login_hint,
        )
    };
    StepError::moves_on(report)
}

/// Finds an executable named `tool` in the `PATH` of `vars`, without running it.
pub(crate) fn find_on_path(vars: &EnvVars, tool: &str) -> Option<PathBuf> {
    let path = vars.get("PATH")?;
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| candidate_names(tool).map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn candidate_names(tool: &str) -> impl Iterator<Item = String> + '_ {
    #[cfg(windows)]
    let suffixes: &[&str] = &[".cmd", ".exe", ".bat", ""];
    #[cfg(not(windows))]
    let suffixes: &[&str] = &[""];
    suffixes.iter().map(move |suffix| format!("{tool}{suffix}"))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write_script(dir: &Path, name: &str, body: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn finds_only_executable_files_on_the_given_path() {
        let dir = tempfile::tempdir().unwrap();
        let script = write_script(dir.path(), "az", "exit 0", 0o755);
        write_script(dir.path(), "azd", "exit 0", 0o644);
        let vars = EnvVars::new().with("PATH", format!("/nonexistent:{}", dir.path().display()));
        assert_eq!(find_on_path(&vars, "az"), Some(script));
        assert_eq!(find_on_path(&vars, "azd"), None);
        assert_eq!(find_on_path(&EnvVars::new(), "az"), None);
    }

    #[tokio::test]
    async fn child_sees_only_the_chain_variables() {
        let vars = EnvVars::new().with("ONLY_THIS", "yes");
        let executor = BoundedExecutor::new(vars, Duration::from_secs(5));
        let output = executor
            .run(
                OsStr::new("/bin/sh"),
                &[
                    OsStr::new("-c"),
                    OsStr::new("echo \"$ONLY_THIS:${HOME:-unset}\""),
                ],
            )
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "yes:unset");
    }

    #[tokio::test]
    async fn a_hanging_tool_is_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let vars = EnvVars::new().with("PATH", "/usr/bin:/bin");
        let executor = BoundedExecutor::new(vars, Duration::from_millis(300));
        let script = format!("sleep 1; touch {}", marker.display());
        let started = std::time::Instant::now();
        let err = executor
            .run(
                OsStr::new("/bin/sh"),
                &[OsStr::new("-c"), OsStr::new(&script)],
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(
            !marker.exists(),
            "the tool's children must be killed with it"
        );
    }
}
