//! The editing cases (C22, C24) and the rules of `set_raw` and `append_raw`.

use super::{last, pairs};
use crate::env_file::EnvFile;

#[test]
fn c22_every_active_duplicate_is_rewritten_and_comments_are_kept() {
    let text = "# GITHUB_TOKEN=ghp_example_docs\nGITHUB_TOKEN=ghp_old1\nLOG_LEVEL=info\nGITHUB_TOKEN=ghp_new2\n";
    let mut file = EnvFile::parse(text).unwrap();
    assert_eq!(last(&pairs(text), "GITHUB_TOKEN"), Some("ghp_new2"));

    let changed = file.set_raw("GITHUB_TOKEN", "@kv:github-token");

    assert_eq!(changed, 2);
    assert_eq!(
        *file.render(),
        "# GITHUB_TOKEN=ghp_example_docs\nGITHUB_TOKEN=@kv:github-token\nLOG_LEVEL=info\nGITHUB_TOKEN=@kv:github-token\n"
    );
}

#[test]
fn c22_crlf_file_keeps_its_line_endings() {
    let text = "# GITHUB_TOKEN=ghp_example_docs\r\nGITHUB_TOKEN=ghp_old1\r\nLOG_LEVEL=info\r\nGITHUB_TOKEN=ghp_new2\r\n";
    let mut file = EnvFile::parse(text).unwrap();

    file.set_raw("GITHUB_TOKEN", "@kv:github-token");

    assert_eq!(
        *file.render(),
        "# GITHUB_TOKEN=ghp_example_docs\r\nGITHUB_TOKEN=@kv:github-token\r\nLOG_LEVEL=info\r\nGITHUB_TOKEN=@kv:github-token\r\n"
    );
}

const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIBVQ\n-----END PRIVATE KEY-----\n";

#[test]
fn c24_multi_line_value_becomes_one_line() {
    let text = format!("TLS_KEY=\"{PEM}\"\nPORT=8080\n");
    let mut file = EnvFile::parse(&text).unwrap();
    assert_eq!(last(&pairs(&text), "TLS_KEY"), Some(PEM));

    let changed = file.set_raw("TLS_KEY", "@kv:tls-key");

    assert_eq!(changed, 1);
    assert_eq!(*file.render(), "TLS_KEY=@kv:tls-key\nPORT=8080\n");
    let lines: Vec<(String, usize)> = file
        .values(&super::no_env)
        .into_iter()
        .map(|e| (e.key, e.line))
        .collect();
    assert_eq!(lines, [("TLS_KEY".to_owned(), 1), ("PORT".to_owned(), 2)]);
}

#[test]
fn c24_crlf_multi_line_value_reads_with_lf_and_becomes_one_line() {
    let text = format!("TLS_KEY=\"{PEM}\"\nPORT=8080\n").replace('\n', "\r\n");
    let mut file = EnvFile::parse(&text).unwrap();
    assert_eq!(last(&pairs(&text), "TLS_KEY"), Some(PEM));

    file.set_raw("TLS_KEY", "@kv:tls-key");

    assert_eq!(*file.render(), "TLS_KEY=@kv:tls-key\r\nPORT=8080\r\n");
}

#[test]
fn set_raw_keeps_indentation_export_blanks_and_comments() {
    let text = "  export API_KEY = \"sk plain\"   # prod key\nOTHER=1\n";
    let mut file = EnvFile::parse(text).unwrap();

    file.set_raw("API_KEY", "@kv:api-key");

    assert_eq!(
        *file.render(),
        "  export API_KEY = @kv:api-key   # prod key\nOTHER=1\n"
    );
}

#[test]
fn set_raw_fills_empty_values_without_joining_comments() {
    let text = "HINT=   # fill me in\nCHAN=#alerts\nEMPTY=\n";
    let mut file = EnvFile::parse(text).unwrap();

    for key in ["HINT", "CHAN", "EMPTY"] {
        file.set_raw(key, "@kv:x");
    }

    assert_eq!(
        *file.render(),
        "HINT=@kv:x   # fill me in\nCHAN=@kv:x #alerts\nEMPTY=@kv:x\n"
    );
    let pairs = pairs(&file.render());
    assert!(pairs.iter().all(|(_, v)| v == "@kv:x"), "{pairs:?}");
}

#[test]
fn set_raw_quotes_text_that_is_not_a_plain_token() {
    let raws = [
        "two words",
        "it's $HOME",
        "line\nbreak \"quoted\" \\",
        "#hash",
        "",
    ];
    for raw in raws {
        let mut file = EnvFile::parse("A=old\nB=2\n").unwrap();

        file.set_raw("A", raw);

        let rendered = file.render();
        assert_eq!(last(&pairs(&rendered), "A"), Some(raw), "{rendered:?}");
        assert_eq!(rendered.lines().count(), 2, "{rendered:?}");
    }
}

#[test]
fn set_raw_of_an_absent_key_changes_nothing() {
    let text = "# API_KEY=x\nA=1\n";
    let mut file = EnvFile::parse(text).unwrap();

    assert_eq!(file.set_raw("API_KEY", "@kv:api-key"), 0);
    assert_eq!(*file.render(), text);
}

#[test]
fn append_raw_uses_the_file_line_ending_and_ends_the_last_line() {
    let mut lf = EnvFile::parse("A=1").unwrap();
    let mut crlf = EnvFile::parse("# c\r\nA=1").unwrap();
    let mut empty = EnvFile::parse("").unwrap();

    lf.append_raw("B", "@kv:b");
    crlf.append_raw("B", "@kv:b");
    empty.append_raw("B", "@kv:b");

    assert_eq!(*lf.render(), "A=1\nB=@kv:b\n");
    assert_eq!(*crlf.render(), "# c\r\nA=1\r\nB=@kv:b\r\n");
    assert_eq!(*empty.render(), "B=@kv:b\n");
}

#[test]
fn append_raw_skips_present_and_invalid_keys() {
    let text = "A=1\n";
    let mut file = EnvFile::parse(text).unwrap();

    file.append_raw("A", "@kv:a");
    file.append_raw("FOO-BAR", "@kv:foo-bar");
    file.append_raw("", "@kv:empty");

    assert_eq!(*file.render(), text);
    assert!(!EnvFile::is_valid_key("FOO-BAR"));
    assert!(EnvFile::is_valid_key("_a.b9"));
}
