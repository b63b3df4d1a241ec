//! The service's limits on names, values, content types and tags.

/// The largest secret value the service accepts, in bytes (25 KiB).
pub const MAX_VALUE_BYTES: usize = 25 * 1024;

/// The longest secret name, in characters.
pub const MAX_NAME_LEN: usize = 127;

/// The longest content type, in characters.
pub const MAX_CONTENT_TYPE_LEN: usize = 255;

/// The most tags one secret version may carry.
pub const MAX_TAGS: usize = 15;

/// The longest tag name, in characters.
// The tag length limits are the documented ones for Azure resources; the
// exact numbers Key Vault enforces on secret tags were not confirmed.
pub const MAX_TAG_NAME_LEN: usize = 512;

/// The longest tag value, in characters.
pub const MAX_TAG_VALUE_LEN: usize = 256;

/// Tells whether a secret name is 1 to 127 ASCII letters, digits and `-`.
pub fn is_valid_secret_name(name: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Tells whether a vault name is 3 to 24 ASCII letters, digits and single
/// dashes, starting with a letter and not ending with a dash.
pub fn is_valid_vault_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=24).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && !name.contains("--")
}

/// Tells whether a version id has Key Vault's form (32 hex digits).
pub fn is_version_id(version: &str) -> bool {
    version.len() == 32 && version.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_follow_the_service_rule() {
        assert!(is_valid_secret_name("github-token"));
        assert!(is_valid_secret_name("0-A"));
        assert!(is_valid_secret_name(&"a".repeat(127)));
        assert!(!is_valid_secret_name(&"a".repeat(128)));
        for bad in ["", "github_token", "my.secret", "a b", "é"] {
            assert!(!is_valid_secret_name(bad), "{bad}");
        }
    }

    #[test]
    fn vault_names_follow_the_service_rule() {
        assert!(is_valid_vault_name("emulator"));
        assert!(is_valid_vault_name("my-vault-01"));
        for bad in [
            "ab",
            "1vault",
            "vault-",
            "my--vault",
            &"a".repeat(25),
            "my_vault",
        ] {
            assert!(!is_valid_vault_name(bad), "{bad}");
        }
    }

    #[test]
    fn version_ids_are_32_hex_digits() {
        assert!(is_version_id("0123456789abcdef0123456789ABCDEF"));
        assert!(!is_version_id("versions"));
        assert!(!is_version_id("0123456789abcdef0123456789abcdeg"));
    }
}
