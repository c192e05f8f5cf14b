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
use crate::host::Host;
use crate::listing::list_text;
use crate::model::{Control, Rule};
use crate::netlink::{AuditFeatures, AuditStatus, Request, Transport, TransportError};
use crate::netlink::{AUDIT_SET, AUDIT_SET_FEATURE};
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
            Scope::KeyPrefix(_) => decode(bytes).is_ok_and(|r| self.covers(&r)),
        }
    }
}

/// The files of the paths: a file as is; a directory's `*.rules` files
/// (no dotfiles) in natural order (`2-x` before `10-x`), as augenrules
/// orders them.
pub fn rule_files(paths: &[String]) -> Result<Vec<std::path::PathBuf>, String> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            // Names are bytes: a name that is not UTF-8 is a file like any other.
            let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(path)
                .map_err(|e| {
                    format!(
                        "{p}: cannot read the directory: {}",
                        crate::output::reason(&e)
                    )
                })?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .filter(|n| n.as_bytes().ends_with(b".rules") && !n.as_bytes().starts_with(b"."))
                .collect();
            if names.is_empty() {
                return Err(format!(
                    "{p}: no *.rules files in this directory (only files named *.rules are read); \
                     refusing to treat it as an empty rule set"
                ));
            }
            names.sort_by(|a, b| natural_cmp(a.as_bytes(), b.as_bytes()));
            out.extend(names.into_iter().map(|n| path.join(n)));
        } else {
            out.push(path.to_path_buf());
        }
    }
    Ok(out)
}

/// GNU `sort -V` order of file names (gnulib's `filevercmp`), which
/// augenrules uses: hidden names first; a file suffix like `.rules` is set
/// aside and compared only on a tie; otherwise Debian version comparison,
/// where digit runs compare as numbers and `~` sorts before everything.
pub fn natural_cmp(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_ref(), b.as_ref());
    if a == b {
        return Ordering::Equal;
    }
    for special in [&b""[..], b".", b".."] {
        match (a == special, b == special) {
            (true, _) => return Ordering::Less,
            (_, true) => return Ordering::Greater,
            _ => {}
        }
    }
    match (a.starts_with(b"."), b.starts_with(b".")) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let (pa, pb) = (strip_suffix(a), strip_suffix(b));
    let r = if pa == pb {
        Ordering::Equal
    } else {
        verrevcmp(pa, pb)
    };
    if r == Ordering::Equal {
        verrevcmp(a, b)
    } else {
        r
    }
}

/// `name` without its longest suffix of the form `(\.[A-Za-z~][A-Za-z0-9~]*)*`.
fn strip_suffix(name: &[u8]) -> &[u8] {
    let b = name;
    let matches_from = |mut i: usize| -> bool {
        while i < b.len() {
            if b[i] != b'.'
                || i + 1 >= b.len()
                || !(b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'~')
            {
                return false;
            }
            i += 2;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'~') {
                i += 1;
            }
        }
        true
    };
    match (0..b.len()).find(|&i| b[i] == b'.' && matches_from(i)) {
        Some(i) => &name[..i],
        None => name,
    }
}

/// The rank of a byte in the non-digit parts of a version.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// Debian version comparison of two byte strings.
fn verrevcmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(|c| c.is_ascii_digit());
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (x, y) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = std::cmp::Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == std::cmp::Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return std::cmp::Ordering::Greater;
        }
        if digit(b, j) {
            return std::cmp::Ordering::Less;
        }
        if first_diff != std::cmp::Ordering::Equal {
            return first_diff;
        }
    }
    std::cmp::Ordering::Equal
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
    let files = rule_files(paths).map_err(|e| vec![Diagnostic::whole_file(None, e)])?;
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
                        decode(b).is_ok_and(|r| {
                            r.key_bytes()
                                .is_some_and(|rk| crate::apply::contains(rk, k))
                        })
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
        /// Whether the rollback restored the exact previous table.
        restored: bool,
    },
    /// After applying, the kernel does not hold what was planned.
    Verify(String),
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
                restored,
            } => {
                let at = origin.as_ref().map(at).unwrap_or_default();
                writeln!(f, "{at}error: the kernel refused: {what} ({reason})")?;
                f.write_str(if *restored {
                    "the previous rules and settings were restored; nothing changed"
                } else {
                    "the previous rules could NOT all be restored; check `kaudit list`"
                })
            }
            SyncError::Verify(m) => write!(f, "verification failed: {m}"),
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
    /// sent for a reason of input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
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
    let lock_loginuid =
        desired.settings.loginuid_immutable && state.features.is_none_or(|f| f.features & 2 == 0);
    Report {
        plan: plan(&before, &want),
        settings: setting_changes(&desired.settings, &state.status),
        lock_loginuid,
        after: kernel_order(&want),
        before,
        table: state.table,
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
        "enabled" => (s.mask, s.enabled) = (0x01, value),
        "failure" => (s.mask, s.failure) = (0x02, value),
        "rate_limit" => (s.mask, s.rate_limit) = (0x08, value),
        "backlog_limit" => (s.mask, s.backlog_limit) = (0x10, value),
        _ => (s.mask, s.backlog_wait_time) = (0x20, value),
    }
    Request::new(AUDIT_SET, s.to_bytes().to_vec())
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
    let all_before = report.table.clone();
    let requests: Vec<Request> = report.plan.steps.iter().map(step_request).collect();
    let acks = t.execute(&requests)?;
    if let Some(i) = acks.iter().position(|a| a.is_err()) {
        let errno = acks[i].err().unwrap_or(0);
        let restored = restore(t, scope, &report.before)?;
        let bytes = report.plan.steps[i].bytes();
        let what = decode(bytes)
            .map(|r| list_text(&[r], host).trim_end().to_string())
            .unwrap_or_default();
        let origin = desired
            .rules
            .iter()
            .find(|(b, _)| b == bytes)
            .map(|(_, o)| o.clone());
        return Err(SyncError::Refused {
            what,
            origin,
            reason: crate::apply::strerror(errno),
            restored,
        });
    }
    // Settings after rules, enabled last.
    let mut done: Vec<(&'static str, u32, u32)> = Vec::new();
    for (name, from, to) in &report.settings {
        let ack = t.execute(&[set_request(name, *to)])?[0];
        if let Err(errno) = ack {
            for (n, f, _) in done.iter().rev() {
                let _ = t.execute(&[set_request(n, *f)]);
            }
            let restored = restore(t, scope, &report.before)?;
            return Err(SyncError::Refused {
                what: format!("{name} {from} -> {to}"),
                origin: None,
                reason: crate::apply::strerror(errno),
                restored,
            });
        }
        done.push((name, *from, *to));
    }
    if report.lock_loginuid {
        let bit = 1 << 1;
        let f = AuditFeatures {
            vers: 1,
            mask: bit,
            features: bit,
            lock: bit,
        };
        if let Err(errno) = t.execute(&[Request::new(AUDIT_SET_FEATURE, f.to_bytes().to_vec())])?[0]
        {
            return Err(SyncError::Refused {
                what: "--loginuid-immutable".into(),
                origin: None,
                reason: crate::apply::strerror(errno),
                restored: false,
            });
        }
    }
    // Read back: the managed rules are exactly the plan's end state, and
    // every other rule is where it was.
    let (all_after, mine_after) = managed(t, scope)?;
    if mine_after != report.after {
        return Err(SyncError::Verify(format!(
            "the kernel holds {} managed rules after the sync, {} were planned (or in another order)",
            mine_after.len(),
            report.after.len()
        )));
    }
    let foreign = |all: &[Vec<u8>]| -> Vec<Vec<u8>> {
        all.iter()
            .filter(|b| !scope.covers_bytes(b))
            .cloned()
            .collect()
    };
    if foreign(&all_after) != foreign(&all_before) {
        return Err(SyncError::Verify(
            "rules outside the scope changed during the sync".into(),
        ));
    }
    Ok(report)
}

/// Puts the managed rules back to `original` (in order). True when the
/// kernel then holds exactly that.
fn restore(
    t: &mut dyn Transport,
    scope: &Scope,
    original: &[Vec<u8>],
) -> Result<bool, TransportError> {
    let (_, now) = managed(t, scope)?;
    let back = plan(&now, original);
    let requests: Vec<Request> = back.steps.iter().map(step_request).collect();
    t.execute(&requests)?;
    let (_, after) = managed(t, scope)?;
    Ok(after == kernel_order(original))
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
        let text = decode(b).map(|r| list_text(&[r], host)).unwrap_or_default();
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

/// JSON string escaping.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn rule_json(b: &[u8], host: &Host) -> String {
    let text = decode(b).map(|r| list_text(&[r], host)).unwrap_or_default();
    format!(
        "{{\"list\":{},\"rule\":{}}}",
        json_str(&crate::plan::list_name(b)),
        json_str(text.trim_end())
    )
}

/// The plan as JSON (schema in the README): `{"in_sync", "kept", "plan":
/// [{"op","list","rule"}], "settings": [{"name","from","to"}]}`.
pub fn plan_json(report: &Report, host: &Host) -> String {
    let steps: Vec<String> = report
        .plan
        .steps
        .iter()
        .map(|s| {
            let op = match s {
                Step::Append(_) => "append",
                Step::Prepend(_) => "prepend",
                Step::Delete(_) => "delete",
            };
            let r = rule_json(s.bytes(), host);
            format!("{{\"op\":\"{op}\",{}", &r[1..])
        })
        .collect();
    let settings: Vec<String> = report
        .settings
        .iter()
        .map(|(n, f, t)| format!("{{\"name\":\"{n}\",\"from\":{f},\"to\":{t}}}"))
        .collect();
    format!(
        "{{\"in_sync\":{},\"kept\":{},\"plan\":[{}],\"settings\":[{}],\"loginuid_immutable\":{}}}\n",
        report.in_sync(),
        report.plan.kept,
        steps.join(","),
        settings.join(","),
        report.lock_loginuid
    )
}

/// A unified diff of the `-l` text, kernel (`---`) against files (`+++`).
pub fn diff_text(report: &Report, host: &Host) -> String {
    let text = |rules: &[Vec<u8>]| -> Vec<String> {
        let decoded: Vec<Rule> = rules.iter().filter_map(|b| decode(b).ok()).collect();
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
    let mut out = String::new();
    if a == b {
        return out;
    }
    let _ = writeln!(out, "--- kernel\n+++ files");
    let _ = writeln!(out, "@@ -1,{} +1,{} @@", a.len(), b.len());
    for op in lcs_diff(&a, &b) {
        let _ = writeln!(out, "{op}");
    }
    out
}

/// Line diff by longest common subsequence (` `, `-`, `+` prefixes).
fn lcs_diff(a: &[String], b: &[String]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    // Rule tables are at most a few tens of thousands of lines; beyond a
    // size where the table would be too large, show the sides whole.
    if n.saturating_mul(m) > 50_000_000 {
        let mut v: Vec<String> = a.iter().map(|l| format!("-{l}")).collect();
        v.extend(b.iter().map(|l| format!("+{l}")));
        return v;
    }
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(format!(" {}", a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || t[i][j + 1] >= t[i + 1][j]) {
            out.push(format!("+{}", b[j]));
            j += 1;
        } else {
            out.push(format!("-{}", a[i]));
            i += 1;
        }
    }
    out
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
    fn natural_order() {
        let mut v = vec![
            "10-b.rules",
            "2-a.rules",
            "100-c.rules",
            "30-x-1-y.rules",
            "30-x.rules",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        // The .rules suffix is set aside: `30-x` sorts before `30-x-1-y`.
        assert_eq!(
            v,
            [
                "2-a.rules",
                "10-b.rules",
                "30-x.rules",
                "30-x-1-y.rules",
                "100-c.rules"
            ]
        );
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
                restored, reason, ..
            }) => {
                assert!(restored);
                assert_eq!(reason, "No such file or directory");
            }
            other => panic!("{other:?}"),
        }
        k.set_refusal(None);
        assert_eq!(k.list_rules().unwrap(), before);
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
