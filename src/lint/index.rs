//! Indexes that keep the pairwise checks of [`super::reach`] and
//! [`super::arch`] from comparing every rule with every other one.
//!
//! Neither index decides anything: each only leaves out rules that the full
//! check would reject anyway, so every finding stays what the pairwise scan
//! found (the same first rule, the same explanation).
//!
//! - [`ImplyIndex`]: the rules that may imply a later rule's conditions
//!   ([`conds_imply`](super::conditions::conds_imply)). Such a rule's opaque
//!   conditions are all among the later rule's, and for each variable it
//!   pins to one value (without bit tests) the later rule pins the same
//!   value, has no possible value, or has bit tests. Each rule is filed under
//!   one of these anchors, the rarest in the set; a later rule looks only in
//!   the buckets of its own conditions.
//! - [`MeetIndex`]: the rules that may share an event with a later rule
//!   ([`conds_overlap`](super::conditions::conds_overlap)). Two rules that
//!   pin one variable to different values, or that have `=` conditions on one
//!   opaque field with different values, share none. A later rule that pins
//!   something looks only at the rules that pin the same value there or
//!   leave it free.

use super::conditions::{Atom, Conds};
use crate::model::Operator;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// The end of a chain of rules.
const NONE: u32 = u32::MAX;

/// A 64-bit hash of an anchor or a pinned value, never 0. The tables are
/// keyed by it instead of the thing itself, and built once for the whole
/// set: two things with one hash only put more candidates in a bucket, and
/// every candidate is checked in full.
fn hash_of(x: &(impl Hash + ?Sized)) -> u64 {
    let mut h = DefaultHasher::new();
    x.hash(&mut h);
    h.finish().max(1)
}

/// A bucket's rules in ascending order: a slice, or a chain through a table
/// of next rules (a `u32` a rule instead of a vector a bucket).
struct Walk<'s> {
    slice: std::slice::Iter<'s, u32>,
    at: u32,
    next: &'s [u32],
}

impl<'s> Walk<'s> {
    fn slice(s: &'s [u32]) -> Walk<'s> {
        Walk {
            slice: s.iter(),
            at: NONE,
            next: &[],
        }
    }

    fn chain(first: u32, next: &'s [u32]) -> Walk<'s> {
        Walk {
            slice: [].iter(),
            at: first,
            next,
        }
    }
}

impl Iterator for Walk<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if let Some(i) = self.slice.next() {
            return Some(*i);
        }
        if self.at == NONE {
            return None;
        }
        let i = self.at;
        self.at = self.next[i as usize];
        Some(i)
    }
}

/// Chains rules into buckets by a key, in ascending rule order: the first
/// and last rule and the count of each bucket, and each rule's next.
#[derive(Default)]
struct Chains {
    heads: HashMap<u64, (u32, u32, u32)>,
    next: Vec<u32>,
}

impl Chains {
    fn with_rules(n: usize) -> Chains {
        Chains {
            heads: HashMap::new(),
            next: vec![NONE; n],
        }
    }

    /// Appends rule `i` (ascending) to the bucket of `key`.
    fn push(&mut self, key: u64, i: u32) {
        match self.heads.entry(key) {
            Entry::Occupied(mut e) => {
                let (_, last, count) = e.get_mut();
                self.next[*last as usize] = i;
                *last = i;
                *count += 1;
            }
            Entry::Vacant(e) => {
                e.insert((i, i, 1));
            }
        }
    }

    /// The bucket of `key` and its size.
    fn get(&self, key: u64) -> Option<(Walk<'_>, usize)> {
        self.heads
            .get(&key)
            .map(|(first, _, count)| (Walk::chain(*first, &self.next), *count as usize))
    }
}

/// What a rule can be filed under in an [`ImplyIndex`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Anchor<'c> {
    /// An opaque condition: only the identical condition implies it.
    Atom(&'c Atom),
    /// A scalar variable pinned to one value, without bit tests.
    Pin(u32, u32),
}

/// The anchors of a rule's conditions, leaving out variable `skip`.
fn anchors(c: &Conds, skip: Option<u32>) -> impl Iterator<Item = Anchor<'_>> {
    let atoms = c.atoms.iter().map(|(a, _)| Anchor::Atom(a));
    let pins = c.combined.iter().filter_map(move |(v, (set, bits))| {
        if Some(*v) == skip || *bits {
            return None;
        }
        set.single().map(|x| Anchor::Pin(*v, x))
    });
    atoms.chain(pins)
}

/// Rules by the anchor they are filed under, for finding the rules that may
/// imply a later rule's conditions.
pub struct ImplyIndex {
    skip: Option<u32>,
    /// Which rules are filed, and one past the last filed.
    filed: Vec<bool>,
    upto: u32,
    /// Rules with no anchor: candidates for every query.
    free: Vec<u32>,
    /// Rules by (the hash of) the rarest anchor of the set they have.
    by_anchor: Chains,
    /// Rules filed under a pin of each variable, whatever its value.
    by_var: HashMap<u32, Vec<u32>>,
}

impl ImplyIndex {
    /// An index, with no rule filed yet, for the rules `all` (the set the
    /// anchors are counted over), comparing without variable `skip`.
    pub fn new<'a>(all: impl IntoIterator<Item = &'a Conds>, skip: Option<u32>) -> ImplyIndex {
        let all: Vec<&Conds> = all.into_iter().collect();
        // How many rules of the set have each anchor, to pick the rarest.
        let mut counts: HashMap<u64, u32> = HashMap::new();
        for c in &all {
            for a in anchors(c, skip) {
                *counts.entry(hash_of(&a)).or_default() += 1;
            }
        }
        let mut free = Vec::new();
        let mut by_var: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut best: Vec<u64> = Vec::with_capacity(all.len());
        for (i, c) in all.iter().enumerate() {
            let pick = anchors(c, skip)
                .map(|a| (hash_of(&a), a))
                .min_by_key(|(h, _)| counts.get(h).copied().unwrap_or(0));
            match pick {
                None => {
                    free.push(i as u32);
                    best.push(0);
                }
                Some((h, a)) => {
                    if let Anchor::Pin(v, _) = a {
                        by_var.entry(v).or_default().push(i as u32);
                    }
                    best.push(h);
                }
            }
        }
        drop(counts);
        let mut by_anchor = Chains::with_rules(all.len());
        for (i, h) in best.iter().enumerate() {
            if *h != 0 {
                by_anchor.push(*h, i as u32);
            }
        }
        ImplyIndex {
            skip,
            filed: vec![false; all.len()],
            upto: 0,
            free,
            by_anchor,
            by_var,
        }
    }

    /// Files rule `i` of the set (indexes must be added in increasing
    /// order).
    pub fn add(&mut self, i: usize, _c: &Conds) {
        self.filed[i] = true;
        self.upto = self.upto.max(i as u32 + 1);
    }

    /// The buckets that hold every rule of the set that may imply `b`.
    fn buckets<'s>(&'s self, b: &Conds) -> Vec<Walk<'s>> {
        let mut out = vec![Walk::slice(&self.free)];
        for (x, _) in &b.atoms {
            if let Some((w, _)) = self.by_anchor.get(hash_of(&Anchor::Atom(x))) {
                out.push(w);
            }
        }
        for (v, (set, bits)) in &b.combined {
            if Some(*v) == self.skip {
                continue;
            }
            if *bits || set.is_empty() {
                if let Some(bucket) = self.by_var.get(v) {
                    out.push(Walk::slice(bucket));
                }
            } else if let Some(x) = set.single() {
                if let Some((w, _)) = self.by_anchor.get(hash_of(&Anchor::Pin(*v, x))) {
                    out.push(w);
                }
            }
        }
        out
    }

    /// The filed rules of a bucket, in ascending order.
    fn filed<'s>(&'s self, w: Walk<'s>) -> impl Iterator<Item = u32> + 's {
        w.take_while(|i| *i < self.upto)
            .filter(|i| self.filed[*i as usize])
    }

    /// The first filed rule (lowest index) for which `check` holds, among
    /// those that may imply `b`.
    pub fn first(&self, b: &Conds, mut check: impl FnMut(usize) -> bool) -> Option<usize> {
        let mut best: Option<u32> = None;
        for bucket in self.buckets(b) {
            for i in self.filed(bucket) {
                if best.is_some_and(|x| i >= x) {
                    break;
                }
                if check(i as usize) {
                    best = Some(i);
                    break;
                }
            }
        }
        best.map(|i| i as usize)
    }

    /// Every filed rule for which `check` holds, among those that may imply
    /// `b`, in no particular order.
    pub fn all(&self, b: &Conds, mut check: impl FnMut(usize) -> bool) -> Vec<usize> {
        let mut out = Vec::new();
        for bucket in self.buckets(b) {
            out.extend(self.filed(bucket).map(|i| i as usize).filter(|i| check(*i)));
        }
        out
    }
}

/// Something a rule can pin for a [`MeetIndex`]: a scalar variable, or the
/// `=` value of an opaque field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Dim {
    Var(u32),
    Atom(u32),
}

/// What a rule pins: its one value of each scalar variable whose set has one
/// value, and the first `=` value of each opaque field (values by hash).
fn pins(c: &Conds) -> Vec<(Dim, u64)> {
    let mut out: Vec<(Dim, u64)> = Vec::new();
    for (v, (set, _)) in &c.combined {
        if let Some(x) = set.single() {
            out.push((Dim::Var(*v), hash_of(&x)));
        }
    }
    for (a, _) in &c.atoms {
        let dim = Dim::Atom(a.number);
        if a.op == Operator::Equal.code() && !out.iter().any(|(d, _)| *d == dim) {
            out.push((dim, hash_of(&a.value[..])));
        }
    }
    out
}

/// The rules of one [`Dim`]: those that leave it free, and those that pin
/// it, by value.
#[derive(Default)]
struct DimRules {
    free: Vec<u32>,
    by_value: Chains,
}

/// Rules by what they pin, for finding the rules that may share an event
/// with a later rule.
pub struct MeetIndex {
    /// How many rules are filed (the first ones of the set).
    filed: u32,
    /// Only dimensions that some two rules of the set pin differently.
    dims: HashMap<Dim, DimRules>,
}

impl MeetIndex {
    /// An index, with no rule filed yet, for the rules `all` (the set whose
    /// pins are looked at).
    pub fn new<'a>(all: impl IntoIterator<Item = &'a Conds>) -> MeetIndex {
        let all: Vec<&Conds> = all.into_iter().collect();
        let mut first: HashMap<Dim, u64> = HashMap::new();
        let mut useful: HashMap<Dim, DimRules> = HashMap::new();
        for c in &all {
            for (d, v) in pins(c) {
                match first.get(&d) {
                    None => {
                        first.insert(d, v);
                    }
                    Some(f) if *f != v => {
                        useful.entry(d).or_insert_with(|| DimRules {
                            free: Vec::new(),
                            by_value: Chains::with_rules(all.len()),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        for (i, c) in all.iter().enumerate() {
            let i = i as u32;
            let pinned = pins(c);
            for (d, rules) in useful.iter_mut() {
                match pinned.iter().find(|(p, _)| p == d) {
                    Some((_, v)) => rules.by_value.push(*v, i),
                    None => rules.free.push(i),
                }
            }
        }
        MeetIndex {
            filed: 0,
            dims: useful,
        }
    }

    /// Files rule `i` of the set (indexes must be added in increasing
    /// order, from 0).
    pub fn add(&mut self, i: usize, _c: &Conds) {
        debug_assert_eq!(i as u32, self.filed);
        self.filed = i as u32 + 1;
    }

    /// The first filed rule (lowest index) for which `check` holds, among
    /// those that may share an event with `b`.
    pub fn first(&self, b: &Conds, mut check: impl FnMut(usize) -> bool) -> Option<usize> {
        // The narrowest of b's pins: the fewest rules to try.
        let mut lists: Option<[Walk<'_>; 2]> = None;
        let mut size = self.filed as usize;
        for (d, v) in pins(b) {
            let Some(rules) = self.dims.get(&d) else {
                continue;
            };
            let free = rules.free.partition_point(|i| *i < self.filed);
            let (same, n) = rules.by_value.get(v).unwrap_or((Walk::slice(&[]), 0));
            let n = n.min(self.filed as usize);
            if free + n < size {
                size = free + n;
                lists = Some([Walk::slice(&rules.free[..free]), same]);
            }
        }
        let mut best: Option<u32> = None;
        let mut scan = |list: &mut dyn Iterator<Item = u32>| {
            for i in list {
                if i >= self.filed || best.is_some_and(|x| i >= x) {
                    break;
                }
                if check(i as usize) {
                    best = Some(i);
                    break;
                }
            }
        };
        match lists {
            // Every filed rule.
            None => scan(&mut (0..self.filed)),
            Some(lists) => {
                for mut list in lists {
                    scan(&mut list);
                }
            }
        }
        best.map(|i| i as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{field, Action, Field, FilterList, Rule};

    fn conds(fields: &[Field]) -> Conds {
        let mut r = Rule::new(FilterList::Exit, Action::Always);
        r.fields = fields.to_vec();
        Conds::of(&r)
    }

    /// The tables are built for the whole set at once: a query sees only
    /// the rules filed so far, each bucket in ascending order.
    #[test]
    fn queries_see_only_filed_rules() {
        let auid = |n| Field::num(field::LOGINUID, Operator::Equal, n);
        let key = |k: &str| Field::bytes(field::FILTERKEY, Operator::Equal, k);
        let set = [
            conds(&[auid(1)]),
            conds(&[auid(2), key("a")]),
            conds(&[auid(1), key("b")]),
            conds(&[auid(1), key("c")]),
            conds(&[]),
        ];
        let mut imply = ImplyIndex::new(&set, None);
        let everything = |ix: &ImplyIndex, b: &Conds| {
            let mut v = ix.all(b, |_| true);
            v.sort();
            v
        };
        assert!(everything(&imply, &set[3]).is_empty());
        imply.add(1, &set[1]);
        imply.add(2, &set[2]);
        // Rule 1 pins auid to 2: not a candidate for an auid=1 rule.
        assert_eq!(everything(&imply, &set[3]), vec![2]);
        imply.add(4, &set[4]);
        assert_eq!(everything(&imply, &set[3]), vec![2, 4]);
        assert_eq!(imply.first(&set[3], |_| true), Some(2));

        let mut meet = MeetIndex::new(&set);
        let tried = |m: &MeetIndex| {
            let mut v = Vec::new();
            m.first(&set[3], |i| {
                v.push(i);
                false
            });
            v
        };
        assert!(tried(&meet).is_empty());
        meet.add(0, &set[0]);
        meet.add(1, &set[1]);
        assert!(tried(&meet).iter().all(|i| *i < 2));
        // Rule 0 pins the same auid and has no key: always a candidate.
        assert_eq!(meet.first(&set[3], |i| i == 0), Some(0));
        assert_eq!(meet.first(&set[3], |i| i == 2), None);
        meet.add(2, &set[2]);
        assert_eq!(meet.first(&set[3], |i| i == 2), Some(2));
    }
}
