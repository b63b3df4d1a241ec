//! The acceptance cases of the `.env` grammar (C02, C03, C05, C06, C07, C09, C10).

use std::collections::HashMap;

use super::{last, pairs, pairs_with, parse_error};
use crate::env_file::{EnvFile, EnvFileErrorKind, QuoteKind};

#[test]
fn c02_empty_values_and_values_starting_with_hash() {
    let text = "EMPTY=\nHINT=   # fill me in\nQUOTED=\"\"\nCHAN=#alerts\nCHAN_Q=\"#alerts\"\n";

    let pairs = pairs(text);

    assert_eq!(last(&pairs, "EMPTY"), Some(""));
    assert_eq!(last(&pairs, "HINT"), Some(""));
    assert_eq!(last(&pairs, "QUOTED"), Some(""));
    // A `#` right after `=` starts a comment, as in dotenvy.
    assert_eq!(last(&pairs, "CHAN"), Some(""));
    assert_eq!(last(&pairs, "CHAN_Q"), Some("#alerts"));
    assert_eq!(pairs.len(), 5);
}

#[test]
fn c03_export_prefix_is_a_word_not_a_key_prefix() {
    let text = "export GITHUB_TOKEN=@kv:github-token\nexporter_url=http://127.0.0.1:4318\nexport_dir=out/dir\nexport   PORT=8080\n";

    let pairs = pairs(text);

    let expected = [
        ("GITHUB_TOKEN", "@kv:github-token"),
        ("exporter_url", "http://127.0.0.1:4318"),
        ("export_dir", "out/dir"),
        ("PORT", "8080"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(pairs, expected);
}

#[test]
fn c05_single_quotes_are_literal_and_unquoted_dollars_substitute() {
    let text =
        "PW1='pa$$word@'\nRE='\\d+\\n'\nPW2=pa$$word@\nMSG='It'\\''s ok'\nMSG2='I'\"'\"'m here'\n";

    let pairs = pairs(text);

    assert_eq!(last(&pairs, "PW1"), Some("pa$$word@"));
    assert_eq!(last(&pairs, "RE"), Some("\\d+\\n"));
    assert_eq!(last(&pairs, "PW2"), Some("pa@"));
    assert_eq!(last(&pairs, "MSG"), Some("It's ok"));
    assert_eq!(last(&pairs, "MSG2"), Some("I'm here"));
}

#[test]
fn c05_backslash_quote_in_single_quotes_is_an_error_with_the_quote_hint() {
    let text = "PW1='pa$$word@'\nRE='\\d+\\n'\nPW2=pa$$word@\nMSG='It'\\''s ok'\nMSG2='I'\"'\"'m here'\nBAD='It\\'s broken'\n";

    let error = parse_error(text);

    assert_eq!(error.line(), Some(6));
    assert_eq!(error.key(), Some("BAD"));
    assert!(matches!(
        error.kind(),
        EnvFileErrorKind::BadEscapeInSingleQuotes
    ));
    assert_eq!(
        error.to_string(),
        "line 6: value of `BAD` has `\\'` inside single quotes, where backslashes are literal; write a single quote as `'\\''`"
    );
}

#[test]
fn c05_backslash_quote_at_the_end_of_a_line_does_not_swallow_later_lines() {
    let error = parse_error("MSG='It\\'s'\nOTHER='x'\n");

    assert_eq!(error.line(), Some(1));
    assert!(matches!(
        error.kind(),
        EnvFileErrorKind::BadEscapeInSingleQuotes
    ));
}

#[test]
fn c06_substitution_in_double_quotes_and_unquoted_values_only() {
    let text = "DB_USER=bob\nDB_HOST=db.internal\nURL=\"postgres://${DB_USER}@${DB_HOST}/app\"\nLIT='x${DB_USER}'\nMISSING=\"[${NOT_SET_ANYWHERE}]\"\nUNBRACED=$DB_USER@h\n";

    let pairs = pairs(text);

    assert_eq!(last(&pairs, "URL"), Some("postgres://bob@db.internal/app"));
    assert_eq!(last(&pairs, "LIT"), Some("x${DB_USER}"));
    assert_eq!(last(&pairs, "MISSING"), Some("[]"));
    // An unbraced name is letters and digits only, as in dotenvy: `$DB` then `_USER@h`.
    assert_eq!(last(&pairs, "UNBRACED"), Some("_USER@h"));
}

#[test]
fn c07_lookup_wins_inside_substitution_and_duplicates_are_kept_in_order() {
    let env: HashMap<&str, &str> = [("PORT", "9000"), ("DB_USER", "alice")].into();
    let lookup = |name: &str| env.get(name).map(|v| v.to_string());
    let text = "PORT=8000\nDB_USER=bob\nURL=\"${DB_USER}@db\"\nLOG_LEVEL=info\nLOG_LEVEL=debug\n";

    let pairs = pairs_with(text, &lookup);
    let entries = EnvFile::parse(text).unwrap().values(&lookup);

    // The file's own value; the loader applies the environment's precedence.
    assert_eq!(last(&pairs, "PORT"), Some("8000"));
    assert_eq!(last(&pairs, "URL"), Some("alice@db"));
    assert_eq!(last(&pairs, "LOG_LEVEL"), Some("debug"));
    let levels: Vec<(usize, &str)> = entries
        .iter()
        .filter(|e| e.key == "LOG_LEVEL")
        .map(|e| (e.line, e.value.as_str()))
        .collect();
    assert_eq!(levels, [(4, "info"), (5, "debug")]);
}

#[test]
fn c07_later_assignments_override_earlier_ones_inside_substitution() {
    let text = "A=1\nB=${A}\nA=2\nC=$A\n";

    let pairs = pairs(text);

    assert_eq!(last(&pairs, "B"), Some("1"));
    assert_eq!(last(&pairs, "C"), Some("2"));
}

const C09: &str = "TLS_KEY=\"-----BEGIN PRIVATE KEY-----\nMIIBVQ\n-----END PRIVATE KEY-----\n\"\nTLS_KEY2=\"-----BEGIN PRIVATE KEY-----\\nMIIBVQ\\n-----END PRIVATE KEY-----\\n\"\nGREETING=\"café – 日本 🌍\"\nPLAIN=naïve\nAFTER=1\n";
const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIBVQ\n-----END PRIVATE KEY-----\n";

#[test]
fn c09_multi_line_values_and_unicode() {
    let file = EnvFile::parse(C09).unwrap();
    let entries = file.values(&super::no_env);
    let pairs = pairs(C09);

    assert_eq!(last(&pairs, "TLS_KEY"), Some(PEM));
    assert_eq!(last(&pairs, "TLS_KEY2"), Some(PEM));
    assert_eq!(last(&pairs, "GREETING"), Some("café – 日本 🌍"));
    assert_eq!(last(&pairs, "PLAIN"), Some("naïve"));
    assert_eq!(last(&pairs, "AFTER"), Some("1"));
    let lines: Vec<(&str, usize)> = entries.iter().map(|e| (e.key.as_str(), e.line)).collect();
    assert_eq!(
        lines,
        [
            ("TLS_KEY", 1),
            ("TLS_KEY2", 5),
            ("GREETING", 6),
            ("PLAIN", 7),
            ("AFTER", 8)
        ]
    );
}

#[test]
fn c09_crlf_file_reads_the_same_values() {
    let crlf = C09.replace('\n', "\r\n");

    let file = EnvFile::parse(&crlf).unwrap();

    assert_eq!(pairs(&crlf), pairs(C09));
    assert_eq!(*file.render(), crlf);
}

#[test]
fn c10_unquoted_whitespace_names_file_line_and_key() {
    let path = std::env::temp_dir().join(format!("vault-settings-c10-{}.env", std::process::id()));
    std::fs::write(
        &path,
        "PORT=8080\n# db\nDB_PASSWORD=correct horse battery\n",
    )
    .unwrap();

    let result = EnvFile::read(&path);
    std::fs::remove_file(&path).unwrap();
    let error = result.unwrap_err();

    assert_eq!(error.path(), Some(path.as_path()));
    assert_eq!(error.line(), Some(3));
    assert_eq!(error.key(), Some("DB_PASSWORD"));
    assert!(matches!(error.kind(), EnvFileErrorKind::UnquotedWhitespace));
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` line 3: value of `DB_PASSWORD` contains unquoted whitespace; wrap it in single quotes",
            path.display()
        )
    );
    assert_leaks_nothing(&error);
}

#[test]
fn c10_unknown_escape_names_the_key_and_suggests_single_quotes() {
    let error = parse_error("WIN_PATH=C:\\Users\\svc\n");

    assert_eq!(error.line(), Some(1));
    assert_eq!(error.key(), Some("WIN_PATH"));
    assert!(matches!(error.kind(), EnvFileErrorKind::UnknownEscape));
    assert!(error.to_string().contains("use single quotes"));
    assert_leaks_nothing(&error);
}

#[test]
fn c10_unterminated_quote_names_the_key_and_the_line_it_opened_on() {
    let error = parse_error("PORT=1\nCERT=\"-----BEGIN\nMIIB\n");

    assert_eq!(error.line(), Some(2));
    assert_eq!(error.key(), Some("CERT"));
    assert!(matches!(
        error.kind(),
        EnvFileErrorKind::UnterminatedQuote {
            opened_at: 2,
            quote: QuoteKind::Double
        }
    ));
    assert_eq!(
        error.to_string(),
        "line 2: `CERT` opens a double quote that is never closed"
    );
    assert_leaks_nothing(&error);
}

#[test]
fn c10_other_syntax_errors_name_the_line_but_never_the_text() {
    let cases = [
        (
            "A=1\nsvc_horse battery\n",
            2,
            EnvFileErrorKind::MissingEquals,
        ),
        ("svc-horse=battery\n", 1, EnvFileErrorKind::InvalidKey),
        ("-svc=horse\n", 1, EnvFileErrorKind::InvalidKey),
        ("svc_horse_battery\n", 1, EnvFileErrorKind::MissingEquals),
        (
            "A=${svc horse\n",
            1,
            EnvFileErrorKind::UnterminatedSubstitution,
        ),
    ];
    for (text, line, kind) in cases {
        let error = parse_error(text);

        assert_eq!(error.line(), Some(line), "{text:?}");
        assert_eq!(
            std::mem::discriminant(error.kind()),
            std::mem::discriminant(&kind),
            "{text:?}"
        );
        assert_leaks_nothing(&error);
    }
}

#[test]
fn not_utf8_is_an_error_with_the_line_and_no_bytes() {
    let path = std::env::temp_dir().join(format!("vault-settings-utf8-{}.env", std::process::id()));
    std::fs::write(&path, b"A=1\nB=horse\xff\n").unwrap();

    let result = EnvFile::read(&path);
    std::fs::remove_file(&path).unwrap();
    let error = result.unwrap_err();

    assert_eq!(error.line(), Some(2));
    assert!(matches!(error.kind(), EnvFileErrorKind::NotUtf8));
    assert_leaks_nothing(&error);
}

#[test]
fn a_missing_file_is_an_io_error_that_says_not_found() {
    let path = std::env::temp_dir().join("vault-settings-no-such-file.env");

    let error = EnvFile::read(&path).unwrap_err();

    assert!(error.is_not_found());
    assert_eq!(error.line(), None);
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn debug_of_files_and_entries_shows_no_values() {
    let file = EnvFile::parse("DB_PASSWORD=horse\n# OLD=battery\nTOKEN=\"svc\"\n").unwrap();

    let entries = format!("{:?}", file.values(&super::no_env));
    let file = format!("{file:?}");

    for shown in [entries, file] {
        assert!(shown.contains("DB_PASSWORD"), "{shown}");
        for secret in ["horse", "battery", "svc"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}

#[test]
fn byte_order_mark_is_skipped_and_kept() {
    let text = "\u{feff}A=1\n";

    let file = EnvFile::parse(text).unwrap();

    assert_eq!(file.keys().collect::<Vec<_>>(), ["A"]);
    assert_eq!(*file.render(), text);
}

/// Asserts that neither `Display` nor `Debug` of `error` holds a fake secret of the cases.
fn assert_leaks_nothing(error: &crate::env_file::EnvFileError) {
    let shown = format!("{error} {error:?}");
    for secret in ["horse", "battery", "svc"] {
        assert!(!shown.contains(secret), "`{secret}` leaked: {shown}");
    }
}
