//! The `api-version` values the emulator accepts.

/// Stable and preview api-versions of the secrets data plane, from the
/// published REST specifications.
pub const SUPPORTED_API_VERSIONS: &[&str] = &[
    "2015-06-01",
    "2016-10-01",
    "7.0",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.6-preview.1",
    "7.6-preview.2",
    "7.6",
    "2025-06-01-preview",
    "2025-07-01",
    "2026-01-01-preview",
    "2026-03-01-preview",
    "2026-04-01",
    "2026-05-01-preview",
    "2026-07-01-preview",
];

/// The newest stable api-version, named in "not recognized" answers.
pub const LATEST_API_VERSION: &str = "2026-04-01";

/// Tells whether the emulator accepts an api-version.
pub fn is_supported(version: &str) -> bool {
    SUPPORTED_API_VERSIONS.contains(&version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_defaults_are_supported() {
        // Rust azure_security_keyvault_secrets 1.0 and Python 4.12 defaults.
        assert!(is_supported("2025-07-01"));
        assert!(is_supported("2026-04-01"));
        assert!(is_supported(LATEST_API_VERSION));
        assert!(!is_supported("2099-01-01"));
        assert!(!is_supported(""));
    }
}
