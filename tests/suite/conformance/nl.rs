//! The kernel side of the harness, over the library's transport
//! (`kaudit::netlink::NetlinkTransport`): list, add and delete rules, and
//! read the status.

use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::{Request, Transport, TransportError};
use std::io;

/// An open audit netlink connection.
pub struct AuditSocket(NetlinkTransport);

fn io_err(e: TransportError) -> io::Error {
    match e {
        TransportError::Unsupported(e)
        | TransportError::Io(e)
        | TransportError::PermissionDenied(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl AuditSocket {
    /// Opens the connection. Fails when the kernel has no audit support.
    pub fn open() -> io::Result<Self> {
        NetlinkTransport::open().map(AuditSocket).map_err(io_err)
    }

    fn one(&mut self, req: Request) -> io::Result<i32> {
        let acks = self.0.execute(&[req]).map_err(io_err)?;
        match acks.first() {
            Some(Ok(_)) => Ok(0),
            Some(Err(errno)) => Ok(*errno),
            None => Err(io::Error::other("no acknowledgement")),
        }
    }

    /// AUDIT_ADD_RULE with the given `audit_rule_data` bytes; returns the errno (0 = added).
    pub fn add_rule(&mut self, rule: &[u8]) -> io::Result<i32> {
        self.one(Request::add_rule(rule))
    }

    /// AUDIT_DEL_RULE with the given `audit_rule_data` bytes; returns the errno (0 = deleted).
    pub fn del_rule(&mut self, rule: &[u8]) -> io::Result<i32> {
        self.one(Request::del_rule(rule))
    }

    /// AUDIT_LIST_RULES: every rule in the kernel, in kernel order, as raw
    /// `audit_rule_data` bytes (trimmed to 1040 + buflen).
    pub fn list_rules(&mut self) -> io::Result<Vec<Vec<u8>>> {
        Ok(self
            .0
            .list_rules()
            .map_err(io_err)?
            .into_iter()
            .map(trim_rule)
            .collect())
    }

    /// AUDIT_GET: returns `enabled`.
    pub fn enabled(&mut self) -> io::Result<u32> {
        Ok(self.0.get_status().map_err(io_err)?.enabled)
    }
}

/// Cuts a listed rule to its real size (in case the message was padded).
fn trim_rule(mut p: Vec<u8>) -> Vec<u8> {
    if p.len() >= 1040 {
        let buflen = u32::from_ne_bytes(p[1036..1040].try_into().unwrap()) as usize;
        p.truncate((1040 + buflen).min(p.len()));
    }
    p
}
