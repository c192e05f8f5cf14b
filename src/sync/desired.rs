//! The desired state: the files' rules, in order, and their settings (see
//! the module docs of [`crate::sync`]).

use super::files::entries_from_paths;
use super::{Scope, Setting};
use crate::compile::{Compiled, RuleOp};
use crate::diag::Diagnostic;
use crate::host::Host;
use crate::model::Control;
use crate::rulefile::{Entry, Origin, Trust};
use crate::stored_rule::StoredRule;
use crate::syntax::Span;

/// Settings a rules file can ask for (`None`: not mentioned).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `-e`
    pub enabled: Option<u32>,
    /// `-f`
    pub failure: Option<u32>,
    /// `-r`
    pub rate_limit: Option<u32>,
    /// `-b`
    pub backlog_limit: Option<u32>,
    /// `--backlog_wait_time`
    pub backlog_wait_time: Option<u32>,
    /// `--loginuid-immutable`
    pub loginuid_immutable: bool,
}

impl Settings {
    /// The value the files ask for, if they mention the setting.
    pub fn wanted(&self, setting: Setting) -> Option<u32> {
        match setting {
            Setting::Enabled => self.enabled,
            Setting::Failure => self.failure,
            Setting::RateLimit => self.rate_limit,
            Setting::BacklogLimit => self.backlog_limit,
            Setting::BacklogWaitTime => self.backlog_wait_time,
        }
    }
}

/// What the files ask for.
#[derive(Clone, Debug, Default)]
pub struct Desired {
    /// Rules, as the kernel stores them, in order, with where each came from.
    pub rules: Vec<(StoredRule, Origin)>,
    /// Settings.
    pub settings: Settings,
    /// The files say `-D` (with no key): an empty rule set is meant.
    pub delete_all: bool,
    /// The user allows an empty rule set to replace the rules in scope
    /// (`--allow-empty`).
    pub allow_empty: bool,
}

/// Reads and compiles the paths into the desired state, with `trust` for
/// files others could write (see [`entries_from_paths`]). Ok: the state and
/// the trust warnings. Err: the diagnostics, whole; there is at least one
/// error, and the caller must not touch the kernel.
pub fn desired_from_paths(
    paths: &[String],
    host: &Host,
    scope: &Scope,
    trust: Trust,
) -> Result<(Desired, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (entries, mut warnings) = entries_from_paths(paths, host, trust)?;
    let mut errors = Vec::new();
    let desired = desired_from_entries(&entries, scope, &mut errors);
    if errors.is_empty() {
        Ok((desired, warnings))
    } else {
        warnings.extend(errors);
        Err(warnings)
    }
}

fn entry_error(e: &Entry, message: impl Into<String>) -> Diagnostic {
    let mut d = Diagnostic::error(
        Span {
            start: 0,
            end: e.text.len(),
        },
        message,
    );
    d = d.at(Some(&e.origin.file), e.origin.line, &e.text);
    d
}

/// The desired state of compiled lines (see the module docs).
pub fn desired_from_entries(
    entries: &[Entry],
    scope: &Scope,
    errors: &mut Vec<Diagnostic>,
) -> Desired {
    build_desired(entries, scope, &[], false, errors)
}

/// The `augenrules --load` meaning of a merged file without `-D`, which is
/// what `auditctl -R` of it would leave: the kernel's current `table` with
/// the file's lines applied to it. A rule already present stays where it is
/// (no "Rule exists" failure), new rules are appended (`-a`, `-w`) or
/// prepended (`-A`), `-d` removes a rule if present, `-D -k KEY` removes the
/// rules whose key contains KEY. Every other rule is kept.
pub fn desired_additive(
    entries: &[Entry],
    table: &[StoredRule],
    scope: &Scope,
    errors: &mut Vec<Diagnostic>,
) -> Desired {
    let base: Vec<StoredRule> = table
        .iter()
        .filter(|r| scope.covers(r.rule()))
        .cloned()
        .collect();
    build_desired(entries, scope, &base, true, errors)
}

/// Whether any line of the compiled files is a bare `-D`.
pub fn says_delete_all(entries: &[Entry]) -> bool {
    entries.iter().any(|e| {
        let controls = match &*e.compiled {
            Compiled::Mixed { controls, .. } | Compiled::Control(controls) => controls.as_slice(),
            _ => &[],
        };
        controls
            .iter()
            .any(|c| matches!(c, Control::DeleteAll { key: None }))
    })
}

/// Applies `entries` to `base` (empty: the declarative meaning; the kernel's
/// table: the additive one, where a rule already present or a delete of a
/// missing rule is not an error).
fn build_desired(
    entries: &[Entry],
    scope: &Scope,
    base: &[StoredRule],
    additive: bool,
    errors: &mut Vec<Diagnostic>,
) -> Desired {
    let kernel = Origin {
        file: "(the kernel's table)".into(),
        line: 0,
    };
    let mut d = Desired {
        rules: base.iter().map(|r| (r.clone(), kernel.clone())).collect(),
        ..Desired::default()
    };
    // Where each rule already in `d.rules` came from: the duplicate check is
    // a lookup, not a scan (a 10,000-rule file would otherwise compare 50
    // million kilobyte-long payloads).
    let mut seen: std::collections::HashMap<StoredRule, Origin, crate::plan::Fast> =
        base.iter().map(|r| (r.clone(), kernel.clone())).collect();
    for e in entries {
        let (controls, rule) = match &*e.compiled {
            Compiled::Rule { op, rule } => (&[][..], Some((*op, rule))),
            Compiled::Mixed { controls, op, rule } => (controls.as_slice(), Some((*op, rule))),
            Compiled::Control(c) => (c.as_slice(), None),
            Compiled::Nothing | Compiled::Deprecated => (&[][..], None),
        };
        for c in controls {
            match c {
                Control::SetEnabled(v) => d.settings.enabled = Some(*v),
                Control::SetFailure(v) => d.settings.failure = Some(*v),
                Control::SetRateLimit(v) => d.settings.rate_limit = Some(*v),
                Control::SetBacklogLimit(v) => d.settings.backlog_limit = Some(*v),
                Control::SetBacklogWaitTime(v) => d.settings.backlog_wait_time = Some(*v),
                Control::LoginuidImmutable => d.settings.loginuid_immutable = true,
                // Sync replaces the table, so -D is implied; it is recorded
                // because it is what makes an empty rule set meant. -i/-c
                // are about line-by-line loading, which sync does not do.
                Control::DeleteAll { key: None } => d.delete_all = true,
                Control::DeleteAll { key: Some(k) } if additive => {
                    let doomed = |r: &StoredRule| {
                        r.rule()
                            .key_bytes()
                            .is_some_and(|rk| crate::listing::contains(rk, k))
                    };
                    d.rules.retain(|(r, _)| !doomed(r));
                    seen.retain(|r, _| !doomed(r));
                }
                Control::IgnoreErrors | Control::ContinueOnErrors => {}
                other => errors.push(entry_error(
                    e,
                    format!(
                        "{} ({}) does not describe a state; sync takes rules and settings only",
                        other.auditctl_text(),
                        other.describe()
                    ),
                )),
            }
        }
        let Some((op, rule)) = rule else { continue };
        if !scope.covers(rule) {
            errors.push(entry_error(
                e,
                "this rule is outside the --scope (its key does not start with the prefix)",
            ));
            continue;
        }
        let stored = StoredRule::compiled(rule);
        match op {
            RuleOp::Delete => match seen.remove(&stored) {
                Some(_) => {
                    if let Some(i) = d.rules.iter().position(|(r, _)| *r == stored) {
                        d.rules.remove(i);
                    }
                }
                None if additive => {}
                None => errors.push(entry_error(e, "deletes a rule that no earlier line adds")),
            },
            RuleOp::Append | RuleOp::Prepend => {
                if additive && seen.contains_key(&stored) {
                    continue;
                }
                if let Some(first) = seen.get(&stored) {
                    errors.push(entry_error(
                        e,
                        format!(
                            "the same rule is already at {}:{} (the kernel would refuse it)",
                            first.file, first.line
                        ),
                    ));
                    continue;
                }
                seen.insert(stored.clone(), e.origin.clone());
                let list = stored.list();
                let item = (stored, e.origin.clone());
                if op == RuleOp::Prepend {
                    let at = d
                        .rules
                        .iter()
                        .position(|(r, _)| r.list() == list)
                        .unwrap_or(d.rules.len());
                    d.rules.insert(at, item);
                } else {
                    d.rules.push(item);
                }
            }
        }
    }
    d
}
