//! Kernel transport: the audit netlink control protocol, seen as a list of
//! requests that each get exactly one acknowledgement.
//!
//! This module defines the two fixed-layout structs the control protocol
//! carries (`struct audit_status`, `struct audit_features`; their numbers
//! are in [`crate::uapi`]),
//! and the [`Transport`] trait that the rest of kaudit talks to. Two
//! implementations exist: [`socket::NetlinkTransport`] (the real kernel) and
//! [`fake::FakeKernel`] (an in-memory stand-in for tests).
//!
//! Invariants every implementation keeps:
//!
//! * [`Transport::execute`] returns exactly one [`Ack`] per request, in the
//!   order the requests were given, or an error for the whole call. A NACK of
//!   one request never hides the outcome of the others.
//! * Rule payloads are passed through as bytes; this layer never interprets
//!   `struct audit_rule_data` beyond what the fake needs to file a rule.
//! * All structs are native-endian, as the kernel expects.

pub mod fake;
pub mod message;
pub mod select;
pub mod socket;

use std::fmt;
use std::io;
use std::time::Duration;

use crate::uapi::{
    AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_FEATURES_LEN, AUDIT_FEATURE_VERSION, AUDIT_SET,
    AUDIT_SET_FEATURE, AUDIT_STATUS_LEN, AUDIT_STATUS_LEN_OLD, LOGINUID_IMMUTABLE_BIT,
};

/// Reads the native-endian u32 at `off`, if `bytes` is long enough.
pub(crate) fn read_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    let chunk = bytes.get(off..end)?;
    let arr: [u8; 4] = chunk.try_into().ok()?;
    Some(u32::from_ne_bytes(arr))
}

/// `struct audit_status`: the reply to [`crate::uapi::AUDIT_GET`] and the
/// payload of [`AUDIT_SET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditStatus {
    /// Which fields an `AUDIT_SET` applies (`AUDIT_STATUS_*` bits).
    pub mask: u32,
    /// 0 off, 1 on, 2 on and locked.
    pub enabled: u32,
    /// 0 silent, 1 printk, 2 panic.
    pub failure: u32,
    /// Port id / pid of the registered audit daemon, 0 if none.
    pub pid: u32,
    /// Messages per second limit, 0 for none.
    pub rate_limit: u32,
    /// Maximum number of queued records.
    pub backlog_limit: u32,
    /// Records lost so far.
    pub lost: u32,
    /// Records currently queued.
    pub backlog: u32,
    /// `AUDIT_FEATURE_BITMAP_*` bits the kernel supports.
    pub feature_bitmap: u32,
    /// How long a full backlog blocks a task, in jiffies.
    pub backlog_wait_time: u32,
    /// Time spent waiting on a full backlog; `None` when the kernel sent the
    /// 40-byte struct of kernels before 5.9.
    pub backlog_wait_time_actual: Option<u32>,
}

impl AuditStatus {
    /// Decodes a status payload. Accepts 40 bytes (old kernels) or more;
    /// bytes beyond 44 (a future, longer struct) are ignored.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TransportError> {
        if bytes.len() < AUDIT_STATUS_LEN_OLD {
            return Err(TransportError::Truncated {
                what: "struct audit_status",
                needed: AUDIT_STATUS_LEN_OLD,
                got: bytes.len(),
            });
        }
        let w = |i: usize| read_u32(bytes, i * 4).unwrap_or(0);
        Ok(AuditStatus {
            mask: w(0),
            enabled: w(1),
            failure: w(2),
            pid: w(3),
            rate_limit: w(4),
            backlog_limit: w(5),
            lost: w(6),
            backlog: w(7),
            feature_bitmap: w(8),
            backlog_wait_time: w(9),
            backlog_wait_time_actual: read_u32(bytes, 40),
        })
    }

    /// Encodes the full 44-byte struct; a `None`
    /// `backlog_wait_time_actual` is sent as 0.
    pub fn to_bytes(&self) -> [u8; AUDIT_STATUS_LEN] {
        let words = [
            self.mask,
            self.enabled,
            self.failure,
            self.pid,
            self.rate_limit,
            self.backlog_limit,
            self.lost,
            self.backlog,
            self.feature_bitmap,
            self.backlog_wait_time,
            self.backlog_wait_time_actual.unwrap_or(0),
        ];
        let mut out = [0u8; AUDIT_STATUS_LEN];
        for (chunk, word) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&word.to_ne_bytes());
        }
        out
    }
}

/// `struct audit_features`: the payload of [`AUDIT_SET_FEATURE`] and the
/// reply to [`crate::uapi::AUDIT_GET_FEATURE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditFeatures {
    /// Struct version ([`AUDIT_FEATURE_VERSION`]).
    pub vers: u32,
    /// Which features (`1 << AUDIT_FEATURE_*`) this message is about.
    pub mask: u32,
    /// Feature on/off bits.
    pub features: u32,
    /// Feature locked bits.
    pub lock: u32,
}

impl AuditFeatures {
    /// Decodes a 16-byte features payload (longer input is tolerated).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TransportError> {
        match (
            read_u32(bytes, 0),
            read_u32(bytes, 4),
            read_u32(bytes, 8),
            read_u32(bytes, 12),
        ) {
            (Some(vers), Some(mask), Some(features), Some(lock)) => Ok(AuditFeatures {
                vers,
                mask,
                features,
                lock,
            }),
            _ => Err(TransportError::Truncated {
                what: "struct audit_features",
                needed: AUDIT_FEATURES_LEN,
                got: bytes.len(),
            }),
        }
    }

    /// Encodes the 16-byte struct.
    pub fn to_bytes(&self) -> [u8; AUDIT_FEATURES_LEN] {
        let mut out = [0u8; AUDIT_FEATURES_LEN];
        for (chunk, word) in
            out.chunks_exact_mut(4)
                .zip([self.vers, self.mask, self.features, self.lock])
        {
            chunk.copy_from_slice(&word.to_ne_bytes());
        }
        out
    }
}

/// One control message to the kernel: a type and its payload, without the
/// netlink header (the transport adds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Netlink message type, one of the `AUDIT_*` constants.
    pub msg_type: u16,
    /// Message payload (for rules: `struct audit_rule_data` plus `buf`).
    pub payload: Vec<u8>,
}

impl Request {
    /// Builds a request from a type and payload.
    pub fn new(msg_type: u16, payload: impl Into<Vec<u8>>) -> Self {
        Request {
            msg_type,
            payload: payload.into(),
        }
    }

    /// An `AUDIT_ADD_RULE` request carrying `rule`.
    pub fn add_rule(rule: impl Into<Vec<u8>>) -> Self {
        Request::new(AUDIT_ADD_RULE, rule)
    }

    /// An `AUDIT_DEL_RULE` request carrying `rule`.
    pub fn del_rule(rule: impl Into<Vec<u8>>) -> Self {
        Request::new(AUDIT_DEL_RULE, rule)
    }

    /// An `AUDIT_SET` request carrying `status` (only masked fields apply).
    pub fn set_status(status: &AuditStatus) -> Self {
        Request::new(AUDIT_SET, status.to_bytes().to_vec())
    }

    /// The `AUDIT_SET_FEATURE` request that sets and locks
    /// `loginuid_immutable` (`--loginuid-immutable`; irreversible until
    /// reboot).
    pub fn lock_loginuid_immutable() -> Self {
        let bit = LOGINUID_IMMUTABLE_BIT;
        let f = AuditFeatures {
            vers: AUDIT_FEATURE_VERSION,
            mask: bit,
            features: bit,
            lock: bit,
        };
        Request::new(AUDIT_SET_FEATURE, f.to_bytes().to_vec())
    }
}

/// Outcome of one request: `Ok(n)` where `n` is the kernel's non-negative
/// ack value (0 normally; positive for the reset requests, which return the
/// old counter), `Err(errno)` for a NACK.
pub type Ack = Result<u32, i32>;

/// Counters a transport keeps about its own traffic, for tests and
/// diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TransportStats {
    /// Datagrams sent (one `sendmsg` each; for the fake, one per batch).
    pub datagrams_sent: u64,
    /// Requests sent (netlink messages, including GET and LIST requests).
    pub requests_sent: u64,
    /// Datagrams received.
    pub datagrams_received: u64,
    /// Received messages dropped because the sender was not the kernel.
    pub foreign_ignored: u64,
    /// Received kernel messages dropped because their sequence number
    /// belonged to an earlier, finished exchange.
    pub stale_ignored: u64,
}

/// Why a transport call failed as a whole.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportError {
    /// The kernel has no audit support: opening the netlink socket failed
    /// with `EPROTONOSUPPORT`, `EINVAL` or `EAFNOSUPPORT`.
    Unsupported(io::Error),
    /// The kernel refused the connection (`ECONNREFUSED` on send): audit is
    /// disabled in this kernel, or we are outside the initial namespaces.
    Disabled,
    /// The caller lacks the privilege for the operation (`EPERM`/`EACCES`
    /// from the socket, or a NACK with that errno for a read request).
    PermissionDenied(io::Error),
    /// Any other system call failure.
    Io(io::Error),
    /// No reply within the receive timeout.
    Timeout {
        /// The silence that was waited for.
        waited: Duration,
    },
    /// The receive queue overflowed (`ENOBUFS`): the kernel dropped replies,
    /// so the outcome of some requests of this call is unknown.
    Overrun,
    /// A message or struct was shorter than its format requires.
    Truncated {
        /// What was being decoded.
        what: &'static str,
        /// The bytes needed.
        needed: usize,
        /// The bytes present.
        got: usize,
    },
    /// A reply carried a sequence number this transport never issued.
    BadSequence {
        /// The offending sequence number.
        got: u32,
    },
    /// A reply broke the protocol in some other way.
    Protocol(String),
    /// A read request (`AUDIT_GET`, `AUDIT_LIST_RULES`, `AUDIT_GET_FEATURE`)
    /// was refused by the kernel.
    Nack {
        /// The request's message type.
        msg_type: u16,
        /// The positive errno the kernel answered with.
        errno: i32,
    },
    /// A request is too large to fit in one netlink message.
    TooLarge {
        /// The payload length.
        len: usize,
    },
}

impl TransportError {
    /// Classifies an I/O error from `socket`/`sendmsg`/`recvmsg`.
    pub fn from_io(err: io::Error) -> Self {
        match err.raw_os_error() {
            Some(libc::ECONNREFUSED) => TransportError::Disabled,
            Some(libc::EPERM) | Some(libc::EACCES) => TransportError::PermissionDenied(err),
            Some(libc::ENOBUFS) => TransportError::Overrun,
            _ => TransportError::Io(err),
        }
    }

    /// Classifies a NACK of a read request.
    pub fn from_nack(msg_type: u16, errno: i32) -> Self {
        match errno {
            libc::EPERM | libc::EACCES => {
                TransportError::PermissionDenied(io::Error::from_raw_os_error(errno))
            }
            libc::ECONNREFUSED => TransportError::Disabled,
            _ => TransportError::Nack { msg_type, errno },
        }
    }
}

/// User-visible text: the C library's words, no Rust error suffix.
impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::output::reason;
        match self {
            TransportError::Unsupported(e) => {
                write!(f, "audit support not in kernel ({})", reason(e))
            }
            TransportError::Disabled => {
                write!(
                    f,
                    "the kernel refused the audit connection (audit disabled?)"
                )
            }
            TransportError::PermissionDenied(e) => write!(f, "permission denied: {}", reason(e)),
            TransportError::Io(e) => write!(f, "netlink I/O error: {}", reason(e)),
            TransportError::Timeout { waited } => {
                write!(
                    f,
                    "no reply from the kernel within {} ms",
                    waited.as_millis()
                )
            }
            TransportError::Overrun => write!(
                f,
                "netlink receive queue overflowed; some kernel replies were lost"
            ),
            TransportError::Truncated { what, needed, got } => {
                write!(f, "truncated {what}: need {needed} bytes, got {got}")
            }
            TransportError::BadSequence { got } => {
                write!(f, "reply with unknown sequence number {got}")
            }
            TransportError::Protocol(msg) => write!(f, "netlink protocol error: {msg}"),
            TransportError::Nack { msg_type, errno } => write!(
                f,
                "kernel refused message type {msg_type}: {}",
                reason(&io::Error::from_raw_os_error(*errno))
            ),
            TransportError::TooLarge { len } => {
                write!(f, "request payload of {len} bytes is too large")
            }
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransportError::Unsupported(e)
            | TransportError::PermissionDenied(e)
            | TransportError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// A way to talk to the kernel's audit subsystem.
pub trait Transport {
    /// Sends the requests (several per datagram, in order) and returns one
    /// Ack per request, in order, matched by sequence number.
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError>;

    /// AUDIT_LIST_RULES: the payload bytes of every rule message, in kernel
    /// order, until NLMSG_DONE.
    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError>;

    /// AUDIT_GET: the current audit status.
    fn get_status(&mut self) -> Result<AuditStatus, TransportError>;

    /// AUDIT_GET_FEATURE: the current feature settings.
    fn get_features(&mut self) -> Result<AuditFeatures, TransportError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trip() {
        let s = AuditStatus {
            mask: 1,
            enabled: 0,
            failure: 1,
            pid: 3,
            rate_limit: 4,
            backlog_limit: 64,
            lost: 6,
            backlog: 7,
            feature_bitmap: crate::uapi::AUDIT_FEATURE_BITMAP_ALL,
            backlog_wait_time: 15000,
            backlog_wait_time_actual: Some(9),
        };
        assert_eq!(AuditStatus::from_bytes(&s.to_bytes()).unwrap(), s);
    }

    #[test]
    fn status_old_and_short() {
        let mut s = AuditStatus {
            backlog_limit: 64,
            backlog_wait_time_actual: Some(5),
            ..Default::default()
        };
        let bytes = s.to_bytes();
        s.backlog_wait_time_actual = None;
        assert_eq!(AuditStatus::from_bytes(&bytes[..40]).unwrap(), s);
        assert!(matches!(
            AuditStatus::from_bytes(&bytes[..39]),
            Err(TransportError::Truncated { got: 39, .. })
        ));
    }

    #[test]
    fn features_round_trip() {
        let f = AuditFeatures {
            vers: AUDIT_FEATURE_VERSION,
            mask: u32::MAX,
            features: 2,
            lock: 0,
        };
        assert_eq!(AuditFeatures::from_bytes(&f.to_bytes()).unwrap(), f);
        assert!(AuditFeatures::from_bytes(&[0; 15]).is_err());
    }
}
