//! Compile tests of `#[derive(VaultSettings)]`: every mistake in `tests/ui/<category>/` must
//! fail with the error in its `.stderr` file, and everything in `tests/ui/pass/` must build.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test --test ui`, then read
//! each one: it is what a user sees.

use std::fs;

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    let mut categories: Vec<String> = fs::read_dir("tests/ui")
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .filter(|name| name != "pass")
        .collect();
    categories.sort();
    assert!(
        !categories.is_empty(),
        "no compile-fail categories under tests/ui"
    );
    for category in categories {
        cases.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
    cases.pass("tests/ui/pass/*.rs");
}
