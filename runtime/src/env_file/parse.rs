//! The `.env` grammar: splits text into blank lines, comments and assignments, and decodes each value.
//!
//! Every item keeps the exact text it was parsed from, so the items
//! concatenated give back the input byte for byte.

use zeroize::Zeroizing;

use super::error::{EnvFileError, EnvFileErrorKind, QuoteKind};
use super::value::Template;
use super::{Assignment, Item};

/// Splits `text` (without a byte-order mark) into items.
pub(super) fn parse_items(text: &str) -> Result<Vec<Item>, EnvFileError> {
    let mut scanner = Scanner {
        text,
        pos: 0,
        line: 1,
    };
    let mut items = Vec::new();
    while scanner.pos < text.len() {
        items.push(scanner.item()?);
    }
    Ok(items)
}

/// Returns whether `key` can be written as a key: an ASCII letter or `_`,
/// then ASCII letters, digits, `_` and `.`, as dotenvy accepts.
pub(super) fn is_valid_key(key: &str) -> bool {
    key_len(key) == Some(key.len())
}

/// Returns the length of the key at the start of `s`, if one starts there.
fn key_len(s: &str) -> Option<usize> {
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(s.len());
    Some(len)
}

/// Decodes the character after a backslash outside single quotes.
fn unescape(c: char) -> Option<char> {
    match c {
        '\\' | '\'' | '"' | '$' | ' ' => Some(c),
        'n' => Some('\n'),
        _ => None,
    }
}

/// Byte offsets of one physical line.
#[derive(Clone, Copy)]
struct PhysicalLine {
    /// The end of the content without trailing whitespace.
    trimmed_end: usize,
    /// The start of the line ending, or the end of the text.
    content_end: usize,
    /// The offset after the line ending.
    end: usize,
}

impl PhysicalLine {
    /// Finds the physical line that starts at `start`.
    fn starting_at(text: &str, start: usize) -> Self {
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let line = &text[start..end];
        let content_end = if line.ends_with("\r\n") {
            end - 2
        } else if line.ends_with('\n') {
            end - 1
        } else {
            end
        };
        let trimmed_end = start + text[start..content_end].trim_end().len();
        PhysicalLine {
            trimmed_end,
            content_end,
            end,
        }
    }
}

/// Walks the text one item at a time.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl Scanner<'_> {
    /// Parses the item that starts at the current position.
    fn item(&mut self) -> Result<Item, EnvFileError> {
        let start = self.pos;
        let bounds = PhysicalLine::starting_at(self.text, start);
        let content = self.text[start..bounds.content_end].trim_start();
        if content.is_empty() || content.starts_with('#') {
            self.advance_to(bounds.end);
            let trivia = Zeroizing::new(self.text[start..bounds.end].to_owned());
            return Ok(Item::Trivia(trivia));
        }
        let assignment = self.assignment(start, bounds)?;
        Ok(Item::Assignment(assignment))
    }

    /// Parses `[export] KEY = value [# comment]`, which may span lines inside quotes.
    fn assignment(
        &mut self,
        start: usize,
        bounds: PhysicalLine,
    ) -> Result<Assignment, EnvFileError> {
        let text = self.text;
        let (key_start, key_end, equals) = self.key(start, bounds)?;
        let after_equals = equals + 1;
        let value_start = self.skip_whitespace(after_equals, bounds.trimmed_end);
        let key = &text[key_start..key_end];

        let (separator_end, template, value_end, last) =
            if value_start == bounds.trimmed_end || text[value_start..].starts_with('#') {
                // An empty value: the blank after `=` belongs to the tail, so an
                // edit that fills the value keeps it between value and comment.
                (after_equals, Template::default(), after_equals, bounds)
            } else {
                let mut value = ValueScanner {
                    text,
                    pos: value_start,
                    bounds,
                    line: self.line,
                    entry_line: self.line,
                    key,
                    template: Template::default(),
                    backslash_before_single_quote: false,
                };
                value.scan()?;
                (value_start, value.template, value.pos, value.bounds)
            };

        let assignment = Assignment {
            lead: text[start..key_start].to_owned(),
            key: key.to_owned(),
            equals: text[key_end..separator_end].to_owned(),
            value_raw: Zeroizing::new(text[separator_end..value_end].to_owned()),
            template,
            tail: Zeroizing::new(text[value_end..last.content_end].to_owned()),
            eol: text[last.content_end..last.end].to_owned(),
        };
        self.advance_to(last.end);
        Ok(assignment)
    }

    /// Finds the key after indentation and an optional `export`, and the `=` after it.
    ///
    /// Returns the start and end of the key and the offset of the `=`.
    fn key(
        &self,
        start: usize,
        bounds: PhysicalLine,
    ) -> Result<(usize, usize, usize), EnvFileError> {
        let text = self.text;
        let error = |kind| EnvFileError::at(self.line, None, kind);
        let key_at = |from: usize| {
            key_len(&text[from..])
                .map(|len| from + len)
                .ok_or_else(|| error(EnvFileErrorKind::InvalidKey))
        };

        let mut key_start = self.skip_whitespace(start, bounds.trimmed_end);
        let mut key_end = key_at(key_start)?;
        let mut equals = self.skip_whitespace(key_end, bounds.trimmed_end);
        if &text[key_start..key_end] == "export" && !text[equals..].starts_with('=') {
            key_start = equals;
            key_end = key_at(key_start)?;
            equals = self.skip_whitespace(key_end, bounds.trimmed_end);
        }

        if text[equals..bounds.trimmed_end].starts_with('=') {
            return Ok((key_start, key_end, equals));
        }
        // A key directly followed by a character keys cannot hold (as in
        // `FOO-BAR=1`) is a bad key; a key and then a blank is a missing `=`.
        // Neither error names the key: a line without `=` may be a pasted secret.
        Err(error(if equals == key_end && equals < bounds.trimmed_end {
            EnvFileErrorKind::InvalidKey
        } else {
            EnvFileErrorKind::MissingEquals
        }))
    }

    /// Returns the offset after the whitespace at `from`, stopping at `limit`.
    fn skip_whitespace(&self, from: usize, limit: usize) -> usize {
        let rest = &self.text[from..limit];
        from + (rest.len() - rest.trim_start().len())
    }

    /// Moves to `pos`, counting the lines passed.
    fn advance_to(&mut self, pos: usize) {
        self.line += self.text[self.pos..pos].matches('\n').count();
        self.pos = pos;
    }
}

/// Decodes one value, starting at its first character.
struct ValueScanner<'a> {
    text: &'a str,
    pos: usize,
    /// The physical line `pos` is on.
    bounds: PhysicalLine,
    /// The line number `pos` is on.
    line: usize,
    /// The line the assignment starts on, which errors report.
    entry_line: usize,
    key: &'a str,
    template: Template,
    /// Set when a single-quoted part ended in `\`, as in `'It\'s'`: if the
    /// value then fails to parse, the user most likely meant `\'` as an escape.
    backslash_before_single_quote: bool,
}

impl ValueScanner<'_> {
    /// Scans unquoted text until the value ends at whitespace or the end of the line.
    fn scan(&mut self) -> Result<(), EnvFileError> {
        while self.pos < self.bounds.trimmed_end {
            let Some(c) = self.peek(self.pos) else { break };
            match c {
                ' ' | '\t' => return self.end_at_whitespace(),
                '\\' => self.unquoted_escape()?,
                '\'' => self.single_quoted()?,
                '"' => self.double_quoted()?,
                '$' => self.substitution()?,
                _ => {
                    self.template.push_char(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        Ok(())
    }

    /// Returns the character at `pos`.
    fn peek(&self, pos: usize) -> Option<char> {
        self.text[pos..].chars().next()
    }

    /// Creates an error about this value.
    fn error(&self, kind: EnvFileErrorKind) -> EnvFileError {
        EnvFileError::at(self.entry_line, Some(self.key), kind)
    }

    /// Creates an error for a quote opened on `opened_at` and never closed.
    fn unterminated(&self, opened_at: usize, quote: QuoteKind) -> EnvFileError {
        if self.backslash_before_single_quote {
            return self.error(EnvFileErrorKind::BadEscapeInSingleQuotes);
        }
        self.error(EnvFileErrorKind::UnterminatedQuote { opened_at, quote })
    }

    /// Ends the value at unquoted whitespace, which only a comment may follow.
    fn end_at_whitespace(&mut self) -> Result<(), EnvFileError> {
        let rest = self.text[self.pos..self.bounds.trimmed_end].trim_start_matches([' ', '\t']);
        if rest.is_empty() || rest.starts_with('#') {
            return Ok(());
        }
        Err(self.error(if self.backslash_before_single_quote {
            EnvFileErrorKind::BadEscapeInSingleQuotes
        } else {
            EnvFileErrorKind::UnquotedWhitespace
        }))
    }

    /// Decodes `\x` outside quotes; a backslash that ends the line is dropped, as dotenvy does.
    fn unquoted_escape(&mut self) -> Result<(), EnvFileError> {
        let next = self.pos + 1;
        let Some(c) = self.peek(next).filter(|_| next < self.bounds.content_end) else {
            self.pos = next;
            return Ok(());
        };
        let decoded = unescape(c).ok_or_else(|| self.error(EnvFileErrorKind::UnknownEscape))?;
        self.template.push_char(decoded);
        self.pos = next + c.len_utf8();
        Ok(())
    }

    /// Decodes `'…'`: literal text up to the next `'`, on any line.
    fn single_quoted(&mut self) -> Result<(), EnvFileError> {
        let opened_at = self.line;
        let body_start = self.pos + 1;
        let body_len = self.text[body_start..]
            .find('\'')
            .ok_or_else(|| self.unterminated(opened_at, QuoteKind::Single))?;
        let body = &self.text[body_start..body_start + body_len];
        if self.backslash_before_single_quote && body.contains('\n') {
            return Err(self.error(EnvFileErrorKind::BadEscapeInSingleQuotes));
        }
        self.template.push_str(&normalize_line_breaks(body));
        self.backslash_before_single_quote |= body.ends_with('\\');
        self.move_to(body_start + body_len + 1);
        Ok(())
    }

    /// Decodes `"…"`: escapes and substitution, up to the next unescaped `"`, on any line.
    fn double_quoted(&mut self) -> Result<(), EnvFileError> {
        let opened_at = self.line;
        self.pos += 1;
        loop {
            let c = self
                .peek(self.pos)
                .ok_or_else(|| self.unterminated(opened_at, QuoteKind::Double))?;
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(());
                }
                '\\' => {
                    let escaped = self
                        .peek(self.pos + 1)
                        .ok_or_else(|| self.unterminated(opened_at, QuoteKind::Double))?;
                    let decoded = unescape(escaped)
                        .ok_or_else(|| self.error(EnvFileErrorKind::UnknownEscape))?;
                    self.template.push_char(decoded);
                    self.pos += 1 + escaped.len_utf8();
                }
                '$' => self.substitution()?,
                '\r' | '\n' if self.pos == self.bounds.content_end => {
                    if self.backslash_before_single_quote {
                        return Err(self.error(EnvFileErrorKind::BadEscapeInSingleQuotes));
                    }
                    self.template.push_char('\n');
                    self.move_to(self.bounds.end);
                }
                _ => {
                    self.template.push_char(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    /// Decodes `${NAME}` (closed on the same line) or `$NAME` (letters and digits only, as in dotenvy).
    fn substitution(&mut self) -> Result<(), EnvFileError> {
        let after_dollar = self.pos + 1;
        if self.text[after_dollar..].starts_with('{') {
            let name_start = after_dollar + 1;
            let name_len = self.text[name_start..self.bounds.content_end]
                .find('}')
                .ok_or_else(|| self.error(EnvFileErrorKind::UnterminatedSubstitution))?;
            self.template
                .push_var(&self.text[name_start..name_start + name_len]);
            self.pos = name_start + name_len + 1;
            return Ok(());
        }
        let rest = &self.text[after_dollar..];
        let name_len = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        self.template.push_var(&rest[..name_len]);
        self.pos = after_dollar + name_len;
        Ok(())
    }

    /// Moves to `pos` inside a quoted part, following it onto later lines.
    fn move_to(&mut self, pos: usize) {
        while pos >= self.bounds.end && self.bounds.end < self.text.len() {
            self.line += 1;
            self.bounds = PhysicalLine::starting_at(self.text, self.bounds.end);
        }
        self.pos = pos;
    }
}

/// Turns the CRLF line breaks of a quoted value into LF, so a value reads
/// the same from a CRLF file as from an LF file.
fn normalize_line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("\r\n") {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}
