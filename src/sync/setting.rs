//! The audit settings a sync manages: each one field of `struct
//! audit_status`, set by an `AUDIT_SET` with its one mask bit.

use crate::netlink::{AuditStatus, Request};
use crate::uapi::{
    AUDIT_STATUS_BACKLOG_LIMIT, AUDIT_STATUS_BACKLOG_WAIT_TIME, AUDIT_STATUS_ENABLED,
    AUDIT_STATUS_FAILURE, AUDIT_STATUS_RATE_LIMIT,
};
use std::fmt;

/// An audit setting a rules file can ask for (`--loginuid-immutable` is a
/// feature, not a status field, and is handled on its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setting {
    /// `-f`
    Failure,
    /// `-r`
    RateLimit,
    /// `-b`
    BacklogLimit,
    /// `--backlog_wait_time`
    BacklogWaitTime,
    /// `-e`
    Enabled,
}

impl Setting {
    /// Every setting, in the order a sync sets them: `enabled` last, because
    /// `-e 2` locks everything after it.
    pub const IN_ORDER: [Setting; 5] = [
        Setting::Failure,
        Setting::RateLimit,
        Setting::BacklogLimit,
        Setting::BacklogWaitTime,
        Setting::Enabled,
    ];

    /// The name reports and JSON use (the `audit_status` member).
    pub fn name(self) -> &'static str {
        match self {
            Setting::Failure => "failure",
            Setting::RateLimit => "rate_limit",
            Setting::BacklogLimit => "backlog_limit",
            Setting::BacklogWaitTime => "backlog_wait_time",
            Setting::Enabled => "enabled",
        }
    }

    /// The setting's `AUDIT_STATUS_*` mask bit.
    fn mask(self) -> u32 {
        match self {
            Setting::Failure => AUDIT_STATUS_FAILURE,
            Setting::RateLimit => AUDIT_STATUS_RATE_LIMIT,
            Setting::BacklogLimit => AUDIT_STATUS_BACKLOG_LIMIT,
            Setting::BacklogWaitTime => AUDIT_STATUS_BACKLOG_WAIT_TIME,
            Setting::Enabled => AUDIT_STATUS_ENABLED,
        }
    }

    fn field(self, s: &mut AuditStatus) -> &mut u32 {
        match self {
            Setting::Failure => &mut s.failure,
            Setting::RateLimit => &mut s.rate_limit,
            Setting::BacklogLimit => &mut s.backlog_limit,
            Setting::BacklogWaitTime => &mut s.backlog_wait_time,
            Setting::Enabled => &mut s.enabled,
        }
    }

    /// The setting's value in a status the kernel reported.
    pub fn of(self, status: &AuditStatus) -> u32 {
        let mut copy = *status;
        *self.field(&mut copy)
    }

    /// The `AUDIT_SET` request that sets this setting to `value`, and only
    /// it.
    pub fn request(self, value: u32) -> Request {
        let mut s = AuditStatus {
            mask: self.mask(),
            ..AuditStatus::default()
        };
        *self.field(&mut s) = value;
        Request::set_status(&s)
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_sets_its_own_field_under_its_own_mask_bit() {
        let mut masks = 0;
        for s in Setting::IN_ORDER {
            let payload = s.request(1234).payload;
            let sent = AuditStatus::from_bytes(&payload).unwrap();
            assert_eq!(sent.mask.count_ones(), 1, "{s}");
            assert_eq!(masks & sent.mask, 0, "{s} shares a mask bit");
            masks |= sent.mask;
            assert_eq!(s.of(&sent), 1234, "{s}");
            let others = Setting::IN_ORDER.iter().filter(|o| **o != s);
            assert!(others.clone().all(|o| o.of(&sent) == 0), "{s}");
        }
        assert_eq!(Setting::IN_ORDER.last(), Some(&Setting::Enabled));
    }
}
