//! The `[[cli]]` entries of `tests/known-diffs.toml`: differences between the
//! reference and kaudit's auditctl personality that the README lists as
//! intended. Format (other tables of the file are other tests'):
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

/// One `[[cli]]` entry as written.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    step: String,
    differs: String,
    reason: String,
}

/// The tables this reader takes (others are another test's).
#[derive(serde::Deserialize)]
struct File {
    #[serde(default)]
    cli: Vec<Entry>,
}

/// Step name to its entry.
pub fn load(path: &std::path::Path) -> HashMap<String, Known> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashMap::new();
    };
    let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = HashMap::new();
    for Entry {
        step,
        differs,
        reason,
    } in file.cli
    {
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
    }
    out
}
