//! Sync's text: the dry-run plan, the unified diff, other writers' changes,
//! the rollback and the error messages.

use super::{ForeignChange, Report, Rollback, MAX_ROUNDS};
use crate::host::Host;
use crate::listing::Printer;
use crate::model::Rule;
use crate::plan::Step;
use crate::rulefile::Origin;
use crate::stored_rule::StoredRule;
use std::fmt::Write as _;

impl ForeignChange {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            ForeignChange::Added(r) => ("added", r),
            ForeignChange::Deleted(r) => ("deleted", r),
        }
    }
}

/// Text lines naming what other writers did (empty when nothing).
pub fn foreign_text(foreign: &[ForeignChange]) -> String {
    let mut out = String::new();
    if !foreign.is_empty() {
        let _ = writeln!(
            out,
            "kaudit: warning: another writer changed {} rule(s) in scope during the sync:",
            foreign.len()
        );
        for c in foreign {
            let (verb, rule) = c.parts();
            let _ = writeln!(out, "  {verb} by another writer: {rule}");
        }
    }
    out
}

impl Rollback {
    fn text(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "rollback: re-added {} rule(s) kaudit had deleted, removed {} rule(s) kaudit had added, moved {} back into order, restored {} setting(s)",
            self.readded.len(),
            self.removed.len(),
            self.moved.len(),
            self.settings_restored.len()
        );
        for r in &self.readded {
            let _ = writeln!(out, "  re-added: {r}");
        }
        for r in &self.removed {
            let _ = writeln!(out, "  removed: {r}");
        }
        for r in &self.moved {
            let _ = writeln!(out, "  moved back: {r}");
        }
        for (n, v) in &self.settings_restored {
            let _ = writeln!(out, "  setting restored: {n} {v}");
        }
        for (w, why) in &self.failed {
            let _ = writeln!(out, "  NOT restored: {w} ({why})");
        }
        for (n, v, why) in &self.settings_failed {
            let _ = writeln!(out, "  NOT restored: setting {n} {v} ({why})");
        }
        if self.complete() {
            let _ = write!(out, "the previous rules and settings are back");
        } else {
            let _ = write!(
                out,
                "THE PREVIOUS STATE COULD NOT BE RESTORED{}; check `kaudit list` and `kaudit status`",
                if self.rules_exact {
                    ""
                } else {
                    " (the rules in scope differ from before)"
                }
            );
        }
    }
}

/// `FILE:LINE: ` before a message about a line.
pub(super) fn at(o: &Origin) -> String {
    format!("{}:{}: ", o.file, o.line)
}

/// [`super::SyncError::Refused`]'s message: the refusal, other writers' changes,
/// then what the rollback did.
pub(super) fn refused_text(
    what: &str,
    origin: Option<&Origin>,
    reason: &str,
    rollback: &Rollback,
    foreign: &[ForeignChange],
) -> String {
    let at = origin.map(at).unwrap_or_default();
    let mut text = format!("{at}error: the kernel refused: {what} ({reason})\n");
    text.push_str(&foreign_text(foreign));
    rollback.text(&mut text);
    text
}

/// [`super::SyncError::Contended`]'s message: the rounds given up on, other
/// writers' changes, then what the rollback did.
pub(super) fn contended_text(foreign: &[ForeignChange], rollback: &Rollback) -> String {
    let mut text = format!(
        "error: other writers kept changing the rules in scope; after {MAX_ROUNDS} rounds the kernel still differed from the files\n"
    );
    text.push_str(&foreign_text(foreign));
    rollback.text(&mut text);
    text
}

/// The `-l` text of rules printed as one listing (the arch of one rule
/// names the syscalls of the next ones, as in `auditctl -l`).
fn listing<'r>(rules: impl IntoIterator<Item = &'r Rule>, host: &Host) -> String {
    let mut out = Vec::new();
    let mut printer = Printer::new(host, false);
    for rule in rules {
        printer.rule(rule, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A rule's `-l` text (one line, no newline).
pub(super) fn rule_text(r: &StoredRule, host: &Host) -> String {
    listing([r.rule()], host).trim_end().to_string()
}

/// The plan as text, one step per line (`--dry-run`).
pub fn plan_text(report: &Report, host: &Host) -> String {
    let mut out = String::new();
    for s in &report.plan.steps {
        let verb = match s {
            Step::Append(_) => "append ",
            Step::Prepend(_) => "prepend",
            Step::Delete(_) => "delete ",
        };
        let text = listing([s.rule().rule()], host);
        let _ = write!(out, "{verb} {text}");
    }
    for (name, from, to) in &report.settings {
        let _ = writeln!(out, "set     {name} {from} -> {to}");
    }
    if report.lock_loginuid {
        let _ = writeln!(out, "set     loginuid_immutable 0 -> 1 (locked)");
    }
    out
}

/// A unified diff of the `-l` text, kernel (`---`) against files (`+++`).
pub fn diff_text(report: &Report, host: &Host) -> String {
    let text = |rules: &[StoredRule]| -> Vec<String> {
        listing(rules.iter().map(StoredRule::rule), host)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let a = text(&report.before);
    let b = text(&report.after);
    if a == b {
        return String::new();
    }
    // Unified diff with three lines of context, as diff(1) -u prints it.
    let (a, b) = (lines_text(&a), lines_text(&b));
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header("kernel", "files")
        .to_string()
}

/// Lines joined, each ending in a newline.
fn lines_text(lines: &[String]) -> String {
    lines.iter().flat_map(|l| [l.as_str(), "\n"]).collect()
}
