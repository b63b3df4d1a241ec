//! Decoded values: literal text and `$NAME` references, and the quoting used when a value is written.

use zeroize::Zeroizing;

/// One piece of a decoded value.
#[derive(Clone)]
pub(super) enum ValuePart {
    /// Text after quoting and escapes.
    Text(Zeroizing<String>),
    /// A `${NAME}` or `$NAME` substitution, resolved when values are read.
    Var(String),
}

/// A decoded value before substitution: text and references in order.
#[derive(Clone, Default)]
pub(super) struct Template {
    parts: Vec<ValuePart>,
}

impl Template {
    /// Creates a template that is exactly `text`, with nothing to substitute.
    pub(super) fn literal(text: &str) -> Self {
        let mut template = Template::default();
        template.push_str(text);
        template
    }

    /// Returns the parts in order.
    pub(super) fn parts(&self) -> &[ValuePart] {
        &self.parts
    }

    /// Appends one character of literal text.
    pub(super) fn push_char(&mut self, c: char) {
        match self.parts.last_mut() {
            Some(ValuePart::Text(text)) => text.push(c),
            _ => self
                .parts
                .push(ValuePart::Text(Zeroizing::new(c.to_string()))),
        }
    }

    /// Appends literal text.
    pub(super) fn push_str(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        match self.parts.last_mut() {
            Some(ValuePart::Text(text)) => text.push_str(s),
            _ => self
                .parts
                .push(ValuePart::Text(Zeroizing::new(s.to_owned()))),
        }
    }

    /// Appends a substitution; an empty name substitutes nothing, as in dotenvy.
    pub(super) fn push_var(&mut self, name: &str) {
        if !name.is_empty() {
            self.parts.push(ValuePart::Var(name.to_owned()));
        }
    }
}

/// Returns how `raw` is written after `=` so that it reads back as exactly `raw`.
///
/// Plain tokens such as `@kv:github-token` are written as they are. Text
/// without a single quote or line break goes in single quotes; anything else
/// goes in double quotes with `\\`, `\"`, `\$` and `\n` escaped.
pub(super) fn encode(raw: &str) -> Zeroizing<String> {
    if is_plain_token(raw) {
        return Zeroizing::new(raw.to_owned());
    }
    if !raw.contains(['\'', '\n', '\r']) {
        return Zeroizing::new(format!("'{raw}'"));
    }
    let mut written = Zeroizing::new(String::with_capacity(raw.len() + 8));
    written.push('"');
    for c in raw.chars() {
        match c {
            '\\' | '"' | '$' => {
                written.push('\\');
                written.push(c);
            }
            '\n' => written.push_str("\\n"),
            _ => written.push(c),
        }
    }
    written.push('"');
    written
}

/// Returns whether `raw` reads back unchanged when written without quotes.
fn is_plain_token(raw: &str) -> bool {
    !raw.starts_with('#')
        && raw
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '\'' | '"' | '\\' | '$'))
}
