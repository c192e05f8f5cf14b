//! Kernel status as text: the `auditctl -s` block and the shorter block
//! auditctl prints after a setting changes.

use crate::netlink::{AuditFeatures, AuditStatus, Transport, TransportError};
use crate::uapi::{
    AUDIT_FAIL_PANIC, AUDIT_FAIL_PRINTK, AUDIT_FAIL_SILENT, AUDIT_LOCKED, AUDIT_OFF, AUDIT_ON,
    LOGINUID_IMMUTABLE_BIT,
};
use std::fmt::Write;

fn enabled_word(e: u32) -> &'static str {
    match e {
        AUDIT_OFF => "disable",
        AUDIT_ON => "enabled",
        AUDIT_LOCKED => "enabled+immutable",
        _ => "unknown",
    }
}

fn failure_word(f: u32) -> &'static str {
    match f {
        AUDIT_FAIL_SILENT => "silent",
        AUDIT_FAIL_PRINTK => "printk",
        AUDIT_FAIL_PANIC => "panic",
        _ => "unknown",
    }
}

/// The status lines (`enabled` .. `backlog_wait_time_actual`), as auditctl
/// prints them; with `interpret`, words for enabled and failure.
/// `backlog_wait_time_actual` is printed only when the kernel sent the
/// 44-byte structure.
pub fn status_block(s: &AuditStatus, interpret: bool) -> String {
    let mut out = String::new();
    if interpret {
        let _ = writeln!(
            out,
            "enabled {}\nfailure {}",
            enabled_word(s.enabled),
            failure_word(s.failure)
        );
    } else {
        let _ = writeln!(out, "enabled {}\nfailure {}", s.enabled, s.failure);
    }
    let _ = writeln!(
        out,
        "pid {}\nrate_limit {}\nbacklog_limit {}\nlost {}\nbacklog {}\nbacklog_wait_time {}",
        s.pid, s.rate_limit, s.backlog_limit, s.lost, s.backlog, s.backlog_wait_time
    );
    if let Some(actual) = s.backlog_wait_time_actual {
        let _ = writeln!(out, "backlog_wait_time_actual {actual}");
    }
    out
}

/// The `loginuid_immutable` line of `-s`, when the kernel knows the feature.
pub fn feature_line(f: &AuditFeatures) -> String {
    if f.mask & LOGINUID_IMMUTABLE_BIT == 0 {
        return String::new();
    }
    format!(
        "loginuid_immutable {} {}\n",
        u32::from(f.features & LOGINUID_IMMUTABLE_BIT != 0),
        if f.lock & LOGINUID_IMMUTABLE_BIT != 0 {
            "locked"
        } else {
            "unlocked"
        }
    )
}

/// `-s`: the status block and the loginuid_immutable line.
pub fn status_report(
    transport: &mut dyn Transport,
    interpret: bool,
) -> Result<String, TransportError> {
    let s = transport.get_status()?;
    let mut text = status_block(&s, interpret);
    if let Ok(f) = transport.get_features() {
        text.push_str(&feature_line(&f));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_layout() {
        let s = AuditStatus {
            failure: AUDIT_FAIL_PRINTK,
            backlog_limit: 64,
            feature_bitmap: crate::uapi::AUDIT_FEATURE_BITMAP_ALL,
            backlog_wait_time: 15000,
            backlog_wait_time_actual: Some(0),
            ..AuditStatus::default()
        };
        let f = AuditFeatures {
            vers: crate::uapi::AUDIT_FEATURE_VERSION,
            mask: u32::MAX,
            features: 0,
            lock: 0,
        };
        assert_eq!(
            status_block(&s, false) + &feature_line(&f),
            "enabled 0\nfailure 1\npid 0\nrate_limit 0\nbacklog_limit 64\nlost 0\nbacklog 0\n\
             backlog_wait_time 15000\nbacklog_wait_time_actual 0\nloginuid_immutable 0 unlocked\n"
        );
        assert!(status_block(&s, true).starts_with("enabled disable\nfailure printk\n"));
        let old = AuditStatus {
            backlog_wait_time_actual: None,
            ..s
        };
        assert!(!status_block(&old, false).contains("actual"));
    }
}
