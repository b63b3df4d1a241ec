//! Property tests: any valid file renders back byte for byte, reads the values it was built
//! from, and `set_raw` leaves every other line as it was.

use proptest::prelude::*;

use crate::env_file::EnvFile;

/// One generated line of a valid file, with the value it must read as.
#[derive(Debug, Clone)]
enum Line {
    Trivia(String),
    Assignment {
        lead: String,
        key: String,
        /// `=` and the blanks the parser keeps before the value.
        equals: String,
        value_raw: String,
        value: String,
        tail: String,
        eol: String,
    },
}

impl Line {
    /// Returns the line's text.
    fn text(&self) -> String {
        match self {
            Line::Trivia(text) => text.clone(),
            Line::Assignment {
                lead,
                key,
                equals,
                value_raw,
                tail,
                eol,
                ..
            } => {
                format!("{lead}{key}{equals}{value_raw}{tail}{eol}")
            }
        }
    }
}

/// A piece of a value: its text as written and as read; quoted line breaks are `line_break`.
fn value_piece(line_break: &'static str) -> impl Strategy<Value = (String, String)> {
    let unquoted = "[A-Za-z0-9@:/._+,;=%!?*éü日🌍-][A-Za-z0-9@:/._+,;=%!?*#éü日🌍-]{0,6}"
        .prop_map(|s| (s.clone(), s));
    let escape = prop_oneof![
        Just(("\\\\".to_owned(), "\\".to_owned())),
        Just(("\\n".to_owned(), "\n".to_owned())),
        Just(("\\$".to_owned(), "$".to_owned())),
        Just(("\\\"".to_owned(), "\"".to_owned())),
        Just(("\\'".to_owned(), "'".to_owned())),
        Just(("\\ ".to_owned(), " ".to_owned())),
    ];
    // A name longer than any generated key, so only the lookup could know it.
    let unset = Just(("${VS_PT_NEVER_SET_Z}".to_owned(), String::new()));
    // Single-quoted text is literal; a backslash last would read as a mistaken escape.
    let single = "[^'\\\\\r\n]{0,6}(\\\\?[^'\\\\\r\n])?|[a-z]{1,3}\n[a-z #$\"\\\\]{0,4}x"
        .prop_map(move |body| (format!("'{}'", body.replace('\n', line_break)), body));
    let double_char = prop_oneof![
        "[^\"\\\\$\r\n]{1,4}".prop_map(|s| (s.clone(), s)),
        escape.clone(),
        Just((line_break.to_owned(), "\n".to_owned())),
        unset.clone(),
    ];
    let double = prop::collection::vec(double_char, 0..5).prop_map(|pieces| {
        let (raw, value): (Vec<String>, Vec<String>) = pieces.into_iter().unzip();
        (format!("\"{}\"", raw.concat()), value.concat())
    });
    prop_oneof![unquoted, escape, unset, single, double]
}

/// Which files to generate.
#[derive(Clone, Copy, PartialEq)]
enum Files {
    /// Every valid file the generator knows.
    All,
    /// Only files that dotenvy reads as we do (see `differential.rs`): no
    /// CRLF inside values, no quotes in trailing comments, a final line break.
    DotenvyReadsAlike,
}

/// One line of a valid file; `last` allows a missing line ending.
fn line(last: bool, files: Files) -> impl Strategy<Value = Line> {
    let eol = if last && files == Files::All {
        prop_oneof![Just("\n"), Just("\r\n"), Just("")].boxed()
    } else {
        prop_oneof![Just("\n"), Just("\r\n")].boxed()
    };
    let comment_text = match files {
        Files::All => "#[^\r\n]{0,10}",
        Files::DotenvyReadsAlike => "#[^\r\n'\"]{0,10}",
    };
    eol.prop_flat_map(move |eol| {
        let trivia =
            "[ \t]{0,2}(#[^\r\n]{0,12})?".prop_map(move |s| Line::Trivia(format!("{s}{eol}")));
        let lead = prop_oneof![
            Just(""),
            Just("  "),
            Just("\t"),
            Just("export "),
            Just(" export\t ")
        ];
        let key = "[A-Za-z_][A-Za-z0-9_.]{0,5}";
        let comment = prop_oneof![
            Just(String::new()),
            regex(&format!("[ \t]{{1,3}}({comment_text})?"))
        ];
        let inner_eol = if eol.is_empty() || files == Files::DotenvyReadsAlike {
            "\n"
        } else {
            eol
        };
        let pieces = prop::collection::vec(value_piece(inner_eol), 1..4);
        let equals = prop_oneof![Just("="), Just(" ="), Just("= "), Just(" =\t")];
        let filled = (lead.clone(), key, equals, pieces, comment)
            // An escaped blank that ends the value, before the end of the
            // line or a comment, is kept here but lost by dotenvy.
            .prop_filter("escaped blank at the end", move |(_, _, _, pieces, _)| {
                files == Files::All || pieces.last().is_none_or(|(raw, _)| raw != "\\ ")
            })
            .prop_map(move |(lead, key, equals, pieces, tail)| {
                let (raw, value): (Vec<String>, Vec<String>) = pieces.into_iter().unzip();
                Line::Assignment {
                    lead: lead.to_owned(),
                    key,
                    equals: equals.to_owned(),
                    value_raw: raw.concat(),
                    value: value.concat(),
                    tail,
                    eol: eol.to_owned(),
                }
            });
        let empty_tail = prop_oneof![
            Just(String::new()),
            regex("[ \t]{1,3}"),
            regex(&format!("[ \t]{{0,3}}{comment_text}")),
        ];
        let empty = (lead, key, prop_oneof![Just("="), Just(" =")], empty_tail).prop_map(
            move |(lead, key, equals, tail)| Line::Assignment {
                lead: lead.to_owned(),
                key,
                equals: equals.to_owned(),
                value_raw: String::new(),
                value: String::new(),
                tail,
                eol: eol.to_owned(),
            },
        );
        prop_oneof![1 => trivia, 3 => filled, 1 => empty]
    })
}

/// Generates strings that match `pattern`.
fn regex(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    proptest::string::string_regex(pattern).expect("the pattern should be valid")
}

/// A valid file as lines; only the last line may lack a line ending.
fn file(files: Files) -> impl Strategy<Value = Vec<Line>> {
    (
        prop::collection::vec(line(false, files), 0..8),
        prop::option::of(line(true, files)),
    )
        .prop_map(|(mut lines, last)| {
            lines.extend(last);
            lines
        })
}

/// Returns the file's text.
fn text_of(lines: &[Line]) -> String {
    lines.iter().map(Line::text).collect()
}

/// Returns the generated `(key, value)` pairs in file order.
fn expected_pairs(lines: &[Line]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|line| match line {
            Line::Assignment { key, value, .. } => Some((key.clone(), value.clone())),
            Line::Trivia(_) => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn render_gives_back_the_parsed_text(lines in file(Files::All)) {
        let text = text_of(&lines);

        let file = EnvFile::parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in {text:?}")))?;

        prop_assert_eq!(&*file.render(), &text);
    }

    #[test]
    fn values_are_the_generated_values(lines in file(Files::All)) {
        let text = text_of(&lines);

        let pairs = super::pairs(&text);

        prop_assert_eq!(pairs, expected_pairs(&lines), "{:?}", text);
    }

    #[test]
    fn agrees_with_dotenvy_outside_the_intended_disagreements(lines in file(Files::DotenvyReadsAlike)) {
        let text = text_of(&lines);

        let theirs = dotenvy::from_read_iter(text.as_bytes()).collect::<Result<Vec<_>, _>>();

        prop_assert_eq!(theirs.ok(), Some(super::pairs(&text)), "{:?}", text);
    }

    #[test]
    fn set_raw_rewrites_only_the_lines_of_its_key(lines in file(Files::All), pick in any::<prop::sample::Index>()) {
        let keys: Vec<String> = expected_pairs(&lines).into_iter().map(|(k, _)| k).collect();
        prop_assume!(!keys.is_empty());
        let key = keys[pick.index(keys.len())].clone();
        let mut file = EnvFile::parse(&text_of(&lines)).unwrap();

        let changed = file.set_raw(&key, "@kv:a-secret");

        let expected: String = lines
            .iter()
            .map(|line| match line {
                Line::Assignment { lead, key: k, equals, tail, eol, .. } if *k == key => {
                    let blank = if tail.starts_with('#') { " " } else { "" };
                    format!("{lead}{k}{equals}@kv:a-secret{blank}{tail}{eol}")
                }
                other => other.text(),
            })
            .collect();
        prop_assert_eq!(&*file.render(), &expected);
        prop_assert_eq!(changed, keys.iter().filter(|k| **k == key).count());
    }

    #[test]
    fn set_raw_of_any_text_reads_back_as_that_text(lines in file(Files::All), raw in any::<String>()) {
        let mut file = EnvFile::parse(&format!("{}\nVS_TARGET=old\n", text_of(&lines))).unwrap();
        let lines_before = file.render().matches('\n').count();

        file.set_raw("VS_TARGET", &raw);
        file.append_raw("VS_APPENDED", &raw);

        let rendered = file.render();
        let pairs = super::pairs(&rendered);
        prop_assert_eq!(super::last(&pairs, "VS_TARGET"), Some(raw.as_str()));
        prop_assert_eq!(super::last(&pairs, "VS_APPENDED"), Some(raw.as_str()));
        prop_assert_eq!(rendered.matches('\n').count(), lines_before + 1);
    }
}
