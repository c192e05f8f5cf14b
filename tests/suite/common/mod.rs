//! Shared harness for tests that talk to the live kernel.
//!
//! The kernel's rule table and status are global to the machine and shared
//! with other test runs, so every kernel test goes through [`kernel`]:
//!
//! * it skips loudly (`SKIP (kernel): <reason>` on stderr) when not root or
//!   when the kernel has no usable audit support, unless
//!   `KAUDIT_REQUIRE_KERNEL=1`, which turns a skip into a panic;
//! * the returned [`KernelGuard`] holds the machine-wide lock for the whole
//!   test, records the rule table and status at the start, and on drop
//!   deletes every rule whose key starts with this process's prefix
//!   ([`key_prefix`]), then asserts that the table and the status settings
//!   are exactly what they were at the start.
//!
//! Tests must only add rules carrying a key from [`test_key`], and must
//! never send `AUDIT_SET` with `enabled` or `failure` values other than the
//! current ones.

use std::io::Write;

use kaudit::lock::MachineLock;
use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::{AuditStatus, Request, Transport, TransportError};

// The kernel's numbers the hand-written encoder below uses, from
// kaudit::uapi (the encoder itself stays independent of kaudit's codec).
/// Field number of the rule key (`AUDIT_FILTERKEY`).
pub const FIELD_FILTERKEY: u32 = kaudit::uapi::field::FILTERKEY;
/// Operator `=` (`AUDIT_EQUAL`).
pub const OP_EQUAL: u32 = kaudit::uapi::AUDIT_EQUAL;
/// The exit filter list (`AUDIT_FILTER_EXIT`).
pub const LIST_EXIT: u32 = kaudit::uapi::AUDIT_FILTER_EXIT;
/// Action `always` (`AUDIT_ALWAYS`).
pub const ACTION_ALWAYS: u32 = kaudit::uapi::AUDIT_ALWAYS;
/// Size of the fixed part of `struct audit_rule_data`.
pub const RULE_HEADER_LEN: usize = kaudit::uapi::AUDIT_RULE_DATA_LEN;

/// Key prefix of every rule this test process adds.
pub fn key_prefix() -> String {
    format!("kaudit-test-{}-", std::process::id())
}

/// A key for a test rule: `kaudit-test-<pid>-<name>`.
pub fn test_key(name: &str) -> String {
    format!("{}{name}", key_prefix())
}

fn word(rule: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(rule.get(off..off + 4)?.try_into().ok()?))
}

fn put(rule: &mut [u8], off: usize, value: u32) {
    rule[off..off + 4].copy_from_slice(&value.to_ne_bytes());
}

/// Whether field number `field` carries a string in `buf`.
fn is_string_field(field: u32) -> bool {
    matches!(field, 13..=17 | 19..=23 | 105 | 107 | 112 | 210)
}

/// The key (first FILTERKEY string) of a rule in kernel format, if any.
/// A tiny decoder of `struct audit_rule_data`: string fields consume
/// `values[i]` bytes of `buf`, in field order.
pub fn rule_key(rule: &[u8]) -> Option<String> {
    let count = word(rule, 8)? as usize;
    let buflen = word(rule, 1036)? as usize;
    let buf = rule.get(RULE_HEADER_LEN..RULE_HEADER_LEN.checked_add(buflen)?)?;
    let mut at = 0usize;
    for i in 0..count.min(64) {
        let field = word(rule, 268 + 4 * i)?;
        if !is_string_field(field) {
            continue;
        }
        let len = word(rule, 524 + 4 * i)? as usize;
        let s = buf.get(at..at.checked_add(len)?)?;
        if field == FIELD_FILTERKEY {
            return Some(String::from_utf8_lossy(s).into_owned());
        }
        at += len;
    }
    None
}

/// A rule on `list` with `action`, every syscall, and one field
/// `key=<key>`: the shape `-a always,exit -S all -k KEY` produces.
pub fn key_rule(list: u32, action: u32, key: &str) -> Vec<u8> {
    let mut rule = vec![0u8; RULE_HEADER_LEN];
    put(&mut rule, 0, list);
    put(&mut rule, 4, action);
    put(&mut rule, 8, 1);
    for i in 0..64 {
        put(&mut rule, 12 + 4 * i, u32::MAX);
    }
    put(&mut rule, 268, FIELD_FILTERKEY);
    put(&mut rule, 524, key.len() as u32);
    put(&mut rule, 780, OP_EQUAL);
    put(&mut rule, 1036, key.len() as u32);
    rule.extend_from_slice(key.as_bytes());
    rule
}

/// A valid `always,exit` rule with key `key`.
pub fn exit_rule(key: &str) -> Vec<u8> {
    key_rule(LIST_EXIT, ACTION_ALWAYS, key)
}

/// Exclusive access to the live kernel for one test. See the module docs.
pub struct KernelGuard {
    transport: NetlinkTransport,
    start_rules: Vec<Vec<u8>>,
    start_status: AuditStatus,
    prefix: String,
    // Declared last: dropped last, after the cleanup in `Drop` ran.
    _lock: MachineLock,
}

impl KernelGuard {
    /// The transport to use for the test.
    pub fn transport(&mut self) -> &mut NetlinkTransport {
        &mut self.transport
    }

    /// The status when the test started.
    pub fn start_status(&self) -> &AuditStatus {
        &self.start_status
    }

    /// Deletes every rule carrying this process's key prefix; returns how
    /// many deletes succeeded. Repeats because a table can hold identical
    /// copies of a rule (prepend adds are not checked for duplicates).
    pub fn remove_own_rules(&mut self) -> Result<usize, TransportError> {
        let mut removed = 0;
        for _ in 0..8 {
            let rules = self.transport.list_rules()?;
            let dels: Vec<Request> = rules
                .into_iter()
                .filter(|r| rule_key(r).is_some_and(|k| k.starts_with(&self.prefix)))
                .map(Request::del_rule)
                .collect();
            if dels.is_empty() {
                break;
            }
            removed += self
                .transport
                .execute(&dels)?
                .iter()
                .filter(|a| a.is_ok())
                .count();
        }
        Ok(removed)
    }
}

/// The settings that must be the same after a test (counters excluded).
fn settings(s: &AuditStatus) -> [u32; 5] {
    [
        s.enabled,
        s.failure,
        s.rate_limit,
        s.backlog_limit,
        s.backlog_wait_time,
    ]
}

impl Drop for KernelGuard {
    fn drop(&mut self) {
        let cleanup = self.remove_own_rules();
        let end_rules = self.transport.list_rules();
        let end_status = self.transport.get_status();
        if std::thread::panicking() {
            return;
        }
        if let Err(e) = cleanup {
            panic!("kernel test cleanup failed: {e}");
        }
        let end_rules = end_rules.unwrap_or_else(|e| panic!("listing rules after test: {e}"));
        assert!(
            end_rules == self.start_rules,
            "kernel rule table changed by the test: {} rules at start, {} at end",
            self.start_rules.len(),
            end_rules.len()
        );
        let end_status = end_status.unwrap_or_else(|e| panic!("status after test: {e}"));
        assert_eq!(
            settings(&end_status),
            settings(&self.start_status),
            "audit settings changed by the test (enabled, failure, rate_limit, backlog_limit, backlog_wait_time)"
        );
    }
}

fn skip(reason: String) -> Option<KernelGuard> {
    if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("kernel required (KAUDIT_REQUIRE_KERNEL=1) but unusable: {reason}");
    }
    // Written to the stderr handle itself, not with `eprintln!`, which the
    // test harness captures: a skip must be visible in every run.
    let _ = writeln!(std::io::stderr(), "SKIP (kernel): {reason}");
    None
}

/// Exclusive access to the live kernel, or `None` (with a loud skip line)
/// if this process cannot use it. Blocks while another test holds the
/// machine-wide lock, without a time limit (tests queue behind each other;
/// [`MachineLock::acquire`] says once on stderr whom it waits for).
pub fn kernel() -> Option<KernelGuard> {
    if !nix::unistd::geteuid().is_root() {
        return skip("not running as root".into());
    }
    let lock = match MachineLock::acquire() {
        Ok(lock) => lock,
        Err(e) => {
            // The reason names the lock file.
            return skip(format!("cannot take the machine lock: {e}"));
        }
    };
    let mut transport = match NetlinkTransport::open() {
        Ok(t) => t,
        Err(e) => return skip(format!("cannot open the audit socket: {e}")),
    };
    let start_status = match transport.get_status() {
        Ok(s) => s,
        Err(
            e @ (TransportError::Unsupported(_)
            | TransportError::Disabled
            | TransportError::PermissionDenied(_)),
        ) => return skip(format!("audit not usable: {e}")),
        Err(e) => panic!("AUDIT_GET failed: {e}"),
    };
    if start_status.enabled == 2 {
        return skip("audit configuration is locked (enabled=2)".into());
    }
    let start_rules = transport
        .list_rules()
        .unwrap_or_else(|e| panic!("AUDIT_LIST_RULES failed: {e}"));
    Some(KernelGuard {
        transport,
        start_rules,
        start_status,
        prefix: key_prefix(),
        _lock: lock,
    })
}
