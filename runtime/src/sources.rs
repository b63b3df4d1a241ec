//! Where setting values come from: the process environment (or a map that
//! stands in for it) and the `.env` file, merged by precedence.

use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use zeroize::Zeroizing;

use crate::{
    env_file::EnvFile,
    error::{ErrorKind, SettingError},
};

/// The variables loading reads instead of, or as, the process environment.
#[derive(Clone, Default)]
pub enum Environment {
    /// The real process environment, read at load time.
    #[default]
    Process,
    /// A fixed map, for tests and embedding; the process environment is not read.
    Map(Arc<HashMap<String, String>>),
}

impl Environment {
    /// Looks up one variable. Non-UTF-8 values of the process environment
    /// count as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        match self {
            Environment::Process => std::env::var(name).ok(),
            Environment::Map(map) => map.get(name).cloned(),
        }
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Environment::Process => f.write_str("Process"),
            Environment::Map(map) => write!(f, "Map({} variables)", map.len()),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The process environment (or the map standing in for it).
    Environment,
    /// A line of the `.env` file.
    File {
        /// The file.
        path: PathBuf,
        /// The 1-based line where the assignment starts.
        line: usize,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Environment => f.write_str("the environment"),
            Origin::File { path, line } => write!(f, "{} line {line}", path.display()),
        }
    }
}

struct FileValue {
    value: Zeroizing<String>,
    line: usize,
}

/// The merged view of the environment and the `.env` file for one load.
pub struct Sources {
    environment: Environment,
    file: HashMap<String, FileValue>,
    file_path: Option<PathBuf>,
    file_overrides_env: bool,
}

impl Sources {
    /// Reads the `.env` file at `path` (when given) and merges it with
    /// `environment`. A missing file is fine unless `required`.
    pub fn gather(
        environment: Environment,
        path: Option<&Path>,
        required: bool,
        file_overrides_env: bool,
    ) -> Result<Self, SettingError> {
        let mut sources = Sources {
            environment,
            file: HashMap::new(),
            file_path: None,
            file_overrides_env,
        };
        let Some(path) = path else {
            return Ok(sources);
        };
        if !required
            && matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
        {
            return Ok(sources);
        }
        let file = EnvFile::read(path).map_err(|err| {
            SettingError::new(ErrorKind::EnvFile, err.to_string()).with_source(err)
        })?;
        let env = &sources.environment;
        let lookup = |name: &str| env.get(name);
        for entry in file.values(&lookup) {
            let value: &str = &entry.value;
            // Later assignments win, as in shells and most dotenv tools.
            sources.file.insert(
                entry.key.clone(),
                FileValue {
                    value: Zeroizing::new(value.to_owned()),
                    line: entry.line,
                },
            );
        }
        sources.file_path = Some(path.to_owned());
        Ok(sources)
    }

    /// The value of `name` and where it came from.
    pub fn get(&self, name: &str) -> Option<(Zeroizing<String>, Origin)> {
        let from_env = || {
            self.environment
                .get(name)
                .map(|v| (Zeroizing::new(v), Origin::Environment))
        };
        let from_file = || {
            self.file.get(name).map(|v| {
                let origin = Origin::File {
                    path: self.file_path.clone().unwrap_or_default(),
                    line: v.line,
                };
                (v.value.clone(), origin)
            })
        };
        if self.file_overrides_env {
            from_file().or_else(from_env)
        } else {
            from_env().or_else(from_file)
        }
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<&str> = self.file.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.debug_struct("Sources")
            .field("environment", &self.environment)
            .field("file", &self.file_path)
            .field("file_keys", &keys)
            .finish()
    }
}
