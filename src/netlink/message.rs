//! Netlink framing: the 16-byte `nlmsghdr`, packing several messages into
//! one datagram, and splitting a received datagram back into messages.
//!
//! Pure byte code with no system calls, so it is testable anywhere.
//! Invariants: every message starts on a 4-byte boundary; a header's `len`
//! is the exact, unpadded length (header plus payload), and the padding up to
//! the next boundary is zero. Parsing never reads past the datagram and
//! rejects a `len` that is shorter than the header or longer than what is
//! left.

use super::{read_u32, TransportError};

use crate::uapi::{NLMSG_ALIGNTO, NLMSG_HDRLEN};

/// Rounds `len` up to the netlink alignment of 4 bytes (`NLMSG_ALIGN`).
pub const fn align4(len: usize) -> usize {
    (len + NLMSG_ALIGNTO - 1) & !(NLMSG_ALIGNTO - 1)
}

/// A decoded `struct nlmsghdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Length of header plus payload, unpadded.
    pub len: u32,
    /// Message type.
    pub msg_type: u16,
    /// `NLM_F_*` flags.
    pub flags: u16,
    /// Sequence number.
    pub seq: u32,
    /// Sender port id (0 in requests to the kernel).
    pub pid: u32,
}

impl Header {
    /// Encodes the header.
    pub fn to_bytes(&self) -> [u8; NLMSG_HDRLEN] {
        let mut out = [0u8; NLMSG_HDRLEN];
        out[0..4].copy_from_slice(&self.len.to_ne_bytes());
        out[4..6].copy_from_slice(&self.msg_type.to_ne_bytes());
        out[6..8].copy_from_slice(&self.flags.to_ne_bytes());
        out[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        out[12..16].copy_from_slice(&self.pid.to_ne_bytes());
        out
    }

    /// Decodes a header from the first 16 bytes of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TransportError> {
        let truncated = || TransportError::Truncated {
            what: "nlmsghdr",
            needed: NLMSG_HDRLEN,
            got: bytes.len(),
        };
        let t = bytes.get(4..6).ok_or_else(truncated)?;
        let f = bytes.get(6..8).ok_or_else(truncated)?;
        Ok(Header {
            len: read_u32(bytes, 0).ok_or_else(truncated)?,
            msg_type: u16::from_ne_bytes([t[0], t[1]]),
            flags: u16::from_ne_bytes([f[0], f[1]]),
            seq: read_u32(bytes, 8).ok_or_else(truncated)?,
            pid: read_u32(bytes, 12).ok_or_else(truncated)?,
        })
    }
}

/// Appends one request message (header, payload, zero padding) to `buf`.
///
/// Fails only if the message length does not fit the u32 `len` field.
pub fn push_message(
    buf: &mut Vec<u8>,
    msg_type: u16,
    flags: u16,
    seq: u32,
    payload: &[u8],
) -> Result<(), TransportError> {
    let len = NLMSG_HDRLEN
        .checked_add(payload.len())
        .and_then(|l| u32::try_from(l).ok())
        .ok_or(TransportError::TooLarge { len: payload.len() })?;
    let header = Header {
        len,
        msg_type,
        flags,
        seq,
        pid: 0,
    };
    buf.extend_from_slice(&header.to_bytes());
    buf.extend_from_slice(payload);
    buf.resize(align4(buf.len()), 0);
    Ok(())
}

/// Splits a received datagram into `(header, payload)` pairs.
pub fn split_datagram(mut data: &[u8]) -> Result<Vec<(Header, &[u8])>, TransportError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let header = Header::from_bytes(data)?;
        let len = header.len as usize;
        if len < NLMSG_HDRLEN || len > data.len() {
            return Err(TransportError::Truncated {
                what: "netlink message",
                needed: len.max(NLMSG_HDRLEN),
                got: data.len(),
            });
        }
        out.push((header, &data[NLMSG_HDRLEN..len]));
        data = data.get(align4(len)..).unwrap_or(&[]);
    }
    Ok(out)
}

/// Decodes the payload of an `NLMSG_ERROR` message into an
/// [`Ack`](super::Ack): 0 and positive values are `Ok`, negative values are
/// `Err(errno)` with the errno made positive.
pub fn parse_error_payload(payload: &[u8]) -> Result<super::Ack, TransportError> {
    let raw = read_u32(payload, 0).ok_or(TransportError::Truncated {
        what: "nlmsgerr",
        needed: 4,
        got: payload.len(),
    })?;
    let value = raw as i32;
    if value < 0 {
        Ok(Err(value.checked_neg().unwrap_or(i32::MAX)))
    } else {
        Ok(Ok(value as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::{AUDIT_ADD_RULE, AUDIT_GET, NLM_F_ACK, NLM_F_REQUEST};

    #[test]
    fn pack_and_split() {
        let mut buf = Vec::new();
        push_message(
            &mut buf,
            AUDIT_ADD_RULE,
            NLM_F_REQUEST | NLM_F_ACK,
            7,
            &[1, 2, 3],
        )
        .unwrap();
        push_message(&mut buf, AUDIT_GET, NLM_F_REQUEST, 8, &[]).unwrap();
        assert_eq!(buf.len(), 20 + 16);
        assert_eq!(&buf[16..20], &[1, 2, 3, 0]);
        let msgs = split_datagram(&buf).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].0.len, 19);
        assert_eq!(msgs[0].0.seq, 7);
        assert_eq!(msgs[0].1, &[1, 2, 3]);
        assert_eq!(msgs[1].0.msg_type, AUDIT_GET);
        assert!(msgs[1].1.is_empty());
    }

    #[test]
    fn split_rejects_bad_lengths() {
        let mut buf = Vec::new();
        push_message(&mut buf, 1, 0, 1, &[0; 8]).unwrap();
        assert!(split_datagram(&buf[..20]).is_err());
        let mut bad = buf.clone();
        bad[0..4].copy_from_slice(&8u32.to_ne_bytes());
        assert!(split_datagram(&bad).is_err());
        assert!(split_datagram(&buf[..10]).is_err());
    }

    #[test]
    fn error_payloads() {
        assert_eq!(parse_error_payload(&0i32.to_ne_bytes()).unwrap(), Ok(0));
        assert_eq!(
            parse_error_payload(&(-17i32).to_ne_bytes()).unwrap(),
            Err(17)
        );
        assert_eq!(parse_error_payload(&5i32.to_ne_bytes()).unwrap(), Ok(5));
        assert!(parse_error_payload(&[0; 3]).is_err());
    }
}
