//! Edits of a parsed `.env` file: rewriting the values of chosen keys and appending keys.

use zeroize::Zeroizing;

use super::value::{self, Template};
use super::{Assignment, EnvFile, Item, parse};

impl EnvFile {
    /// Replaces the value of every assignment of `key` with `raw`, and
    /// returns how many assignments were changed.
    ///
    /// Indentation, an `export` prefix, the blanks around `=`, a trailing
    /// comment and the line ending stay as they were, and so does every other
    /// line; a value that spanned several lines becomes one line. `raw` is
    /// written as it is when it is a plain token, as references such as
    /// `@kv:github-token` are; other text is quoted so that the assignment
    /// still reads back as exactly `raw`. Commented-out assignments are not
    /// assignments and stay untouched.
    pub fn set_raw(&mut self, key: &str, raw: &str) -> usize {
        let written = value::encode(raw);
        let mut changed = 0;
        for item in &mut self.items {
            if let Item::Assignment(assignment) = item
                && assignment.key == key
            {
                assignment.replace_value(&written, raw);
                changed += 1;
            }
        }
        changed
    }

    /// Appends `KEY=raw` with the file's line ending when no assignment sets
    /// `key` yet; `raw` is written as [`set_raw`](EnvFile::set_raw) writes it.
    ///
    /// A last line without a line break gets one first. Nothing is appended
    /// when `key` is not a valid key (see [`is_valid_key`](EnvFile::is_valid_key)),
    /// since the file would no longer parse.
    pub fn append_raw(&mut self, key: &str, raw: &str) {
        if !EnvFile::is_valid_key(key) || self.contains_key(key) {
            return;
        }
        let eol = self.line_ending();
        if let Some(last) = self.items.last_mut() {
            last.end_line(eol);
        }
        self.items.push(Item::Assignment(Assignment {
            lead: String::new(),
            key: key.to_owned(),
            equals: "=".to_owned(),
            value_raw: value::encode(raw),
            template: Template::literal(raw),
            tail: Zeroizing::new(String::new()),
            eol: eol.to_owned(),
        }));
    }

    /// Returns whether `key` can be a key in a `.env` file: an ASCII letter
    /// or `_`, then ASCII letters, digits, `_` and `.`.
    pub fn is_valid_key(key: &str) -> bool {
        parse::is_valid_key(key)
    }

    /// Returns the line ending of the first line that has one, or `\n`.
    fn line_ending(&self) -> &'static str {
        let first = self.items.iter().find_map(|item| match item {
            Item::Trivia(text) if text.ends_with('\n') => Some(text.ends_with("\r\n")),
            Item::Assignment(a) if !a.eol.is_empty() => Some(a.eol == "\r\n"),
            _ => None,
        });
        if first == Some(true) { "\r\n" } else { "\n" }
    }
}

impl Assignment {
    /// Puts `written` (which reads back as `raw`) in place of the value.
    fn replace_value(&mut self, written: &str, raw: &str) {
        self.value_raw = Zeroizing::new(written.to_owned());
        self.template = Template::literal(raw);
        // A comment that followed `=` directly (`KEY=# note`) needs a blank
        // before it once a value stands between them.
        if self.tail.starts_with('#') && !written.is_empty() {
            self.tail.insert(0, ' ');
        }
    }
}

impl Item {
    /// Adds `eol` when the item is the last line of a file that does not end in a line break.
    fn end_line(&mut self, eol: &str) {
        match self {
            Item::Trivia(text) if !text.ends_with('\n') => text.push_str(eol),
            Item::Assignment(a) if a.eol.is_empty() => a.eol = eol.to_owned(),
            _ => {}
        }
    }
}
