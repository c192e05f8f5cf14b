//! An in-memory stand-in for the kernel, for tests that must not need root.
//!
//! It files rules as opaque payload bytes and mimics only the bookkeeping of
//! the real kernel, never its validation (the live-kernel tests cover that):
//!
//! * A rule goes to the filter list named by the u32 at offset 0 with the
//!   prepend flag (`AUDIT_FILTER_PREPEND`) masked off; lists are below
//!   `AUDIT_NR_FILTERS`. The stored copy has the prepend flag and the
//!   syscall-class bits of the mask cleared, as the kernel clears them
//!   before storing. Prepend puts the rule first in its list, otherwise it
//!   goes last.
//! * `AUDIT_ADD_RULE` of a payload byte-identical to a stored rule (class
//!   bits aside) gives `EEXIST`; `AUDIT_DEL_RULE` removes the stored rule
//!   byte-identical to the payload (class bits aside), or gives `ENOENT`.
//!   The flags are compared *as sent*, so a delete carrying the prepend flag
//!   finds nothing, and a prepend add of an existing rule is accepted and
//!   stores a second copy. Both are what the 6.18 kernel does (observed
//!   live): its duplicate check compares the new rule's flags, still holding
//!   the prepend flag, with the stored flags, already cleared.
//! * The only payloads refused for their shape are those the fake cannot
//!   file: shorter than 4 bytes or naming a list number of
//!   `AUDIT_NR_FILTERS` or more (`EINVAL`).
//! * `AUDIT_SET` applies the masked fields of the status; `enabled` above 2
//!   or `failure` above 2 give `EINVAL`. A mask of exactly
//!   `AUDIT_STATUS_LOST` (or `..._BACKLOG_WAIT_TIME_ACTUAL`) resets that
//!   counter and acks with its old value. Once `enabled` is 2 (locked),
//!   `AUDIT_SET`, `AUDIT_ADD_RULE` and `AUDIT_DEL_RULE` give `EPERM`.
//! * Listing returns the lists in number order, each in stored order.
//! * Other known control messages are acked with 0; unknown types in the
//!   control range (`AUDIT_GET` up to `AUDIT_FIRST_USER_MSG`) give `EINVAL`.
//!
//! Test knobs: [`FakeKernel::refuse_next`], [`FakeKernel::set_refusal`],
//! fault injection by request type ([`FakeKernel::refuse_nth`]: refuse,
//! say, the second `AUDIT_SET` from now, which is how a test makes a
//! rollback's settings change fail), another writer changing the rule lists
//! between requests ([`FakeKernel::set_interloper`]), and the counters in
//! [`FakeKernel::stats`].

use std::collections::VecDeque;

use super::{
    read_u32, Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError, TransportStats,
};
use crate::uapi::{
    AUDIT_ADD_RULE, AUDIT_BITMASK_SIZE, AUDIT_DEL_RULE, AUDIT_FAIL_PANIC, AUDIT_FAIL_PRINTK,
    AUDIT_FEATURE_BITMAP_ALL, AUDIT_FEATURE_VERSION, AUDIT_FILTER_PREPEND, AUDIT_FIRST_USER_MSG,
    AUDIT_GET, AUDIT_GET_FEATURE, AUDIT_LIST_RULES, AUDIT_LOCKED, AUDIT_MAKE_EQUIV,
    AUDIT_NR_FILTERS, AUDIT_SET, AUDIT_SET_FEATURE, AUDIT_STATUS_BACKLOG_LIMIT,
    AUDIT_STATUS_BACKLOG_WAIT_TIME, AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL, AUDIT_STATUS_ENABLED,
    AUDIT_STATUS_FAILURE, AUDIT_STATUS_LOST, AUDIT_STATUS_PID, AUDIT_STATUS_RATE_LIMIT,
    AUDIT_SYSCALL_CLASSES, AUDIT_TRIM, AUDIT_USER,
};

/// A hook that may refuse a request: return `Some(errno)` to NACK it.
pub type RefusalHook = Box<dyn FnMut(&Request) -> Option<i32> + Send>;

/// Another writer: called before each request is handled, with the
/// request and the rule lists (stored form), which it may change.
pub type Interloper = Box<dyn FnMut(&Request, &mut [Vec<Vec<u8>>; AUDIT_NR_FILTERS]) + Send>;

/// A planned refusal: the `nth` request (1-based, counting from when it was
/// set) of type `msg_type` gets `errno`.
#[derive(Clone, Copy, Debug)]
struct Fault {
    msg_type: u16,
    nth: usize,
    errno: i32,
}

/// An in-memory kernel implementing [`Transport`]. See the module docs for
/// exactly what it mimics.
pub struct FakeKernel {
    lists: [Vec<Vec<u8>>; AUDIT_NR_FILTERS],
    status: AuditStatus,
    features: AuditFeatures,
    refusals: VecDeque<i32>,
    hook: Option<RefusalHook>,
    faults: Vec<Fault>,
    interloper: Option<Interloper>,
    stats: TransportStats,
}

impl std::fmt::Debug for FakeKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKernel")
            .field("lists", &self.lists)
            .field("status", &self.status)
            .field("features", &self.features)
            .field("refusals", &self.refusals)
            .field("hook", &self.hook.is_some())
            .field("faults", &self.faults)
            .field("interloper", &self.interloper.is_some())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Default for FakeKernel {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeKernel {
    /// A fake with no rules and the status the 6.18 test machine reports
    /// (enabled 0, failure 1, backlog_limit 64, backlog_wait_time 15000,
    /// feature bitmap 0x7f).
    pub fn new() -> Self {
        FakeKernel {
            lists: Default::default(),
            status: AuditStatus {
                failure: AUDIT_FAIL_PRINTK,
                backlog_limit: 64,
                feature_bitmap: AUDIT_FEATURE_BITMAP_ALL,
                backlog_wait_time: 15000,
                backlog_wait_time_actual: Some(0),
                ..AuditStatus::default()
            },
            features: AuditFeatures {
                vers: AUDIT_FEATURE_VERSION,
                mask: u32::MAX,
                features: 0,
                lock: 0,
            },
            refusals: VecDeque::new(),
            hook: None,
            faults: Vec::new(),
            interloper: None,
            stats: TransportStats::default(),
        }
    }

    /// NACKs the next `n` requests (of any type, including queries) with
    /// `errno`, before any other processing.
    pub fn refuse_next(&mut self, n: usize, errno: i32) {
        self.refusals.extend(std::iter::repeat_n(errno, n));
    }

    /// Installs (or with `None` removes) a hook consulted for every request
    /// after [`refuse_next`](Self::refuse_next); `Some(errno)` NACKs it.
    pub fn set_refusal(&mut self, hook: Option<RefusalHook>) {
        self.hook = hook;
    }

    /// Refuses the `nth` request (1-based, counted from now) of type
    /// `msg_type` with `errno`; the others of that type pass. Several may be
    /// pending at once.
    pub fn refuse_nth(&mut self, msg_type: u16, nth: usize, errno: i32) {
        self.faults.push(Fault {
            msg_type,
            nth,
            errno,
        });
    }

    /// Installs (or with `None` removes) another writer, run before each
    /// request is handled.
    pub fn set_interloper(&mut self, interloper: Option<Interloper>) {
        self.interloper = interloper;
    }

    /// Adds a rule as another writer would (appended, stored form); false if
    /// the same rule is already there or the payload names no list.
    pub fn insert_rule(&mut self, payload: &[u8]) -> bool {
        self.add_rule(payload).is_ok()
    }

    /// Counters: one datagram per `execute` or query call, one request per
    /// message.
    pub fn stats(&self) -> TransportStats {
        self.stats
    }

    /// The current status.
    pub fn status(&self) -> &AuditStatus {
        &self.status
    }

    /// Mutable access to the status, to set up a test.
    pub fn status_mut(&mut self) -> &mut AuditStatus {
        &mut self.status
    }

    /// The stored rules of filter list `list` (empty for unknown lists).
    pub fn rules(&self, list: usize) -> &[Vec<u8>] {
        self.lists.get(list).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The total number of stored rules.
    pub fn rule_count(&self) -> usize {
        self.lists.iter().map(Vec::len).sum()
    }

    fn refusal(&mut self, req: &Request) -> Option<i32> {
        if let Some(errno) = self.refusals.pop_front() {
            return Some(errno);
        }
        let mut refused = None;
        for f in self
            .faults
            .iter_mut()
            .filter(|f| f.msg_type == req.msg_type)
        {
            f.nth -= 1;
            if f.nth == 0 {
                refused = refused.or(Some(f.errno));
            }
        }
        self.faults.retain(|f| f.nth > 0);
        if refused.is_some() {
            return refused;
        }
        self.hook.as_mut().and_then(|hook| hook(req))
    }

    fn locked(&self) -> bool {
        self.status.enabled == AUDIT_LOCKED
    }

    /// Reads a rule request's payload as the kernel does before it acts on
    /// it: refused when the configuration is locked or the list is not
    /// one; else the list, whether to prepend, the bytes to store (prepend
    /// flag and class bits cleared) and the bytes to compare with the
    /// stored rules (class bits cleared, flags as sent).
    fn file(&self, payload: &[u8]) -> Result<Filed, i32> {
        if self.locked() {
            return Err(libc::EPERM);
        }
        let flags = read_u32(payload, 0).ok_or(libc::EINVAL)?;
        let list = (flags & !AUDIT_FILTER_PREPEND) as usize;
        if list >= AUDIT_NR_FILTERS {
            return Err(libc::EINVAL);
        }
        let compared = without_class_bits(payload);
        let mut stored = compared.clone();
        stored[0..4].copy_from_slice(&(list as u32).to_ne_bytes());
        Ok(Filed {
            list,
            prepend: flags & AUDIT_FILTER_PREPEND != 0,
            stored,
            compared,
        })
    }

    fn add_rule(&mut self, payload: &[u8]) -> Ack {
        let f = self.file(payload)?;
        let rules = &mut self.lists[f.list];
        if rules.contains(&f.compared) {
            return Err(libc::EEXIST);
        }
        if f.prepend {
            rules.insert(0, f.stored);
        } else {
            rules.push(f.stored);
        }
        Ok(0)
    }

    fn del_rule(&mut self, payload: &[u8]) -> Ack {
        let f = self.file(payload)?;
        let rules = &mut self.lists[f.list];
        match rules.iter().position(|r| *r == f.compared) {
            Some(i) => {
                rules.remove(i);
                Ok(0)
            }
            None => Err(libc::ENOENT),
        }
    }

    fn set_status(&mut self, payload: &[u8]) -> Ack {
        let new = AuditStatus::from_bytes(payload).map_err(|_| libc::EINVAL)?;
        if self.locked() {
            return Err(libc::EPERM);
        }
        let m = new.mask;
        if m & AUDIT_STATUS_ENABLED != 0 && new.enabled > AUDIT_LOCKED {
            return Err(libc::EINVAL);
        }
        if m & AUDIT_STATUS_FAILURE != 0 && new.failure > AUDIT_FAIL_PANIC {
            return Err(libc::EINVAL);
        }
        let s = &mut self.status;
        if m & AUDIT_STATUS_ENABLED != 0 {
            s.enabled = new.enabled;
        }
        if m & AUDIT_STATUS_FAILURE != 0 {
            s.failure = new.failure;
        }
        if m & AUDIT_STATUS_PID != 0 {
            s.pid = new.pid;
        }
        if m & AUDIT_STATUS_RATE_LIMIT != 0 {
            s.rate_limit = new.rate_limit;
        }
        if m & AUDIT_STATUS_BACKLOG_LIMIT != 0 {
            s.backlog_limit = new.backlog_limit;
        }
        if m & AUDIT_STATUS_BACKLOG_WAIT_TIME != 0 {
            s.backlog_wait_time = new.backlog_wait_time;
        }
        if m == AUDIT_STATUS_LOST {
            return Ok(std::mem::take(&mut s.lost));
        }
        if m == AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL {
            let old = s.backlog_wait_time_actual.unwrap_or(0);
            if s.backlog_wait_time_actual.is_some() {
                s.backlog_wait_time_actual = Some(0);
            }
            return Ok(old);
        }
        Ok(0)
    }

    fn set_features(&mut self, payload: &[u8]) -> Ack {
        let new = AuditFeatures::from_bytes(payload).map_err(|_| libc::EINVAL)?;
        let f = &mut self.features;
        if new.mask & f.lock != 0 {
            return Err(libc::EPERM);
        }
        f.features = (f.features & !new.mask) | (new.features & new.mask);
        f.lock |= new.lock & new.mask;
        Ok(0)
    }

    fn handle(&mut self, req: &Request) -> Ack {
        self.stats.requests_sent += 1;
        if let Some(other) = self.interloper.as_mut() {
            other(req, &mut self.lists);
        }
        if let Some(errno) = self.refusal(req) {
            return Err(errno);
        }
        match req.msg_type {
            AUDIT_ADD_RULE => self.add_rule(&req.payload),
            AUDIT_DEL_RULE => self.del_rule(&req.payload),
            AUDIT_SET => self.set_status(&req.payload),
            AUDIT_SET_FEATURE => self.set_features(&req.payload),
            AUDIT_GET | AUDIT_GET_FEATURE | AUDIT_LIST_RULES | AUDIT_USER | AUDIT_TRIM
            | AUDIT_MAKE_EQUIV => Ok(0),
            AUDIT_GET..AUDIT_FIRST_USER_MSG => Err(libc::EINVAL),
            _ => Ok(0),
        }
    }

    /// Runs one query request and turns a NACK into the error the real
    /// transport would give.
    fn query(&mut self, msg_type: u16) -> Result<(), TransportError> {
        self.stats.datagrams_sent += 1;
        match self.handle(&Request::new(msg_type, Vec::new())) {
            Ok(_) => Ok(()),
            Err(errno) => Err(TransportError::from_nack(msg_type, errno)),
        }
    }
}

/// A rule request's payload, read by [`FakeKernel::file`].
struct Filed {
    list: usize,
    prepend: bool,
    stored: Vec<u8>,
    compared: Vec<u8>,
}

/// The rule payload with the 16 syscall-class bits at the top of the
/// mask's last word cleared, as the kernel clears them when it expands a
/// class into its syscalls (the expansion is not modelled: a rule that names
/// a class alone is stored without its class's syscalls).
fn without_class_bits(payload: &[u8]) -> Vec<u8> {
    // flags, action, field_count, then the mask's words.
    const LAST_MASK_WORD: usize = 4 * (3 + AUDIT_BITMASK_SIZE - 1);
    let mut bytes = payload.to_vec();
    if let Some(word) = read_u32(payload, LAST_MASK_WORD) {
        let syscalls = u32::MAX >> AUDIT_SYSCALL_CLASSES;
        bytes[LAST_MASK_WORD..LAST_MASK_WORD + 4].copy_from_slice(&(word & syscalls).to_ne_bytes());
    }
    bytes
}

impl Transport for FakeKernel {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        if !requests.is_empty() {
            self.stats.datagrams_sent += 1;
        }
        Ok(requests.iter().map(|r| self.handle(r)).collect())
    }

    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        self.query(AUDIT_LIST_RULES)?;
        Ok(self.lists.iter().flatten().cloned().collect())
    }

    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        self.query(AUDIT_GET)?;
        Ok(self.status)
    }

    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        self.query(AUDIT_GET_FEATURE)?;
        Ok(self.features)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::{AUDIT_ALWAYS, AUDIT_FILTER_EXIT, AUDIT_FILTER_TASK, AUDIT_RULE_DATA_LEN};

    const EXIT: u32 = AUDIT_FILTER_EXIT;

    fn rule(list: u32, tag: u8) -> Vec<u8> {
        let mut r = vec![0u8; AUDIT_RULE_DATA_LEN];
        r[0..4].copy_from_slice(&list.to_ne_bytes());
        r[4..8].copy_from_slice(&AUDIT_ALWAYS.to_ne_bytes());
        r[12] = tag;
        r
    }

    #[test]
    fn duplicate_and_missing() {
        let mut k = FakeKernel::new();
        let r = rule(EXIT, 1);
        let mut pre = r.clone();
        pre[0..4].copy_from_slice(&(EXIT | AUDIT_FILTER_PREPEND).to_ne_bytes());
        let acks = k
            .execute(&[
                Request::add_rule(r.clone()),
                Request::add_rule(r.clone()),
                Request::add_rule(pre.clone()),
                Request::del_rule(pre),
                Request::del_rule(r.clone()),
                Request::del_rule(r.clone()),
                Request::del_rule(r),
            ])
            .unwrap();
        assert_eq!(
            acks,
            vec![
                Ok(0),
                Err(libc::EEXIST),
                Ok(0),
                Err(libc::ENOENT),
                Ok(0),
                Ok(0),
                Err(libc::ENOENT),
            ]
        );
        assert_eq!(k.rule_count(), 0);
        assert_eq!(k.stats().datagrams_sent, 1);
        assert_eq!(k.stats().requests_sent, 7);
    }

    #[test]
    fn prepend_order_and_list_order() {
        let mut k = FakeKernel::new();
        let acks = k
            .execute(&[
                Request::add_rule(rule(EXIT, 1)),
                Request::add_rule(rule(EXIT | AUDIT_FILTER_PREPEND, 2)),
                Request::add_rule(rule(AUDIT_FILTER_TASK, 3)),
                Request::add_rule(rule(EXIT, 4)),
                Request::add_rule(rule(AUDIT_NR_FILTERS as u32 + 1, 5)),
            ])
            .unwrap();
        assert_eq!(acks[..4], [Ok(0), Ok(0), Ok(0), Ok(0)]);
        assert_eq!(acks[4], Err(libc::EINVAL));
        let tags: Vec<(u32, u8)> = k
            .list_rules()
            .unwrap()
            .iter()
            .map(|r| (read_u32(r, 0).unwrap(), r[12]))
            .collect();
        assert_eq!(
            tags,
            vec![(AUDIT_FILTER_TASK, 3), (EXIT, 2), (EXIT, 1), (EXIT, 4)]
        );
    }

    #[test]
    fn lock_gives_eperm_and_reset_returns_old() {
        let mut k = FakeKernel::new();
        k.status_mut().lost = 7;
        let reset = AuditStatus {
            mask: AUDIT_STATUS_LOST,
            ..Default::default()
        };
        let lock = AuditStatus {
            mask: AUDIT_STATUS_ENABLED,
            enabled: AUDIT_LOCKED,
            ..Default::default()
        };
        let acks = k
            .execute(&[Request::set_status(&reset), Request::set_status(&lock)])
            .unwrap();
        assert_eq!(acks, vec![Ok(7), Ok(0)]);
        assert_eq!(k.get_status().unwrap().lost, 0);
        let acks = k
            .execute(&[
                Request::add_rule(rule(EXIT, 1)),
                Request::del_rule(rule(EXIT, 1)),
                Request::set_status(&reset),
            ])
            .unwrap();
        assert_eq!(acks, vec![Err(libc::EPERM); 3]);
        assert_eq!(k.list_rules().unwrap().len(), 0);
    }

    #[test]
    fn faults_by_type_and_an_interloper() {
        let mut k = FakeKernel::new();
        k.refuse_nth(AUDIT_SET, 2, libc::EPERM);
        let set = Request::set_status(&AuditStatus {
            mask: AUDIT_STATUS_FAILURE,
            failure: 0,
            ..Default::default()
        });
        let acks = k
            .execute(&[
                set.clone(),
                Request::add_rule(rule(EXIT, 1)),
                set.clone(),
                set,
            ])
            .unwrap();
        assert_eq!(acks, vec![Ok(0), Ok(0), Err(libc::EPERM), Ok(0)]);
        // Another writer deletes rule 1 just before our delete of it.
        k.set_interloper(Some(Box::new(|r: &Request, lists| {
            if r.msg_type == AUDIT_DEL_RULE {
                lists[EXIT as usize].clear();
            }
        })));
        let acks = k.execute(&[Request::del_rule(rule(EXIT, 1))]).unwrap();
        assert_eq!(acks, vec![Err(libc::ENOENT)]);
        k.set_interloper(None);
        assert!(k.insert_rule(&rule(EXIT, 2)));
        assert!(!k.insert_rule(&rule(EXIT, 2)));
        assert_eq!(k.rule_count(), 1);
    }

    #[test]
    fn refusal_knobs() {
        let mut k = FakeKernel::new();
        k.refuse_next(1, libc::ENOMEM);
        k.set_refusal(Some(Box::new(|r: &Request| {
            (r.payload.get(12) == Some(&9)).then_some(libc::EINVAL)
        })));
        let acks = k
            .execute(&[
                Request::add_rule(rule(EXIT, 1)),
                Request::add_rule(rule(EXIT, 9)),
                Request::add_rule(rule(EXIT, 1)),
            ])
            .unwrap();
        assert_eq!(acks, vec![Err(libc::ENOMEM), Err(libc::EINVAL), Ok(0)]);
        k.refuse_next(1, libc::EPERM);
        assert!(matches!(
            k.get_status(),
            Err(TransportError::PermissionDenied(_))
        ));
    }
}
