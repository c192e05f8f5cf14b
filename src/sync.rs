//! `kaudit sync`, `diff` and `check`: make the kernel match rules files with
//! the least change and no audit gap, or say how it differs.
//!
//! 1. Every file is compiled first; any error means nothing is sent.
//! 2. The desired state is the files' rules in order (their `-a`, `-A`,
//!    `-d`, `-w`, `-W` lines applied to an empty table, as loading them
//!    would), plus their settings (`-b`, `-f`, `-r`, `--backlog_wait_time`,
//!    `--loginuid-immutable`, `-e`; the last of each wins; `-D` is implied).
//! 3. [`crate::plan`] computes the steps; kept rules are never touched.
//! 4. Rules first, then settings, `-e` last and only after everything else
//!    succeeded.
//! 5. If the kernel refuses a step, the previous rule table and settings are
//!    restored exactly, and the refused rule is reported.
//! 6. The kernel is read back and compared with the planned end state.
//!
//! With a scope (`key=PREFIX`), only rules whose key starts with PREFIX are
//! managed; every other rule is left exactly where it is.

use crate::codec::decode;
use crate::compile::{Compiled, RuleOp};
use crate::diag::{Diagnostic, Severity};
use crate::filevercmp::filevercmp;
use crate::host::Host;
use crate::listing::list_text;
use crate::model::{Control, Rule};
use crate::netlink::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError};
use crate::netlink::{
    AUDIT_STATUS_BACKLOG_LIMIT, AUDIT_STATUS_BACKLOG_WAIT_TIME, AUDIT_STATUS_ENABLED,
    AUDIT_STATUS_FAILURE, AUDIT_STATUS_RATE_LIMIT, LOGINUID_IMMUTABLE_BIT,
};
use crate::plan::{kernel_order, list_of, plan, stored_bytes, Plan, Step};
use crate::rulefile::{Entry, Origin};
use crate::syntax::Span;
use std::fmt::Write as _;
use std::path::Path;

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

/// What the files ask for.
#[derive(Clone, Debug, Default)]
pub struct Desired {
    /// Rules, as the kernel stores them, in order, with where each came from.
    pub rules: Vec<(Vec<u8>, Origin)>,
    /// Settings.
    pub settings: Settings,
    /// The files say `-D` (with no key): an empty rule set is meant.
    pub delete_all: bool,
    /// The user allows an empty rule set to replace the rules in scope
    /// (`--allow-empty`).
    pub allow_empty: bool,
}

/// Which rules a sync manages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every rule in the kernel.
    All,
    /// Rules with a key starting with this prefix.
    KeyPrefix(String),
}

impl Scope {
    /// Parses `key=PREFIX`.
    pub fn parse(text: &str) -> Result<Scope, String> {
        match text.strip_prefix("key=") {
            Some(p) if !p.is_empty() => Ok(Scope::KeyPrefix(p.to_string())),
            _ => Err(format!("--scope must be key=PREFIX, not '{text}'")),
        }
    }

    /// Whether a rule is managed.
    pub fn covers(&self, rule: &Rule) -> bool {
        match self {
            Scope::All => true,
            Scope::KeyPrefix(p) => rule.keys().iter().any(|k| k.starts_with(p.as_bytes())),
        }
    }

    fn covers_bytes(&self, bytes: &[u8]) -> bool {
        match self {
            Scope::All => true,
            // A rule kaudit cannot fully decode is managed like any other
            // when the key it carries can be read.
            Scope::KeyPrefix(_) => self.covers(&crate::codec::decode_lossy(bytes).0),
        }
    }
}

/// The files of the paths: a file as is; a directory's `*.rules` files
/// (no dotfiles) in natural order (`2-x` before `10-x`), as augenrules
/// orders them.
/// The error is (the directory, the reason).
pub fn rule_files(paths: &[String]) -> Result<Vec<std::path::PathBuf>, (String, String)> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            // Names are bytes: a name that is not UTF-8 is a file like any other.
            let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(path)
                .map_err(|e| {
                    (
                        p.clone(),
                        format!("cannot read the directory: {}", crate::output::reason(&e)),
                    )
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .filter(|n| n.as_bytes().ends_with(b".rules") && !n.as_bytes().starts_with(b"."))
                .collect();
            if names.is_empty() {
                return Err((
                    p.clone(),
                    "no *.rules files in this directory (only files named *.rules are read); \
                     refusing to treat it as an empty rule set"
                        .into(),
                ));
            }
            names.sort_by(|a, b| filevercmp(a.as_bytes(), b.as_bytes()));
            out.extend(names.into_iter().map(|n| path.join(n)));
        } else {
            out.push(path.to_path_buf());
        }
    }
    Ok(out)
}

/// Reads and compiles the paths into the desired state. Diagnostics are
/// returned whole; any error means the caller must not touch the kernel.
pub fn desired_from_paths(
    paths: &[String],
    host: &Host,
    scope: &Scope,
) -> Result<Desired, Vec<Diagnostic>> {
    let entries = entries_from_paths(paths, host)?;
    let mut errors = Vec::new();
    let desired = desired_from_entries(&entries, scope, &mut errors);
    if errors.is_empty() {
        Ok(desired)
    } else {
        Err(errors)
    }
}

/// Reads and compiles the paths' files; any error is returned (all of
/// them), warnings are dropped.
pub fn entries_from_paths(paths: &[String], host: &Host) -> Result<Vec<Entry>, Vec<Diagnostic>> {
    let files =
        rule_files(paths).map_err(|(p, why)| vec![Diagnostic::whole_file(Some(&p), why)])?;
    let (entries, diags) = crate::rulefile::compile_files(&files, host);
    let errors: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
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
    table: &[Vec<u8>],
    scope: &Scope,
    errors: &mut Vec<Diagnostic>,
) -> Desired {
    let base: Vec<Vec<u8>> = table
        .iter()
        .filter(|b| scope.covers_bytes(b))
        .cloned()
        .collect();
    build_desired(entries, scope, &base, true, errors)
}

/// Whether any line of the compiled files is a bare `-D`.
pub fn says_delete_all(entries: &[Entry]) -> bool {
    entries.iter().any(|e| {
        let controls = match &e.compiled {
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
    base: &[Vec<u8>],
    additive: bool,
    errors: &mut Vec<Diagnostic>,
) -> Desired {
    let kernel = Origin {
        file: "(the kernel's table)".into(),
        line: 0,
    };
    let mut d = Desired {
        rules: base.iter().map(|b| (b.clone(), kernel.clone())).collect(),
        ..Desired::default()
    };
    // Where each rule already in `d.rules` came from: the duplicate check is
    // a lookup, not a scan (a 10,000-rule file would otherwise compare 50
    // million kilobyte-long payloads).
    let mut seen: std::collections::HashMap<Vec<u8>, Origin, crate::plan::Fast> =
        base.iter().map(|b| (b.clone(), kernel.clone())).collect();
    for e in entries {
        let (controls, rule) = match &e.compiled {
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
                    let doomed = |b: &[u8]| {
                        crate::codec::decode_lossy(b)
                            .0
                            .key_bytes()
                            .is_some_and(|rk| crate::apply::contains(rk, k))
                    };
                    d.rules.retain(|(b, _)| !doomed(b));
                    seen.retain(|b, _| !doomed(b));
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
        let bytes = stored_bytes(rule);
        let same_list = |b: &Vec<u8>| list_of(b) == list_of(&bytes);
        match op {
            RuleOp::Delete => match seen.remove(&bytes) {
                Some(_) => {
                    if let Some(i) = d.rules.iter().position(|(b, _)| *b == bytes) {
                        d.rules.remove(i);
                    }
                }
                None if additive => {}
                None => errors.push(entry_error(e, "deletes a rule that no earlier line adds")),
            },
            RuleOp::Append | RuleOp::Prepend => {
                if additive && seen.contains_key(&bytes) {
                    continue;
                }
                if let Some(first) = seen.get(&bytes) {
                    errors.push(entry_error(
                        e,
                        format!(
                            "the same rule is already at {}:{} (the kernel would refuse it)",
                            first.file, first.line
                        ),
                    ));
                    continue;
                }
                seen.insert(bytes.clone(), e.origin.clone());
                let item = (bytes.clone(), e.origin.clone());
                if op == RuleOp::Prepend {
                    let at = d
                        .rules
                        .iter()
                        .position(|(b, _)| same_list(b))
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

/// The result of comparing and, perhaps, applying.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The rule plan.
    pub plan: Plan,
    /// Settings that change: (name, from, to).
    pub settings: Vec<(&'static str, u32, u32)>,
    /// Whether `--loginuid-immutable` will be (or was) set.
    pub lock_loginuid: bool,
    /// The managed rules in the kernel before.
    pub before: Vec<Vec<u8>>,
    /// The managed rules wanted, in kernel order.
    pub after: Vec<Vec<u8>>,
    /// The kernel's whole table when compared (managed or not).
    pub table: Vec<Vec<u8>>,
    /// Changes another writer made to rules in scope while the sync ran
    /// (`-l` text), which kaudit re-planned around.
    pub foreign: Vec<ForeignChange>,
    /// Rounds of apply, read back and re-plan (1 when nobody interfered).
    pub rounds: usize,
}

/// A change another writer made to a rule in scope during a sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForeignChange {
    /// The rule appeared (an add of kaudit's met `EEXIST`, or the read-back
    /// showed it).
    Added(String),
    /// The rule disappeared (a delete of kaudit's met `ENOENT`, or the
    /// read-back showed it gone).
    Deleted(String),
}

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

/// What a rollback did: it undoes kaudit's own completed steps and nothing
/// else (a rule another writer added stays, one another writer deleted is
/// not re-created). Rules are `-l` text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rollback {
    /// Rules kaudit had deleted, added back.
    pub readded: Vec<String>,
    /// Rules kaudit had added, deleted again.
    pub removed: Vec<String>,
    /// Rules deleted and re-added to put the previous order back.
    pub moved: Vec<String>,
    /// Rollback requests the kernel refused: (what, reason).
    pub failed: Vec<(String, String)>,
    /// Settings put back: (name, value).
    pub settings_restored: Vec<(&'static str, u32)>,
    /// Settings that could not be put back: (name, value, reason).
    pub settings_failed: Vec<(&'static str, u32, String)>,
    /// Whether the rules in scope are afterwards exactly the previous ones,
    /// in order (apart from other writers' changes).
    pub rules_exact: bool,
}

impl Rollback {
    /// Whether the previous state is back.
    pub fn complete(&self) -> bool {
        self.rules_exact && self.failed.is_empty() && self.settings_failed.is_empty()
    }

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

impl Report {
    /// Whether anything differs.
    pub fn in_sync(&self) -> bool {
        self.plan.is_empty() && self.settings.is_empty() && !self.lock_loginuid
    }
}

/// Why a sync did not complete.
#[derive(Debug)]
pub enum SyncError {
    /// The kernel's configuration is locked (`-e 2`); nothing was sent.
    Locked,
    /// The kernel refused a step; the previous state was restored.
    Refused {
        /// The refused rule's `-l` text, or the setting.
        what: String,
        /// Where it came from.
        origin: Option<Origin>,
        /// strerror.
        reason: String,
        /// What the rollback restored and what it could not.
        rollback: Box<Rollback>,
        /// What other writers changed meanwhile.
        foreign: Vec<ForeignChange>,
    },
    /// Other writers kept changing the rules in scope: after
    /// [`MAX_ROUNDS`] rounds the kernel still did not match; kaudit's own
    /// steps were rolled back.
    Contended {
        /// What other writers changed.
        foreign: Vec<ForeignChange>,
        /// What the rollback restored and what it could not.
        rollback: Box<Rollback>,
    },
    /// A rule needs a kernel feature this kernel lacks; nothing was sent.
    Unsupported {
        /// Why.
        what: String,
        /// The rule's line.
        origin: Origin,
    },
    /// Talking to the kernel failed.
    Transport(TransportError),
    /// The files hold no rules and do not say `-D`, while the kernel holds
    /// rules in scope; nothing was sent.
    EmptyDesired {
        /// Rules in scope that a sync would delete.
        in_scope: usize,
    },
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |o: &Origin| format!("{}:{}: ", o.file, o.line);
        match self {
            SyncError::Locked => {
                f.write_str("The audit system is in immutable mode, no rule changes allowed")
            }
            SyncError::Refused {
                what,
                origin,
                reason,
                rollback,
                foreign,
            } => {
                let at = origin.as_ref().map(at).unwrap_or_default();
                let mut text = format!("{at}error: the kernel refused: {what} ({reason})\n");
                text.push_str(&foreign_text(foreign));
                rollback.text(&mut text);
                f.write_str(&text)
            }
            SyncError::Contended { foreign, rollback } => {
                let mut text = format!(
                    "error: other writers kept changing the rules in scope; after {MAX_ROUNDS} rounds the kernel still differed from the files\n"
                );
                text.push_str(&foreign_text(foreign));
                rollback.text(&mut text);
                f.write_str(&text)
            }
            SyncError::Unsupported { what, origin } => {
                write!(f, "{}error: {what}; nothing was sent", at(origin))
            }
            SyncError::Transport(e) => write!(f, "{e}"),
            SyncError::EmptyDesired { in_scope } => write!(
                f,
                "error: the files hold no rules, and the kernel holds {in_scope} rule(s) in scope: \
                 a sync would delete them all; nothing was sent. If an empty rule set is meant, \
                 say -D in the files or pass --allow-empty"
            ),
        }
    }
}

impl SyncError {
    /// The exit code of `kaudit sync` for this error: 3 locked, 2 nothing
    /// sent for a reason of input, 5 the kernel was changed and its previous
    /// state could not be restored, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            SyncError::Refused { rollback, .. } | SyncError::Contended { rollback, .. }
                if !rollback.complete() =>
            {
                5
            }
            SyncError::Locked => 3,
            SyncError::Unsupported { .. } | SyncError::EmptyDesired { .. } => 2,
            SyncError::Transport(TransportError::PermissionDenied(_)) => 4,
            _ => 1,
        }
    }
}

impl From<TransportError> for SyncError {
    fn from(e: TransportError) -> Self {
        SyncError::Transport(e)
    }
}

/// Rule payloads, in kernel order.
type Table = Vec<Vec<u8>>;

/// The whole table, and the managed part of it.
fn managed(t: &mut dyn Transport, scope: &Scope) -> Result<(Table, Table), TransportError> {
    let all = t.list_rules()?;
    let mine = all
        .iter()
        .filter(|b| scope.covers_bytes(b))
        .cloned()
        .collect();
    Ok((all, mine))
}

fn setting_changes(s: &Settings, now: &AuditStatus) -> Vec<(&'static str, u32, u32)> {
    let mut v = Vec::new();
    let mut check = |name, want: Option<u32>, have: u32| {
        if let Some(w) = want.filter(|w| *w != have) {
            v.push((name, have, w));
        }
    };
    check("failure", s.failure, now.failure);
    check("rate_limit", s.rate_limit, now.rate_limit);
    check("backlog_limit", s.backlog_limit, now.backlog_limit);
    check(
        "backlog_wait_time",
        s.backlog_wait_time,
        now.backlog_wait_time,
    );
    // `enabled` last: `-e 2` locks everything after it.
    check("enabled", s.enabled, now.enabled);
    v
}

/// Compares the kernel with the desired state (no change).
pub fn compare(
    t: &mut dyn Transport,
    desired: &Desired,
    scope: &Scope,
) -> Result<Report, TransportError> {
    Ok(compare_state(read_state(t)?, desired, scope))
}

/// What sync needs to know of the kernel: its rule table, status and
/// features.
#[derive(Clone, Debug)]
pub struct KernelState {
    /// Every rule, in kernel order.
    pub table: Vec<Vec<u8>>,
    /// `AUDIT_GET`.
    pub status: AuditStatus,
    /// `AUDIT_GET_FEATURE`, if the kernel answered.
    pub features: Option<AuditFeatures>,
}

/// Reads the kernel's state (one listing). Independent of the files, so a
/// caller can read it while the files compile.
pub fn read_state(t: &mut dyn Transport) -> Result<KernelState, TransportError> {
    Ok(KernelState {
        table: t.list_rules()?,
        status: t.get_status()?,
        features: t.get_features().ok(),
    })
}

/// Compares a kernel state with the desired state (pure).
pub fn compare_state(state: KernelState, desired: &Desired, scope: &Scope) -> Report {
    let before: Vec<Vec<u8>> = state
        .table
        .iter()
        .filter(|b| scope.covers_bytes(b))
        .cloned()
        .collect();
    let want: Vec<Vec<u8>> = desired.rules.iter().map(|(b, _)| b.clone()).collect();
    let lock_loginuid = desired.settings.loginuid_immutable
        && state
            .features
            .is_none_or(|f| f.features & LOGINUID_IMMUTABLE_BIT == 0);
    Report {
        plan: plan(&before, &want),
        settings: setting_changes(&desired.settings, &state.status),
        lock_loginuid,
        after: kernel_order(&want),
        before,
        table: state.table,
        foreign: Vec::new(),
        rounds: 0,
    }
}

/// Refuses to turn a non-empty scope empty unless that is clearly meant:
/// the files hold no rules, say no `-D`, and `--allow-empty` was not given,
/// while the kernel holds rules in scope (a mistyped path, a directory of
/// `*.rule` files, a file of comments).
pub fn empty_guard(report: &Report, desired: &Desired) -> Result<(), SyncError> {
    if desired.rules.is_empty()
        && !desired.delete_all
        && !desired.allow_empty
        && !report.before.is_empty()
    {
        return Err(SyncError::EmptyDesired {
            in_scope: report.before.len(),
        });
    }
    Ok(())
}

fn step_request(s: &Step) -> Request {
    match s {
        Step::Append(b) => Request::add_rule(b.clone()),
        Step::Prepend(b) => {
            let mut b = b.clone();
            let flags = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) | crate::model::FILTER_PREPEND;
            b[..4].copy_from_slice(&flags.to_ne_bytes());
            Request::add_rule(b)
        }
        Step::Delete(b) => Request::del_rule(b.clone()),
    }
}

fn set_request(name: &str, value: u32) -> Request {
    let mut s = AuditStatus::default();
    match name {
        "enabled" => (s.mask, s.enabled) = (AUDIT_STATUS_ENABLED, value),
        "failure" => (s.mask, s.failure) = (AUDIT_STATUS_FAILURE, value),
        "rate_limit" => (s.mask, s.rate_limit) = (AUDIT_STATUS_RATE_LIMIT, value),
        "backlog_limit" => (s.mask, s.backlog_limit) = (AUDIT_STATUS_BACKLOG_LIMIT, value),
        "backlog_wait_time" => {
            (s.mask, s.backlog_wait_time) = (AUDIT_STATUS_BACKLOG_WAIT_TIME, value)
        }
        // The names come from `setting_changes` alone.
        other => unreachable!("{other} is not a setting sync manages"),
    }
    Request::set_status(&s)
}

/// Makes the kernel match `desired` (see the module docs). Returns what was
/// done.
pub fn apply(
    t: &mut dyn Transport,
    desired: &Desired,
    scope: &Scope,
    host: &Host,
) -> Result<Report, SyncError> {
    let state = read_state(t)?;
    apply_state(t, state, desired, scope, host)
}

/// [`apply`], from a kernel state read just before (see [`read_state`]).
pub fn apply_state(
    t: &mut dyn Transport,
    state: KernelState,
    desired: &Desired,
    scope: &Scope,
    host: &Host,
) -> Result<Report, SyncError> {
    let status = state.status;
    if status.enabled == 2 {
        return Err(SyncError::Locked);
    }
    for (b, origin) in &desired.rules {
        if let Some(why) = decode(b)
            .ok()
            .and_then(|r| crate::kernel_rules::missing_support(&r, status.feature_bitmap))
        {
            return Err(SyncError::Unsupported {
                what: why,
                origin: origin.clone(),
            });
        }
    }
    let report = compare_state(state, desired, scope);
    empty_guard(&report, desired)?;
    // Nothing to send: the listing just made is the read-back.
    if report.in_sync() {
        return Ok(report);
    }
    let mut report = report;
    let mut run = Run::default();
    converge(t, &mut run, &mut report, scope, host)
        .map_err(|e| e.into_sync_error(t, &run, &report, desired, scope, host))?;
    // Settings after rules, enabled last.
    for (name, from, to) in report.settings.clone() {
        let ack = t.execute(&[set_request(name, to)])?[0];
        if let Err(errno) = ack {
            return Err(Failed::Refused {
                what: format!("{name} {from} -> {to}"),
                errno,
            }
            .into_sync_error(t, &run, &report, desired, scope, host));
        }
        run.settings.push((name, from, to));
    }
    if report.lock_loginuid {
        if let Err(errno) = t.execute(&[Request::lock_loginuid_immutable()])?[0] {
            return Err(Failed::Refused {
                what: "--loginuid-immutable".into(),
                errno,
            }
            .into_sync_error(t, &run, &report, desired, scope, host));
        }
    }
    // When another writer interfered, the plan computed first is not what
    // was done: report kaudit's own completed steps, in order.
    if !run.foreign.is_empty() {
        report.plan.steps = run.done;
    }
    report.foreign = run.foreign;
    Ok(report)
}

/// How many rounds of apply, read back and re-plan a sync makes before it
/// gives up on other writers.
pub const MAX_ROUNDS: usize = 4;

/// What a sync has done so far.
#[derive(Default)]
struct Run {
    /// kaudit's own completed rule steps, in order.
    done: Vec<Step>,
    /// Settings changed: (name, from, to).
    settings: Vec<(&'static str, u32, u32)>,
    /// Other writers' changes seen.
    foreign: Vec<ForeignChange>,
}

/// Why applying stopped.
enum Failed {
    /// The kernel refused a step (a rule's `-l` text, or a setting).
    Refused { what: String, errno: i32 },
    /// Other writers did not let the rules converge.
    Contended,
    /// Talking to the kernel failed.
    Transport(TransportError),
}

impl From<TransportError> for Failed {
    fn from(e: TransportError) -> Self {
        Failed::Transport(e)
    }
}

impl Failed {
    /// Rolls back kaudit's own steps and makes the error that says so.
    fn into_sync_error(
        self,
        t: &mut dyn Transport,
        run: &Run,
        report: &Report,
        desired: &Desired,
        scope: &Scope,
        host: &Host,
    ) -> SyncError {
        let (what, errno) = match self {
            Failed::Transport(e) => return SyncError::Transport(e),
            Failed::Refused { what, errno } => (Some(what), errno),
            Failed::Contended => (None, 0),
        };
        let rollback = match rollback(t, scope, &report.before, run, host) {
            Ok(r) => Box::new(r),
            Err(e) => return SyncError::Transport(e),
        };
        let foreign = run.foreign.clone();
        match what {
            None => SyncError::Contended { foreign, rollback },
            Some(what) => {
                let origin = desired
                    .rules
                    .iter()
                    .find(|(b, _)| rule_text(b, host) == what)
                    .map(|(_, o)| o.clone());
                SyncError::Refused {
                    what,
                    origin,
                    reason: crate::apply::strerror(errno),
                    rollback,
                    foreign,
                }
            }
        }
    }
}

/// A rule's `-l` text (one line, no newline).
fn rule_text(b: &[u8], host: &Host) -> String {
    list_text(&[crate::codec::decode_lossy(b).0], host)
        .trim_end()
        .to_string()
}

/// Sends the steps of a plan; one ack per step.
fn execute_steps(t: &mut dyn Transport, steps: &[Step]) -> Result<Vec<Ack>, TransportError> {
    let requests: Vec<Request> = steps.iter().map(step_request).collect();
    t.execute(&requests)
}

/// Applies the plan, reads the rules in scope back and, when another
/// writer changed them meanwhile, re-plans from what the kernel holds, up
/// to [`MAX_ROUNDS`] rounds. An add that meets `EEXIST` or a delete that
/// meets `ENOENT` has reached its end state through another writer: it is
/// recorded, not a refusal. Only the rules in scope and their order are
/// verified; rules outside the scope may come and go.
fn converge(
    t: &mut dyn Transport,
    run: &mut Run,
    report: &mut Report,
    scope: &Scope,
    host: &Host,
) -> Result<(), Failed> {
    if report.plan.is_empty() {
        return Ok(());
    }
    let want = report.after.clone();
    let mut mine = report.before.clone();
    let mut steps = report.plan.steps.clone();
    for round in 1..=MAX_ROUNDS {
        report.rounds = round;
        let acks = execute_steps(t, &steps)?;
        // The rules in scope kaudit's own steps leave, with copies counted.
        let mut expected: std::collections::HashMap<&[u8], usize, crate::plan::Fast> =
            Default::default();
        for b in &mine {
            *expected.entry(b).or_default() += 1;
        }
        let mut seen_foreign: Vec<&[u8]> = Vec::new();
        // Every step of the datagram was tried: record all that completed
        // (the rollback must undo them) before reporting the first refusal.
        let mut refused = None;
        for (step, ack) in steps.iter().zip(&acks) {
            match (step, ack) {
                (Step::Append(b) | Step::Prepend(b), Ok(_)) => {
                    *expected.entry(b).or_default() += 1;
                    run.done.push(step.clone());
                }
                (Step::Delete(b), Ok(_)) => {
                    if let Some(n) = expected.get_mut(b.as_slice()) {
                        *n = n.saturating_sub(1);
                    }
                    run.done.push(step.clone());
                }
                (Step::Append(b) | Step::Prepend(b), Err(e)) if *e == libc::EEXIST => {
                    run.foreign.push(ForeignChange::Added(rule_text(b, host)));
                    seen_foreign.push(b);
                    *expected.entry(b).or_default() += 1;
                }
                (Step::Delete(b), Err(e)) if *e == libc::ENOENT => {
                    run.foreign.push(ForeignChange::Deleted(rule_text(b, host)));
                    seen_foreign.push(b);
                    expected.insert(b, 0);
                }
                (_, Err(e)) => {
                    refused = refused.or(Some(Failed::Refused {
                        what: rule_text(step.bytes(), host),
                        errno: *e,
                    }))
                }
            }
        }
        if let Some(failed) = refused {
            return Err(failed);
        }
        let (_, now) = managed(t, scope)?;
        // What the read-back shows beyond kaudit's own steps.
        let mut present: std::collections::HashMap<&[u8], usize, crate::plan::Fast> =
            Default::default();
        for b in &now {
            *present.entry(b).or_default() += 1;
        }
        for (b, n) in &present {
            if *n > expected.get(b).copied().unwrap_or(0) && !seen_foreign.contains(b) {
                run.foreign.push(ForeignChange::Added(rule_text(b, host)));
            }
        }
        for (b, n) in &expected {
            if *n > present.get(b).copied().unwrap_or(0) && !seen_foreign.contains(b) {
                run.foreign.push(ForeignChange::Deleted(rule_text(b, host)));
            }
        }
        if now == want {
            return Ok(());
        }
        // A prepend is not refused when the rule exists (the kernel compares
        // its flags with the prepend bit still set), so another writer's add
        // can leave two copies: delete the first ones (a delete removes the
        // first copy it finds), then plan from the copies that remain.
        let mut last: std::collections::HashMap<&[u8], usize, crate::plan::Fast> =
            Default::default();
        for (i, b) in now.iter().enumerate() {
            last.insert(b, i);
        }
        let mut unique = Vec::with_capacity(now.len());
        steps = Vec::new();
        for (i, b) in now.iter().enumerate() {
            if last[b.as_slice()] == i {
                unique.push(b.clone());
            } else {
                steps.push(Step::Delete(b.clone()));
            }
        }
        steps.extend(plan(&unique, &want).steps);
        mine = now;
    }
    Err(Failed::Contended)
}

/// Undoes kaudit's own completed steps and nothing else: rules kaudit
/// deleted are added back and rules it added are deleted, in the previous
/// order; a rule another writer added stays where it is, one another writer
/// deleted is not re-created. Then the settings kaudit changed, newest
/// first. Every refusal is recorded, none ignored.
fn rollback(
    t: &mut dyn Transport,
    scope: &Scope,
    before: &[Vec<u8>],
    run: &Run,
    host: &Host,
) -> Result<Rollback, TransportError> {
    use std::collections::{HashMap, HashSet};
    let mut rb = Rollback::default();
    let (_, now) = managed(t, scope)?;
    // kaudit's net effect per rule: true added, false deleted.
    let mut net: HashMap<&[u8], bool, crate::plan::Fast> = HashMap::default();
    for s in &run.done {
        net.insert(s.bytes(), !matches!(s, Step::Delete(_)));
    }
    let before_set: HashSet<&[u8], crate::plan::Fast> = before.iter().map(Vec::as_slice).collect();
    let now_set: HashSet<&[u8], crate::plan::Fast> = now.iter().map(Vec::as_slice).collect();
    // The previous rules, minus those another writer deleted...
    let mut target: Vec<Vec<u8>> = before
        .iter()
        .filter(|b| now_set.contains(b.as_slice()) || net.get(b.as_slice()) == Some(&false))
        .cloned()
        .collect();
    // ...plus those another writer added, after the rule they follow now.
    for (i, b) in now.iter().enumerate() {
        if before_set.contains(b.as_slice()) || net.get(b.as_slice()) == Some(&true) {
            continue;
        }
        let list = list_of(b);
        let pos = now[..i]
            .iter()
            .rev()
            .filter(|p| list_of(p) == list)
            .find_map(|p| target.iter().position(|x| x == p))
            .map(|j| j + 1)
            .or_else(|| target.iter().position(|x| list_of(x) == list))
            .unwrap_or(target.len());
        target.insert(pos, b.clone());
    }
    let target = kernel_order(&target);
    let back = plan(&now, &target);
    let acks = execute_steps(t, &back.steps)?;
    for (s, a) in back.steps.iter().zip(acks) {
        let text = rule_text(s.bytes(), host);
        match (s, a) {
            (Step::Delete(b), Ok(_)) if net.get(b.as_slice()) == Some(&true) => {
                rb.removed.push(text)
            }
            (Step::Delete(_), Ok(_)) => rb.moved.push(text),
            (_, Ok(_)) if net.get(s.bytes()) == Some(&false) => rb.readded.push(text),
            (_, Ok(_)) => {}
            (_, Err(e)) => rb.failed.push((text, crate::apply::strerror(e))),
        }
    }
    for (name, from, _) in run.settings.iter().rev() {
        match t.execute(&[set_request(name, *from)])?[0] {
            Ok(_) => rb.settings_restored.push((name, *from)),
            Err(e) => rb
                .settings_failed
                .push((name, *from, crate::apply::strerror(e))),
        }
    }
    let (_, after) = managed(t, scope)?;
    rb.rules_exact = after == target;
    Ok(rb)
}

/// The plan as text, one step per line (`--dry-run`).
pub fn plan_text(report: &Report, host: &Host) -> String {
    let mut out = String::new();
    for s in &report.plan.steps {
        let (verb, b) = match s {
            Step::Append(b) => ("append ", b),
            Step::Prepend(b) => ("prepend", b),
            Step::Delete(b) => ("delete ", b),
        };
        let text = list_text(&[crate::codec::decode_lossy(b).0], host);
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
    let text = |rules: &[Vec<u8>]| -> Vec<String> {
        let decoded: Vec<Rule> = rules
            .iter()
            .map(|b| crate::codec::decode_lossy(b).0)
            .collect();
        if decoded.is_empty() {
            return Vec::new();
        }
        list_text(&decoded, host)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::fake::FakeKernel;
    use crate::rulefile::compile_text;
    use crate::tables::Machine;

    fn host() -> Host {
        Host::fixed(Machine::X86_64, &[], &[], &["/tmp"])
    }

    fn desired(text: &str) -> Desired {
        let (entries, diags) = compile_text("t.rules", text, &host());
        assert!(
            diags.iter().all(|d| d.severity != Severity::Error),
            "{diags:?}"
        );
        let mut errors = Vec::new();
        let d = desired_from_entries(&entries, &Scope::All, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        d
    }

    #[test]
    fn sync_against_the_fake_kernel() {
        let mut k = FakeKernel::new();
        let d1 = desired("-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k b\n-b 128\n");
        let r = apply(&mut k, &d1, &Scope::All, &host()).unwrap();
        assert_eq!(r.plan.counts(), (2, 0));
        assert_eq!(r.settings, vec![("backlog_limit", 64, 128)]);
        // Again: nothing to do.
        let r = compare(&mut k, &d1, &Scope::All).unwrap();
        assert!(r.in_sync());
        // One changed at the end: one add, one delete.
        let d2 = desired("-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k c\n-b 128\n");
        let r = apply(&mut k, &d2, &Scope::All, &host()).unwrap();
        assert_eq!(r.plan.counts(), (1, 1));
        assert!(diff_text(&compare(&mut k, &d2, &Scope::All).unwrap(), &host()).is_empty());
    }

    #[test]
    fn diff_shows_hunks_with_context() {
        // 2,000 rules, one changed in the middle: one hunk with three lines
        // of context on each side, as diff -u prints it.
        let rule = |i: usize| format!("-a always,exit -F arch=b64 -S openat -F auid={i} -k d\n");
        let old: String = (0..2_000).map(rule).collect();
        let new = old.replace("-F auid=1000 ", "-F auid=99999 ");
        let mut k = FakeKernel::new();
        apply(&mut k, &desired(&old), &Scope::All, &host()).unwrap();
        let text = diff_text(
            &compare(&mut k, &desired(&new), &Scope::All).unwrap(),
            &host(),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..3],
            ["--- kernel", "+++ files", "@@ -998,7 +998,7 @@"],
            "{text}"
        );
        assert_eq!(lines.len(), 3 + 3 + 2 + 3, "{text}");
        assert_eq!(
            lines[6..8],
            [
                "--a always,exit -F arch=b64 -S openat -F auid=1000 -F key=d",
                "+-a always,exit -F arch=b64 -S openat -F auid=99999 -F key=d"
            ]
            .map(|l| l.to_string())
        );
    }

    #[test]
    fn a_refused_step_restores_the_previous_table() {
        let mut k = FakeKernel::new();
        let d1 = desired(
            "-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k b\n",
        );
        apply(&mut k, &d1, &Scope::All, &host()).unwrap();
        let before = k.list_rules().unwrap();
        let d2 = desired(
            "-a always,exit -F arch=b64 -S read -k x\n-a always,exit -F arch=b64 -S write -k y\n",
        );
        // Refuse the second add of the plan.
        let mut n = 0;
        k.set_refusal(Some(Box::new(move |r: &Request| {
            if r.msg_type == crate::netlink::AUDIT_ADD_RULE {
                n += 1;
                if n == 2 {
                    return Some(libc::ENOENT);
                }
            }
            None
        })));
        match apply(&mut k, &d2, &Scope::All, &host()) {
            Err(SyncError::Refused {
                rollback, reason, ..
            }) => {
                assert!(rollback.complete(), "{rollback:?}");
                assert_eq!(rollback.removed.len(), 1);
                assert_eq!(reason, "No such file or directory");
            }
            other => panic!("{other:?}"),
        }
        k.set_refusal(None);
        assert_eq!(k.list_rules().unwrap(), before);
    }

    /// The rule of `desired(text)`, stored form.
    fn one(text: &str) -> Vec<u8> {
        desired(text).rules.remove(0).0
    }

    fn keys(k: &mut FakeKernel) -> Vec<String> {
        k.list_rules()
            .unwrap()
            .iter()
            .map(|b| String::from_utf8_lossy(decode(b).unwrap().keys()[0]).into_owned())
            .collect()
    }

    const A: &str = "-a always,exit -F arch=b64 -S open -k s-a\n";
    const B: &str = "-a always,exit -F arch=b64 -S close -k s-b\n";
    const C: &str = "-a always,exit -F arch=b64 -S read -k s-c\n";
    const D: &str = "-a always,exit -F arch=b64 -S write -k s-d\n";

    /// A fake holding `rules`, and another writer that runs `act` on the
    /// lists once, just before the first request of type `on`.
    fn kernel_with_writer(
        rules: &[&str],
        on: u16,
        act: impl FnOnce(&mut [Vec<Vec<u8>>; crate::netlink::fake::LIST_COUNT]) + Send + 'static,
    ) -> FakeKernel {
        let mut k = FakeKernel::new();
        for r in rules {
            assert!(k.insert_rule(&one(r)));
        }
        let mut act = Some(act);
        k.set_interloper(Some(Box::new(move |r: &Request, lists| {
            if r.msg_type == on {
                if let Some(f) = act.take() {
                    f(lists)
                }
            }
        })));
        k
    }

    #[test]
    fn another_writer_deleting_a_removed_rule_is_not_a_refusal() {
        let b = one(B);
        let mut k = kernel_with_writer(&[A, B], crate::netlink::AUDIT_DEL_RULE, move |l| {
            l[4].retain(|x| *x != b)
        });
        let r = apply(&mut k, &desired(A), &Scope::All, &host()).unwrap();
        assert_eq!(keys(&mut k), ["s-a"]);
        assert_eq!(r.foreign.len(), 1, "{:?}", r.foreign);
        assert!(matches!(&r.foreign[0], ForeignChange::Deleted(t) if t.contains("s-b")));
    }

    #[test]
    fn another_writer_adding_an_added_rule_is_not_a_refusal() {
        let c = one(C);
        let mut k = kernel_with_writer(&[A], crate::netlink::AUDIT_ADD_RULE, move |l| l[4].push(c));
        let r = apply(&mut k, &desired(&format!("{A}{C}")), &Scope::All, &host()).unwrap();
        assert_eq!(keys(&mut k), ["s-a", "s-c"]);
        assert!(matches!(&r.foreign[..], [ForeignChange::Added(t)] if t.contains("s-c")));
        assert_eq!(r.rounds, 1);
        // The report says what kaudit did: nothing (the other writer added c).
        assert_eq!(r.plan.counts(), (0, 0));
    }

    #[test]
    fn a_kept_rule_deleted_by_another_writer_is_re_planned() {
        let a = one(A);
        let mut k = kernel_with_writer(&[A, B], crate::netlink::AUDIT_ADD_RULE, move |l| {
            l[4].retain(|x| *x != a)
        });
        let r = apply(
            &mut k,
            &desired(&format!("{A}{B}{C}")),
            &Scope::All,
            &host(),
        )
        .unwrap();
        assert_eq!(keys(&mut k), ["s-a", "s-b", "s-c"]);
        assert_eq!(r.rounds, 2);
        // Done: c appended, then a prepended back.
        assert_eq!(r.plan.counts(), (2, 0));
        assert!(matches!(&r.foreign[..], [ForeignChange::Deleted(t)] if t.contains("s-a")));
    }

    #[test]
    fn rules_outside_the_scope_may_come_and_go() {
        let other = one("-a always,exit -F arch=b64 -S fork -k other\n");
        let mut k = kernel_with_writer(&[A], crate::netlink::AUDIT_ADD_RULE, move |l| {
            l[4].insert(0, other)
        });
        let scope = Scope::KeyPrefix("s-".into());
        let r = apply(&mut k, &desired(&format!("{A}{C}")), &scope, &host()).unwrap();
        assert_eq!(keys(&mut k), ["other", "s-a", "s-c"]);
        assert!(r.foreign.is_empty());
    }

    #[test]
    fn a_rollback_undoes_only_kaudits_own_steps() {
        // Before: a, b. Wanted: c. Another writer deletes a and adds d
        // while kaudit adds c; then the kernel refuses the delete of b.
        let (a, d) = (one(A), one(D));
        let mut k = kernel_with_writer(&[A, B], crate::netlink::AUDIT_ADD_RULE, move |l| {
            l[4].retain(|x| *x != a);
            l[4].push(d);
        });
        k.refuse_nth(crate::netlink::AUDIT_DEL_RULE, 2, libc::EINVAL);
        let e = apply(&mut k, &desired(C), &Scope::All, &host()).unwrap_err();
        let SyncError::Refused {
            rollback, foreign, ..
        } = &e
        else {
            panic!("{e:?}")
        };
        // c (kaudit's) removed; a (deleted by the other writer) not
        // re-created; d (added by the other writer) kept.
        assert_eq!(keys(&mut k), ["s-b", "s-d"]);
        assert_eq!(rollback.removed.len(), 1);
        assert!(rollback.readded.is_empty() && rollback.moved.is_empty());
        assert!(rollback.complete(), "{rollback:?}");
        assert_eq!(e.exit_code(), 1);
        assert!(foreign
            .iter()
            .any(|f| matches!(f, ForeignChange::Deleted(t) if t.contains("s-a"))));
        let text = e.to_string();
        assert!(text.contains("removed: -a always,exit"), "{text}");
        assert!(text.contains("deleted by another writer"), "{text}");
        assert!(
            text.contains("the previous rules and settings are back"),
            "{text}"
        );
    }

    #[test]
    fn a_writer_that_never_stops_ends_in_a_rollback() {
        // Just before every add of kaudit's, the other writer deletes every
        // rule of the list: the rules never converge.
        let mut k = FakeKernel::new();
        assert!(k.insert_rule(&one(A)));
        k.set_interloper(Some(Box::new(move |r: &Request, lists| {
            if r.msg_type == crate::netlink::AUDIT_ADD_RULE {
                lists[4].clear();
            }
        })));
        let e = apply(&mut k, &desired(&format!("{A}{B}")), &Scope::All, &host()).unwrap_err();
        let SyncError::Contended { foreign, rollback } = &e else {
            panic!("{e:?}")
        };
        assert!(foreign.len() >= MAX_ROUNDS, "{foreign:?}");
        // After the last round the kernel holds a (kaudit's re-add), which
        // is the previous state: nothing is left to undo.
        k.set_interloper(None);
        assert_eq!(keys(&mut k), ["s-a"]);
        assert!(rollback.complete(), "{rollback:?}");
        assert!(e.to_string().contains("other writers kept changing"), "{e}");
        assert!(crate::json::line(&crate::json::SyncFailure::new(&e))
            .contains("\"error\":\"contended\""));
    }

    #[test]
    fn a_settings_change_refused_during_rollback_is_reported() {
        let mut k = FakeKernel::new();
        assert!(k.insert_rule(&one(A)));
        // failure 1 -> 0 succeeds, backlog_limit 64 -> 128 is refused, and
        // the rollback's failure 0 -> 1 is refused too.
        k.refuse_nth(crate::netlink::AUDIT_SET, 2, libc::EINVAL);
        k.refuse_nth(crate::netlink::AUDIT_SET, 3, libc::EPERM);
        let want = desired(&format!("{A}{B}-f 0\n-b 128\n"));
        let e = apply(&mut k, &want, &Scope::All, &host()).unwrap_err();
        let SyncError::Refused { rollback, what, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(what, "backlog_limit 64 -> 128");
        assert_eq!(
            rollback.settings_failed,
            vec![("failure", 1, "Operation not permitted".to_string())]
        );
        assert_eq!(rollback.removed.len(), 1);
        assert!(rollback.rules_exact);
        assert!(!rollback.complete());
        assert_eq!(e.exit_code(), 5);
        assert_eq!(keys(&mut k), ["s-a"]);
        assert_eq!(k.status().failure, 0, "the fake did refuse the restore");
        let text = e.to_string();
        assert!(
            text.contains("NOT restored: setting failure 1 (Operation not permitted)"),
            "{text}"
        );
        assert!(
            text.contains("THE PREVIOUS STATE COULD NOT BE RESTORED"),
            "{text}"
        );
        let json = crate::json::line(&crate::json::SyncFailure::new(&e));
        assert!(json.contains("\"exit\":5"), "{json}");
        assert!(json.contains("\"complete\":false"), "{json}");
        assert!(
            json.contains("\"not_restored\":[{\"setting\":\"failure\",\"value\":1,\"reason\":\"Operation not permitted\"}]"),
            "{json}"
        );
    }

    #[test]
    fn locked_kernels_are_refused_up_front() {
        let mut k = FakeKernel::new();
        k.status_mut().enabled = 2;
        let d = desired("-a always,exit -F arch=b64 -S open -k a\n");
        assert!(matches!(
            apply(&mut k, &d, &Scope::All, &host()),
            Err(SyncError::Locked)
        ));
        assert!(k.list_rules().unwrap().is_empty());
    }

    #[test]
    fn an_empty_rule_set_is_refused_unless_meant() {
        let mut k = FakeKernel::new();
        apply(
            &mut k,
            &desired("-a always,exit -F arch=b64 -S open -k a\n"),
            &Scope::All,
            &host(),
        )
        .unwrap();
        let empty = desired("# nothing\n-b 100\n");
        assert!(matches!(
            apply(&mut k, &empty, &Scope::All, &host()),
            Err(SyncError::EmptyDesired { in_scope: 1 })
        ));
        assert_eq!(k.rule_count(), 1);
        let mut allowed = empty.clone();
        allowed.allow_empty = true;
        apply(&mut k, &allowed, &Scope::All, &host()).unwrap();
        assert_eq!(k.rule_count(), 0);
        // With nothing in scope, an empty set is just in sync.
        apply(&mut k, &empty, &Scope::All, &host()).unwrap();
        let with_d = desired("-D\n");
        assert!(with_d.delete_all && with_d.rules.is_empty());
    }

    #[test]
    fn the_additive_meaning_keeps_every_rule_and_adds_the_missing() {
        let mut k = FakeKernel::new();
        apply(
            &mut k,
            &desired("-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k b\n"),
            &Scope::All,
            &host(),
        )
        .unwrap();
        let table = k.list_rules().unwrap();
        let (entries, _) = compile_text(
            "audit.rules",
            "-a always,exit -F arch=b64 -S close -k b\n-a always,exit -F arch=b64 -S read -k c\n-a always,exit -F arch=b64 -S read -k c\n-d always,exit -F arch=b64 -S write -k gone\n-A always,exit -F arch=b64 -S fork -k first\n",
            &host(),
        );
        assert!(!says_delete_all(&entries));
        let mut errors = Vec::new();
        let d = desired_additive(&entries, &table, &Scope::All, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let r = apply(&mut k, &d, &Scope::All, &host()).unwrap();
        assert_eq!(r.plan.counts(), (2, 0));
        let keys: Vec<String> = k
            .list_rules()
            .unwrap()
            .iter()
            .map(|b| String::from_utf8_lossy(decode(b).unwrap().keys()[0]).into_owned())
            .collect();
        assert_eq!(keys, ["first", "a", "b", "c"]);
        // -D -k removes the matching rules, keeps the others.
        let (entries, _) = compile_text("audit.rules", "-D -k fir\n", &host());
        let d = desired_additive(&entries, &k.list_rules().unwrap(), &Scope::All, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(d.rules.len(), 3);
    }

    #[test]
    fn duplicates_and_scope_violations_are_input_errors() {
        let (entries, _) = compile_text(
            "t.rules",
            "-a always,exit -F arch=b64 -S open -k ks-a\n-a always,exit -F arch=b64 -S open -k ks-a\n-a always,exit -F arch=b64 -S close -k other\n",
            &host(),
        );
        let mut errors = Vec::new();
        desired_from_entries(&entries, &Scope::KeyPrefix("ks-".into()), &mut errors);
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("already at t.rules:1"));
        assert!(errors[1].message.contains("outside the --scope"));
    }
}
