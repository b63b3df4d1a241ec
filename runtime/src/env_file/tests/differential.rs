//! Agreement with dotenvy 0.15.7 over inputs where the two should read the same values.
//!
//! The intended disagreements, each pinned by `intended_disagreements` below:
//! - dotenvy's errors carry the line; ours carry only line, key and kind;
//! - `"$NAME"`: dotenvy takes the character after an unbraced name
//!   literally (here the closing quote) and fails; we read it normally;
//! - `'C:\dir\'`: dotenvy's line splitter treats `\'` in single quotes as
//!   an escape and runs on into later lines; single quotes are literal here;
//! - `A=b  # it's`: dotenvy's splitter sees the quote in the comment and
//!   joins the next lines; a comment ends its line here;
//! - `A=x\ `: dotenvy trims the line before decoding and loses the escaped
//!   blank; we keep it, also before a comment;
//! - CRLF inside a quoted multi-line value: dotenvy keeps `\r`; we give LF;
//! - a last line without a line break that ends in whitespace or a
//!   backslash (`A=1 `, `A=#\`): dotenvy fails; we accept it;
//! - a byte-order mark: `from_read_iter` fails on it (only dotenvy's
//!   loaders strip it); we skip it;
//! - duplicates are not a difference here: both list every assignment, and
//!   the choice of the last one is the loader's.

use super::pairs_with;
use crate::env_file::EnvFile;

/// Reads `text` with dotenvy, or `None` when dotenvy reports an error.
fn dotenvy_pairs(text: &str) -> Option<Vec<(String, String)>> {
    dotenvy::from_read_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .ok()
}

/// Reads `text` with this module, with the process environment as the lookup, as dotenvy does.
fn our_pairs(text: &str) -> Option<Vec<(String, String)>> {
    EnvFile::parse(text).ok()?;
    Some(pairs_with(text, &|name| std::env::var(name).ok()))
}

const AGREEING: &[&str] = &[
    "",
    "A=1\nB=2\n",
    "A=1",
    "A=1\r\nB='x y'\r\nC=\"p q\"\r\n",
    "# comment\n\n   # indented\n\t\nA=1\n",
    "KEY=1\nKEY2=\"2\"\nKEY3='3'\nKEY4='fo ur'\nKEY5=\"fi ve\"\nKEY6=s\\ ix\nKEY7=\nKEY8=     \nKEY9=   # foo\nKEY10  =\"whitespace before =\"\nKEY11=    \"whitespace after =\"\nexport=\"export as key\"\nexport   SHELL_LOVER=1\n",
    "EMPTY=\nHINT=   # fill me in\nQUOTED=\"\"\nCHAN=#alerts\nCHAN_Q=\"#alerts\"\n",
    "export GITHUB_TOKEN=@kv:github-token\nexporter_url=http://127.0.0.1:4318\nexport_dir=out/dir\nexport   PORT=8080\n",
    "PW1='pa$$word@'\nRE='\\d+\\n'\nPW2=pa$$word@\nMSG='It'\\''s ok'\nMSG2='I'\"'\"'m here'\n",
    "VS_DIFF_USER=bob\nVS_DIFF_HOST=db.internal\nURL=\"postgres://${VS_DIFF_USER}@${VS_DIFF_HOST}/app\"\nLIT='x${VS_DIFF_USER}'\nMISSING=\"[${VS_DIFF_NOT_SET}]\"\nUNBRACED=$VS_DIFF_USER@h\n",
    "VSA=1\nVSB=${VSA}\nVSA=2\nVSC=$VSA$VSA\nVSD=\"${VSA}x\"\n",
    "TLS_KEY=\"-----BEGIN PRIVATE KEY-----\nMIIBVQ\n-----END PRIVATE KEY-----\n\"\nTLS_KEY2=\"-----BEGIN PRIVATE KEY-----\\nMIIBVQ\\n-----END PRIVATE KEY-----\\n\"\nGREETING=\"café – 日本 🌍\"\nPLAIN=naïve\nAFTER=1\n",
    "E=\"a\\nb\\\"c\\\\d\\$e\\'f\\ g\"\nU=a\\$b\\\\c\\\"d\\'e\n",
    "A=a#b\nB=a #b\nC=\"a\" #c\nD=\"a\"#c\nE='a'b\"c\"\nF='a'#x\n",
    "A='$HOME'\nB=\\$HOME\nC='multi\nline'\nD=${VS_DIFF_UNSET}x\n",
    "a.b=1\n_x=2\nx_.y9=3\n",
    "A=\u{a0}v\nB=w\u{3000}\n",
    "A=b\\\nB=2\n",
    "A=1  \nB=2\t\n",
    // Both fail on these.
    "DB_PASSWORD=correct horse battery\n",
    "WIN_PATH=C:\\Users\\svc\n",
    "CERT=\"-----BEGIN\n",
    "C='never closed\nX=1\n",
    "-A=1\n",
    "A\n",
    "FOO bar=1\n",
    "FOO-BAR=1\n",
    "export FOO\n",
    "BAD='It\\'s broken'\n",
    "A=${X\n",
    "A='a' b\n",
    "A=\"a\\qb\"\n",
];

#[test]
fn agrees_with_dotenvy_where_both_should() {
    for text in AGREEING {
        assert_eq!(our_pairs(text), dotenvy_pairs(text), "input {text:?}");
    }
}

/// Expected `(key, value)` pairs.
type Pairs = &'static [(&'static str, &'static str)];

#[test]
fn intended_disagreements() {
    let cases: &[(&str, Pairs)] = &[
        ("VSQ=q\nX=\"$VSQ\"\n", &[("VSQ", "q"), ("X", "q")]),
        ("P='C:\\dir\\'\nQ=1\n", &[("P", "C:\\dir\\"), ("Q", "1")]),
        ("A=b  # it's\nB=2\n", &[("A", "b"), ("B", "2")]),
        ("X=\"a\r\nb\"\r\n", &[("X", "a\nb")]),
        ("X=b ", &[("X", "b")]),
        ("X=#\\", &[("X", "")]),
        ("X=a\\ \nY=b\\  # c\n", &[("X", "a "), ("Y", "b ")]),
        ("\u{feff}A=1\n", &[("A", "1")]),
    ];
    for (text, ours) in cases {
        let ours: Vec<(String, String)> = ours
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();

        assert_eq!(our_pairs(text), Some(ours.clone()), "input {text:?}");
        assert_ne!(
            dotenvy_pairs(text),
            Some(ours),
            "input {text:?}: dotenvy now agrees"
        );
    }
}
