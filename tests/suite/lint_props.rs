//! The unreachable-rule analysis against a model of the kernel's first-match
//! semantics: for random rule pairs (exit, io_uring, exclude, user and task
//! lists) and random events, whenever lint says
//! rule B is unreachable behind rule A, no event matches B without matching
//! A (so A, earlier on the list, always decides first).
//!
//! The model below is written from the kernel's `audit_filter_rules`,
//! `audit_in_mask` and `audit_filter` (user and exclude lists) on its own,
//! not from lint's condition sets: numbers compared as u32, `auid=unset` as
//! the kernel's `loginuid_set`, values absent for some events (no exit code,
//! no argument), per-file fields matching when any file matches, `perm` as a
//! set of syscall kinds, opaque fields (exe) as free truth values, and the
//! user/exclude lists stopping at a field they do not evaluate.

use kaudit::lint::conditions::comparator;
use kaudit::lint::reach::{hides, overlap};
use kaudit::lint::Code;
use kaudit::model::{field, Action, Field, FilterList, Operator, Rule, SyscallMask, Value};
use kaudit::tables::Machine;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

const ARCH_A: u32 = 0xC000_003E;
const ARCH_B: u32 = 0x4000_0003;
const UNSET: u32 = u32::MAX;

/// One event, as the kernel's filters see it.
#[derive(Clone, Debug)]
struct Event {
    syscall: u32,
    /// Scalar fields: None where the event has no such value.
    scalars: BTreeMap<u32, Option<u32>>,
    /// The files: obj_uid and devminor of each.
    names: Vec<BTreeMap<u32, u32>>,
    /// The perm kinds the syscall has (bit set of r/w/x/a).
    perm: u32,
    /// Opaque conditions that hold (exe=/a, exe=/b).
    atoms: Vec<(u32, Vec<u8>)>,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Match,
    NoMatch,
    /// The user/exclude filter stopped at a field it does not evaluate.
    Abort,
}

fn user_side(n: u32) -> bool {
    matches!(
        n,
        field::PID
            | field::UID
            | field::GID
            | field::LOGINUID
            | field::LOGINUID_SET
            | field::MSGTYPE
            | field::EXE
    ) || (field::SUBJ_USER..=field::SUBJ_CLR).contains(&n)
}

/// The kernel's verdict for one rule and one event.
fn kernel_matches(rule: &Rule, ev: &Event) -> Outcome {
    let user_list = matches!(rule.list, FilterList::User | FilterList::Exclude);
    if rule.list.takes_syscalls() && !rule.mask.contains(ev.syscall) {
        return Outcome::NoMatch;
    }
    for f in &rule.fields {
        if user_list && f.number != field::FILTERKEY && !user_side(f.number) {
            return Outcome::Abort;
        }
        if user_list && f.number == field::FILTERKEY {
            return Outcome::Abort;
        }
        let v = f.num_value();
        let ok = match f.number {
            field::FILTERKEY => true,
            field::LOGINUID | field::LOGINUID_SET => {
                let uid = ev.scalars[&field::LOGINUID].unwrap_or(UNSET);
                let set = u32::from(uid != UNSET);
                if f.number == field::LOGINUID_SET {
                    comparator(set, f.op, v)
                } else if v == UNSET {
                    // The kernel rewrites auid OP -1 into loginuid_set OP 0.
                    comparator(set, f.op, 0)
                } else {
                    comparator(uid, f.op, v)
                }
            }
            field::OBJ_UID | field::DEVMINOR => {
                ev.names.iter().any(|n| comparator(n[&f.number], f.op, v))
            }
            field::PERM => {
                let r = ev.perm & v != 0;
                if f.op == Operator::NotEqual {
                    !r
                } else {
                    r
                }
            }
            field::EXE => {
                let Value::Bytes(b) = &f.value else {
                    unreachable!()
                };
                let t = ev.atoms.iter().any(|(n, x)| *n == f.number && x == b);
                if f.op == Operator::NotEqual {
                    !t
                } else {
                    t
                }
            }
            n => match ev.scalars.get(&n).copied().flatten() {
                Some(x) => comparator(x, f.op, v),
                None => false,
            },
        };
        if !ok {
            return Outcome::NoMatch;
        }
    }
    Outcome::Match
}

fn small() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..8, Just(UNSET - 1), Just(UNSET)]
}

fn any_op() -> impl Strategy<Value = Operator> {
    prop::sample::select(vec![
        Operator::Equal,
        Operator::NotEqual,
        Operator::LessThan,
        Operator::LessOrEqual,
        Operator::GreaterThan,
        Operator::GreaterOrEqual,
    ])
}

fn bit_op() -> impl Strategy<Value = Operator> {
    prop_oneof![any_op(), Just(Operator::BitMask), Just(Operator::BitTest)]
}

fn eq_op() -> impl Strategy<Value = Operator> {
    prop::sample::select(vec![Operator::Equal, Operator::NotEqual])
}

fn a_field() -> impl Strategy<Value = Field> {
    prop_oneof![
        (eq_op(), prop::sample::select(vec![ARCH_A, ARCH_B])).prop_map(|(o, v)| Field::num(
            field::ARCH,
            o,
            v
        )),
        (any_op(), small()).prop_map(|(o, v)| Field::num(field::UID, o, v)),
        (any_op(), small()).prop_map(|(o, v)| Field::num(field::EUID, o, v)),
        (any_op(), small()).prop_map(|(o, v)| Field::num(field::LOGINUID, o, v)),
        (eq_op(), 0u32..3).prop_map(|(o, v)| Field::num(field::LOGINUID_SET, o, v)),
        (any_op(), small()).prop_map(|(o, v)| Field::num(field::EXIT, o, v)),
        (bit_op(), small()).prop_map(|(o, v)| Field::num(field::ARG0, o, v)),
        (any_op(), small()).prop_map(|(o, v)| Field::num(field::MSGTYPE, o, v)),
        (any_op(), small()).prop_map(|(o, v)| Field::num(field::OBJ_UID, o, v)),
        (bit_op(), small()).prop_map(|(o, v)| Field::num(field::DEVMINOR, o, v)),
        (eq_op(), 0u32..16).prop_map(|(o, v)| Field::num(field::PERM, o, v)),
        (eq_op(), prop::sample::select(vec!["/a", "/b"])).prop_map(|(o, v)| Field::bytes(
            field::EXE,
            o,
            v.as_bytes().to_vec()
        )),
        Just(Field::bytes(
            field::FILTERKEY,
            Operator::Equal,
            b"k".to_vec()
        )),
    ]
}

fn a_mask() -> impl Strategy<Value = SyscallMask> {
    prop_oneof![
        1 => Just(SyscallMask::ALL),
        4 => prop::collection::vec(0u32..5, 1..4).prop_map(|v| {
            let mut m = SyscallMask::EMPTY;
            for n in v {
                m.set(n);
            }
            m
        }),
    ]
}

fn a_rule(list: FilterList) -> impl Strategy<Value = Rule> {
    (
        a_mask(),
        prop::collection::vec(a_field(), 0..4),
        any::<bool>(),
    )
        .prop_map(move |(mask, fields, always)| {
            let mut r = Rule::new(
                list,
                if always {
                    Action::Always
                } else {
                    Action::Never
                },
            );
            r.mask = mask;
            r.fields = fields;
            r
        })
}

/// A pair: B is either independent of A or A with extra conditions and
/// fewer syscalls, so that implications come up often.
fn a_pair() -> impl Strategy<Value = (Rule, Rule)> {
    let list = prop::sample::select(vec![
        FilterList::Exit,
        FilterList::Exit,
        FilterList::Exit,
        FilterList::IoUring,
        FilterList::Exclude,
        FilterList::User,
        FilterList::Task,
    ]);
    list.prop_flat_map(|l| {
        (
            a_rule(l),
            a_rule(l),
            prop::collection::vec(a_field(), 0..3),
            any::<bool>(),
            0u32..5,
        )
            .prop_map(|(a, b, extra, derive, drop)| {
                if !derive {
                    return (a, b);
                }
                let mut b = a.clone();
                b.fields.extend(extra);
                if b.mask != SyscallMask::ALL {
                    b.mask.words_mut()[0] &= !(1 << drop);
                    if b.mask.is_empty() {
                        b.mask = a.mask.clone();
                    }
                }
                (a, b)
            })
    })
}

fn an_event() -> impl Strategy<Value = Event> {
    let opt = prop_oneof![1 => Just(None), 6 => small().prop_map(Some)];
    (
        0u32..6,
        prop::sample::select(vec![ARCH_A, ARCH_B]),
        prop::collection::vec(small(), 4),
        prop::collection::vec(opt, 2),
        prop::collection::vec((small(), small()), 0..3),
        0u32..16,
        prop::collection::vec(any::<bool>(), 2),
    )
        .prop_map(|(syscall, arch, v, guarded, files, perm, exe)| {
            let mut scalars = BTreeMap::new();
            scalars.insert(field::ARCH, Some(arch));
            scalars.insert(field::UID, Some(v[0]));
            scalars.insert(field::EUID, Some(v[1]));
            scalars.insert(field::LOGINUID, Some(v[2]));
            scalars.insert(field::MSGTYPE, Some(v[3]));
            scalars.insert(field::EXIT, guarded[0]);
            scalars.insert(field::ARG0, guarded[1]);
            let names = files
                .into_iter()
                .map(|(u, d)| BTreeMap::from([(field::OBJ_UID, u), (field::DEVMINOR, d)]))
                .collect();
            let mut atoms = Vec::new();
            if exe[0] {
                atoms.push((field::EXE, b"/a".to_vec()));
            }
            if exe[1] {
                atoms.push((field::EXE, b"/b".to_vec()));
            }
            Event {
                syscall,
                scalars,
                names,
                perm,
                atoms,
            }
        })
}

#[test]
fn an_unreachable_rule_never_decides() {
    static CLAIMS: AtomicUsize = AtomicUsize::new(0);
    static CHECKED: AtomicUsize = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        ..Config::default()
    });
    runner
        .run(
            &(a_pair(), prop::collection::vec(an_event(), 32)),
            |((a, b), events)| {
                if hides(&a, &b).is_none() {
                    return Ok(());
                }
                CLAIMS.fetch_add(1, Ordering::Relaxed);
                for ev in &events {
                    if kernel_matches(&b, ev) == Outcome::Match {
                        CHECKED.fetch_add(1, Ordering::Relaxed);
                        prop_assert_eq!(
                            kernel_matches(&a, ev),
                            Outcome::Match,
                            "B matches but A does not: A={:?} B={:?} event={:?}",
                            a,
                            b,
                            ev
                        );
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    let (claims, checked) = (
        CLAIMS.load(Ordering::Relaxed),
        CHECKED.load(Ordering::Relaxed),
    );
    eprintln!("lint_props: {claims} unreachable claims, {checked} matching events checked");
    // The generator must produce claims and matching events, or the property
    // tests nothing.
    assert!(claims > 100, "only {claims} claims");
    assert!(checked > 1000, "only {checked} events checked");
}

/// The naive first-match scan that `reach::check` replaced with indexes:
/// for each rule, the first earlier rule that hides it, else the first
/// earlier always rule that shares an event (for a never rule, or a keyed
/// always rule with another key). (code, rule, related rule) per finding.
fn naive_reach(items: &[Rule]) -> Vec<(Code, usize, Option<usize>)> {
    use kaudit::lint::conditions::{conds_empty, user_list_field, Conds};
    let mut out = Vec::new();
    let empty: Vec<bool> = items
        .iter()
        .map(|r| conds_empty(&Conds::of(r)).is_some())
        .collect();
    let keys = |r: &Rule| -> Vec<Vec<u8>> { r.keys().iter().map(|k| k.to_vec()).collect() };
    for (j, b) in items.iter().enumerate() {
        if empty[j] {
            out.push((Code::NeverMatches, j, None));
            continue;
        }
        let user = matches!(b.list, FilterList::User | FilterList::Exclude);
        if user && !b.fields.iter().all(|f| user_list_field(f.number)) {
            out.push((Code::FieldStopsFilter, j, None));
            continue;
        }
        if let Some(i) = (0..j).find(|i| !empty[*i] && hides(&items[*i], b).is_some()) {
            out.push((Code::UnreachableRule, j, Some(i)));
            continue;
        }
        let first = |want: &dyn Fn(&Rule) -> bool| {
            (0..j)
                .find(|i| !empty[*i] && want(&items[*i]) && overlap(&items[*i], b, Machine::X86_64))
        };
        let excl = b.list == FilterList::Exclude;
        if b.action == Action::Never && !excl {
            if let Some(i) = first(&|a| a.action == Action::Always) {
                out.push((Code::NeverAfterAlways, j, Some(i)));
            }
        } else if b.action == Action::Always && !keys(b).is_empty() && !excl {
            let bk = keys(b);
            if let Some(i) =
                first(&|a| a.action == Action::Always && !bk.iter().all(|k| keys(a).contains(k)))
            {
                out.push((Code::KeyShadowed, j, Some(i)));
            }
        }
    }
    out
}

/// A rule of a set: a random rule, or a copy of an earlier one with a field
/// more (so that hidden rules and shared pins come up often).
fn a_set() -> impl Strategy<Value = Vec<Rule>> {
    let list = prop::sample::select(vec![
        FilterList::Exit,
        FilterList::Exit,
        FilterList::IoUring,
        FilterList::Exclude,
        FilterList::User,
        FilterList::Task,
    ]);
    list.prop_flat_map(|l| {
        (
            prop::collection::vec(a_rule(l), 2..14),
            prop::collection::vec((any::<prop::sample::Index>(), a_field()), 0..6),
            prop::collection::vec(prop::sample::select(vec!["k", "j"]), 14),
        )
            .prop_map(|(mut rules, derived, keys)| {
                for (at, extra) in derived {
                    let mut r = rules[at.index(rules.len())].clone();
                    r.fields.push(extra);
                    rules.push(r);
                }
                for (r, k) in rules.iter_mut().zip(keys) {
                    for f in r.fields.iter_mut() {
                        if f.number == field::FILTERKEY {
                            f.value = Value::Bytes(k.as_bytes().to_vec());
                        }
                    }
                }
                rules
            })
    })
}

#[test]
fn indexed_reach_finds_what_the_pairwise_scan_finds() {
    use kaudit::compile::{Compiled, RuleOp};
    use kaudit::lint::{reach, Item};
    use kaudit::rulefile::{Entry, Origin};
    static FOUND: AtomicUsize = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 1500,
        ..Config::default()
    });
    runner
        .run(&a_set(), |rules| {
            let entries: Vec<Entry> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| Entry {
                    origin: Origin {
                        file: "t".into(),
                        line: i,
                    },
                    text: "".into(),
                    compiled: Compiled::Rule {
                        op: RuleOp::Append,
                        rule: r.clone(),
                    }
                    .into(),
                })
                .collect();
            let items: Vec<Item> = entries
                .iter()
                .zip(&rules)
                .map(|(entry, rule)| Item { entry, rule })
                .collect();
            let lists = BTreeMap::from([(rules[0].list, items)]);
            let got: Vec<(Code, usize, Option<usize>)> = reach::check(&lists, Machine::X86_64)
                .iter()
                .map(|f| (f.code, f.line, f.related.first().map(|r| r.line)))
                .collect();
            let want = naive_reach(&rules);
            FOUND.fetch_add(want.len(), Ordering::Relaxed);
            prop_assert_eq!(got, want, "rules: {:?}", rules);
            Ok(())
        })
        .unwrap();
    let found = FOUND.load(Ordering::Relaxed);
    eprintln!("lint_props: {found} findings compared");
    assert!(found > 1000, "only {found} findings compared");
}
