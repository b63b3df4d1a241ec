//! Errors of the `.env` reader: where the problem is and what kind it is, never the value.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// An error reading or parsing a `.env` file.
///
/// It names the file (when known), the line and, for problems inside a value,
/// the key. It never holds any part of a value or of a line, so it is safe to
/// log and to show to users.
#[derive(Debug)]
pub struct EnvFileError {
    path: Option<PathBuf>,
    line: usize,
    key: Option<String>,
    kind: EnvFileErrorKind,
}

/// The kinds of [`EnvFileError`].
#[derive(Debug)]
#[non_exhaustive]
pub enum EnvFileErrorKind {
    /// The file could not be read; the I/O error is also the error's `source()`.
    Io(io::Error),
    /// The file is not UTF-8; the line is where the first invalid byte is.
    NotUtf8,
    /// A line that is not blank or a comment does not start with a key.
    InvalidKey,
    /// A key is not followed by `=`.
    MissingEquals,
    /// An unquoted value contains whitespace followed by more text.
    UnquotedWhitespace,
    /// A backslash outside single quotes is followed by a character that is
    /// not `n`, `\`, `'`, `"`, `$` or a space.
    UnknownEscape,
    /// A single-quoted part ends in a backslash and the value goes wrong
    /// after it: the backslash was meant to escape the quote, which single
    /// quotes do not allow.
    BadEscapeInSingleQuotes,
    /// A quote is never closed before the end of the file.
    UnterminatedQuote {
        /// The line where the quote opened.
        opened_at: usize,
        /// Which quote it was.
        quote: QuoteKind,
    },
    /// A `${` has no closing `}` on the same line.
    UnterminatedSubstitution,
}

/// The quote characters of a `.env` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteKind {
    /// `'…'`: literal text.
    Single,
    /// `"…"`: text with escapes and substitution.
    Double,
}

impl EnvFileError {
    /// Creates an error about `line`, naming `key` when the problem is inside its value.
    pub(super) fn at(line: usize, key: Option<&str>, kind: EnvFileErrorKind) -> Self {
        EnvFileError {
            path: None,
            line,
            key: key.map(str::to_owned),
            kind,
        }
    }

    /// Creates an error for a file that could not be read.
    pub(super) fn io(path: &Path, error: io::Error) -> Self {
        EnvFileError {
            path: Some(path.to_owned()),
            line: 0,
            key: None,
            kind: EnvFileErrorKind::Io(error),
        }
    }

    /// Returns the file the error is about, when it is known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Returns the 1-based line of the assignment (or line) at fault, or
    /// `None` when the file could not be read at all.
    pub fn line(&self) -> Option<usize> {
        (self.line > 0).then_some(self.line)
    }

    /// Returns the key whose value is malformed, when the problem is inside a value.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Returns what went wrong.
    pub fn kind(&self) -> &EnvFileErrorKind {
        &self.kind
    }

    /// Returns whether the file does not exist, which loaders usually accept.
    pub fn is_not_found(&self) -> bool {
        matches!(&self.kind, EnvFileErrorKind::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }

    /// Attaches the path of the file the text came from.
    pub fn with_path(mut self, path: PathBuf) -> Self {
        self.path = Some(path);
        self
    }

    /// Writes "value of `KEY`", or "the value" when no key is known.
    fn write_value_of(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "value of `{key}`"),
            None => f.write_str("the value"),
        }
    }
}

impl fmt::Display for EnvFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let EnvFileErrorKind::Io(_) = self.kind {
            return match &self.path {
                Some(path) => write!(f, "cannot read `{}`", path.display()),
                None => f.write_str("cannot read the `.env` file"),
            };
        }
        match &self.path {
            Some(path) => write!(f, "`{}` line {}: ", path.display(), self.line)?,
            None => write!(f, "line {}: ", self.line)?,
        }
        match &self.kind {
            EnvFileErrorKind::Io(_) => Ok(()),
            EnvFileErrorKind::NotUtf8 => f.write_str("the file is not valid UTF-8; save it as UTF-8"),
            EnvFileErrorKind::InvalidKey => f.write_str(
                "expected a key; a key has ASCII letters, digits, `_` and `.` and does not start with a digit",
            ),
            EnvFileErrorKind::MissingEquals => {
                f.write_str("expected `=` after the key; write each setting as `KEY=value`")
            }
            EnvFileErrorKind::UnquotedWhitespace => {
                self.write_value_of(f)?;
                f.write_str(" contains unquoted whitespace; wrap it in single quotes")
            }
            EnvFileErrorKind::UnknownEscape => {
                self.write_value_of(f)?;
                f.write_str(
                    " has `\\` before a character it cannot escape; use single quotes to keep backslashes as written",
                )
            }
            EnvFileErrorKind::BadEscapeInSingleQuotes => {
                self.write_value_of(f)?;
                f.write_str(
                    " has `\\'` inside single quotes, where backslashes are literal; write a single quote as `'\\''`",
                )
            }
            EnvFileErrorKind::UnterminatedQuote { opened_at, quote } => {
                let quote = match quote {
                    QuoteKind::Single => "single",
                    QuoteKind::Double => "double",
                };
                match &self.key {
                    Some(key) => write!(f, "`{key}` opens a {quote} quote")?,
                    None => write!(f, "a {quote} quote opens")?,
                }
                if *opened_at != self.line {
                    write!(f, " on line {opened_at}")?;
                }
                f.write_str(" that is never closed")
            }
            EnvFileErrorKind::UnterminatedSubstitution => {
                self.write_value_of(f)?;
                f.write_str(" has `${` without a closing `}`; write `\\$` for a literal dollar sign")
            }
        }
    }
}

impl std::error::Error for EnvFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            EnvFileErrorKind::Io(error) => Some(error),
            _ => None,
        }
    }
}
