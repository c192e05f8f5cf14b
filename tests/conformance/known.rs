//! `tests/known-diffs.toml`: differences that are deliberate, documented
//! kaudit improvements. Format:
//!
//! ```toml
//! [[diff]]
//! case = "-a always,exit ..."
//! reason = "..."
//! ```
//!
//! Only this shape is read (basic strings with `\"` and `\\` escapes).

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

/// Normalized case text to reason.
pub fn load(path: &std::path::Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return out;
    };
    let mut case: Option<String> = None;
    let mut reason: Option<String> = None;
    let mut flush = |case: &mut Option<String>, reason: &mut Option<String>| {
        if let Some(c) = case.take() {
            let r = reason.take().unwrap_or_default();
            assert!(
                !r.is_empty(),
                "known-diffs.toml: the diff for {c:?} needs a reason"
            );
            out.insert(normalize(&c), r);
        }
        *reason = None;
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "[[diff]]" {
            flush(&mut case, &mut reason);
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("known-diffs.toml:{}: expected key = \"value\"", n + 1));
        let v = parse_string(v.trim())
            .unwrap_or_else(|| panic!("known-diffs.toml:{}: bad string", n + 1));
        match k.trim() {
            "case" => case = Some(v),
            "reason" => reason = Some(v),
            other => panic!("known-diffs.toml:{}: unknown key {other}", n + 1),
        }
    }
    flush(&mut case, &mut reason);
    out
}

fn parse_string(v: &str) -> Option<String> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                't' => out.push('\t'),
                'n' => out.push('\n'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}
