//! The environment variables a credential chain reads, as an explicit map.

use std::collections::BTreeMap;
use std::fmt;

/// Holds the environment variables that a [`DefaultCredential`] reads.
///
/// The chain never consults the process environment behind this map's back:
/// [`EnvVars::from_process`] takes a snapshot, and tests build a map by hand
/// so they need not change the process environment. The same map is also the
/// whole environment of the `az` and `azd` child processes.
///
/// Empty values count as unset, as in the other Azure SDKs. `Debug` shows
/// variable names only, never values.
///
/// [`DefaultCredential`]: super::DefaultCredential
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvVars {
    vars: BTreeMap<String, String>,
}

impl EnvVars {
    /// Creates an empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a snapshot of the process environment.
    ///
    /// Variables whose name or value is not valid UTF-8 are left out.
    pub fn from_process() -> Self {
        std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect()
    }

    /// Adds or replaces a variable and returns the map, for chaining.
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Adds or replaces a variable.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Removes a variable, returning whether it was present.
    pub fn remove(&mut self, name: &str) -> bool {
        self.vars.remove(name).is_some()
    }

    /// Returns a variable's value, or `None` when it is unset or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// Iterates over every variable, empty ones included, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for EnvVars {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

impl fmt::Debug for EnvVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvVars")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset() {
        let vars = EnvVars::new().with("A", "").with("B", "x");
        assert_eq!(vars.get("A"), None);
        assert_eq!(vars.get("B"), Some("x"));
        assert_eq!(vars.get("C"), None);
        assert_eq!(vars.iter().count(), 2);
    }

    #[test]
    fn debug_shows_names_but_not_values() {
        let vars = EnvVars::new().with("AZURE_CLIENT_SECRET", "hunter2-do-not-print");
        let shown = format!("{vars:?}");
        assert!(shown.contains("AZURE_CLIENT_SECRET"));
        assert!(!shown.contains("hunter2"));
    }
}
