//! Random identifiers: secret versions, request ids, tenant ids, jitter.

use ring::rand::{SecureRandom, SystemRandom};

/// Fills an array from the operating system's generator.
///
/// # Panics
///
/// Panics if the operating system's random number generator fails, which
/// leaves the emulator unable to mint keys or ids at all.
fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .expect("the operating system's random number generator failed");
    out
}

/// Returns 32 lowercase hex digits, the form of a Key Vault version id.
pub(crate) fn version_id() -> String {
    bytes::<16>().iter().map(|b| format!("{b:02x}")).collect()
}

/// Returns a random (version 4) GUID in its usual hyphenated form.
pub(crate) fn guid() -> String {
    let mut b = bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Returns a uniformly distributed number in `low..=high`.
pub(crate) fn in_range(low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    let span = high - low + 1;
    low + u64::from_le_bytes(bytes::<8>()) % span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_are_32_hex_and_distinct() {
        let a = version_id();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, version_id());
    }

    #[test]
    fn guids_have_the_v4_shape() {
        let g = guid();
        let groups: Vec<usize> = g.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&g[14..15], "4");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn ranges_are_inclusive_and_bounded() {
        for _ in 0..200 {
            let n = in_range(5, 7);
            assert!((5..=7).contains(&n));
        }
        assert_eq!(in_range(9, 9), 9);
        assert_eq!(in_range(9, 3), 9);
    }
}
