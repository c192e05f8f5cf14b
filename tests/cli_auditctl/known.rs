//! The `[[cli]]` entries of `tests/known-diffs.toml`: differences between the
//! reference and kaudit's auditctl personality that the README lists as
//! intended. Format (other tables of the file are skipped):
//!
//! ```toml
//! [[cli]]
//! step = "the script line, exactly"
//! differs = "stderr, table"   # which comparisons may differ
//! reason = "why"
//! ```

use std::collections::HashMap;

/// What may differ for one step, and why.
pub struct Known {
    pub differs: Vec<String>,
    pub reason: String,
}

/// The comparisons a step can differ in.
pub const ASPECTS: [&str; 4] = ["stdout", "exit", "stderr", "table"];

/// Step name to its entry.
pub fn load(path: &std::path::Path) -> HashMap<String, Known> {
    let mut out = HashMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return out;
    };
    let mut in_cli = false;
    let mut cur: HashMap<String, String> = HashMap::new();
    let mut flush = |cur: &mut HashMap<String, String>, n: usize| {
        if cur.is_empty() {
            return;
        }
        let step = cur.remove("step");
        let differs = cur.remove("differs");
        let reason = cur.remove("reason");
        let (Some(step), Some(differs), Some(reason)) = (step, differs, reason) else {
            panic!("known-diffs.toml: the [[cli]] entry before line {n} needs step, differs and reason");
        };
        assert!(
            !reason.trim().is_empty(),
            "known-diffs.toml: {step:?}: empty reason"
        );
        let differs: Vec<String> = differs
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        for d in &differs {
            assert!(
                ASPECTS.contains(&d.as_str()),
                "known-diffs.toml: {step:?}: unknown aspect {d:?} (one of {ASPECTS:?})"
            );
        }
        out.insert(step, Known { differs, reason });
        cur.clear();
    };
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            flush(&mut cur, n + 1);
            in_cli = line == "[[cli]]";
            continue;
        }
        if !in_cli {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("known-diffs.toml:{}: expected key = \"value\"", n + 1));
        let v =
            unquote(v.trim()).unwrap_or_else(|| panic!("known-diffs.toml:{}: bad string", n + 1));
        let k = k.trim();
        assert!(
            ["step", "differs", "reason"].contains(&k),
            "known-diffs.toml:{}: unknown key {k} in [[cli]]",
            n + 1
        );
        cur.insert(k.to_string(), v);
    }
    flush(&mut cur, text.lines().count());
    out
}

/// A TOML basic string (`\"`, `\\`, `\t`, `\n` escapes).
fn unquote(v: &str) -> Option<String> {
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
