//! Lossless `.env` files: values with dotenvy's rules, errors without values, and edits that keep every other byte.
//!
//! Values follow dotenvy 0.15.7: single quotes are literal; double quotes
//! take `\n`, `\\`, `\"`, `\'`, `\$` and `\ ` and substitute `${NAME}` and
//! `$NAME`; unquoted values take the same escapes and substitution, end at
//! whitespace, and may be followed by a `#` comment; a `#` right after `=`
//! starts a comment, so `CHAN=#alerts` is empty; `export ` may prefix a key;
//! quoted values may span lines. An unbraced `$NAME` is letters and digits
//! only, so `$DB_USER@h` reads `$DB` and then `_USER@h` (bash would read
//! `$DB_USER`); write `${DB_USER}`.
//!
//! The module does not call dotenvy, whose error carries the raw line (and
//! so a secret), which keeps the first of duplicate keys when loading, and
//! which cannot give back the file it read; tests compare the two instead.
//!
//! Where this parser departs from dotenvy, on purpose:
//!
//! - errors name the line and key but never hold any part of a value
//!   (dotenvy's error carries the whole line);
//! - duplicate keys are all returned in file order, and callers take the
//!   last one, because later lines are meant to override earlier ones;
//! - a `$NAME` substitution stops at the first character that is not a
//!   letter or digit, as in dotenvy, but that character is then read with
//!   the usual rules, so `"$HOME"` is the value of `HOME` (dotenvy takes the
//!   closing quote literally and fails);
//! - `\` inside single quotes is literal everywhere, so `'C:\dir\'` is
//!   `C:\dir\` (dotenvy's line splitter treats `\'` as an escape there and
//!   runs on into the following lines);
//! - a comment ends its line even when it holds a quote (`A=b  # it's`);
//! - an escaped blank is part of the value also at the end of a line or
//!   before a comment (`A=x\ ` is `x `; dotenvy trims it away);
//! - line breaks inside quoted values are LF also in CRLF files;
//! - a byte-order mark at the start is skipped, and the last line may end
//!   in whitespace or a backslash without a line break.

mod edit;
mod error;
mod parse;
#[cfg(test)]
mod tests;
mod value;

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::path::Path;

use zeroize::Zeroizing;

pub use error::{EnvFileError, EnvFileErrorKind, QuoteKind};
use value::{Template, ValuePart};

/// The byte-order mark some editors write at the start of a file.
const BOM: &str = "\u{feff}";

/// A `.env` file split into assignments, comments and blank lines, keeping
/// its exact text.
///
/// [`render`](EnvFile::render) gives back the parsed text byte for byte
/// until an edit changes it, and an edit touches only the assignments it is
/// asked to change. The text is zeroized when the value is dropped, and
/// `Debug` shows only the keys.
#[derive(Clone, Default)]
pub struct EnvFile {
    bom: bool,
    items: Vec<Item>,
}

/// One logical line of the file, with its line ending.
#[derive(Clone)]
enum Item {
    /// A blank line or a comment line.
    Trivia(Zeroizing<String>),
    /// `KEY=value`, which may span several physical lines.
    Assignment(Assignment),
}

/// An assignment, cut into the pieces an edit needs.
#[derive(Clone)]
struct Assignment {
    /// Indentation and an `export` prefix.
    lead: String,
    key: String,
    /// The `=` and the blanks around it.
    equals: String,
    /// The value as written, quotes included.
    value_raw: Zeroizing<String>,
    /// The value as read, before substitution.
    template: Template,
    /// Blanks and a comment after the value.
    tail: Zeroizing<String>,
    /// `\n`, `\r\n`, or nothing at the end of the file.
    eol: String,
}

/// One assignment's value after quoting rules and substitution.
///
/// `Debug` shows the key and line but not the value.
#[derive(Clone)]
pub struct EnvEntry {
    /// The key, without any `export` prefix.
    pub key: String,
    /// The value; zeroized when dropped.
    pub value: Zeroizing<String>,
    /// The 1-based line where the assignment starts.
    pub line: usize,
}

impl EnvFile {
    /// Parses `text`, checking syntax only; substitution happens in [`values`](EnvFile::values).
    ///
    /// The first syntax error is returned; it names the line and, for a
    /// malformed value, the key.
    pub fn parse(text: &str) -> Result<EnvFile, EnvFileError> {
        let (bom, body) = match text.strip_prefix(BOM) {
            Some(body) => (true, body),
            None => (false, text),
        };
        let items = parse::parse_items(body)?;
        Ok(EnvFile { bom, items })
    }

    /// Reads and parses the file at `path`; errors carry the path.
    pub fn read(path: &Path) -> Result<EnvFile, EnvFileError> {
        let bytes = Zeroizing::new(fs::read(path).map_err(|e| EnvFileError::io(path, e))?);
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            EnvFileError::at(line, None, EnvFileErrorKind::NotUtf8).with_path(path.to_owned())
        })?;
        EnvFile::parse(text).map_err(|e| e.with_path(path.to_owned()))
    }

    /// Returns the values after quoting rules and substitution, in file
    /// order, with duplicates kept (callers take the last).
    ///
    /// A `${NAME}` or `$NAME` is looked up with `lookup` first (the process
    /// environment, for loaders) and then in the assignments above it in the
    /// file, the latest one winning; an unknown name becomes empty.
    pub fn values(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<EnvEntry> {
        let mut entries: Vec<EnvEntry> = Vec::new();
        let mut latest: HashMap<&str, usize> = HashMap::new();
        for (line, assignment) in self.assignments_with_lines() {
            let mut value = Zeroizing::new(String::new());
            for part in assignment.template.parts() {
                match part {
                    ValuePart::Text(text) => value.push_str(text),
                    ValuePart::Var(name) => {
                        if let Some(found) = lookup(name).map(Zeroizing::new) {
                            value.push_str(&found);
                        } else if let Some(&index) = latest.get(name.as_str()) {
                            value.push_str(&entries[index].value);
                        }
                    }
                }
            }
            latest.insert(&assignment.key, entries.len());
            entries.push(EnvEntry {
                key: assignment.key.clone(),
                value,
                line,
            });
        }
        entries
    }

    /// Returns the key of every assignment in file order, duplicates included.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.assignments().map(|a| a.key.as_str())
    }

    /// Returns whether some assignment sets `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.keys().any(|k| k == key)
    }

    /// Returns the file's text: the parsed text byte for byte, with any edits applied.
    ///
    /// This is not `Display`, so that the text, which holds secrets, cannot
    /// end up in a log line through `{}`.
    pub fn render(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::new());
        if self.bom {
            text.push_str(BOM);
        }
        for item in &self.items {
            item.write_to(&mut text);
        }
        text
    }

    /// Returns the assignments in file order.
    fn assignments(&self) -> impl Iterator<Item = &Assignment> {
        self.items.iter().filter_map(|item| match item {
            Item::Assignment(assignment) => Some(assignment),
            Item::Trivia(_) => None,
        })
    }

    /// Returns the assignments with the 1-based line each starts on.
    fn assignments_with_lines(&self) -> impl Iterator<Item = (usize, &Assignment)> {
        self.items
            .iter()
            .scan(1, |line, item| {
                let start = *line;
                *line += item.line_breaks();
                Some((start, item))
            })
            .filter_map(|(line, item)| match item {
                Item::Assignment(assignment) => Some((line, assignment)),
                Item::Trivia(_) => None,
            })
    }
}

impl Item {
    /// Appends the item's exact text to `out`.
    fn write_to(&self, out: &mut String) {
        match self {
            Item::Trivia(text) => out.push_str(text),
            Item::Assignment(a) => {
                for piece in [&a.lead, &a.key, &a.equals, &*a.value_raw, &*a.tail, &a.eol] {
                    out.push_str(piece);
                }
            }
        }
    }

    /// Returns how many line breaks the item's text holds.
    fn line_breaks(&self) -> usize {
        match self {
            Item::Trivia(text) => text.matches('\n').count(),
            Item::Assignment(a) => a.value_raw.matches('\n').count() + a.eol.matches('\n').count(),
        }
    }
}

impl fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvFile")
            .field("keys", &self.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for EnvEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvEntry")
            .field("key", &self.key)
            .field("value", &"<redacted>")
            .field("line", &self.line)
            .finish()
    }
}
