//! The sync planner: from the kernel's rule table and the desired rules to
//! the fewest kernel requests that turn one into the other, in an order that
//! never leaves a kept rule absent.
//!
//! The kernel offers three operations: append to a list, prepend to a list,
//! and delete an identical rule. So after any plan a list reads
//! `[prepended rules] [rules kept in place] [appended rules]`: the kept rules
//! must be a contiguous run of the desired list that already appears, in
//! order, in the kernel's list. The planner keeps the longest such run,
//! deletes every other managed rule, and prepends and appends the rest.
//!
//! Rules are compared as the kernel stores them (bytes, see
//! [`StoredRule`]); the kernel refuses duplicates, so a rule identifies its
//! position uniquely and the longest run is found in linear time.
//!
//! Step order, per list (see [`plan`]): first the rules after the kept
//! run, appended in order; then the rules before it, prepended in reverse
//! order (so they end up in order); then the deletes of rules that are no
//! longer wanted, front to back. A rule that has to move (it is in both
//! sets, outside the kept run) is deleted and re-added as a pair of
//! adjacent steps, which the transport always sends in one datagram (the
//! kernel refuses a second copy, so the delete must come first; in one
//! datagram nothing, not even SIGKILL, can come between the two, and the
//! rule is absent only for the kernel's own time between two messages).
//! New and changed rules are in force before the rules they replace are
//! removed, and kept rules are never touched.
//!
//! Delete order: the kernel finds the rule to delete by scanning its list
//! from the head (`audit_find_rule`), and every add scans the whole list
//! for a duplicate. Appends come before prepends, so the deletes of moved
//! rules on the right never scan past rules just prepended on the left; the
//! final deletes go front to back in kernel order, so each finds its rule
//! after only the rules that stay in front of it.

use crate::stored_rule::StoredRule;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A fast hasher for rule payloads (about a kilobyte each, mostly zeros):
/// eight bytes per step, multiply and rotate. The inputs are the machine's
/// own files and kernel table, so no flooding resistance is needed, and
/// SipHash over 10,000 payloads per set showed up in profiles.
#[derive(Default)]
pub(crate) struct PayloadHasher(u64);

impl Hasher for PayloadHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        for b in chunks.remainder() {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash maps and sets keyed by rule payloads.
pub(crate) type Fast = BuildHasherDefault<PayloadHasher>;

/// One kernel request of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Append to the end of the rule's list.
    Append(StoredRule),
    /// Insert at the head of the rule's list.
    Prepend(StoredRule),
    /// Delete the identical rule.
    Delete(StoredRule),
}

impl Step {
    /// The rule the step carries.
    pub fn rule(&self) -> &StoredRule {
        match self {
            Step::Append(r) | Step::Prepend(r) | Step::Delete(r) => r,
        }
    }

    /// The rule's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.rule().bytes()
    }
}

/// The plan: steps in execution order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Kernel requests, in order.
    pub steps: Vec<Step>,
    /// Rules kept in place, over all lists.
    pub kept: usize,
    /// Rules moved (deleted and re-added as an adjacent pair).
    pub moved: usize,
}

impl Plan {
    /// Whether the kernel already matches.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Counts of (adds, deletes).
    pub fn counts(&self) -> (usize, usize) {
        let deletes = self
            .steps
            .iter()
            .filter(|s| matches!(s, Step::Delete(_)))
            .count();
        (self.steps.len() - deletes, deletes)
    }
}

/// Whether `steps[i]` and `steps[i + 1]` are a move: the delete of a rule
/// and its re-add. The transport never splits such a pair across datagrams.
pub fn is_move(steps: &[Step], i: usize) -> bool {
    match (steps.get(i), steps.get(i + 1)) {
        (Some(Step::Delete(a)), Some(Step::Append(b) | Step::Prepend(b))) => a == b,
        _ => false,
    }
}

/// Plans the change from `current` (the kernel's managed rules, in kernel
/// order, as listed) to `desired` (stored bytes, in the order wanted). Rules
/// of both are grouped by list; the order across lists does not matter to
/// the kernel. `desired` must not contain the same rule twice.
pub fn plan(current: &[StoredRule], desired: &[StoredRule]) -> Plan {
    let mut lists: Vec<u32> = current
        .iter()
        .chain(desired)
        .map(StoredRule::list)
        .collect();
    lists.sort_unstable();
    lists.dedup();
    let mut adds = Vec::new();
    let mut last_deletes = Vec::new();
    let (mut kept_total, mut moved) = (0, 0);
    for list in lists {
        let cur: Vec<&StoredRule> = current.iter().filter(|r| r.list() == list).collect();
        let want: Vec<&StoredRule> = desired.iter().filter(|r| r.list() == list).collect();
        let index: HashMap<&[u8], usize, Fast> = cur
            .iter()
            .enumerate()
            .map(|(i, r)| (r.bytes(), i))
            .collect();
        // The longest run want[start..start+len] whose rules sit in `cur` at
        // strictly increasing positions.
        let (mut best_start, mut best_len) = (0, 0);
        let mut run_start = 0;
        let mut prev: Option<usize> = None;
        for (k, w) in want.iter().enumerate() {
            match index.get(w.bytes()) {
                Some(&p) if prev.is_some_and(|q| p > q) => {}
                Some(_) => run_start = k,
                None => {
                    prev = None;
                    run_start = k + 1;
                    continue;
                }
            }
            prev = index.get(w.bytes()).copied();
            if k + 1 - run_start > best_len {
                best_len = k + 1 - run_start;
                best_start = run_start;
            }
        }
        kept_total += best_len;
        let wanted: HashSet<&[u8], Fast> = want.iter().map(|r| r.bytes()).collect();
        let mut add = |w: &StoredRule, step: fn(StoredRule) -> Step| {
            if index.contains_key(w.bytes()) {
                adds.push(Step::Delete(w.clone()));
                moved += 1;
            }
            adds.push(step(w.clone()));
        };
        // Right of the kept run: appended in order.
        for w in &want[best_start + best_len..] {
            add(w, Step::Append);
        }
        // Left of it: prepended in reverse, so it ends up in order.
        for w in want[..best_start].iter().rev() {
            add(w, Step::Prepend);
        }
        // Rules no longer wanted, front to back.
        for c in &cur {
            if !wanted.contains(c.bytes()) {
                last_deletes.push(Step::Delete((*c).clone()));
            }
        }
    }
    let mut steps = adds;
    steps.extend(last_deletes);
    Plan {
        steps,
        kept: kept_total,
        moved,
    }
}

/// Why [`simulate`] stopped: a step the kernel would refuse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimulateError {
    /// An add of a rule the list already holds (`EEXIST`).
    #[error("adding a rule that is already there")]
    AddPresent,
    /// A delete of a rule the list does not hold (`ENOENT`).
    #[error("deleting a rule that is not there")]
    DeleteAbsent,
}

/// Applies a plan to an in-memory rule table (kernel order), as the kernel
/// would: for tests and for predicting the end state.
pub fn simulate(table: &[StoredRule], steps: &[Step]) -> Result<Vec<StoredRule>, SimulateError> {
    // One vector per list keeps prepend/append semantics per list.
    let mut lists: Vec<(u32, Vec<StoredRule>)> = Vec::new();
    let slot = |lists: &mut Vec<(u32, Vec<StoredRule>)>, l: u32| -> usize {
        match lists.iter().position(|(n, _)| *n == l) {
            Some(i) => i,
            None => {
                lists.push((l, Vec::new()));
                lists.len() - 1
            }
        }
    };
    for r in table {
        let i = slot(&mut lists, r.list());
        lists[i].1.push(r.clone());
    }
    for s in steps {
        let i = slot(&mut lists, s.rule().list());
        let l = &mut lists[i].1;
        match s {
            Step::Append(b) | Step::Prepend(b) => {
                if l.contains(b) {
                    return Err(SimulateError::AddPresent);
                }
                if matches!(s, Step::Append(_)) {
                    l.push(b.clone());
                } else {
                    l.insert(0, b.clone());
                }
            }
            Step::Delete(b) => match l.iter().position(|x| x == b) {
                Some(p) => {
                    l.remove(p);
                }
                None => return Err(SimulateError::DeleteAbsent),
            },
        }
    }
    lists.sort_by_key(|(n, _)| *n);
    Ok(lists.into_iter().flat_map(|(_, l)| l).collect())
}

/// Orders rules as the kernel lists them: by list number, stable.
pub fn kernel_order(rules: &[StoredRule]) -> Vec<StoredRule> {
    let mut v = rules.to_vec();
    v.sort_by_key(StoredRule::list);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(list: u32, id: u8) -> StoredRule {
        let mut b = vec![0u8; crate::uapi::AUDIT_RULE_DATA_LEN];
        b[..4].copy_from_slice(&list.to_ne_bytes());
        b[12] = id;
        StoredRule::from_kernel(b)
    }

    #[test]
    fn unchanged_is_empty() {
        let t = vec![r(4, 1), r(4, 2), r(5, 3)];
        let p = plan(&t, &t);
        assert!(p.is_empty());
        assert_eq!(p.kept, 3);
    }

    #[test]
    fn one_change_moves_the_shorter_side() {
        let cur: Vec<_> = (1..=9).map(|i| r(4, i)).collect();
        let mut want = cur.clone();
        want[4] = r(4, 50);
        let p = plan(&cur, &want);
        // Only head and tail inserts exist, so one side of the change moves:
        // the first longest run (1..=4) stays, 50 and 6..=9 go to the tail.
        assert_eq!(simulate(&cur, &p.steps).unwrap(), want);
        assert_eq!(p.kept, 4);
        assert_eq!(p.counts(), (5, 5));
        // A change at the end moves nothing.
        let mut want = cur.clone();
        want[8] = r(4, 90);
        let p = plan(&cur, &want);
        assert_eq!(p.counts(), (1, 1));
    }

    #[test]
    fn new_rules_are_added_before_old_ones_are_deleted() {
        let cur = vec![r(4, 1), r(4, 2)];
        let want = vec![r(4, 1), r(4, 3)];
        let p = plan(&cur, &want);
        assert_eq!(p.steps, vec![Step::Append(r(4, 3)), Step::Delete(r(4, 2))]);
    }

    #[test]
    fn a_moved_rule_is_a_delete_and_re_add_pair() {
        let cur = vec![r(4, 1), r(4, 2), r(4, 3)];
        let want = vec![r(4, 3), r(4, 1), r(4, 2)];
        let p = plan(&cur, &want);
        assert_eq!(p.steps, vec![Step::Delete(r(4, 3)), Step::Prepend(r(4, 3))]);
        assert!(is_move(&p.steps, 0));
        assert_eq!(p.moved, 1);
        assert_eq!(simulate(&cur, &p.steps).unwrap(), want);
    }

    #[test]
    fn both_sides_move_in_pairs_right_first_then_left_in_reverse() {
        // 1 2 3 4 5 6 -> 5 1 90 3 4 6 2: kept run 3 4 6.
        let cur: Vec<_> = (1..=6).map(|i| r(4, i)).collect();
        let want = vec![
            r(4, 5),
            r(4, 1),
            r(4, 90),
            r(4, 3),
            r(4, 4),
            r(4, 6),
            r(4, 2),
        ];
        let p = plan(&cur, &want);
        let short: Vec<String> = p
            .steps
            .iter()
            .map(|s| match s {
                Step::Delete(b) => format!("d{}", b.bytes()[12]),
                Step::Append(b) => format!("a{}", b.bytes()[12]),
                Step::Prepend(b) => format!("p{}", b.bytes()[12]),
            })
            .collect();
        assert_eq!(short, ["d2", "a2", "p90", "d1", "p1", "d5", "p5"]);
        assert_eq!(simulate(&cur, &p.steps).unwrap(), want);
        assert_eq!((p.kept, p.moved), (3, 3));
    }
}
