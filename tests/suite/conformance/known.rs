//! `tests/known-diffs.toml`: differences that are deliberate, documented
//! kaudit improvements. Format:
//!
//! ```toml
//! [[diff]]
//! case = "-a always,exit ..."
//! reason = "..."
//! ```
//!
//! Other tables are left to the tests they belong to.

use std::collections::HashMap;

/// A case text with the per-case key numbers (`kct-123`) replaced by
/// `kct-N`, so that entries survive the matrix growing.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("kct-") {
        out.push_str(&rest[..p + 4]);
        rest = &rest[p + 4..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('N');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// One `[[diff]]` entry.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Diff {
    case: String,
    reason: String,
}

/// The tables this reader takes (others, such as `[[cli]]`, are another
/// test's).
#[derive(serde::Deserialize)]
struct File {
    #[serde(default)]
    diff: Vec<Diff>,
}

/// Normalized case text to reason.
pub fn load(path: &std::path::Path) -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashMap::new();
    };
    let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.diff
        .into_iter()
        .map(|d| {
            assert!(
                !d.reason.trim().is_empty(),
                "known-diffs.toml: the diff for {:?} needs a reason",
                d.case
            );
            (normalize(&d.case), d.reason)
        })
        .collect()
}
