//! The wire codec: [`Rule`] to and from `struct audit_rule_data` bytes.
//!
//! Layout (every member a `u32` in native byte order, as the kernel reads it):
//!
//! | offset | member |
//! |---|---|
//! | 0 | `flags`: list number, OR `AUDIT_FILTER_PREPEND` (0x10) to prepend |
//! | 4 | `action` |
//! | 8 | `field_count` |
//! | 12 | `mask[64]` |
//! | 268 | `fields[64]` |
//! | 524 | `values[64]`: number, or byte length for buffer fields |
//! | 780 | `fieldflags[64]`: operator |
//! | 1036 | `buflen` |
//! | 1040 | `buf[buflen]`: buffer field bytes, in field order, no NULs |
//!
//! Invariant: `encode(&decode(b)?) == b` for every well-formed payload whose
//! unused entries are zero (which is how the kernel and auditctl build them).

use crate::model::{Action, Field, FilterList, Operator, Rule, SyscallMask, Value};
use crate::uapi::{
    field, AUDIT_BITMASK_SIZE, AUDIT_FILTER_PREPEND, AUDIT_MAX_FIELDS, AUDIT_RULE_DATA_LEN,
};
use std::fmt;

// Member offsets, in the order of the struct (each member a u32 or an array
// of them); the table in the module docs spells them out.
const OFF_FLAGS: usize = 0;
const OFF_ACTION: usize = OFF_FLAGS + 4;
const OFF_FIELD_COUNT: usize = OFF_ACTION + 4;
const OFF_MASK: usize = OFF_FIELD_COUNT + 4;
const OFF_FIELDS: usize = OFF_MASK + 4 * AUDIT_BITMASK_SIZE;
const OFF_VALUES: usize = OFF_FIELDS + 4 * AUDIT_MAX_FIELDS;
const OFF_FIELDFLAGS: usize = OFF_VALUES + 4 * AUDIT_MAX_FIELDS;
const OFF_BUFLEN: usize = OFF_FIELDFLAGS + 4 * AUDIT_MAX_FIELDS;
const _: () = assert!(OFF_BUFLEN + 4 == AUDIT_RULE_DATA_LEN && OFF_BUFLEN == 1036);

/// Why bytes could not be read as a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than the 1040-byte header.
    TooShort(usize),
    /// `field_count` above 64.
    TooManyFields(u32),
    /// `buflen` promises more bytes than the message has.
    BufferTruncated {
        /// `buflen` from the header.
        buflen: u32,
        /// Bytes present after the header.
        present: usize,
    },
    /// A buffer field's length runs past `buflen`.
    FieldOverrun {
        /// Index of the field.
        index: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooShort(n) => {
                write!(
                    f,
                    "rule message is {n} bytes, shorter than the {AUDIT_RULE_DATA_LEN}-byte header"
                )
            }
            DecodeError::TooManyFields(n) => {
                write!(f, "rule claims {n} fields, more than {AUDIT_MAX_FIELDS}")
            }
            DecodeError::BufferTruncated { buflen, present } => {
                write!(
                    f,
                    "rule buffer claims {buflen} bytes but {present} are present"
                )
            }
            DecodeError::FieldOverrun { index } => {
                write!(
                    f,
                    "field {index}'s string runs past the end of the rule buffer"
                )
            }
        }
    }
}

impl std::error::Error for DecodeError {}

fn put(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

fn get(buf: &[u8], off: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&buf[off..off + 4]);
    u32::from_ne_bytes(w)
}

/// The payload of an `AUDIT_ADD_RULE` or `AUDIT_DEL_RULE` request for `rule`.
///
/// The caller is responsible for the rule being sendable (at most 64 fields;
/// the rule builder enforces auditctl's limit of 63). Extra fields beyond 64
/// are not written.
pub fn encode(rule: &Rule) -> Vec<u8> {
    let buflen: usize = rule
        .fields
        .iter()
        .map(|f| match &f.value {
            Value::Bytes(b) => b.len(),
            Value::Num(_) => 0,
        })
        .sum::<usize>()
        + rule.trailing.len();
    let mut out = vec![0u8; AUDIT_RULE_DATA_LEN + buflen];
    let flags = rule.list.number()
        | if rule.prepend {
            AUDIT_FILTER_PREPEND
        } else {
            0
        };
    put(&mut out, OFF_FLAGS, flags);
    put(&mut out, OFF_ACTION, rule.action.number());
    let count = rule.fields.len().min(AUDIT_MAX_FIELDS);
    put(&mut out, OFF_FIELD_COUNT, count as u32);
    for (i, w) in rule.mask.words().iter().enumerate() {
        put(&mut out, OFF_MASK + 4 * i, *w);
    }
    let mut pos = AUDIT_RULE_DATA_LEN;
    for (i, f) in rule.fields.iter().take(count).enumerate() {
        put(&mut out, OFF_FIELDS + 4 * i, f.number);
        put(&mut out, OFF_FIELDFLAGS + 4 * i, f.op.code());
        let value = match &f.value {
            Value::Num(n) => *n,
            Value::Bytes(b) => {
                out[pos..pos + b.len()].copy_from_slice(b);
                pos += b.len();
                b.len() as u32
            }
        };
        put(&mut out, OFF_VALUES + 4 * i, value);
    }
    out[pos..pos + rule.trailing.len()].copy_from_slice(&rule.trailing);
    put(&mut out, OFF_BUFLEN, buflen as u32);
    out
}

/// Sets or clears the prepend flag (`-A`) in rule bytes and changes nothing
/// else, so that a stored rule, even one that does not decode whole, is
/// re-added at the head of its list exactly as it was. Bytes too short to
/// hold the flags are left as they are.
pub fn set_prepend(bytes: &mut [u8], prepend: bool) {
    if bytes.len() >= OFF_FLAGS + 4 {
        let flags = get(bytes, OFF_FLAGS) & !AUDIT_FILTER_PREPEND;
        put(
            bytes,
            OFF_FLAGS,
            flags | if prepend { AUDIT_FILTER_PREPEND } else { 0 },
        );
    }
}

/// Reads a rule from an `AUDIT_LIST_RULES` payload (or any
/// `audit_rule_data`). Unknown lists, actions, operators and fields are kept
/// as numbers; only a malformed layout is an error.
pub fn decode(bytes: &[u8]) -> Result<Rule, DecodeError> {
    match read(bytes, false) {
        (rule, None) => Ok(rule),
        (_, Some(e)) => Err(e),
    }
}

/// Reads as much of a rule as its layout allows, for showing a kernel rule
/// that [`decode`] refuses (one behaviour everywhere: such a rule is listed,
/// deleted by its bytes, and managed by sync like any other): a short header
/// reads as zeros, a field count above 64 is cut to 64, a buffer shorter
/// than `buflen` is read as far as it goes, and a buffer field whose string
/// runs past the buffer (and every buffer field after it) is shown as the
/// number the kernel sent, its length. Returns the rule and, when the layout
/// was malformed, why.
pub fn decode_lossy(bytes: &[u8]) -> (Rule, Option<DecodeError>) {
    read(bytes, true)
}

fn read(bytes: &[u8], lossy: bool) -> (Rule, Option<DecodeError>) {
    let mut problem = None;
    let padded;
    let bytes = if bytes.len() < AUDIT_RULE_DATA_LEN {
        problem = Some(DecodeError::TooShort(bytes.len()));
        if !lossy {
            return (Rule::new(FilterList::Exit, Action::Always), problem);
        }
        let mut v = bytes.to_vec();
        v.resize(AUDIT_RULE_DATA_LEN, 0);
        padded = v;
        &padded[..]
    } else {
        bytes
    };
    let flags = get(bytes, OFF_FLAGS);
    let mut count = get(bytes, OFF_FIELD_COUNT);
    if count as usize > AUDIT_MAX_FIELDS {
        problem.get_or_insert(DecodeError::TooManyFields(count));
        count = AUDIT_MAX_FIELDS as u32;
    }
    let buflen = get(bytes, OFF_BUFLEN);
    let buf = &bytes[AUDIT_RULE_DATA_LEN..];
    if buflen as usize > buf.len() {
        problem.get_or_insert(DecodeError::BufferTruncated {
            buflen,
            present: buf.len(),
        });
    }
    if problem.is_some() && !lossy {
        return (Rule::new(FilterList::Exit, Action::Always), problem);
    }
    let buf = &buf[..(buflen as usize).min(buf.len())];
    let mut mask = [0u32; AUDIT_BITMASK_SIZE];
    for (i, w) in mask.iter_mut().enumerate() {
        *w = get(bytes, OFF_MASK + 4 * i);
    }
    let mut fields = Vec::with_capacity(count as usize);
    let mut pos = 0usize;
    for i in 0..count as usize {
        let number = get(bytes, OFF_FIELDS + 4 * i);
        let op = Operator::from_code(get(bytes, OFF_FIELDFLAGS + 4 * i));
        let raw = get(bytes, OFF_VALUES + 4 * i);
        let overrun = matches!(problem, Some(DecodeError::FieldOverrun { .. }));
        let value = if field::is_buffer(number) && !overrun {
            match pos
                .checked_add(raw as usize)
                .filter(|end| *end <= buf.len())
            {
                Some(end) => {
                    let v = Value::Bytes(buf[pos..end].to_vec());
                    pos = end;
                    v
                }
                None => {
                    problem.get_or_insert(DecodeError::FieldOverrun { index: i });
                    if !lossy {
                        return (Rule::new(FilterList::Exit, Action::Always), problem);
                    }
                    Value::Num(raw)
                }
            }
        } else {
            Value::Num(raw)
        };
        fields.push(Field { number, op, value });
    }
    let rule = Rule {
        list: FilterList::from_number(flags & !AUDIT_FILTER_PREPEND),
        prepend: flags & AUDIT_FILTER_PREPEND != 0,
        action: Action::from_number(get(bytes, OFF_ACTION)),
        mask: SyscallMask::from_words(mask),
        fields,
        trailing: buf[pos..].to_vec(),
    };
    (rule, problem)
}

/// The warning shown when a kernel rule is listed from [`decode_lossy`].
pub fn undecodable_warning(problem: &DecodeError) -> String {
    format!(
        "warning: the kernel holds a rule kaudit cannot fully decode ({problem}); \
         it is listed with the fields that could be read, the rest as numbers"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes laid out by hand from the table in the module docs for
    /// `-a always,exit -F arch=b64 -S openat -k ab` on x86_64.
    #[test]
    fn encodes_the_documented_layout() {
        let mut rule = Rule::new(FilterList::Exit, Action::Always);
        rule.mask.set(257);
        rule.fields
            .push(Field::num(field::ARCH, Operator::Equal, 0xC000_003E));
        rule.fields.push(Field::bytes(
            field::FILTERKEY,
            Operator::Equal,
            b"ab".to_vec(),
        ));
        let b = encode(&rule);
        assert_eq!(b.len(), 1042);
        assert_eq!(&b[0..4], &4u32.to_ne_bytes());
        assert_eq!(&b[4..8], &2u32.to_ne_bytes());
        assert_eq!(&b[8..12], &2u32.to_ne_bytes());
        // syscall 257 = word 8, bit 1
        assert_eq!(&b[12 + 32..12 + 36], &2u32.to_ne_bytes());
        assert_eq!(&b[268..272], &11u32.to_ne_bytes());
        assert_eq!(&b[272..276], &210u32.to_ne_bytes());
        assert_eq!(&b[524..528], &0xC000_003Eu32.to_ne_bytes());
        assert_eq!(&b[528..532], &2u32.to_ne_bytes());
        assert_eq!(&b[780..784], &0x4000_0000u32.to_ne_bytes());
        assert_eq!(&b[1036..1040], &2u32.to_ne_bytes());
        assert_eq!(&b[1040..], b"ab");
        assert_eq!(decode(&b).unwrap(), rule);
    }

    #[test]
    fn unknown_numbers_survive() {
        let mut rule = Rule::new(FilterList::Other(9), Action::Other(7));
        rule.prepend = true;
        rule.fields
            .push(Field::num(150, Operator::Other(0x1234), 99));
        rule.trailing = b"xyz".to_vec();
        let b = encode(&rule);
        assert_eq!(decode(&b).unwrap(), rule);
        assert_eq!(encode(&decode(&b).unwrap()), b);
    }

    #[test]
    fn malformed_layouts_are_errors() {
        assert_eq!(decode(&[0; 100]), Err(DecodeError::TooShort(100)));
        let mut b = vec![0u8; AUDIT_RULE_DATA_LEN];
        put(&mut b, OFF_FIELD_COUNT, 65);
        assert_eq!(decode(&b), Err(DecodeError::TooManyFields(65)));
        let mut b = vec![0u8; AUDIT_RULE_DATA_LEN];
        put(&mut b, OFF_BUFLEN, 4);
        assert!(matches!(
            decode(&b),
            Err(DecodeError::BufferTruncated { .. })
        ));
        let mut b = vec![0u8; AUDIT_RULE_DATA_LEN + 2];
        put(&mut b, OFF_FIELD_COUNT, 1);
        put(&mut b, OFF_FIELDS, field::WATCH);
        put(&mut b, OFF_VALUES, 3);
        put(&mut b, OFF_BUFLEN, 2);
        assert_eq!(decode(&b), Err(DecodeError::FieldOverrun { index: 0 }));
        // The lossy reading keeps what it can: the watch's length as a number.
        let (r, problem) = decode_lossy(&b);
        assert_eq!(problem, Some(DecodeError::FieldOverrun { index: 0 }));
        assert_eq!(r.fields[0].value, Value::Num(3));
        let (r, problem) = decode_lossy(&[4, 0, 0, 0, 2]);
        assert_eq!(problem, Some(DecodeError::TooShort(5)));
        assert_eq!(r.list, FilterList::Exit);
        let mut b = vec![0u8; AUDIT_RULE_DATA_LEN];
        put(&mut b, OFF_FIELD_COUNT, 65);
        assert_eq!(decode_lossy(&b).0.fields.len(), 64);
    }
}
