//! Seed files: secrets to load at start, as JSON or as `.env`-like lines.
//!
//! JSON maps names to a value, to an object with attributes, or to a list
//! of those (versions, oldest first):
//!
//! ```json
//! {
//!   "github-token": "ghp_example",
//!   "db-password": [{"value": "old"}, {"value": "new", "contentType": "text/plain"}],
//!   "api-key": {"value": "k1", "enabled": false, "exp": 1767225600, "nbf": 1700000000,
//!               "tags": {"env": "dev"}}
//! }
//! ```
//!
//! The `.env`-like form has one `name=value` per line; `#` starts a comment
//! line, `export ` is ignored, values may be single-quoted (literal) or
//! double-quoted (with `\n`, `\"` and `\\`), and a repeated name adds a
//! version. Errors name the file, line and secret, never a value.

use std::path::Path;

use serde_json::Value;
use time::OffsetDateTime;

use crate::error::EmulatorError;
use crate::limits;
use crate::store::NewSecret;

/// One secret version from a seed file.
pub(crate) type SeedEntry = (String, NewSecret);

/// Reads a seed file, choosing the format by extension (`.json`) or by the
/// first non-blank character (`{`).
pub(crate) fn load(path: &Path) -> Result<Vec<SeedEntry>, EmulatorError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    let parsed = if is_json {
        parse_json(&text)
    } else {
        parse_env(&text)
    };
    parsed.map_err(|reason| EmulatorError::Seed {
        path: path.to_owned(),
        reason,
    })
}

/// Parses the JSON form.
pub(crate) fn parse_json(text: &str) -> Result<Vec<SeedEntry>, String> {
    // serde_json's messages can quote the offending value; report only where.
    let root: Value = serde_json::from_str(text)
        .map_err(|e| format!("not valid JSON at line {}, column {}", e.line(), e.column()))?;
    let Value::Object(map) = root else {
        return Err("the top level must be an object of secret names".into());
    };
    let mut entries = Vec::new();
    for (name, spec) in map {
        check_name(&name)?;
        match spec {
            Value::Array(versions) => {
                for version in versions {
                    entries.push((name.clone(), json_version(&name, version)?));
                }
            }
            other => entries.push((name.clone(), json_version(&name, other)?)),
        }
    }
    Ok(entries)
}

fn json_version(name: &str, spec: Value) -> Result<NewSecret, String> {
    let object = match spec {
        Value::String(value) => return Ok(NewSecret::new(value)),
        Value::Object(object) => object,
        _ => return Err(format!("secret `{name}`: expected a string or an object")),
    };
    let mut secret = match object.get("value") {
        Some(Value::String(value)) => NewSecret::new(value.clone()),
        _ => return Err(format!("secret `{name}`: `value` must be a string")),
    };
    for (key, field) in &object {
        secret = match (key.as_str(), field) {
            ("value", _) => secret,
            ("enabled", Value::Bool(enabled)) => secret.enabled(*enabled),
            ("contentType", Value::String(c)) => secret.content_type(c.clone()),
            ("nbf", Value::Number(n)) => secret.not_before(json_time(name, key, n)?),
            ("exp", Value::Number(n)) => secret.expires(json_time(name, key, n)?),
            ("tags", Value::Object(tags)) => {
                let mut secret = secret;
                for (tag, value) in tags {
                    let Value::String(value) = value else {
                        return Err(format!("secret `{name}`: tag `{tag}` must be a string"));
                    };
                    secret = secret.tag(tag.clone(), value.clone());
                }
                secret
            }
            _ => {
                return Err(format!(
                    "secret `{name}`: unknown or mistyped field `{key}`; expected value, \
                     enabled, contentType, nbf, exp or tags"
                ));
            }
        };
    }
    Ok(secret)
}

fn json_time(name: &str, key: &str, n: &serde_json::Number) -> Result<OffsetDateTime, String> {
    n.as_i64()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .ok_or_else(|| format!("secret `{name}`: `{key}` must be unix seconds"))
}

/// Parses the `.env`-like form.
pub(crate) fn parse_env(text: &str) -> Result<Vec<SeedEntry>, String> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((name, raw)) = line.split_once('=') else {
            return Err(format!("line {number}: expected `name=value`"));
        };
        let name = name.trim();
        check_name(name).map_err(|e| format!("line {number}: {e}"))?;
        let value =
            env_value(raw.trim()).map_err(|e| format!("line {number}, secret `{name}`: {e}"))?;
        entries.push((name.to_owned(), NewSecret::new(value)));
    }
    Ok(entries)
}

fn env_value(raw: &str) -> Result<String, &'static str> {
    if let Some(rest) = raw.strip_prefix('\'') {
        let (value, tail) = rest.split_once('\'').ok_or("unterminated single quote")?;
        return trailing(tail).map(|()| value.to_owned());
    }
    if let Some(rest) = raw.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return trailing(chars.as_str()).map(|()| value),
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c @ ('"' | '\\')) => value.push(c),
                    Some(c) => {
                        value.push('\\');
                        value.push(c);
                    }
                    None => break,
                },
                c => value.push(c),
            }
        }
        return Err("unterminated double quote");
    }
    let value = raw.split(" #").next().unwrap_or_default().trim_end();
    Ok(value.to_owned())
}

/// Allows only a comment after a closing quote.
fn trailing(tail: &str) -> Result<(), &'static str> {
    let tail = tail.trim_start();
    if tail.is_empty() || tail.starts_with('#') {
        Ok(())
    } else {
        Err("unexpected text after the closing quote")
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if limits::is_valid_secret_name(name) {
        Ok(())
    } else {
        Err(format!(
            "invalid secret name `{name}`; use 1 to 127 ASCII letters, digits and `-`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(entries: &[SeedEntry]) -> Vec<(&str, &str)> {
        entries
            .iter()
            .map(|(n, s)| (n.as_str(), s.value.as_str()))
            .collect()
    }

    #[test]
    fn json_accepts_values_objects_and_version_lists() {
        let entries = parse_json(
            r#"{"a":"1","b":[{"value":"old"},"new"],
                "c":{"value":"v","enabled":false,"contentType":"text/plain","nbf":1,"exp":2,"tags":{"k":"t"}}}"#,
        )
        .unwrap();
        assert_eq!(
            values(&entries),
            [("a", "1"), ("b", "old"), ("b", "new"), ("c", "v")]
        );
        let c = &entries[3].1;
        assert!(!c.enabled);
        assert_eq!(c.content_type.as_deref(), Some("text/plain"));
        assert_eq!(c.expires.map(OffsetDateTime::unix_timestamp), Some(2));
        assert_eq!(c.tags.get("k").map(String::as_str), Some("t"));
    }

    #[test]
    fn json_errors_never_show_values() {
        for (text, hint) in [
            (r#"{"a": 12345678}"#, "`a`"),
            (
                r#"{"a": {"value": "s3cr3t-value", "enabeld": true}}"#,
                "enabeld",
            ),
            (r#"{"bad_name": "s3cr3t-value"}"#, "bad_name"),
            (r#"{"a": "s3cr3t-value""#, "line 1"),
        ] {
            let error = parse_json(text).unwrap_err();
            assert!(error.contains(hint), "{error}");
            assert!(
                !error.contains("s3cr3t") && !error.contains("12345678"),
                "{error}"
            );
        }
    }

    #[test]
    fn env_form_handles_quotes_comments_and_versions() {
        let text = "# comment\n\nexport a=plain # note\nb='it''s'\nb=\"x\\ny \\\"q\\\"\"\nc=\nd='lit \\n'\n";
        let entries = parse_env(text).unwrap_err();
        assert!(entries.contains("line 4"), "{entries}");
        let text =
            "# comment\n\nexport a=plain # note\nb='one'\nb=\"x\\ny \\\"q\\\"\"\nc=\nd='lit \\n'\n";
        let entries = parse_env(text).unwrap();
        assert_eq!(
            values(&entries),
            [
                ("a", "plain"),
                ("b", "one"),
                ("b", "x\ny \"q\""),
                ("c", ""),
                ("d", "lit \\n")
            ]
        );
    }

    #[test]
    fn env_errors_name_the_line_and_not_the_value() {
        for (text, hint) in [
            ("ok=1\nno-equals-here\n", "line 2"),
            ("my_secret=hunter2\n", "my_secret"),
            ("a=\"hunter2\n", "unterminated"),
        ] {
            let error = parse_env(text).unwrap_err();
            assert!(error.contains(hint), "{error}");
            assert!(!error.contains("hunter2"), "{error}");
        }
    }
}
