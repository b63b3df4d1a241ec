//! Tests of the `.env` parser and editor: acceptance cases, agreement with dotenvy, round trips.

mod cases;
mod differential;
mod editing;
mod round_trip;

use super::{EnvFile, EnvFileError};

/// A lookup that knows no variables, so substitution uses the file alone.
fn no_env(_: &str) -> Option<String> {
    None
}

/// Parses `text` and returns every `(key, value)` in file order.
fn pairs(text: &str) -> Vec<(String, String)> {
    pairs_with(text, &no_env)
}

/// Parses `text` and returns every `(key, value)`, looking names up with `lookup` first.
fn pairs_with(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    let file = EnvFile::parse(text).expect("the text should parse");
    file.values(lookup)
        .into_iter()
        .map(|entry| (entry.key, entry.value.to_string()))
        .collect()
}

/// Returns the last value of `key`, as a loader takes it.
fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Parses `text`, which must fail, and returns the error.
fn parse_error(text: &str) -> EnvFileError {
    match EnvFile::parse(text) {
        Ok(file) => panic!(
            "expected a parse error, got keys {:?}",
            file.keys().collect::<Vec<_>>()
        ),
        Err(error) => error,
    }
}
