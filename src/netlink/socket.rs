//! The real kernel transport: a `NETLINK_AUDIT` socket.
//!
//! Job: turn a list of [`Request`]s into as few datagrams as possible, and
//! match every kernel reply to the request it answers.
//!
//! Invariants and choices:
//!
//! * **Sequence numbers.** Every request gets a fresh sequence number (a
//!   per-transport counter from 1, wrapping to 1 after `i32::MAX` like
//!   libaudit) and `NLM_F_REQUEST | NLM_F_ACK`. Replies are matched by
//!   sequence number only, never by arrival order.
//! * **Only the kernel is heard.** The socket is `connect`ed to port 0, so
//!   the kernel refuses unicasts from other user-space sockets to us; in
//!   addition, any datagram whose sender port id is not 0 is *ignored* (and
//!   counted in [`TransportStats::foreign_ignored`]) rather than failing the
//!   call, so a hostile local process cannot abort our exchange, only delay
//!   it until the timeout.
//! * **Batching.** Requests are packed in order into datagrams of at most
//!   [`NetlinkTransport::max_datagram`] bytes (a single larger request goes
//!   alone) and at most as many requests as the receive buffer can hold acks
//!   for ([`NetlinkTransport::ack_budget`]). After each datagram the transport reads until every request of it
//!   has its ack, then sends the next. The kernel handles a datagram
//!   synchronously inside our `sendmsg`: it runs every message in order and
//!   acks each one, also after one of them failed (observed on 6.18: a batch
//!   with an invalid rule in the middle got EINVAL for that one and 0 for
//!   the rules after it). A delete followed by the re-add of the same rule
//!   (a move, see `crate::plan`) is never split across two datagrams: the
//!   kernel runs both inside one `sendmsg`, so nothing can come between.
//! * **Cost.** On the 6.18 test kernel a datagram of 60 rule adds takes
//!   well under a millisecond, but every successful delete waits for an RCU
//!   grace period inside the kernel (`audit_del_rule` calls
//!   `synchronize_rcu`; seen with perf), about 12 ms each unless
//!   `rcu_expedited` is 1 (tens of microseconds; see `crate::expedite`).
//! * **Ack order is not reply order.** The kernel answers `AUDIT_GET`,
//!   `AUDIT_GET_FEATURE` and `AUDIT_LIST_RULES` from a kernel thread, so the
//!   ack usually arrives *before* the data (observed on 6.18 for
//!   `AUDIT_GET`). Queries therefore wait for both the ack and the reply (or
//!   `NLMSG_DONE`) with their sequence number.
//! * **Acks.** `NLMSG_ERROR` with error 0 is an ack, negative is `-errno`,
//!   positive is a value (the reset requests return the old counter).
//!   `NETLINK_CAP_ACK` is set when available so a NACK does not echo the
//!   whole 1 KiB+ rule back.
//! * **No hangs.** Every wait is a `poll` with a timeout (default 5 s of
//!   silence); a missing reply is [`TransportError::Timeout`].
//! * **Stale replies.** Messages whose sequence number belongs to an
//!   earlier, finished exchange (for example the late data reply to an
//!   `AUDIT_GET` sent through [`Transport::execute`]) are dropped and
//!   counted; a sequence number never issued is [`TransportError::BadSequence`].

use std::collections::HashMap;
use std::io;
use std::os::fd::AsFd;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{getsockopt, setsockopt, sockopt};
use std::time::{Duration, Instant};

use netlink_sys::{protocols::NETLINK_AUDIT, Socket, SocketAddr};

use super::message::{align4, parse_error_payload, push_message, split_datagram, Header};
use super::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError, TransportStats};
use crate::uapi::{
    AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_FEATURES_LEN, AUDIT_FILTER_PREPEND, AUDIT_GET,
    AUDIT_GET_FEATURE, AUDIT_LIST_RULES, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP,
    NLMSG_OVERRUN, NLM_F_ACK, NLM_F_REQUEST,
};

/// Default cap on the size of one datagram we send: about 950 rules, so that
/// a 10,000-rule load takes a dozen `sendmsg` calls. Adds cost the kernel
/// microseconds each; deletes are capped separately
/// ([`MAX_DELETES_PER_DATAGRAM`]).
pub const DEFAULT_MAX_DATAGRAM: usize = 1024 * 1024;
/// The kernel runs a whole datagram under its audit control lock, and a rule
/// delete costs about 12 ms on current kernels (an RCU grace period) when
/// grace periods are not expedited, so at most this many deletes go in one
/// datagram (plus the delete of a move that straddles the limit): under a
/// second of blocking other audit control traffic.
pub const MAX_DELETES_PER_DATAGRAM: usize = 64;
/// Receive buffer we ask for (the kernel doubles it for bookkeeping).
const WANTED_RCVBUF: libc::c_int = 4 * 1024 * 1024;
/// Conservative receive-buffer cost of one queued ack, skb overhead
/// included. Measured on 6.18 via `/proc/net/netlink` Rmem: 832 bytes per
/// ack, and per NACK too with `NETLINK_CAP_ACK`; without it a NACK of a
/// 1054-byte rule echoes the rule and costs 2304 bytes.
const ACK_COST: usize = 1024;

/// Receive-buffer bytes to reserve for the ack of a request with a
/// `payload_len`-byte payload.
fn ack_cost(cap_ack: bool, payload_len: usize) -> usize {
    if cap_ack {
        ACK_COST
    } else {
        ACK_COST.saturating_add(payload_len.saturating_mul(2))
    }
}
/// Size of our receive buffer; larger than any audit reply (a rule with 64
/// fields of 4096-byte strings is about 263 KiB).
const RECV_BUF: usize = 512 * 1024;
/// Default silence after which a missing reply is an error.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `del` and `add` are a move: the delete of a rule and its re-add
/// (appended or prepended). Such a pair always shares a datagram, so no
/// process, not even a SIGKILL of this one, can come between the two.
fn is_move(del: &Request, add: &Request) -> bool {
    let flags = |p: &[u8]| super::read_u32(p, 0).map(|f| f & !AUDIT_FILTER_PREPEND);
    del.msg_type == AUDIT_DEL_RULE
        && add.msg_type == AUDIT_ADD_RULE
        && del.payload.len() == add.payload.len()
        && del.payload.len() >= 4
        && flags(&del.payload) == flags(&add.payload)
        && del.payload[4..] == add.payload[4..]
}

/// What bounds one datagram.
struct Limits {
    max_datagram: usize,
    ack_budget: usize,
    cap_ack: bool,
}

/// Where the datagram that starts at `requests[start]` ends (exclusive):
/// within the size, ack and delete limits, except that a move pair is never
/// split and a single request always fits.
fn datagram_end(requests: &[Request], start: usize, limits: &Limits) -> usize {
    let (mut size, mut acks_size, mut deletes) = (0usize, 0usize, 0usize);
    let mut end = start;
    while end < requests.len() {
        let len = requests[end].payload.len();
        let msg = align4(NLMSG_HDRLEN.saturating_add(len));
        let ack = ack_cost(limits.cap_ack, len);
        let delete = usize::from(requests[end].msg_type == AUDIT_DEL_RULE);
        if end > start
            && !is_move(&requests[end - 1], &requests[end])
            && (size.saturating_add(msg) > limits.max_datagram
                || acks_size.saturating_add(ack) > limits.ack_budget
                || deletes + delete > MAX_DELETES_PER_DATAGRAM)
        {
            break;
        }
        size = size.saturating_add(msg);
        acks_size = acks_size.saturating_add(ack);
        deletes += delete;
        end += 1;
    }
    end
}

/// A `NETLINK_AUDIT` socket implementing [`Transport`].
#[derive(Debug)]
pub struct NetlinkTransport {
    socket: Socket,
    next_seq: u32,
    wrapped: bool,
    timeout: Duration,
    max_datagram: usize,
    cap_ack: bool,
    rcvbuf: usize,
    recv_buf: Vec<u8>,
    stats: TransportStats,
    port_id: u32,
}

/// Sets a socket buffer size, forced past the system's cap where the
/// process may (`CAP_NET_ADMIN`), otherwise capped.
fn set_buffer(socket: &Socket, receive: bool, bytes: usize) -> io::Result<()> {
    let forced = if receive {
        setsockopt(socket, sockopt::RcvBufForce, &bytes)
    } else {
        setsockopt(socket, sockopt::SndBufForce, &bytes)
    };
    forced
        .or_else(|_| {
            if receive {
                setsockopt(socket, sockopt::RcvBuf, &bytes)
            } else {
                setsockopt(socket, sockopt::SndBuf, &bytes)
            }
        })
        .map_err(io::Error::from)
}

/// Waits until `socket` is readable or `timeout` passes; `Ok(false)` on timeout.
fn poll_readable(socket: &Socket, timeout: Duration) -> io::Result<bool> {
    let mut fds = [PollFd::new(socket.as_fd(), PollFlags::POLLIN)];
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    let timeout = PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX);
    match poll(&mut fds, timeout) {
        Err(e) => Err(io::Error::from(e)),
        Ok(0) => Ok(false),
        Ok(_) => Ok(true),
    }
}

/// What a receive handler says after one message.
enum Flow {
    Continue,
    Finished,
}

impl NetlinkTransport {
    /// Opens a `NETLINK_AUDIT` socket (close-on-exec) connected to the
    /// kernel, with `NETLINK_CAP_ACK` and a large receive buffer when the
    /// kernel allows them.
    ///
    /// `EPROTONOSUPPORT`, `EINVAL` or `EAFNOSUPPORT` from `socket()` mean the
    /// kernel has no audit support: [`TransportError::Unsupported`].
    pub fn open() -> Result<Self, TransportError> {
        let mut socket = Socket::new(NETLINK_AUDIT).map_err(|e| match e.raw_os_error() {
            Some(libc::EPROTONOSUPPORT) | Some(libc::EINVAL) | Some(libc::EAFNOSUPPORT) => {
                TransportError::Unsupported(e)
            }
            _ => TransportError::from_io(e),
        })?;
        let port_id = socket
            .bind_auto()
            .map_err(TransportError::from_io)?
            .port_number();
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(TransportError::from_io)?;
        let cap_ack = socket.set_cap_ack(true).is_ok();
        // SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it the capped size.
        let _ = set_buffer(&socket, true, WANTED_RCVBUF as usize);
        let rcvbuf = socket.get_rx_buf_sz().map_err(TransportError::from_io)?;
        // The send buffer bounds a datagram (netlink refuses one larger than
        // it with EMSGSIZE); SO_SNDBUF silently caps at wmem_max without
        // CAP_NET_ADMIN, so read back what was granted.
        let _ = set_buffer(&socket, false, DEFAULT_MAX_DATAGRAM + 64 * 1024);
        let sndbuf = getsockopt(&socket, sockopt::SndBuf).unwrap_or(0);
        let max_datagram = DEFAULT_MAX_DATAGRAM
            .min(sndbuf.saturating_sub(4096))
            .max(16 * 1024);
        Ok(NetlinkTransport {
            socket,
            next_seq: 1,
            wrapped: false,
            timeout: DEFAULT_TIMEOUT,
            max_datagram,
            cap_ack,
            rcvbuf,
            recv_buf: Vec::with_capacity(RECV_BUF),
            stats: TransportStats::default(),
            port_id,
        })
    }

    /// The netlink port id the kernel assigned to this socket.
    pub fn port_id(&self) -> u32 {
        self.port_id
    }

    /// Traffic counters since the socket was opened.
    pub fn stats(&self) -> TransportStats {
        self.stats
    }

    /// Whether `NETLINK_CAP_ACK` is in effect (NACKs carry only the header
    /// of the refused request).
    pub fn cap_ack(&self) -> bool {
        self.cap_ack
    }

    /// The receive buffer size the kernel granted, in bytes.
    pub fn receive_buffer(&self) -> usize {
        self.rcvbuf
    }

    /// Receive-buffer bytes the acks of one datagram may take: half the
    /// granted buffer, the rest is left for anything else queued. The kernel
    /// queues all acks of a datagram before our `sendmsg` returns and drops
    /// acks that do not fit, so datagrams are cut to stay within this.
    pub fn ack_budget(&self) -> usize {
        self.rcvbuf / 2
    }

    /// Cap on the size of one datagram, in bytes.
    pub fn max_datagram(&self) -> usize {
        self.max_datagram
    }

    /// Changes the datagram size cap (at least one header). Raises the send
    /// buffer as needed; fails if the kernel refuses that.
    pub fn set_max_datagram(&mut self, bytes: usize) -> Result<(), TransportError> {
        let bytes = bytes.max(NLMSG_HDRLEN);
        if bytes > 200 * 1024 {
            if i32::try_from(bytes + 4096).is_err() {
                return Err(TransportError::TooLarge { len: bytes });
            }
            set_buffer(&self.socket, false, bytes + 4096).map_err(TransportError::from_io)?;
        }
        self.max_datagram = bytes;
        Ok(())
    }

    /// The silence after which a missing reply is an error.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Changes the reply timeout.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        if self.next_seq >= i32::MAX as u32 {
            self.next_seq = 1;
            self.wrapped = true;
        } else {
            self.next_seq += 1;
        }
        seq
    }

    fn send_datagram(&mut self, buf: &[u8], requests: usize) -> Result<(), TransportError> {
        loop {
            match self.socket.send(buf, 0) {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(TransportError::from_io(e)),
            }
        }
        self.stats.datagrams_sent += 1;
        self.stats.requests_sent += requests as u64;
        Ok(())
    }

    /// Drops whatever is already queued (late replies of earlier
    /// exchanges) so it does not take up receive-buffer space.
    fn drain(&mut self) -> Result<(), TransportError> {
        let mut buf = std::mem::take(&mut self.recv_buf);
        let result = loop {
            buf.clear();
            match self.socket.recv_from(&mut buf, libc::MSG_DONTWAIT) {
                Ok(_) => self.stats.stale_ignored += 1,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(TransportError::from_io(e)),
            }
        };
        self.recv_buf = buf;
        result
    }

    /// Receives datagrams and feeds every kernel message whose sequence
    /// number satisfies `ours` to `handle`, until it says [`Flow::Finished`].
    fn receive<O, H>(&mut self, ours: O, mut handle: H) -> Result<(), TransportError>
    where
        O: Fn(u32) -> bool,
        H: FnMut(Header, &[u8]) -> Result<Flow, TransportError>,
    {
        let mut buf = std::mem::take(&mut self.recv_buf);
        let result = self.receive_into(&mut buf, &ours, &mut handle);
        self.recv_buf = buf;
        result
    }

    fn receive_into<O, H>(
        &mut self,
        buf: &mut Vec<u8>,
        ours: &O,
        handle: &mut H,
    ) -> Result<(), TransportError>
    where
        O: Fn(u32) -> bool,
        H: FnMut(Header, &[u8]) -> Result<Flow, TransportError>,
    {
        let mut deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match poll_readable(&self.socket, left) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(TransportError::Timeout {
                        waited: self.timeout,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(TransportError::from_io(e)),
            }
            buf.clear();
            let (len, from) = match self
                .socket
                .recv_from(buf, libc::MSG_DONTWAIT | libc::MSG_TRUNC)
            {
                Ok(r) => r,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(TransportError::from_io(e)),
            };
            self.stats.datagrams_received += 1;
            if from.port_number() != 0 {
                self.stats.foreign_ignored += 1;
                continue;
            }
            if len > buf.len() {
                return Err(TransportError::Truncated {
                    what: "netlink datagram (receive buffer too small)",
                    needed: len,
                    got: buf.len(),
                });
            }
            let mut finished = false;
            for (header, payload) in split_datagram(buf)? {
                if header.msg_type == NLMSG_NOOP {
                    continue;
                }
                if header.msg_type == NLMSG_OVERRUN {
                    return Err(TransportError::Overrun);
                }
                if !ours(header.seq) {
                    if header.seq == 0 || (!self.wrapped && header.seq >= self.next_seq) {
                        return Err(TransportError::BadSequence { got: header.seq });
                    }
                    self.stats.stale_ignored += 1;
                    continue;
                }
                deadline = Instant::now() + self.timeout;
                if let Flow::Finished = handle(header, payload)? {
                    finished = true;
                }
            }
            if finished {
                return Ok(());
            }
        }
    }

    /// Sends one query and collects the payloads of replies of type
    /// `reply_type` with its sequence number. Done when the ack has arrived
    /// and either one reply (`multi == false`) or `NLMSG_DONE` (`multi`).
    fn query(
        &mut self,
        msg_type: u16,
        payload: &[u8],
        reply_type: u16,
        multi: bool,
    ) -> Result<Vec<Vec<u8>>, TransportError> {
        self.drain()?;
        let seq = self.take_seq();
        let mut buf = Vec::with_capacity(NLMSG_HDRLEN + payload.len() + 3);
        push_message(&mut buf, msg_type, NLM_F_REQUEST | NLM_F_ACK, seq, payload)?;
        self.send_datagram(&buf, 1)?;

        let mut acked = false;
        let mut complete = false;
        let mut replies = Vec::new();
        self.receive(
            |s| s == seq,
            |header, payload| {
                match header.msg_type {
                    NLMSG_ERROR => match parse_error_payload(payload)? {
                        Ok(_) => acked = true,
                        Err(errno) => return Err(TransportError::from_nack(msg_type, errno)),
                    },
                    NLMSG_DONE if multi => complete = true,
                    t if t == reply_type => {
                        replies.push(payload.to_vec());
                        if !multi {
                            complete = true;
                        }
                    }
                    other => {
                        return Err(TransportError::Protocol(format!(
                            "unexpected message type {other} in reply to type {msg_type}"
                        )))
                    }
                }
                Ok(if acked && complete {
                    Flow::Finished
                } else {
                    Flow::Continue
                })
            },
        )?;
        Ok(replies)
    }

    fn execute_datagram(
        &mut self,
        buf: &mut Vec<u8>,
        requests: &[Request],
        acks: &mut Vec<Ack>,
    ) -> Result<(), TransportError> {
        buf.clear();
        let mut index: HashMap<u32, usize> = HashMap::with_capacity(requests.len());
        for (i, req) in requests.iter().enumerate() {
            let seq = self.take_seq();
            push_message(
                buf,
                req.msg_type,
                NLM_F_REQUEST | NLM_F_ACK,
                seq,
                &req.payload,
            )?;
            index.insert(seq, i);
        }
        self.send_datagram(buf, requests.len())?;

        let mut got: Vec<Option<Ack>> = vec![None; requests.len()];
        let mut missing = requests.len();
        self.receive(
            |s| index.contains_key(&s),
            |header, payload| {
                if header.msg_type == NLMSG_ERROR {
                    if let Some(&i) = index.get(&header.seq) {
                        let ack = parse_error_payload(payload)?;
                        if got[i].replace(ack).is_none() {
                            missing -= 1;
                        }
                    }
                }
                // Data replies (for a GET sent through execute) are dropped.
                Ok(if missing == 0 {
                    Flow::Finished
                } else {
                    Flow::Continue
                })
            },
        )?;
        for ack in got {
            // The loop above only finishes once every slot is filled.
            acks.push(ack.ok_or_else(|| TransportError::Protocol("missing ack".into()))?);
        }
        Ok(())
    }
}

impl Transport for NetlinkTransport {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        self.drain()?;
        let mut acks = Vec::with_capacity(requests.len());
        let mut buf = Vec::with_capacity(self.max_datagram.min(1 << 20));
        let limits = Limits {
            max_datagram: self.max_datagram,
            ack_budget: self.ack_budget(),
            cap_ack: self.cap_ack,
        };
        let mut start = 0;
        while start < requests.len() {
            let end = datagram_end(requests, start, &limits);
            self.execute_datagram(&mut buf, &requests[start..end], &mut acks)?;
            start = end;
        }
        Ok(acks)
    }

    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        self.query(AUDIT_LIST_RULES, &[], AUDIT_LIST_RULES, true)
    }

    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        let replies = self.query(AUDIT_GET, &[], AUDIT_GET, false)?;
        let reply = replies
            .first()
            .ok_or_else(|| TransportError::Protocol("no AUDIT_GET reply".into()))?;
        AuditStatus::from_bytes(reply)
    }

    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        let query = AuditFeatures::default().to_bytes();
        let replies = self.query(AUDIT_GET_FEATURE, &query, AUDIT_GET_FEATURE, false)?;
        let reply = replies
            .first()
            .ok_or_else(|| TransportError::Protocol("no AUDIT_GET_FEATURE reply".into()))?;
        AuditFeatures::from_bytes(reply.get(..AUDIT_FEATURES_LEN).unwrap_or(reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::{AUDIT_FILTER_EXIT, AUDIT_RULE_DATA_LEN};

    /// Opening an audit socket needs no privilege; skip only where the
    /// kernel has no audit support at all.
    fn open() -> Option<NetlinkTransport> {
        match NetlinkTransport::open() {
            Ok(t) => Some(t),
            Err(e) => {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "SKIP (kernel): {e}");
                None
            }
        }
    }

    #[test]
    fn missing_reply_is_a_timeout() {
        let Some(mut t) = open() else { return };
        t.set_timeout(Duration::from_millis(50));
        let started = Instant::now();
        let r = t.receive(|_| true, |_, _| Ok(Flow::Continue));
        assert!(matches!(r, Err(TransportError::Timeout { .. })), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn sequence_numbers_wrap_to_one() {
        let Some(mut t) = open() else { return };
        assert_eq!(t.take_seq(), 1);
        t.next_seq = i32::MAX as u32;
        assert_eq!(t.take_seq(), i32::MAX as u32);
        assert_eq!(t.take_seq(), 1);
        assert!(t.wrapped);
    }

    #[test]
    fn a_move_pair_is_never_split_across_datagrams() {
        let rule = |id: u8| {
            let mut b = vec![0u8; AUDIT_RULE_DATA_LEN];
            b[..4].copy_from_slice(&AUDIT_FILTER_EXIT.to_ne_bytes());
            b[12] = id;
            b
        };
        let prepended = |id: u8| {
            let mut b = rule(id);
            b[..4].copy_from_slice(&(AUDIT_FILTER_EXIT | AUDIT_FILTER_PREPEND).to_ne_bytes());
            b
        };
        // Room for exactly two rule messages per datagram.
        let one = align4(NLMSG_HDRLEN + AUDIT_RULE_DATA_LEN);
        let limits = Limits {
            max_datagram: 2 * one,
            ack_budget: usize::MAX,
            cap_ack: true,
        };
        let requests = vec![
            Request::add_rule(rule(1)),
            Request::del_rule(rule(2)),
            Request::add_rule(prepended(2)),
            Request::del_rule(rule(3)),
            Request::add_rule(rule(4)),
        ];
        assert!(is_move(&requests[1], &requests[2]));
        assert!(!is_move(&requests[3], &requests[4]));
        // Without the pair rule the first datagram would end after the
        // delete of rule 2; it carries the re-add too.
        assert_eq!(datagram_end(&requests, 0, &limits), 3);
        assert_eq!(datagram_end(&requests, 3, &limits), 5);
        // The delete limit gives way to a pair as well.
        let mut many: Vec<Request> = (0..MAX_DELETES_PER_DATAGRAM as u8 - 1)
            .map(|i| Request::del_rule(rule(100 + i)))
            .collect();
        many.push(Request::del_rule(rule(9)));
        many.push(Request::add_rule(rule(9)));
        many.push(Request::del_rule(rule(10)));
        let wide = Limits {
            max_datagram: usize::MAX,
            ..limits
        };
        assert_eq!(datagram_end(&many, 0, &wide), MAX_DELETES_PER_DATAGRAM + 1);
    }

    #[test]
    fn empty_batch_sends_nothing() {
        let Some(mut t) = open() else { return };
        assert_eq!(t.execute(&[]).unwrap(), Vec::<Ack>::new());
        assert_eq!(t.stats().datagrams_sent, 0);
    }
}
