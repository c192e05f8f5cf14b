//! Order and settings: what the set does when loaded line by line.
//!
//! - the same rule twice (the kernel refuses the second copy with EEXIST, and
//!   `auditctl -R` stops there);
//! - `-d`/`-W` of a rule no earlier line adds;
//! - `-e 2` with rules or settings after it (locked: they are refused);
//! - `-D` after rules, and `-b`/`-f`/`--backlog_wait_time` after rules;
//! - a setting given again with another value (the last one wins).

use super::{line_span, option_span, rule_of, Code, Finding, Findings};
use crate::compile::{Compiled, RuleOp};
use crate::model::Control;
use crate::rulefile::Entry;
use crate::syntax::{Flag, OptKind, ValueLetter};
use std::collections::HashMap;

/// Picks an option of a parsed line.
type Pick = fn(&OptKind) -> bool;

/// The setting a control line sets: its name, value and option.
fn setting(c: &Control) -> Option<(&'static str, u32, Pick)> {
    Some(match c {
        Control::SetEnabled(v) => ("-e", *v, |k| {
            matches!(k, OptKind::Value(ValueLetter::Enabled, _))
        }),
        Control::SetFailure(v) => ("-f", *v, |k| {
            matches!(k, OptKind::Value(ValueLetter::Failure, _))
        }),
        Control::SetRateLimit(v) => ("-r", *v, |k| {
            matches!(k, OptKind::Value(ValueLetter::Rate, _))
        }),
        Control::SetBacklogLimit(v) => ("-b", *v, |k| {
            matches!(k, OptKind::Value(ValueLetter::Backlog, _))
        }),
        Control::SetBacklogWaitTime(v) => ("--backlog_wait_time", *v, |k| {
            matches!(k, OptKind::BacklogWaitTime(_))
        }),
        _ => return None,
    })
}

fn controls(e: &Entry) -> &[Control] {
    match &*e.compiled {
        Compiled::Control(c) | Compiled::Mixed { controls: c, .. } => c,
        _ => &[],
    }
}

/// The order and settings checks.
pub fn check(entries: &[Entry]) -> Findings {
    let mut out = Findings::default();
    let mut present: HashMap<Vec<u8>, &Entry> = HashMap::new();
    let mut first_rule: Option<&Entry> = None;
    let mut settings: HashMap<&'static str, (u32, &Entry)> = HashMap::new();
    let mut lock: Option<&Entry> = None;
    let mut after_lock: Vec<&Entry> = Vec::new();
    for e in entries {
        if lock.is_some() && (!controls(e).is_empty() || rule_of(e).is_some()) {
            after_lock.push(e);
        }
        for c in controls(e) {
            if let Control::DeleteAll { .. } = c {
                if let Some(r) = first_rule {
                    out.push(
                        Finding::at(
                            Code::DeleteAllAfterRules,
                            e,
                            option_span(&e.text, |k| matches!(k, OptKind::Flag(Flag::DeleteAll))),
                            "-D after rules: loaded with auditctl -R it deletes every rule \
                             before it (augenrules moves it first; kaudit sync implies it)",
                        )
                        .with_related(r, "the first rule it would delete"),
                    );
                }
            }
            let Some((name, value, pick)) = setting(c) else {
                continue;
            };
            if matches!(name, "-b" | "-f" | "--backlog_wait_time") {
                if let Some(r) = first_rule {
                    out.push(
                        Finding::at(
                            Code::SettingAfterRules,
                            e,
                            option_span(&e.text, pick),
                            format!(
                                "{name} after rules: the rules before it load under the \
                                 previous setting; set it before the first rule"
                            ),
                        )
                        .with_related(r, "the first rule"),
                    );
                }
            }
            if let Some((old, first)) = settings.get(name) {
                if *old != value {
                    out.push(
                        Finding::at(
                            Code::SettingOverridden,
                            first,
                            option_span(&first.text, pick),
                            format!(
                                "{name} {old} has no lasting effect: a later line sets {name} \
                                 {value}, and the last one wins"
                            ),
                        )
                        .with_related(e, format!("{name} {value}")),
                    );
                }
            }
            settings.insert(name, (value, e));
            if name == "-e" && value == 2 {
                lock = Some(e);
                after_lock.clear();
            }
        }
        let Some((op, rule)) = rule_of(e) else {
            continue;
        };
        let key = super::rule_key(rule);
        match op {
            RuleOp::Delete => {
                if present.remove(&key).is_none() {
                    out.push(Finding::at(
                        Code::DeleteMissing,
                        e,
                        line_span(&e.text),
                        "deletes a rule that no earlier line adds: the kernel answers ENOENT \
                         unless the rule is already loaded",
                    ));
                }
            }
            RuleOp::Append | RuleOp::Prepend => {
                first_rule.get_or_insert(e);
                if let Some(first) = present.get(&key) {
                    out.push(
                        Finding::at(
                            Code::DuplicateRule,
                            e,
                            line_span(&e.text),
                            format!(
                                "the same rule is already at {}:{}: the kernel refuses this \
                                 copy (EEXIST) and auditctl -R stops loading here",
                                first.origin.file, first.origin.line
                            ),
                        )
                        .with_related(first, "the first copy"),
                    );
                } else {
                    present.insert(key, e);
                }
            }
        }
    }
    if let (Some(l), Some(next)) = (lock, after_lock.first()) {
        out.push(
            Finding::at(
                Code::LockBeforeRules,
                l,
                option_span(&l.text, |k| {
                    matches!(k, OptKind::Value(ValueLetter::Enabled, _))
                }),
                format!(
                    "-e 2 locks the audit configuration, and {} line(s) after it would be \
                     refused; put it last",
                    after_lock.len()
                ),
            )
            .with_related(next, "the first line after the lock"),
        );
    }
    out
}
