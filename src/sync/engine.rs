//! The sync engine: compares the kernel with the desired state, applies the
//! plan, re-plans around other writers, rolls back kaudit's own steps when
//! the kernel refuses one, and verifies the result by reading it back.

use super::render::rule_text;
use super::{Desired, ForeignChange, Report, Rollback, Scope, Setting, Settings, SyncError};
use crate::host::Host;
use crate::netlink::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError};
use crate::plan::{kernel_order, plan, Step};
use crate::stored_rule::StoredRule;
use crate::uapi::{AUDIT_LOCKED, LOGINUID_IMMUTABLE_BIT};

/// The kernel's rules, each decoded once, in kernel order.
fn list_rules(t: &mut dyn Transport) -> Result<Vec<StoredRule>, TransportError> {
    Ok(t.list_rules()?
        .into_iter()
        .map(StoredRule::from_kernel)
        .collect())
}

/// The managed part of the kernel's rules, in kernel order.
fn managed(t: &mut dyn Transport, scope: &Scope) -> Result<Vec<StoredRule>, TransportError> {
    Ok(in_scope(&list_rules(t)?, scope))
}

fn in_scope(table: &[StoredRule], scope: &Scope) -> Vec<StoredRule> {
    table
        .iter()
        .filter(|r| scope.covers(r.rule()))
        .cloned()
        .collect()
}

/// The settings that differ: (setting, now, wanted), `enabled` last.
fn setting_changes(s: &Settings, now: &AuditStatus) -> Vec<(Setting, u32, u32)> {
    Setting::IN_ORDER
        .into_iter()
        .filter_map(|setting| {
            let have = setting.of(now);
            let want = s.wanted(setting).filter(|w| *w != have)?;
            Some((setting, have, want))
        })
        .collect()
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
    pub table: Vec<StoredRule>,
    /// `AUDIT_GET`.
    pub status: AuditStatus,
    /// `AUDIT_GET_FEATURE`, if the kernel answered.
    pub features: Option<AuditFeatures>,
}

/// Reads the kernel's state (one listing). Independent of the files, so a
/// caller can read it while the files compile.
pub fn read_state(t: &mut dyn Transport) -> Result<KernelState, TransportError> {
    Ok(KernelState {
        table: list_rules(t)?,
        status: t.get_status()?,
        features: t.get_features().ok(),
    })
}

/// Compares a kernel state with the desired state (pure).
pub fn compare_state(state: KernelState, desired: &Desired, scope: &Scope) -> Report {
    let before = in_scope(&state.table, scope);
    let want: Vec<StoredRule> = desired.rules.iter().map(|(r, _)| r.clone()).collect();
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
        Step::Append(r) => Request::add_rule(r.add_payload(false)),
        Step::Prepend(r) => Request::add_rule(r.add_payload(true)),
        Step::Delete(r) => Request::del_rule(r.bytes().to_vec()),
    }
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
    if status.enabled == AUDIT_LOCKED {
        return Err(SyncError::Locked);
    }
    for (r, origin) in &desired.rules {
        // A kernel rule kept by the additive meaning that does not decode
        // whole is the kernel's own: it needs nothing more.
        if let Some(why) = r
            .problem()
            .is_none()
            .then(|| crate::kernel_rules::missing_support(r.rule(), status.feature_bitmap))
            .flatten()
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
        let ack = t.execute(&[name.request(to)])?[0];
        if let Err(errno) = ack {
            return Err(Failed::Refused {
                what: format!("{name} {from} -> {to}"),
                rule: None,
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
                rule: None,
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
    /// Settings changed: (setting, from, to).
    settings: Vec<(Setting, u32, u32)>,
    /// Other writers' changes seen.
    foreign: Vec<ForeignChange>,
}

/// Why applying stopped.
enum Failed {
    /// The kernel refused a step (a rule's `-l` text, or a setting).
    Refused {
        what: String,
        rule: Option<StoredRule>,
        errno: i32,
    },
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
        let (what, rule, errno) = match self {
            Failed::Transport(e) => return SyncError::Transport(e),
            Failed::Refused { what, rule, errno } => (Some(what), rule, errno),
            Failed::Contended => (None, None, 0),
        };
        let rollback = match rollback(t, scope, &report.before, run, host) {
            Ok(r) => Box::new(r),
            Err(e) => return SyncError::Transport(e),
        };
        let foreign = run.foreign.clone();
        match what {
            None => SyncError::Contended { foreign, rollback },
            Some(what) => {
                let origin = rule.and_then(|rule| {
                    desired
                        .rules
                        .iter()
                        .find(|(r, _)| *r == rule)
                        .map(|(_, o)| o.clone())
                });
                SyncError::Refused {
                    what,
                    origin,
                    reason: crate::output::strerror(errno),
                    rollback,
                    foreign,
                }
            }
        }
    }
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
        let mut expected: std::collections::HashMap<&StoredRule, usize, crate::plan::Fast> =
            Default::default();
        for r in &mine {
            *expected.entry(r).or_default() += 1;
        }
        let mut seen_foreign: Vec<&StoredRule> = Vec::new();
        // Every step of the datagram was tried: record all that completed
        // (the rollback must undo them) before reporting the first refusal.
        let mut refused = None;
        for (step, ack) in steps.iter().zip(&acks) {
            match (step, ack) {
                (Step::Append(r) | Step::Prepend(r), Ok(_)) => {
                    *expected.entry(r).or_default() += 1;
                    run.done.push(step.clone());
                }
                (Step::Delete(r), Ok(_)) => {
                    if let Some(n) = expected.get_mut(r) {
                        *n = n.saturating_sub(1);
                    }
                    run.done.push(step.clone());
                }
                (Step::Append(r) | Step::Prepend(r), Err(e)) if *e == libc::EEXIST => {
                    run.foreign.push(ForeignChange::Added(rule_text(r, host)));
                    seen_foreign.push(r);
                    *expected.entry(r).or_default() += 1;
                }
                (Step::Delete(r), Err(e)) if *e == libc::ENOENT => {
                    run.foreign.push(ForeignChange::Deleted(rule_text(r, host)));
                    seen_foreign.push(r);
                    expected.insert(r, 0);
                }
                (_, Err(e)) => {
                    refused = refused.or(Some(Failed::Refused {
                        what: rule_text(step.rule(), host),
                        rule: Some(step.rule().clone()),
                        errno: *e,
                    }))
                }
            }
        }
        if let Some(failed) = refused {
            return Err(failed);
        }
        let now = managed(t, scope)?;
        // What the read-back shows beyond kaudit's own steps.
        let mut present: std::collections::HashMap<&StoredRule, usize, crate::plan::Fast> =
            Default::default();
        for r in &now {
            *present.entry(r).or_default() += 1;
        }
        for (r, n) in &present {
            if *n > expected.get(r).copied().unwrap_or(0) && !seen_foreign.contains(r) {
                run.foreign.push(ForeignChange::Added(rule_text(r, host)));
            }
        }
        for (r, n) in &expected {
            if *n > present.get(r).copied().unwrap_or(0) && !seen_foreign.contains(r) {
                run.foreign.push(ForeignChange::Deleted(rule_text(r, host)));
            }
        }
        if now == want {
            return Ok(());
        }
        // A prepend is not refused when the rule exists (the kernel compares
        // its flags with the prepend bit still set), so another writer's add
        // can leave two copies: delete the first ones (a delete removes the
        // first copy it finds), then plan from the copies that remain.
        let mut last: std::collections::HashMap<&StoredRule, usize, crate::plan::Fast> =
            Default::default();
        for (i, r) in now.iter().enumerate() {
            last.insert(r, i);
        }
        let mut unique = Vec::with_capacity(now.len());
        let mut next = Vec::new();
        for (i, r) in now.iter().enumerate() {
            if last[r] == i {
                unique.push(r.clone());
            } else {
                next.push(Step::Delete(r.clone()));
            }
        }
        next.extend(plan(&unique, &want).steps);
        steps = next;
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
    before: &[StoredRule],
    run: &Run,
    host: &Host,
) -> Result<Rollback, TransportError> {
    use std::collections::{HashMap, HashSet};
    let mut rb = Rollback::default();
    let now = managed(t, scope)?;
    // kaudit's net effect per rule: true added, false deleted.
    let mut net: HashMap<&StoredRule, bool, crate::plan::Fast> = HashMap::default();
    for s in &run.done {
        net.insert(s.rule(), !matches!(s, Step::Delete(_)));
    }
    let before_set: HashSet<&StoredRule, crate::plan::Fast> = before.iter().collect();
    let now_set: HashSet<&StoredRule, crate::plan::Fast> = now.iter().collect();
    // The previous rules, minus those another writer deleted...
    let mut target: Vec<StoredRule> = before
        .iter()
        .filter(|r| now_set.contains(r) || net.get(r) == Some(&false))
        .cloned()
        .collect();
    // ...plus those another writer added, after the rule they follow now.
    for (i, r) in now.iter().enumerate() {
        if before_set.contains(r) || net.get(r) == Some(&true) {
            continue;
        }
        let list = r.list();
        let pos = now[..i]
            .iter()
            .rev()
            .filter(|p| p.list() == list)
            .find_map(|p| target.iter().position(|x| x == p))
            .map(|j| j + 1)
            .or_else(|| target.iter().position(|x| x.list() == list))
            .unwrap_or(target.len());
        target.insert(pos, r.clone());
    }
    let target = kernel_order(&target);
    let back = plan(&now, &target);
    let acks = execute_steps(t, &back.steps)?;
    for (s, a) in back.steps.iter().zip(acks) {
        let text = rule_text(s.rule(), host);
        match (s, a) {
            (Step::Delete(r), Ok(_)) if net.get(r) == Some(&true) => rb.removed.push(text),
            (Step::Delete(_), Ok(_)) => rb.moved.push(text),
            (_, Ok(_)) if net.get(s.rule()) == Some(&false) => rb.readded.push(text),
            (_, Ok(_)) => {}
            (_, Err(e)) => rb.failed.push((text, crate::output::strerror(e))),
        }
    }
    for &(setting, from, _) in run.settings.iter().rev() {
        match t.execute(&[setting.request(from)])?[0] {
            Ok(_) => rb.settings_restored.push((setting, from)),
            Err(e) => rb
                .settings_failed
                .push((setting, from, crate::output::strerror(e))),
        }
    }
    let after = managed(t, scope)?;
    rb.rules_exact = after == target;
    Ok(rb)
}
