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
use std::collections::HashMap;
use std::sync::Arc;

/// What a rule can be filed under in an [`ImplyIndex`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Anchor {
    /// An opaque condition: only the identical condition implies it.
    Atom(Atom),
    /// A scalar variable pinned to one value, without bit tests.
    Pin(u32, u32),
}

/// The anchors of a rule's conditions, leaving out variable `skip`.
fn anchors(c: &Conds, skip: Option<u32>) -> Vec<Anchor> {
    let mut out: Vec<Anchor> = c
        .atoms
        .iter()
        .map(|(a, _)| Anchor::Atom(a.clone()))
        .collect();
    for (v, (set, bits)) in &c.combined {
        if Some(*v) == skip || *bits {
            continue;
        }
        if let Some(x) = set.single() {
            out.push(Anchor::Pin(*v, x));
        }
    }
    out
}

/// Rules by the anchor they are filed under, for finding the rules that may
/// imply a later rule's conditions.
pub struct ImplyIndex {
    skip: Option<u32>,
    /// How many rules of the set have each anchor (to pick the rarest).
    counts: HashMap<Anchor, u32>,
    /// Rules with no anchor: candidates for every query.
    free: Vec<u32>,
    by_anchor: HashMap<Anchor, Vec<u32>>,
    /// Rules filed under a pin of each variable, whatever its value.
    by_var: HashMap<u32, Vec<u32>>,
}

impl ImplyIndex {
    /// An empty index for the rules `all` (the set the anchors are counted
    /// over), comparing without variable `skip`.
    pub fn new<'a>(all: impl IntoIterator<Item = &'a Conds>, skip: Option<u32>) -> ImplyIndex {
        let mut counts: HashMap<Anchor, u32> = HashMap::new();
        for c in all {
            for a in anchors(c, skip) {
                *counts.entry(a).or_default() += 1;
            }
        }
        ImplyIndex {
            skip,
            counts,
            free: Vec::new(),
            by_anchor: HashMap::new(),
            by_var: HashMap::new(),
        }
    }

    /// Files rule `i` (indexes must be added in increasing order).
    pub fn add(&mut self, i: usize, c: &Conds) {
        let i = i as u32;
        let best = anchors(c, self.skip)
            .into_iter()
            .min_by_key(|a| self.counts.get(a).copied().unwrap_or(0));
        match best {
            None => self.free.push(i),
            Some(a) => {
                if let Anchor::Pin(v, _) = a {
                    self.by_var.entry(v).or_default().push(i);
                }
                self.by_anchor.entry(a).or_default().push(i);
            }
        }
    }

    /// The buckets that hold every filed rule that may imply `b`.
    fn buckets<'s>(&'s self, b: &Conds) -> Vec<&'s [u32]> {
        let mut out: Vec<&[u32]> = vec![&self.free];
        for (x, _) in &b.atoms {
            if let Some(v) = self.by_anchor.get(&Anchor::Atom(x.clone())) {
                out.push(v);
            }
        }
        for (v, (set, bits)) in &b.combined {
            if Some(*v) == self.skip {
                continue;
            }
            let bucket = if *bits || set.is_empty() {
                self.by_var.get(v)
            } else if let Some(x) = set.single() {
                self.by_anchor.get(&Anchor::Pin(*v, x))
            } else {
                None
            };
            if let Some(bucket) = bucket {
                out.push(bucket);
            }
        }
        out
    }

    /// The first filed rule (lowest index) for which `check` holds, among
    /// those that may imply `b`.
    pub fn first(&self, b: &Conds, mut check: impl FnMut(usize) -> bool) -> Option<usize> {
        let mut best: Option<u32> = None;
        for bucket in self.buckets(b) {
            for &i in bucket {
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
            out.extend(bucket.iter().map(|i| *i as usize).filter(|i| check(*i)));
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
/// value, and the first `=` value of each opaque field.
fn pins(c: &Conds) -> Vec<(Dim, Arc<[u8]>)> {
    let mut out: Vec<(Dim, Arc<[u8]>)> = Vec::new();
    for (v, (set, _)) in &c.combined {
        if let Some(x) = set.single() {
            out.push((Dim::Var(*v), x.to_ne_bytes().into()));
        }
    }
    for (a, _) in &c.atoms {
        let dim = Dim::Atom(a.number);
        if a.op == Operator::Equal.code() && !out.iter().any(|(d, _)| *d == dim) {
            out.push((dim, a.value.clone()));
        }
    }
    out
}

/// The rules of one [`Dim`]: those that leave it free, and those that pin
/// it, by value.
#[derive(Default)]
struct DimRules {
    free: Vec<u32>,
    by_value: HashMap<Arc<[u8]>, Vec<u32>>,
}

/// Rules by what they pin, for finding the rules that may share an event
/// with a later rule.
pub struct MeetIndex {
    /// Every filed rule.
    every: Vec<u32>,
    /// Only dimensions that some two rules of the set pin differently.
    dims: HashMap<Dim, DimRules>,
}

impl MeetIndex {
    /// An empty index for the rules `all` (the set whose pins are looked at).
    pub fn new<'a>(all: impl IntoIterator<Item = &'a Conds>) -> MeetIndex {
        let mut first: HashMap<Dim, Arc<[u8]>> = HashMap::new();
        let mut useful: HashMap<Dim, DimRules> = HashMap::new();
        for c in all {
            for (d, v) in pins(c) {
                match first.get(&d) {
                    None => {
                        first.insert(d, v);
                    }
                    Some(f) if *f != v => {
                        useful.entry(d).or_default();
                    }
                    Some(_) => {}
                }
            }
        }
        MeetIndex {
            every: Vec::new(),
            dims: useful,
        }
    }

    /// Files rule `i` (indexes must be added in increasing order).
    pub fn add(&mut self, i: usize, c: &Conds) {
        let i = i as u32;
        self.every.push(i);
        let pinned = pins(c);
        for (d, rules) in self.dims.iter_mut() {
            match pinned.iter().find(|(p, _)| p == d) {
                Some((_, v)) => rules.by_value.entry(v.clone()).or_default().push(i),
                None => rules.free.push(i),
            }
        }
    }

    /// The first filed rule (lowest index) for which `check` holds, among
    /// those that may share an event with `b`.
    pub fn first(&self, b: &Conds, mut check: impl FnMut(usize) -> bool) -> Option<usize> {
        // The narrowest of b's pins: the fewest rules to try.
        let mut lists: Vec<&[u32]> = vec![&self.every];
        let mut size = self.every.len();
        for (d, v) in pins(b) {
            let Some(rules) = self.dims.get(&d) else {
                continue;
            };
            let same: &[u32] = rules.by_value.get(&v).map_or(&[], |x| x);
            if rules.free.len() + same.len() < size {
                size = rules.free.len() + same.len();
                lists = vec![&rules.free, same];
            }
        }
        let mut best: Option<u32> = None;
        for list in lists {
            for &i in list {
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
}
