//! A minimal raw NETLINK_AUDIT client for the conformance test: list, add and
//! delete rules, and read the status. Kept deliberately small and independent
//! of the library under test, so the test does not trust what it tests.

use std::io;

const NETLINK_AUDIT: i32 = 9;
const NLMSG_HDRLEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_ACK: u16 = 4;

/// AUDIT_GET.
pub const AUDIT_GET: u16 = 1000;
/// AUDIT_ADD_RULE.
pub const AUDIT_ADD_RULE: u16 = 1011;
/// AUDIT_DEL_RULE.
pub const AUDIT_DEL_RULE: u16 = 1012;
/// AUDIT_LIST_RULES.
pub const AUDIT_LIST_RULES: u16 = 1013;

/// An open audit netlink socket.
pub struct AuditSocket {
    fd: i32,
    seq: u32,
    buf: Vec<u8>,
}

/// One message received from the kernel.
struct Msg {
    ty: u16,
    seq: u32,
    payload: Vec<u8>,
}

impl AuditSocket {
    /// Opens and binds the socket. Fails when the kernel has no audit support.
    pub fn open() -> io::Result<Self> {
        // SAFETY: plain socket(2) call; the fd is owned by the returned value.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                NETLINK_AUDIT,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zeroed sockaddr_nl is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: addr is a valid sockaddr_nl of the given size.
        let rc = unsafe {
            libc::bind(
                fd,
                &addr as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if rc < 0 {
            let e = io::Error::last_os_error();
            // SAFETY: fd is ours.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        Ok(AuditSocket {
            fd,
            seq: 1,
            buf: vec![0u8; 1 << 18],
        })
    }

    fn send(&mut self, ty: u16, flags: u16, payload: &[u8]) -> io::Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let len = NLMSG_HDRLEN + payload.len();
        let mut msg = Vec::with_capacity((len + 3) & !3);
        msg.extend_from_slice(&(len as u32).to_ne_bytes());
        msg.extend_from_slice(&ty.to_ne_bytes());
        msg.extend_from_slice(&flags.to_ne_bytes());
        msg.extend_from_slice(&self.seq.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes());
        msg.extend_from_slice(payload);
        while msg.len() % 4 != 0 {
            msg.push(0);
        }
        // SAFETY: zeroed sockaddr_nl (pid 0 = kernel) is valid.
        let mut dst: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        dst.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: msg and dst are valid for the given lengths.
        let rc = unsafe {
            libc::sendto(
                self.fd,
                msg.as_ptr() as *const libc::c_void,
                msg.len(),
                0,
                &dst as *const libc::sockaddr_nl as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(self.seq)
    }

    /// Receives one datagram and splits it into messages; only messages from
    /// the kernel (port id 0) are returned.
    fn recv(&mut self) -> io::Result<Vec<Msg>> {
        loop {
            // SAFETY: zeroed sockaddr_nl is valid; buf is valid for its length.
            let mut from: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
            let mut fromlen = std::mem::size_of::<libc::sockaddr_nl>() as u32;
            let n = unsafe {
                libc::recvfrom(
                    self.fd,
                    self.buf.as_mut_ptr() as *mut libc::c_void,
                    self.buf.len(),
                    0,
                    &mut from as *mut libc::sockaddr_nl as *mut libc::sockaddr,
                    &mut fromlen,
                )
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if from.nl_pid != 0 {
                continue;
            }
            let data = &self.buf[..n as usize];
            let mut out = Vec::new();
            let mut off = 0;
            while off + NLMSG_HDRLEN <= data.len() {
                let len = u32::from_ne_bytes(data[off..off + 4].try_into().unwrap()) as usize;
                if len < NLMSG_HDRLEN || off + len > data.len() {
                    break;
                }
                let ty = u16::from_ne_bytes(data[off + 4..off + 6].try_into().unwrap());
                let seq = u32::from_ne_bytes(data[off + 8..off + 12].try_into().unwrap());
                out.push(Msg {
                    ty,
                    seq,
                    payload: data[off + NLMSG_HDRLEN..off + len].to_vec(),
                });
                off += (len + 3) & !3;
            }
            return Ok(out);
        }
    }

    /// Sends a request that is answered by an acknowledgement; returns the
    /// kernel's errno (0 = success, positive errno on failure).
    fn request_ack(&mut self, ty: u16, payload: &[u8]) -> io::Result<i32> {
        let seq = self.send(ty, NLM_F_REQUEST | NLM_F_ACK, payload)?;
        loop {
            for m in self.recv()? {
                if m.seq == seq && m.ty == NLMSG_ERROR && m.payload.len() >= 4 {
                    let err = i32::from_ne_bytes(m.payload[0..4].try_into().unwrap());
                    return Ok(-err);
                }
            }
        }
    }

    /// AUDIT_ADD_RULE with the given `audit_rule_data` bytes; returns the errno (0 = added).
    pub fn add_rule(&mut self, rule: &[u8]) -> io::Result<i32> {
        self.request_ack(AUDIT_ADD_RULE, rule)
    }

    /// AUDIT_DEL_RULE with the given `audit_rule_data` bytes; returns the errno (0 = deleted).
    pub fn del_rule(&mut self, rule: &[u8]) -> io::Result<i32> {
        self.request_ack(AUDIT_DEL_RULE, rule)
    }

    /// AUDIT_LIST_RULES: every rule in the kernel, in kernel order, as raw
    /// `audit_rule_data` bytes (trimmed to 1040 + buflen).
    pub fn list_rules(&mut self) -> io::Result<Vec<Vec<u8>>> {
        let seq = self.send(AUDIT_LIST_RULES, NLM_F_REQUEST, &[])?;
        let mut rules = Vec::new();
        loop {
            for m in self.recv()? {
                if m.seq != seq {
                    continue;
                }
                match m.ty {
                    NLMSG_DONE => return Ok(rules),
                    NLMSG_ERROR => {
                        let err = i32::from_ne_bytes(m.payload[0..4].try_into().unwrap());
                        if err != 0 {
                            return Err(io::Error::from_raw_os_error(-err));
                        }
                    }
                    AUDIT_LIST_RULES => rules.push(trim_rule(m.payload)),
                    _ => {}
                }
            }
        }
    }

    /// AUDIT_GET: returns `enabled`.
    pub fn enabled(&mut self) -> io::Result<u32> {
        let seq = self.send(AUDIT_GET, NLM_F_REQUEST, &[])?;
        loop {
            for m in self.recv()? {
                if m.seq != seq {
                    continue;
                }
                match m.ty {
                    AUDIT_GET if m.payload.len() >= 8 => {
                        return Ok(u32::from_ne_bytes(m.payload[4..8].try_into().unwrap()));
                    }
                    NLMSG_ERROR => {
                        let err = i32::from_ne_bytes(m.payload[0..4].try_into().unwrap());
                        if err != 0 {
                            return Err(io::Error::from_raw_os_error(-err));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

impl Drop for AuditSocket {
    fn drop(&mut self) {
        // SAFETY: fd is owned by self.
        unsafe { libc::close(self.fd) };
    }
}

/// Cuts a listed rule to its real size (the kernel's message may be padded).
fn trim_rule(mut p: Vec<u8>) -> Vec<u8> {
    if p.len() >= 1040 {
        let buflen = u32::from_ne_bytes(p[1036..1040].try_into().unwrap()) as usize;
        p.truncate((1040 + buflen).min(p.len()));
    }
    p
}
