//! The `--json` schema as Rust types, written with serde_json: one object
//! (or array) per invocation, one line. The README's JSON table documents
//! the same types.
//!
//! Keys, paths and rule lines are bytes in the kernel and need not be UTF-8.
//! They are [`Text`]: a JSON string when they are UTF-8, otherwise
//! `{"bytes": "<base64>"}`, the form ripgrep's `--json` uses, so nothing is
//! lost or replaced.

use crate::listing::rule_line;
use crate::model::Rule;
use crate::netlink::AuditStatus;
use crate::sync::{ForeignChange, Report, Rollback, SyncError};
use crate::{host::Host, tables};
use base64::Engine;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// Bytes for JSON: a string when they are UTF-8, `{"bytes": base64}` when
/// they are not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(pub Vec<u8>);

impl From<&[u8]> for Text {
    fn from(b: &[u8]) -> Text {
        Text(b.to_vec())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(
                    "bytes",
                    &base64::engine::general_purpose::STANDARD.encode(&self.0),
                )?;
                map.end()
            }
        }
    }
}

/// What a plan step does to the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Add at the end of the rule's list.
    Append,
    /// Add at the start of the rule's list.
    Prepend,
    /// Delete the identical rule.
    Delete,
}

/// One step of a sync plan.
#[derive(Debug, Serialize)]
pub struct PlanStep {
    /// What the step does.
    pub op: Op,
    /// The rule's filter list (`exit`, `user`, ...).
    pub list: String,
    /// The rule's `-l` line.
    pub rule: Text,
}

/// A setting that changes: `backlog_limit` from 64 to 8192.
#[derive(Debug, Serialize)]
pub struct SettingChange {
    /// The setting's status field name.
    pub name: &'static str,
    /// The kernel's value.
    pub from: u32,
    /// The files' value.
    pub to: u32,
}

/// `sync --json`, `sync --dry-run --json`, `diff --json`.
#[derive(Debug, Serialize)]
pub struct PlanReport {
    /// Whether nothing differs.
    pub in_sync: bool,
    /// Rules kept in place.
    pub kept: usize,
    /// The steps, in execution order.
    pub plan: Vec<PlanStep>,
    /// The settings that change.
    pub settings: Vec<SettingChange>,
    /// Whether `--loginuid-immutable` is (to be) set.
    pub loginuid_immutable: bool,
    /// Rounds of apply, read back and re-plan (1 when nobody interfered).
    pub rounds: usize,
    /// Changes another writer made to rules in scope during the sync.
    pub other_writer: Vec<OtherWriter>,
    /// The managed rules (`-l` lines) in the kernel before, in kernel order.
    pub before: Vec<Text>,
    /// The managed rules the files want, in kernel order: the kernel's
    /// after a sync (or after this plan).
    pub after: Vec<Text>,
}

/// A change another writer made to a rule in scope during a sync.
#[derive(Debug, Serialize)]
pub struct OtherWriter {
    /// `added` or `deleted`.
    pub change: &'static str,
    /// The rule's `-l` line.
    pub rule: String,
}

fn other_writer(foreign: &[ForeignChange]) -> Vec<OtherWriter> {
    foreign
        .iter()
        .map(|c| match c {
            ForeignChange::Added(r) => OtherWriter {
                change: "added",
                rule: r.clone(),
            },
            ForeignChange::Deleted(r) => OtherWriter {
                change: "deleted",
                rule: r.clone(),
            },
        })
        .collect()
}

/// `sync --json` when the sync failed: `{"ok": false, ...}`.
#[derive(Debug, Serialize)]
pub struct SyncFailure {
    /// Always false.
    pub ok: bool,
    /// `locked`, `refused`, `contended`, `unsupported`, `transport` or
    /// `empty_input`.
    pub error: &'static str,
    /// The error as the text output says it.
    pub message: String,
    /// The exit code.
    pub exit: u8,
    /// What the rollback did, when one ran.
    pub rollback: Option<RollbackReport>,
    /// Changes another writer made to rules in scope.
    pub other_writer: Vec<OtherWriter>,
}

impl SyncFailure {
    /// The JSON form of a failed sync.
    pub fn new(e: &SyncError) -> SyncFailure {
        let (error, rollback, foreign) = match e {
            SyncError::Locked => ("locked", None, &[][..]),
            SyncError::Refused {
                rollback, foreign, ..
            } => ("refused", Some(rollback), foreign.as_slice()),
            SyncError::Contended { rollback, foreign } => {
                ("contended", Some(rollback), foreign.as_slice())
            }
            SyncError::Unsupported { .. } => ("unsupported", None, &[][..]),
            SyncError::Transport(_) => ("transport", None, &[][..]),
            SyncError::EmptyDesired { .. } => ("empty_input", None, &[][..]),
        };
        SyncFailure {
            ok: false,
            error,
            message: e.to_string(),
            exit: e.exit_code(),
            rollback: rollback.map(|r| RollbackReport::new(r)),
            other_writer: other_writer(foreign),
        }
    }
}

/// What a rollback did.
#[derive(Debug, Serialize)]
pub struct RollbackReport {
    /// Whether the previous state is back whole.
    pub complete: bool,
    /// Whether the rules in scope are exactly the previous ones, in order.
    pub rules_exact: bool,
    /// Rules kaudit had deleted, added back (`-l` lines).
    pub readded: Vec<String>,
    /// Rules kaudit had added, deleted again.
    pub removed: Vec<String>,
    /// Rules deleted and re-added to put the previous order back.
    pub moved: Vec<String>,
    /// Settings put back.
    pub settings_restored: Vec<SettingValue>,
    /// Requests the kernel refused during the rollback.
    pub not_restored: Vec<NotRestored>,
}

/// A setting and its value.
#[derive(Debug, Serialize)]
pub struct SettingValue {
    /// The setting's status field name.
    pub setting: &'static str,
    /// Its value.
    pub value: u32,
}

/// A rollback request the kernel refused: a rule or a setting, and why.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum NotRestored {
    /// A rule (`-l` line).
    Rule {
        /// The rule.
        rule: String,
        /// The kernel's reason.
        reason: String,
    },
    /// A setting.
    Setting {
        /// The setting's name.
        setting: &'static str,
        /// The value that could not be put back.
        value: u32,
        /// The kernel's reason.
        reason: String,
    },
}

impl RollbackReport {
    /// The JSON form of a rollback.
    pub fn new(r: &Rollback) -> RollbackReport {
        RollbackReport {
            complete: r.complete(),
            rules_exact: r.rules_exact,
            readded: r.readded.clone(),
            removed: r.removed.clone(),
            moved: r.moved.clone(),
            settings_restored: r
                .settings_restored
                .iter()
                .map(|&(setting, value)| SettingValue {
                    setting: setting.name(),
                    value,
                })
                .collect(),
            not_restored: r
                .failed
                .iter()
                .map(|(rule, reason)| NotRestored::Rule {
                    rule: rule.clone(),
                    reason: reason.clone(),
                })
                .chain(r.settings_failed.iter().map(|(setting, value, reason)| {
                    NotRestored::Setting {
                        setting: setting.name(),
                        value: *value,
                        reason: reason.clone(),
                    }
                }))
                .collect(),
        }
    }
}

impl PlanReport {
    /// The report of a compare or a sync.
    pub fn new(report: &Report, host: &Host) -> PlanReport {
        use crate::plan::Step;
        PlanReport {
            in_sync: report.in_sync(),
            kept: report.plan.kept,
            plan: report
                .plan
                .steps
                .iter()
                .map(|s| {
                    let op = match s {
                        Step::Append(_) => Op::Append,
                        Step::Prepend(_) => Op::Prepend,
                        Step::Delete(_) => Op::Delete,
                    };
                    // A rule that does not decode whole is shown with what
                    // could be read, as the text listing shows it.
                    let rule = rule_line(s.rule().rule(), host);
                    let list = s.rule().list();
                    PlanStep {
                        op,
                        list: tables::list_name(list)
                            .map_or_else(|| format!("list {list}"), str::to_string),
                        rule: Text(rule),
                    }
                })
                .collect(),
            settings: report
                .settings
                .iter()
                .map(|&(name, from, to)| SettingChange {
                    name: name.name(),
                    from,
                    to,
                })
                .collect(),
            loginuid_immutable: report.lock_loginuid,
            rounds: report.rounds,
            other_writer: other_writer(&report.foreign),
            before: lines(&report.before, host),
            after: lines(&report.after, host),
        }
    }
}

fn lines(rules: &[crate::stored_rule::StoredRule], host: &Host) -> Vec<Text> {
    rules
        .iter()
        .map(|r| Text(rule_line(r.rule(), host)))
        .collect()
}

/// `check --json`.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// Whether nothing differs.
    pub in_sync: bool,
    /// Rules to add.
    pub adds: usize,
    /// Rules to delete.
    pub deletes: usize,
    /// Rules kept in place.
    pub kept: usize,
    /// Settings that differ.
    pub settings: usize,
}

impl CheckReport {
    /// The summary of a compare.
    pub fn new(report: &Report) -> CheckReport {
        let (adds, deletes) = report.plan.counts();
        CheckReport {
            in_sync: report.in_sync(),
            adds,
            deletes,
            kept: report.plan.kept,
            settings: report.settings.len(),
        }
    }
}

/// One element of `list --json`.
#[derive(Debug, Serialize)]
pub struct ListedRule {
    /// The filter list.
    pub list: &'static str,
    /// The action.
    pub action: &'static str,
    /// The `-l` line.
    pub rule: Text,
    /// The rule's keys, in order.
    pub keys: Vec<Text>,
}

impl ListedRule {
    /// A kernel rule for `list --json`.
    pub fn new(r: &Rule, host: &Host) -> ListedRule {
        ListedRule {
            list: tables::list_name(r.list.number()).unwrap_or("?"),
            action: tables::action_name(r.action.number()).unwrap_or("?"),
            rule: Text(rule_line(r, host)),
            keys: r.keys().into_iter().map(Text::from).collect(),
        }
    }
}

/// `status --json`: the kernel's `struct audit_status`.
///
/// A type of its own rather than [`AuditStatus`] with serde on it: the
/// JSON is a documented contract with its own key order
/// (`backlog_wait_time` before `feature_bitmap`, the kernel's struct has
/// them the other way round) and without the request-only `mask`, so a
/// change to the wire struct cannot change the output.
#[derive(Debug, Serialize)]
pub struct Status {
    /// 0 off, 1 on, 2 locked.
    pub enabled: u32,
    /// 0 silent, 1 printk, 2 panic.
    pub failure: u32,
    /// The audit daemon's pid, 0 if none.
    pub pid: u32,
    /// Messages per second, 0 for no limit.
    pub rate_limit: u32,
    /// Queued records at most.
    pub backlog_limit: u32,
    /// Records lost.
    pub lost: u32,
    /// Records queued now.
    pub backlog: u32,
    /// How long a full backlog blocks, in jiffies.
    pub backlog_wait_time: u32,
    /// Time spent waiting; `null` on kernels before 5.9.
    pub backlog_wait_time_actual: Option<u32>,
    /// `AUDIT_FEATURE_BITMAP_*` bits.
    pub feature_bitmap: u32,
}

impl From<&AuditStatus> for Status {
    fn from(s: &AuditStatus) -> Status {
        Status {
            enabled: s.enabled,
            failure: s.failure,
            pid: s.pid,
            rate_limit: s.rate_limit,
            backlog_limit: s.backlog_limit,
            lost: s.lost,
            backlog: s.backlog,
            backlog_wait_time: s.backlog_wait_time,
            backlog_wait_time_actual: s.backlog_wait_time_actual,
            feature_bitmap: s.feature_bitmap,
        }
    }
}

/// One element of `list --watches --json`.
#[derive(Debug, Serialize)]
pub struct Watch {
    /// The watched path.
    pub path: Text,
    /// `path` (a file) or `dir` (a directory tree).
    pub kind: &'static str,
    /// Permission letters (`rwxa`), or `-`.
    pub perms: String,
    /// The filter list.
    pub list: &'static str,
    /// The action.
    pub action: &'static str,
    /// The rule's keys.
    pub keys: Vec<Text>,
}

/// `value` as one line of JSON.
pub fn line<T: Serialize>(value: &T) -> String {
    // Serializing these types cannot fail: every map key is a string.
    let mut s = serde_json::to_string(value).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_a_string_or_base64_bytes() {
        assert_eq!(line(&Text(b"caf\xc3\xa9".to_vec())), "\"caf\u{e9}\"\n");
        assert_eq!(
            line(&Text(b"caf\xe9".to_vec())),
            "{\"bytes\":\"Y2Fm6Q==\"}\n"
        );
        assert_eq!(line(&Text(b"a\"\n".to_vec())), "\"a\\\"\\n\"\n");
    }

    #[test]
    fn op_names_are_lowercase() {
        assert_eq!(
            line(&[Op::Append, Op::Prepend, Op::Delete]),
            "[\"append\",\"prepend\",\"delete\"]\n"
        );
    }
}
