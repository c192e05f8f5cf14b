//! What a rule's fields say about an event, as sets of values, so that one
//! rule's conditions can be compared with another's: implication (every event
//! the second rule matches, the first matches too) and overlap (some event
//! matches both).
//!
//! The model follows the kernel's `audit_filter_rules` and `audit_filter`
//! (`kernel/auditsc.c`, `kernel/auditfilter.c`):
//!
//! - a numeric field is compared as an unsigned 32-bit number
//!   (`audit_comparator`, `audit_uid_comparator`); `auid` = unset is the
//!   kernel's `loginuid_set` = 0, and an unset loginuid is the number
//!   4294967295 to every other comparison;
//! - some fields only exist for some events (the exit code after a syscall,
//!   the socket address family, the arguments): an absent value fails every
//!   comparison, `!=` included, so a condition is never implied by the lack of
//!   one;
//! - fields of the files an event touches (`inode`, `devmajor`, `devminor`,
//!   `obj_uid`, `obj_gid`) match when *any* file matches, so two conditions on
//!   one of them are never combined;
//! - `perm` is "the syscall is of one of these kinds" (`audit_match_perm`), a
//!   disjunction over its bits;
//! - everything else (paths, directories, executables, LSM labels, file types,
//!   `-C` comparisons, container IDs) is opaque: only an identical condition
//!   implies it.
//!
//! Every answer is a proof or nothing: where the model cannot decide, it
//! says "not implied" and "no overlap known", so lint reports only what holds.

use crate::model::{perm, Operator, Rule, Value};
use crate::uapi::{field, AUDIT_UID_UNSET};
use std::collections::BTreeMap;

/// A set of u32 values: sorted, disjoint, inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Values(Ranges);

/// The ranges of a [`Values`]: one held inline (most sets are one range,
/// and every rule of a set keeps a few), more on the heap without spare
/// room.
#[derive(Clone)]
enum Ranges {
    One((u32, u32)),
    Many(Box<[(u32, u32)]>),
}

impl From<Vec<(u32, u32)>> for Ranges {
    fn from(v: Vec<(u32, u32)>) -> Ranges {
        match v.as_slice() {
            [r] => Ranges::One(*r),
            _ => Ranges::Many(v.into_boxed_slice()),
        }
    }
}

impl std::ops::Deref for Ranges {
    type Target = [(u32, u32)];

    fn deref(&self) -> &[(u32, u32)] {
        match self {
            Ranges::One(r) => std::slice::from_ref(r),
            Ranges::Many(v) => v,
        }
    }
}

impl PartialEq for Ranges {
    fn eq(&self, o: &Ranges) -> bool {
        **self == **o
    }
}

impl Eq for Ranges {}

impl std::fmt::Debug for Ranges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Values {
    /// Every value.
    pub fn full() -> Values {
        Values(Ranges::One((0, u32::MAX)))
    }

    /// No value.
    pub fn empty() -> Values {
        Values(Ranges::Many(Box::default()))
    }

    fn range(lo: u64, hi: u64) -> Values {
        if lo > hi || lo > u32::MAX as u64 {
            return Values::empty();
        }
        Values(Ranges::One((lo as u32, hi.min(u32::MAX as u64) as u32)))
    }

    /// The values `v` for which `v OP c` holds, for the ordering operators;
    /// `None` for the bit operators.
    pub fn of(op: Operator, c: u32) -> Option<Values> {
        let c = c as u64;
        let max = u32::MAX as u64;
        Some(match op {
            Operator::Equal => Values::range(c, c),
            Operator::NotEqual if c == 0 => Values::range(1, max),
            Operator::NotEqual => Values::range(0, c - 1).union(&Values::range(c + 1, max)),
            Operator::LessThan => {
                if c == 0 {
                    Values::empty()
                } else {
                    Values::range(0, c - 1)
                }
            }
            Operator::LessOrEqual => Values::range(0, c),
            Operator::GreaterThan => Values::range(c + 1, max),
            Operator::GreaterOrEqual => Values::range(c, max),
            _ => return None,
        })
    }

    /// Whether no value is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The one value of a set of one value.
    pub fn single(&self) -> Option<u32> {
        match &self.0[..] {
            [(lo, hi)] if lo == hi => Some(*lo),
            _ => None,
        }
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: u32) -> bool {
        self.0.iter().any(|(lo, hi)| *lo <= v && v <= *hi)
    }

    /// How many values.
    pub fn count(&self) -> u64 {
        self.0
            .iter()
            .map(|(lo, hi)| *hi as u64 - *lo as u64 + 1)
            .sum()
    }

    /// The values, when there are at most `limit`.
    pub fn list(&self, limit: u64) -> Option<Vec<u32>> {
        (self.count() <= limit).then(|| self.0.iter().flat_map(|(lo, hi)| *lo..=*hi).collect())
    }

    /// The union.
    pub fn union(&self, o: &Values) -> Values {
        let mut all: Vec<(u32, u32)> = self.0.iter().chain(o.0.iter()).copied().collect();
        all.sort();
        let mut out: Vec<(u32, u32)> = Vec::new();
        for (lo, hi) in all {
            match out.last_mut() {
                Some(last) if lo as u64 <= last.1 as u64 + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Values(out.into())
    }

    /// The intersection.
    pub fn intersect(&self, o: &Values) -> Values {
        let mut out = Vec::new();
        for (a, b) in self.0.iter() {
            for (c, d) in o.0.iter() {
                let lo = (*a).max(*c);
                let hi = (*b).min(*d);
                if lo <= hi {
                    out.push((lo, hi));
                }
            }
        }
        Values(out.into()).union(&Values::empty())
    }

    /// Whether every value of `self` is in `o`.
    pub fn is_subset(&self, o: &Values) -> bool {
        self.0
            .iter()
            .all(|(lo, hi)| o.0.iter().any(|(a, b)| a <= lo && hi <= b))
    }

    /// Whether the sets share a value (without building the intersection).
    pub fn meets(&self, o: &Values) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < o.0.len() {
            let (a, b) = self.0[i];
            let (c, d) = o.0[j];
            if a.max(c) <= b.min(d) {
                return true;
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }

    /// A few values of the set worth trying as witnesses.
    fn samples(&self) -> Vec<u32> {
        let mut v = Vec::new();
        for (lo, hi) in self.0.iter() {
            v.push(*lo);
            v.push(*hi);
        }
        v
    }
}

/// A condition on one number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pred {
    /// The value is in the set.
    In(Values),
    /// `&`: the value has at least one of these bits.
    AnyBit(u32),
    /// `&=`: the value has all of these bits.
    AllBits(u32),
}

impl Pred {
    /// The predicate of `v OP c`, or `None` for an operator the kernel does
    /// not know.
    pub fn of(op: Operator, c: u32) -> Option<Pred> {
        match op {
            Operator::BitMask => Some(Pred::AnyBit(c)),
            Operator::BitTest => Some(Pred::AllBits(c)),
            op => Values::of(op, c).map(Pred::In),
        }
    }

    /// Whether `v` satisfies it.
    pub fn holds(&self, v: u32) -> bool {
        match self {
            Pred::In(s) => s.contains(v),
            Pred::AnyBit(m) => v & m != 0,
            Pred::AllBits(m) => v & m == *m,
        }
    }
}

/// The kernel's `audit_comparator`, for the model and the tests.
pub fn comparator(left: u32, op: Operator, right: u32) -> bool {
    match op {
        Operator::Equal => left == right,
        Operator::NotEqual => left != right,
        Operator::LessThan => left < right,
        Operator::LessOrEqual => left <= right,
        Operator::GreaterThan => left > right,
        Operator::GreaterOrEqual => left >= right,
        Operator::BitMask => left & right != 0,
        Operator::BitTest => left & right == right,
        Operator::Other(_) => false,
    }
}

/// How the kernel evaluates a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One number per event (the task's ids, pid, arch, exit code, ...):
    /// conditions on it combine.
    Scalar,
    /// A number of each file the event touches; matches when any file does.
    PerName,
    /// `perm`.
    Perm,
    /// Compared by identity only.
    Opaque,
    /// Not a condition (`key`).
    Ignored,
}

/// How the kernel evaluates field `number`.
pub fn kind(number: u32) -> Kind {
    match number {
        field::PID
        | field::UID..=field::LOGINUID
        | field::PERS
        | field::ARCH
        | field::MSGTYPE
        | field::PPID
        | field::LOGINUID_SET
        | field::SESSIONID
        | field::EXIT
        | field::SUCCESS
        | field::SADDR_FAM
        | field::ARG0..=field::ARG3 => Kind::Scalar,
        field::INODE | field::DEVMAJOR | field::DEVMINOR | field::OBJ_UID | field::OBJ_GID => {
            Kind::PerName
        }
        field::PERM => Kind::Perm,
        field::FILTERKEY => Kind::Ignored,
        _ => Kind::Opaque,
    }
}

/// The variable a scalar field constrains: `loginuid_set` is a view of the
/// login uid, so both are one variable.
fn var(number: u32) -> u32 {
    if number == field::LOGINUID_SET {
        field::LOGINUID
    } else {
        number
    }
}

/// The fields the kernel evaluates on the user and exclude lists
/// (`audit_filter`); any other field, the key included, stops the list
/// there, undecided.
pub fn user_list_field(number: u32) -> bool {
    matches!(
        number,
        field::PID
            | field::UID
            | field::GID
            | field::LOGINUID
            | field::LOGINUID_SET
            | field::MSGTYPE
            | field::SUBJ_USER..=field::SUBJ_CLR | field::EXE
    )
}

/// The scalar predicate of a field, following the kernel's rewrite of
/// `auid` = unset (4294967295) into `loginuid_set`.
pub fn scalar_pred(f: &crate::model::Field) -> Option<Pred> {
    let c = f.num_value();
    let set_pred = |op: Operator, c: u32| {
        // loginuid_set is 1 when the login uid is not 4294967295.
        let unset = comparator(0, op, c);
        let set = comparator(1, op, c);
        let mut s = Values::empty();
        if unset {
            s = s.union(&Values::range(
                AUDIT_UID_UNSET as u64,
                AUDIT_UID_UNSET as u64,
            ));
        }
        if set {
            s = s.union(&Values::range(0, AUDIT_UID_UNSET as u64 - 1));
        }
        Pred::In(s)
    };
    match f.number {
        field::LOGINUID if c == AUDIT_UID_UNSET => Some(set_pred(f.op, 0)),
        field::LOGINUID_SET => Some(set_pred(f.op, c)),
        _ => Pred::of(f.op, c),
    }
}

/// One opaque condition: field, operator and value, compared whole.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Atom {
    /// Field number.
    pub number: u32,
    /// Operator code.
    pub op: u32,
    /// The value's bytes (numbers as 4 native-endian bytes), shared by the
    /// copies the indexes keep.
    pub value: std::sync::Arc<[u8]>,
}

impl Atom {
    fn of(f: &crate::model::Field) -> Atom {
        Atom {
            number: f.number,
            op: f.op.code(),
            value: match &f.value {
                Value::Num(n) => n.to_ne_bytes().into(),
                Value::Bytes(b) => b.as_slice().into(),
            },
        }
    }

    /// The same condition with `=` and `!=` swapped, when it has one.
    fn negated(&self) -> Option<Atom> {
        let op = match Operator::from_code(self.op) {
            Operator::Equal => Operator::NotEqual,
            Operator::NotEqual => Operator::Equal,
            _ => return None,
        };
        Some(Atom {
            op: op.code(),
            ..self.clone()
        })
    }
}

/// A rule's conditions, grouped by how the kernel evaluates them. Each entry
/// keeps the index of its field in the rule, for explanations.
#[derive(Clone, Debug, Default)]
pub struct Conds {
    /// Scalar predicates by variable.
    pub scalars: VarMap<Vec<(Pred, usize)>>,
    /// Per-file predicates by field.
    pub per_name: VarMap<Vec<(Pred, usize)>>,
    /// `perm` conditions: (`=`?, bits).
    pub perm: Box<[(bool, u32, usize)]>,
    /// Opaque conditions.
    pub atoms: Box<[(Atom, usize)]>,
    /// Fields the model cannot place (an operator the kernel does not know).
    pub unknown: bool,
    /// Per scalar variable: the intersection of its set predicates, and
    /// whether it also has bit predicates (a quick first test).
    pub combined: VarMap<(Values, bool)>,
}

/// A small map from variable or field number to `V`, in ascending key order
/// (as a `BTreeMap` iterates), held as one sorted vector: a rule has a few
/// variables, and a `BTreeMap` node takes hundreds of bytes of its own for
/// each of the set's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarMap<V>(Box<[(u32, V)]>);

impl<V> Default for VarMap<V> {
    fn default() -> Self {
        VarMap(Box::default())
    }
}

impl<V> VarMap<V> {
    /// The value of `k`.
    pub fn get(&self, k: &u32) -> Option<&V> {
        self.0
            .binary_search_by_key(k, |(x, _)| *x)
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// The value of `k`, made (the default) if there was none.
    pub fn slot(&mut self, k: u32) -> &mut V
    where
        V: Default,
    {
        let i = match self.0.binary_search_by_key(&k, |(x, _)| *x) {
            Ok(i) => i,
            Err(i) => {
                self.put(i, (k, V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Sets the value of `k`.
    pub fn insert(&mut self, k: u32, v: V) {
        match self.0.binary_search_by_key(&k, |(x, _)| *x) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.put(i, (k, v)),
        }
    }

    /// Inserts an entry at `i` (a map is built once and then only read).
    fn put(&mut self, i: usize, e: (u32, V)) {
        let mut v = std::mem::take(&mut self.0).into_vec();
        v.insert(i, e);
        self.0 = v.into_boxed_slice();
    }

    /// The entries, by ascending key.
    pub fn iter(&self) -> impl Iterator<Item = (&u32, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The values, by ascending key.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The values, by ascending key, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, V> IntoIterator for &'a VarMap<V> {
    type Item = (&'a u32, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (u32, V)>, fn(&'a (u32, V)) -> (&'a u32, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Conds {
    /// The conditions of a rule's fields.
    pub fn of(rule: &Rule) -> Conds {
        let mut c = Conds::default();
        let (mut atoms, mut perms) = (Vec::new(), Vec::new());
        for (i, f) in rule.fields.iter().enumerate() {
            if matches!(f.op, Operator::Other(_)) {
                c.unknown = true;
                continue;
            }
            match kind(f.number) {
                Kind::Ignored => {}
                Kind::Scalar => match scalar_pred(f) {
                    Some(p) => c.scalars.slot(var(f.number)).push((p, i)),
                    None => c.unknown = true,
                },
                Kind::PerName => match Pred::of(f.op, f.num_value()) {
                    Some(p) => c.per_name.slot(f.number).push((p, i)),
                    None => c.unknown = true,
                },
                Kind::Perm if f.op.is_equality() => {
                    perms.push((f.op == Operator::Equal, f.num_value() & perm::ALL, i))
                }
                Kind::Perm => c.unknown = true,
                Kind::Opaque => atoms.push((Atom::of(f), i)),
            }
        }
        for (v, ps) in &c.scalars {
            let refs: Vec<&Pred> = ps.iter().map(|(p, _)| p).collect();
            let (set, bits) = combine(&refs);
            c.combined.insert(*v, (set, !bits.is_empty()));
        }
        // Kept for every rule of a set while it is checked: no spare room.
        c.atoms = atoms.into_boxed_slice();
        c.perm = perms.into_boxed_slice();
        for ps in c.scalars.values_mut().chain(c.per_name.values_mut()) {
            ps.shrink_to_fit();
        }
        c
    }

    /// The set of perm-kind assignments (bit k of the result: the syscall is
    /// of exactly the kinds in k) that satisfy every perm condition.
    pub fn perm_set(&self) -> u16 {
        let mut set = u16::MAX;
        for (eq, bits, _) in &self.perm {
            set &= perm_assignments(*eq, *bits);
        }
        set
    }
}

/// The assignments of the four perm kinds (read, write, exec, attr) that
/// satisfy `perm=bits` (`eq`) or `perm!=bits`.
fn perm_assignments(eq: bool, bits: u32) -> u16 {
    let mut set = 0u16;
    for a in 0u32..16 {
        if (a & bits != 0) == eq {
            set |= 1 << a;
        }
    }
    set
}

/// The conjunction of scalar predicates on one variable as a value set and
/// the bit predicates that remain.
fn combine(preds: &[&Pred]) -> (Values, Vec<Pred>) {
    let mut set = Values::full();
    let mut bits = Vec::new();
    for p in preds {
        match p {
            Pred::In(s) => set = set.intersect(s),
            other => bits.push((*other).clone()),
        }
    }
    (set, bits)
}

/// Whether every value satisfying all of `b` satisfies `a`.
fn preds_imply(b: &[&Pred], a: &Pred) -> bool {
    let (set, bits) = combine(b);
    if set.is_empty() {
        return true;
    }
    if bits.iter().any(|p| matches!(p, Pred::AnyBit(0))) {
        return true;
    }
    let single = match a {
        Pred::In(s) => set.is_subset(s),
        Pred::AnyBit(m) => bits.iter().any(|p| match p {
            Pred::AnyBit(mb) => *mb != 0 && mb & !m == 0,
            Pred::AllBits(mb) => mb & m != 0,
            Pred::In(_) => false,
        }),
        Pred::AllBits(m) => {
            *m == 0
                || bits.iter().any(|p| match p {
                    Pred::AllBits(mb) => m & !mb == 0,
                    Pred::AnyBit(mb) => mb.count_ones() == 1 && m == mb,
                    Pred::In(_) => false,
                })
        }
    };
    if single {
        return true;
    }
    // A small set is checked value by value.
    match set.list(4096) {
        Some(vals) => vals
            .into_iter()
            .filter(|v| bits.iter().all(|p| p.holds(*v)))
            .all(|v| a.holds(v)),
        None => false,
    }
}

/// A value satisfying all of `preds`, if one is found.
fn witness(preds: &[&Pred]) -> Option<u32> {
    let (set, bits) = combine(preds);
    if set.is_empty() {
        return None;
    }
    let ok = |v: u32| set.contains(v) && bits.iter().all(|p| p.holds(v));
    if let Some(vals) = set.list(4096) {
        return vals.into_iter().find(|v| ok(*v));
    }
    let must: u32 = bits
        .iter()
        .map(|p| match p {
            Pred::AllBits(m) => *m,
            _ => 0,
        })
        .fold(0, |a, b| a | b);
    let mut candidates = set.samples();
    candidates.push(must);
    for p in &bits {
        if let Pred::AnyBit(m) = p {
            for k in 0..32 {
                if m & (1 << k) != 0 {
                    candidates.push(must | (1 << k));
                }
            }
        }
    }
    let any_low: u32 = bits
        .iter()
        .map(|p| match p {
            Pred::AnyBit(m) if *m != 0 => 1 << m.trailing_zeros(),
            _ => 0,
        })
        .fold(must, |a, b| a | b);
    candidates.push(any_low);
    let extra: Vec<u32> = candidates.iter().map(|c| c | must).collect();
    candidates.extend(extra);
    candidates.into_iter().find(|v| ok(*v))
}

/// Why a condition of the earlier rule holds whenever the later rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Because {
    /// The earlier rule's field.
    pub earlier: usize,
    /// The later rule's fields that imply it.
    pub later: Vec<usize>,
}

/// Whether every event satisfying `b`'s conditions satisfies `a`'s, ignoring
/// scalar variable `skip` (the arch, when comparing across architectures).
/// On success, which of `b`'s fields imply each of `a`'s.
pub fn conds_imply(b: &Conds, a: &Conds, skip: Option<u32>) -> Option<Vec<Because>> {
    if a.unknown || b.unknown {
        return None;
    }
    // Quick tests first: B constrains every variable A does, and holds
    // A's opaque conditions; without bit predicates, set inclusion decides.
    for (v, (sa, abits)) in &a.combined {
        if Some(*v) == skip {
            continue;
        }
        let (sb, bbits) = b.combined.get(v)?;
        if !abits && !bbits && !sb.is_subset(sa) {
            return None;
        }
    }
    if a.atoms
        .iter()
        .any(|(x, _)| !b.atoms.iter().any(|(y, _)| x == y))
    {
        return None;
    }
    let mut why = Vec::new();
    for (v, preds) in &a.scalars {
        if Some(*v) == skip {
            continue;
        }
        // A scalar the later rule does not constrain may be absent (no exit
        // code, no socket address): never implied.
        let bp = b.scalars.get(v)?;
        let refs: Vec<&Pred> = bp.iter().map(|(p, _)| p).collect();
        for (p, i) in preds {
            if !preds_imply(&refs, p) {
                return None;
            }
            why.push(Because {
                earlier: *i,
                later: bp.iter().map(|(_, j)| *j).collect(),
            });
        }
    }
    for (n, preds) in &a.per_name {
        let bp = b.per_name.get(n)?;
        for (p, i) in preds {
            // One file must satisfy the earlier condition: one later
            // condition alone has to imply it.
            let j = bp.iter().find(|(q, _)| preds_imply(&[q], p))?;
            why.push(Because {
                earlier: *i,
                later: vec![j.1],
            });
        }
    }
    if !a.perm.is_empty() {
        if b.perm.is_empty() || b.perm_set() & !a.perm_set() != 0 {
            return None;
        }
        for (_, _, i) in &a.perm {
            why.push(Because {
                earlier: *i,
                later: b.perm.iter().map(|(_, _, j)| *j).collect(),
            });
        }
    }
    for (atom, i) in &a.atoms {
        let (_, j) = b.atoms.iter().find(|(x, _)| x == atom)?;
        why.push(Because {
            earlier: *i,
            later: vec![*j],
        });
    }
    Some(why)
}

/// Whether the conditions of `a` and `b` together can hold for one event,
/// as far as the model can show: `true` only when a witness is found.
pub fn conds_overlap(a: &Conds, b: &Conds) -> bool {
    if a.unknown || b.unknown {
        return false;
    }
    // Quick test: the plain set predicates of each shared variable meet.
    for (v, (sa, _)) in &a.combined {
        if let Some((sb, _)) = b.combined.get(v) {
            if !sa.meets(sb) {
                return false;
            }
        }
    }
    let mut vars: BTreeMap<u32, Vec<&Pred>> = BTreeMap::new();
    for c in [a, b] {
        for (v, ps) in &c.scalars {
            vars.entry(*v)
                .or_default()
                .extend(ps.iter().map(|(p, _)| p));
        }
    }
    if vars.values().any(|ps| witness(ps).is_none()) {
        return false;
    }
    // Each per-file condition can be met by a file of its own.
    for c in [a, b] {
        for ps in c.per_name.values() {
            if ps.iter().any(|(p, _)| witness(&[p]).is_none()) {
                return false;
            }
        }
    }
    if a.perm_set() & b.perm_set() == 0 {
        return false;
    }
    // Opaque conditions: contradictory when one negates the other; unknown
    // (so no overlap is claimed) when both name different values of one
    // field with `=`.
    let atoms: Vec<&Atom> = a
        .atoms
        .iter()
        .chain(b.atoms.iter())
        .map(|(x, _)| x)
        .collect();
    // Watched places: an event is claimed to touch two only when one is
    // inside the other (a path under a watched directory).
    let places: Vec<&Atom> = atoms
        .iter()
        .copied()
        .filter(|x| matches!(x.number, field::WATCH | field::DIR) && x.op == Operator::Equal.code())
        .collect();
    let inside = |p: &Atom, d: &Atom| {
        p.value == d.value
            || d.number == field::DIR
                && p.value.starts_with(&d.value)
                && (d.value.ends_with(b"/") || p.value.get(d.value.len()) == Some(&b'/'))
    };
    for x in &places {
        for y in &places {
            if !inside(x, y) && !inside(y, x) {
                return false;
            }
        }
    }
    for x in &atoms {
        if let Some(n) = x.negated() {
            if atoms.contains(&&n) {
                return false;
            }
        }
        if x.op == Operator::Equal.code()
            && atoms
                .iter()
                .any(|y| y.number == x.number && y.op == x.op && y.value != x.value)
        {
            return false;
        }
        if x.op != Operator::Equal.code() && x.op != Operator::NotEqual.code() {
            // Ordered LSM label comparisons: no claim.
            if atoms.iter().any(|y| y.number == x.number && y != x) {
                return false;
            }
        }
    }
    true
}

/// Whether the conditions can never hold together (the rule matches
/// nothing): a scalar variable with no possible value, perm conditions no
/// syscall kind satisfies, or an opaque condition next to its negation.
pub fn conds_empty(c: &Conds) -> Option<String> {
    if c.unknown {
        return None;
    }
    for (v, ps) in &c.scalars {
        let refs: Vec<&Pred> = ps.iter().map(|(p, _)| p).collect();
        let (set, bits) = combine(&refs);
        let none = set.is_empty()
            || bits.iter().any(|p| matches!(p, Pred::AnyBit(0)))
            || set
                .list(4096)
                .is_some_and(|vals| !vals.iter().any(|x| bits.iter().all(|p| p.holds(*x))));
        if none {
            let name = crate::tables::field_name(*v).unwrap_or("a field");
            return Some(format!(
                "no value of {name} satisfies all of its conditions"
            ));
        }
    }
    for ps in c.per_name.values() {
        for (p, i) in ps {
            if witness(&[p]).is_none() {
                return Some(format!("field {} can never hold", i + 1));
            }
        }
    }
    if !c.perm.is_empty() && c.perm_set() & !1 == 0 {
        return Some("no syscall is of the kinds its perm conditions ask for".to_string());
    }
    for (x, _) in &c.atoms {
        if let Some(n) = x.negated() {
            if c.atoms.iter().any(|(y, _)| *y == n) {
                return Some("it has a condition and its negation".to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
