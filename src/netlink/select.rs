//! Which kernel the commands talk to.
//!
//! Normally the real one ([`NetlinkTransport`]). For tests only, when the
//! environment variable [`FAKE_KERNEL_ENV`] names a file, the native commands
//! (`sync`, `diff`, `check`, `list`, `status`, `load`, `delete`) and the
//! `auditctl` and `augenrules` personalities talk to the in-memory kernel of
//! [`super::fake`] instead, with its state loaded from that file and written
//! back after every change. This lets the Ansible
//! module and the Puppet provider be tested end to end against a locked
//! kernel (`enabled 2`), which must never be set on a shared machine. With
//! the fake, no root privilege and no machine lock are needed, and nothing
//! reaches the real kernel.
//!
//! The state file is text, one item per line (`#` lines are comments, a
//! missing or empty file is a fresh fake):
//!
//! ```text
//! enabled 2
//! failure 1
//! backlog_limit 64
//! rule <the stored struct audit_rule_data, hex>
//! ```
//!
//! Keys: `enabled`, `failure`, `pid`, `rate_limit`, `backlog_limit`,
//! `backlog_wait_time`, `features`, `features_lock`, and `rule` (kernel
//! order; repeated). A test can write `enabled 2` by hand to lock it.

use std::path::PathBuf;

use super::fake::FakeKernel;
use super::socket::NetlinkTransport;
use super::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError};
use crate::uapi::{AUDIT_FEATURE_VERSION, AUDIT_SET_FEATURE};

/// The environment variable naming the fake kernel's state file.
pub const FAKE_KERNEL_ENV: &str = "KAUDIT_FAKE_KERNEL";

/// The kernel a command talks to.
pub enum Kernel {
    /// The running kernel, over netlink.
    Real(NetlinkTransport),
    /// The in-memory kernel, kept in a file (test-only).
    Fake(Box<FakeKernel>, PathBuf),
}

/// Whether [`Kernel::open`] opens the fake kernel ([`FAKE_KERNEL_ENV`] is
/// set and not empty).
pub fn fake_selected() -> bool {
    fake_path().is_some()
}

fn fake_path() -> Option<std::ffi::OsString> {
    std::env::var_os(FAKE_KERNEL_ENV).filter(|p| !p.is_empty())
}

impl Kernel {
    /// The fake kernel when [`FAKE_KERNEL_ENV`] is set and not empty,
    /// otherwise a netlink connection to the real kernel.
    pub fn open() -> Result<Kernel, TransportError> {
        match fake_path() {
            Some(path) => {
                let path = PathBuf::from(path);
                let text = match std::fs::read_to_string(&path) {
                    Ok(t) => t,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                    Err(e) => return Err(TransportError::Io(e)),
                };
                let fake = parse_state(&text)
                    .map_err(|m| TransportError::Protocol(format!("{}: {m}", path.display())))?;
                Ok(Kernel::Fake(Box::new(fake), path))
            }
            None => NetlinkTransport::open().map(Kernel::Real),
        }
    }

    /// Whether this is the test-only fake kernel.
    pub fn is_fake(&self) -> bool {
        matches!(self, Kernel::Fake(..))
    }

    fn save(&mut self) -> Result<(), TransportError> {
        let Kernel::Fake(fake, path) = self else {
            return Ok(());
        };
        let text = render_state(fake)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &*path))
            .map_err(TransportError::Io)
    }
}

impl Transport for Kernel {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        let acks = match self {
            Kernel::Real(t) => return t.execute(requests),
            Kernel::Fake(f, _) => f.execute(requests)?,
        };
        self.save()?;
        Ok(acks)
    }

    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        match self {
            Kernel::Real(t) => t.list_rules(),
            Kernel::Fake(f, _) => f.list_rules(),
        }
    }

    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        match self {
            Kernel::Real(t) => t.get_status(),
            Kernel::Fake(f, _) => f.get_status(),
        }
    }

    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        match self {
            Kernel::Real(t) => t.get_features(),
            Kernel::Fake(f, _) => f.get_features(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Why the fake kernel's state file could not be read.
#[derive(Debug, thiserror::Error)]
enum StateError {
    /// A line that is not `KEY VALUE`, names no key, or holds a rule the
    /// fake refuses.
    #[error("line {number}: cannot read {text:?}")]
    Line {
        /// 1-based.
        number: usize,
        /// The line, trimmed.
        text: String,
    },
    /// The fake kernel refused to be set up.
    #[error("{0}")]
    Kernel(#[from] TransportError),
}

/// Builds a fake kernel from the state file's text.
fn parse_state(text: &str) -> Result<FakeKernel, StateError> {
    let mut fake = FakeKernel::new();
    let mut features = fake.get_features()?;
    let mut status = *fake.status();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || StateError::Line {
            number: n + 1,
            text: line.to_string(),
        };
        let (key, value) = line.split_once(' ').ok_or_else(bad)?;
        if key == "rule" {
            let rule = unhex(value.trim()).ok_or_else(bad)?;
            let acks = fake.execute(&[Request::add_rule(rule)])?;
            if acks[0].is_err() {
                return Err(bad());
            }
            continue;
        }
        let value: u32 = value.trim().parse().map_err(|_| bad())?;
        match key {
            "enabled" => status.enabled = value,
            "failure" => status.failure = value,
            "pid" => status.pid = value,
            "rate_limit" => status.rate_limit = value,
            "backlog_limit" => status.backlog_limit = value,
            "backlog_wait_time" => status.backlog_wait_time = value,
            "features" => features.features = value,
            "features_lock" => features.lock = value,
            _ => return Err(bad()),
        }
    }
    let set = AuditFeatures {
        vers: AUDIT_FEATURE_VERSION,
        mask: u32::MAX,
        ..features
    };
    fake.execute(&[Request::new(AUDIT_SET_FEATURE, set.to_bytes().to_vec())])?;
    // Set last: a locked status refuses the rule adds above.
    *fake.status_mut() = status;
    Ok(fake)
}

/// The state file's text for a fake kernel.
fn render_state(fake: &mut FakeKernel) -> Result<String, TransportError> {
    let s = *fake.status();
    let f = fake.get_features()?;
    let mut out = format!(
        "# kaudit test-only fake kernel ({FAKE_KERNEL_ENV})\nenabled {}\nfailure {}\npid {}\n\
         rate_limit {}\nbacklog_limit {}\nbacklog_wait_time {}\nfeatures {}\nfeatures_lock {}\n",
        s.enabled,
        s.failure,
        s.pid,
        s.rate_limit,
        s.backlog_limit,
        s.backlog_wait_time,
        f.features,
        f.lock
    );
    for rule in fake.list_rules()? {
        out.push_str("rule ");
        out.push_str(&hex(&rule));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::{AUDIT_ALWAYS, AUDIT_FILTER_EXIT, AUDIT_LOCKED, AUDIT_RULE_DATA_LEN};

    #[test]
    fn state_round_trip_keeps_rules_status_and_features() {
        let mut fake = FakeKernel::new();
        let mut rule = vec![0u8; AUDIT_RULE_DATA_LEN];
        rule[0..4].copy_from_slice(&AUDIT_FILTER_EXIT.to_ne_bytes());
        rule[4..8].copy_from_slice(&AUDIT_ALWAYS.to_ne_bytes());
        let mut other = rule.clone();
        other[12] = 7;
        fake.execute(&[Request::add_rule(rule.clone()), Request::add_rule(other)])
            .unwrap();
        fake.status_mut().enabled = AUDIT_LOCKED;
        fake.status_mut().backlog_limit = 8192;
        let text = render_state(&mut fake).unwrap();
        let mut back = parse_state(&text).unwrap();
        assert_eq!(back.list_rules().unwrap(), fake.list_rules().unwrap());
        assert_eq!(back.status().enabled, AUDIT_LOCKED);
        assert_eq!(back.status().backlog_limit, 8192);
        assert_eq!(render_state(&mut back).unwrap(), text);
        // Locked: the fake refuses changes.
        assert_eq!(
            back.execute(&[Request::del_rule(rule)]).unwrap(),
            vec![Err(libc::EPERM)]
        );
    }

    #[test]
    fn bad_state_names_the_line() {
        let err = parse_state("enabled 0\nbogus 1\n").err().unwrap();
        assert_eq!(err.to_string(), "line 2: cannot read \"bogus 1\"");
        assert!(parse_state("rule 0g\n").is_err());
        assert!(parse_state("").is_ok());
    }
}
