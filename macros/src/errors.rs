//! Compile errors of the derive: a collector for one stage and the message templates.

use std::fmt::Display;

use proc_macro2::Span;

/// Collects every error of one stage so that all of them are shown at once.
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    /// Adds an error to the stage.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Adds an error with `message` at `span`.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Ends the stage: `Ok` when nothing was pushed, otherwise every error combined.
    pub fn finish(self) -> syn::Result<()> {
        self.combined.map_or(Ok(()), Err)
    }
}

/// Formats "unknown key" for `key` inside `#[attribute]`, with a hint drawn from `known`.
pub fn unknown_key(key: &str, attribute: &str, known: &[&str]) -> String {
    let hint = match closest(key, known) {
        Some(candidate) => format!("did you mean `{candidate}`"),
        None => format!("expected {}", one_of(known)),
    };
    format!("unknown key `{key}` in `#[{attribute}]`; {hint}")
}

/// Formats "unknown key" for a key that belongs in another attribute.
pub fn key_of_other_attribute(key: &str, attribute: &str, owner: &str) -> String {
    format!("unknown key `{key}` in `#[{attribute}]`; `{key}` belongs in `#[{owner}(...)]`")
}

/// Formats "duplicate key" for the second `key` inside `#[attribute]`.
pub fn duplicate_key(key: &str, attribute: &str) -> String {
    format!("duplicate key `{key}` in `#[{attribute}]`")
}

/// Formats "duplicate attribute" for the second `#[attribute]` on one item.
pub fn duplicate_attribute(attribute: &str, takes_keys: bool) -> String {
    let hint = if takes_keys {
        format!("put every key in one `#[{attribute}(...)]`")
    } else {
        "write it once".to_owned()
    };
    format!("duplicate attribute `#[{attribute}]`; {hint}")
}

/// Formats "misplaced" for an attribute written on the wrong kind of item.
pub fn misplaced(attribute: &str, belongs_on: &str, hint: Option<&str>) -> String {
    let hint = hint.map(|hint| format!("; {hint}")).unwrap_or_default();
    format!("`#[{attribute}]` belongs on {belongs_on}{hint}")
}

/// Formats "requires" for a key or attribute that needs something it lacks.
pub fn requires(what: &str, needed: &str, example: &str) -> String {
    format!("`{what}` requires {needed}; e.g. `{example}`")
}

/// Formats "conflicting" for two settings that cannot both hold.
pub fn conflicting(what: &str, with: &str, why: &str) -> String {
    format!("`{what}` conflicts with {with}; {why}")
}

/// Lists `known` as "`a`", "`a` or `b`", or "one of `a`, `b`, `c`".
fn one_of(known: &[&str]) -> String {
    let quoted: Vec<String> = known.iter().map(|key| format!("`{key}`")).collect();
    match quoted.as_slice() {
        [] => "no keys".to_owned(),
        [only] => only.clone(),
        [first, second] => format!("{first} or {second}"),
        all => format!("one of {}", all.join(", ")),
    }
}

/// Returns the candidate nearest to `key`, if it is near enough to be a typo.
fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let allowed = if key.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .iter()
        .map(|candidate| (typo_distance(key, candidate), *candidate))
        .filter(|(distance, candidate)| {
            *distance <= allowed && *distance < key.chars().count().min(candidate.chars().count())
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Counts the edits (insert, delete, substitute, swap neighbours) between `a` and `b`.
fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let substitute = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (table[(i - 1) * width + j] + 1)
                    .min(table[i * width + j - 1] + 1)
                    .min(table[(i - 1) * width + j - 1] + substitute);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapped_letters_count_as_one_typo() {
        assert_eq!(typo_distance("evn", "env"), 1);
        assert_eq!(typo_distance("defualt", "default"), 1);
        assert_eq!(typo_distance("env", "env"), 0);
        assert_eq!(typo_distance("", "env"), 3);
    }

    #[test]
    fn unknown_key_suggests_the_nearest_key() {
        assert_eq!(
            unknown_key("evn", "setting", &["env", "default"]),
            "unknown key `evn` in `#[setting]`; did you mean `env`"
        );
        assert_eq!(
            unknown_key("env_prefx", "settings", &["env_prefix", "secret_prefix"]),
            "unknown key `env_prefx` in `#[settings]`; did you mean `env_prefix`"
        );
    }

    #[test]
    fn unknown_key_lists_the_keys_when_nothing_is_near() {
        assert_eq!(
            unknown_key("name", "setting", &["env", "default"]),
            "unknown key `name` in `#[setting]`; expected `env` or `default`"
        );
        assert_eq!(
            unknown_key("vault", "kv", &["secret"]),
            "unknown key `vault` in `#[kv]`; expected `secret`"
        );
        assert_eq!(
            unknown_key("x", "a", &["b", "c", "d"]),
            "unknown key `x` in `#[a]`; expected one of `b`, `c`, `d`"
        );
    }
}
