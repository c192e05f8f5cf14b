//! Reachability under the kernel's first-match order.
//!
//! On every list the kernel walks the rules in order and the first rule that
//! matches decides (`audit_filter_syscall`, `audit_filter_inodes` through the
//! rule priority, `audit_filter_task`, `audit_filter_uring`, `audit_filter`).
//! Watch rules live on per-inode lists, but their priority is their place in
//! the exit list, so the exit list's order decides for them too. So:
//!
//! - a rule B is *unreachable* when an earlier rule A of its list matches
//!   every event B matches: same list, A's syscalls include B's, and each of
//!   A's conditions is implied by B's ([`super::conditions::conds_imply`]);
//! - B's key is never recorded for the events an earlier `always` rule with
//!   another key matches first (a warning; some such event must exist);
//! - a `never` rule after an `always` rule that matches some of its events
//!   does not exclude them;
//! - a rule whose own conditions contradict each other matches nothing.
//!
//! The filesystem list is left out: there every matching `never` rule
//! applies, whatever the order. On the user and exclude lists the kernel
//! stops at a field it does not evaluate there, so rules with such fields
//! are left out of the comparison.

use super::conditions::{conds_empty, conds_imply, conds_overlap, user_list_field, Because, Conds};
use super::index::{ImplyIndex, MeetIndex};
use super::{line_span, Code, Finding, Findings, Item};
use crate::model::{perm, Action, Field, FilterList, Rule, SyscallMask, Value};
use crate::tables::{self, Machine};
use crate::uapi::{field, AUDIT_BITMASK_SIZE, AUDIT_SYSCALL_CLASSES, AUDIT_UID_UNSET};
use std::collections::BTreeMap;

/// Whether mask `b` is inside mask `a`, class bits included (a class bit
/// stands for syscalls the kernel adds; only the same bit covers it).
fn mask_within(b: &SyscallMask, a: &SyscallMask) -> bool {
    b.same_words(a)
        || b.words()
            .iter()
            .zip(a.words().iter())
            .all(|(x, y)| x & !y == 0)
}

/// Whether two masks share a syscall (class bits, the top 16, left out).
fn masks_meet(a: &SyscallMask, b: &SyscallMask) -> bool {
    let last = AUDIT_BITMASK_SIZE - 1;
    let class_free = u32::MAX >> AUDIT_SYSCALL_CLASSES;
    a.words()
        .iter()
        .zip(b.words().iter())
        .enumerate()
        .map(|(i, (x, y))| (if i == last { x & class_free } else { *x }, y))
        .any(|(x, y)| x & y != 0)
}

/// Whether the analysis can compare rules of this list.
fn analysed(list: FilterList) -> bool {
    matches!(
        list,
        FilterList::Exit
            | FilterList::IoUring
            | FilterList::Task
            | FilterList::User
            | FilterList::Exclude
    )
}

/// Whether the kernel evaluates every field of the rule on its list.
fn evaluable(rule: &Rule) -> bool {
    !matches!(rule.list, FilterList::User | FilterList::Exclude)
        || rule.fields.iter().all(|f| user_list_field(f.number))
}

/// Why `a`, earlier on the same list, decides every event `b` matches; `None`
/// when that cannot be shown.
pub fn hides(a: &Rule, b: &Rule) -> Option<Vec<Because>> {
    if a.list != b.list || !analysed(a.list) || !evaluable(a) || !evaluable(b) {
        return None;
    }
    if a.list.takes_syscalls() && !mask_within(&b.mask, &a.mask) {
        return None;
    }
    conds_imply(&Conds::of(b), &Conds::of(a), None)
}

/// The perm kinds (exec 1, write 2, read 4, attr 8) of a syscall, by the
/// reference's class lists (`permtab.h`); a `32`/`64` suffix (i386's
/// `chown32`) counts as the plain name.
fn perm_kinds(m: Machine, nr: u32) -> u32 {
    let Some(name) = tables::syscall_name(m, nr) else {
        return 0;
    };
    let plain = name
        .strip_suffix("32")
        .or_else(|| name.strip_suffix("64"))
        .unwrap_or(name);
    [1, 2, 4, 8]
        .into_iter()
        .filter(|bit| {
            tables::perm_syscalls(*bit)
                .iter()
                .any(|n| *n == name || *n == plain)
        })
        .fold(0, |a, b| a | b)
}

/// Whether some event matches both `a` and `b`, as far as the model shows.
/// `machine` names the syscall numbers of rules without an arch. Used for
/// warnings only: on syscall lists a shared syscall must also be of a kind
/// that both rules' `perm` conditions accept (the kernel's classes, as the
/// reference lists them), so a `-w /etc/passwd -p wa` watch does not
/// "overlap" an `adjtimex` rule.
pub fn overlap(a: &Rule, b: &Rule, machine: Machine) -> bool {
    overlap_with(
        a,
        &Conds::of(a),
        b,
        &Conds::of(b),
        machine,
        &mut PermKinds::default(),
    )
}

/// [`perm_kinds`] of every syscall number of a machine, worked out once per
/// machine a run needs.
#[derive(Default)]
struct PermKinds(std::collections::HashMap<Machine, Vec<u8>>);

impl PermKinds {
    fn table(&mut self, m: Machine) -> &[u8] {
        self.0
            .entry(m)
            .or_insert_with(|| (0..2032u32).map(|n| perm_kinds(m, n) as u8).collect())
    }

    fn of(&mut self, m: Machine, nr: u32) -> u32 {
        self.table(m).get(nr as usize).map_or(0, |k| *k as u32)
    }
}

/// The assignments of perm kinds (bit s: the syscall is of exactly the
/// kinds in s) that a syscall of `kinds` can make, as [`overlap_with`]
/// counts them.
fn assignments(kinds: u32) -> u16 {
    (0u32..16)
        .filter(|s| s & !kinds == 0 && (*s != 0 || kinds == 0))
        .fold(0, |a, s| a | (1 << s))
}

/// What [`overlap_with`]'s syscall-kind test needs of one rule, worked out
/// once, for a quick "cannot meet" before the full test.
struct Kinds {
    /// Some perm condition (else the kind test does not apply to it).
    perm: bool,
    /// [`Conds::perm_set`].
    perm_set: u16,
    /// The machine of its first `arch=` condition.
    arch: Option<Machine>,
    /// The assignments its syscalls can make on its own machine (its arch,
    /// else the default).
    reach: u16,
}

impl Kinds {
    fn of(rule: &Rule, c: &Conds, machine: Machine, table: &mut PermKinds) -> Kinds {
        let arch = rule
            .fields
            .iter()
            .find(|f| f.number == field::ARCH && f.op == crate::model::Operator::Equal)
            .and_then(|f| tables::machine_by_audit_arch(f.num_value()));
        let m = arch.unwrap_or(machine);
        let reach = if rule.list.takes_syscalls() {
            let kinds = table.table(m);
            let mut reach = 0u16;
            for (w, bits) in rule.mask.words().iter().enumerate() {
                for k in (0..32).filter(|k| bits & (1 << k) != 0) {
                    let n = w * 32 + k;
                    if let Some(kind) = kinds.get(n) {
                        reach |= assignments(*kind as u32);
                    }
                }
                if reach == u16::MAX {
                    break;
                }
            }
            reach
        } else {
            u16::MAX
        };
        Kinds {
            perm: !c.perm.is_empty(),
            perm_set: c.perm_set(),
            arch,
            reach,
        }
    }

    /// False only when [`overlap_with`] of earlier `a` and `b` is false
    /// for their syscall kinds: the shared syscalls are among b's, so none
    /// can make an assignment that both perm conditions allow and b's
    /// syscalls cannot make on the pair's machine. (Only when that machine
    /// is the one b's reach was worked out on.)
    fn may_meet(a: &Kinds, b: &Kinds, a_rule: &Rule, machine: Machine) -> bool {
        if !a_rule.list.takes_syscalls() || !(a.perm || b.perm) {
            return true;
        }
        let pair = a.arch.or(b.arch).unwrap_or(machine);
        if pair != b.arch.unwrap_or(machine) {
            return true;
        }
        a.perm_set & b.perm_set & b.reach != 0
    }
}

/// [`overlap`] with the rules' conditions already built.
fn overlap_with(
    a: &Rule,
    ca: &Conds,
    b: &Rule,
    cb: &Conds,
    machine: Machine,
    kinds: &mut PermKinds,
) -> bool {
    if a.list != b.list || !analysed(a.list) || !evaluable(a) || !evaluable(b) {
        return false;
    }
    if a.list.takes_syscalls() && !masks_meet(&a.mask, &b.mask) {
        return false;
    }
    // The syscall kinds before the conditions: the cheaper test first (both
    // must hold; the order changes no answer).
    if a.list.takes_syscalls() && !(ca.perm.is_empty() && cb.perm.is_empty()) {
        let allowed = ca.perm_set() & cb.perm_set();
        let m = [a, b]
            .iter()
            .flat_map(|r| r.fields.iter())
            .find(|f| f.number == field::ARCH && f.op == crate::model::Operator::Equal)
            .and_then(|f| tables::machine_by_audit_arch(f.num_value()))
            .unwrap_or(machine);
        // The syscalls below 2032 in both masks, word by word.
        let mut shared = a
            .mask
            .words()
            .iter()
            .zip(b.mask.words().iter())
            .enumerate()
            .flat_map(|(w, (x, y))| {
                let bits = x & y;
                (0..32u32)
                    .filter(move |k| bits & (1 << k) != 0)
                    .map(move |k| w as u32 * 32 + k)
            })
            .filter(|n| *n < 2032);
        let fits = shared.any(|n| {
            let kinds = kinds.of(m, n);
            // Any non-empty part of the kinds (open is read or write by its
            // flags), or none for a syscall of no kind.
            (0u32..16)
                .filter(|s| s & !kinds == 0 && (*s != 0 || kinds == 0))
                .any(|s| allowed & (1 << s) != 0)
        });
        if !fits {
            return false;
        }
    }
    conds_overlap(ca, cb)
}

/// A field as it is written (`auid>=1000`, `arch=x86_64`, `perm=wa`).
pub fn field_text(f: &Field) -> String {
    let name = match f.number {
        field::WATCH => "path".to_string(),
        field::LOGINUID => "auid".to_string(),
        field::FIELD_COMPARE => "-C".to_string(),
        n => tables::field_name(n).map_or_else(|| format!("field{n}"), str::to_string),
    };
    let op = f.op.symbol().unwrap_or("?");
    let value = match (&f.value, f.number) {
        (Value::Bytes(b), _) => String::from_utf8_lossy(b).into_owned(),
        (Value::Num(a), field::ARCH) => tables::machine_by_audit_arch(*a).map_or_else(
            || format!("{a:#x}"),
            |m| tables::machine_name(m).to_string(),
        ),
        (Value::Num(AUDIT_UID_UNSET), field::LOGINUID) => "unset".to_string(),
        (Value::Num(n), field::EXIT) => (*n as i32).to_string(),
        (Value::Num(n), field::PERM) => perm::letters(*n),
        (Value::Num(n), field::MSGTYPE) => {
            tables::msgtype_by_number(*n).map_or_else(|| n.to_string(), |t| t.name.to_string())
        }
        (Value::Num(n), _) => n.to_string(),
    };
    format!("{name}{op}{value}")
}

/// The explanation of a [`hides`] result.
fn explain(a: &Rule, b: &Rule, why: &[Because]) -> String {
    let mut parts = Vec::new();
    if a.list.takes_syscalls() {
        parts.push(if a.mask == SyscallMask::ALL {
            "it applies to every syscall".to_string()
        } else {
            "its syscalls include all of these".to_string()
        });
    }
    for w in why {
        let later: Vec<String> = w.later.iter().map(|j| field_text(&b.fields[*j])).collect();
        parts.push(format!(
            "its {} holds whenever {} does",
            field_text(&a.fields[w.earlier]),
            later.join(" and ")
        ));
    }
    if why.is_empty() {
        parts.push("it has no condition".to_string());
    }
    parts.join("; ")
}

fn keys(rule: &Rule) -> Vec<String> {
    rule.keys()
        .iter()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect()
}

fn key_text(rule: &Rule) -> String {
    match keys(rule).as_slice() {
        [] => "no key".to_string(),
        k => format!("key {}", k.join(",")),
    }
}

/// The reachability checks over the lists.
pub fn check(lists: &BTreeMap<FilterList, Vec<Item<'_>>>, machine: Machine) -> Findings {
    let mut out = Findings::default();
    let mut kinds = PermKinds::default();
    for (list, items) in lists {
        if !analysed(*list) {
            continue;
        }
        let conds: Vec<Conds> = items.iter().map(|i| Conds::of(i.rule)).collect();
        let empty: Vec<bool> = conds.iter().map(|c| conds_empty(c).is_some()).collect();
        let kinds_of: Vec<Kinds> = items
            .iter()
            .zip(&conds)
            .map(|(i, c)| Kinds::of(i.rule, c, machine, &mut kinds))
            .collect();
        // The earlier rules, indexed as they are passed (see `index`).
        let mut imply = ImplyIndex::new(&conds, None);
        let mut meet = MeetIndex::new(&conds);
        for (j, b) in items.iter().enumerate() {
            if j > 0 {
                imply.add(j - 1, &conds[j - 1]);
                meet.add(j - 1, &conds[j - 1]);
            }
            if let Some(why) = conds_empty(&conds[j]) {
                out.push(Finding::at(
                    Code::NeverMatches,
                    b.entry,
                    line_span(&b.entry.text),
                    format!("this rule matches no event: {why}"),
                ));
                continue;
            }
            if !evaluable(b.rule) {
                let bad = b
                    .rule
                    .fields
                    .iter()
                    .find(|f| !user_list_field(f.number))
                    .map(field_text)
                    .unwrap_or_default();
                out.push(Finding::at(
                    Code::FieldStopsFilter,
                    b.entry,
                    line_span(&b.entry.text),
                    format!(
                        "the kernel's {} filter does not evaluate {bad}: when the fields before it \
                         match, the filter stops there, so this rule decides nothing {} and no \
                         later rule of the list is tried",
                        if *list == FilterList::User { "user" } else { "exclude" },
                        if *list == FilterList::User { "(the message is sent)" } else { "(the record is kept)" }
                    ),
                ));
                continue;
            }
            let hider = imply
                .first(&conds[j], |i| {
                    let a = &items[i];
                    !empty[i]
                        && evaluable(a.rule)
                        && (!a.rule.list.takes_syscalls()
                            || mask_within(&b.rule.mask, &a.rule.mask))
                        && conds_imply(&conds[j], &conds[i], None).is_some()
                })
                .and_then(|i| conds_imply(&conds[j], &conds[i], None).map(|why| (&items[i], why)));
            if let Some((a, why)) = hider {
                let outcome = if a.rule.action == Action::Never {
                    "so these events are never recorded".to_string()
                } else {
                    format!("so they are recorded with its {}", key_text(a.rule))
                };
                out.push(
                    Finding::at(
                        Code::UnreachableRule,
                        b.entry,
                        line_span(&b.entry.text),
                        format!(
                            "never decides: the earlier rule at {} matches every event this \
                             rule matches ({}), and the first match wins, {outcome}",
                            a.place(),
                            explain(a.rule, b.rule, &why)
                        ),
                    )
                    .with_related(a.entry, "the rule that decides first"),
                );
                continue;
            }
            let mut first_overlap = |want: &dyn Fn(usize) -> bool| {
                meet.first(&conds[j], |i| {
                    !empty[i]
                        && want(i)
                        && Kinds::may_meet(&kinds_of[i], &kinds_of[j], items[i].rule, machine)
                        && overlap_with(
                            items[i].rule,
                            &conds[i],
                            b.rule,
                            &conds[j],
                            machine,
                            &mut kinds,
                        )
                })
                .map(|i| &items[i])
            };
            match b.rule.action {
                Action::Never if *list != FilterList::Exclude => {
                    if let Some(a) = first_overlap(&|i| items[i].rule.action == Action::Always) {
                        out.push(
                            Finding::at(
                                Code::NeverAfterAlways,
                                b.entry,
                                line_span(&b.entry.text),
                                format!(
                                    "this never rule comes after the always rule at {}, which \
                                     matches some of the same events first, so those are still \
                                     recorded; put never rules before the always rules",
                                    a.place()
                                ),
                            )
                            .with_related(a.entry, "the always rule that matches first"),
                        );
                    }
                }
                Action::Always if !b.rule.keys().is_empty() && *list != FilterList::Exclude => {
                    // Keys are worked out when needed, not kept for every
                    // rule of the list.
                    let bk = keys(b.rule);
                    let other_key = |i: usize| {
                        items[i].rule.action == Action::Always && {
                            let ik = keys(items[i].rule);
                            !bk.iter().all(|k| ik.contains(k))
                        }
                    };
                    if let Some(a) = first_overlap(&other_key) {
                        out.push(
                            Finding::at(
                                Code::KeyShadowed,
                                b.entry,
                                line_span(&b.entry.text),
                                format!(
                                    "for some of this rule's events the earlier rule at {} \
                                     ({}) matches first, so they are recorded without {}",
                                    a.place(),
                                    key_text(a.rule),
                                    key_text(b.rule)
                                ),
                            )
                            .with_related(a.entry, "the rule that matches first"),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    out
}
