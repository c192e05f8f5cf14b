//! What the kernel accepts: the checks `kernel/auditfilter.c` applies to an
//! `AUDIT_ADD_RULE` or `AUDIT_DEL_RULE` (mainline, 6.x), made before sending
//! so that a rule the kernel would refuse with a bare EINVAL is reported with
//! its line, column and reason, and nothing is sent.
//!
//! auditctl leaves these to the kernel; every check here was confirmed by the
//! differential conformance test, where the reference's rule is refused by
//! this machine's kernel. Checks the kernel skips (the value range checks that
//! run before the value is read, see `kernel-abi.md` §4) are not made, so that
//! every rule the kernel accepts is still accepted.

use crate::model::{FilterList, Operator, Rule, Value};
use crate::uapi::{
    field, AUDIT_FEATURE_BITMAP_CONTAINERID, AUDIT_MAX_FIELDS, AUDIT_MAX_KEY_LEN, AUDIT_UID_UNSET,
};

/// A rule the kernel would refuse, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The field at fault, if it is one field.
    pub field: Option<usize>,
    /// One sentence.
    pub message: String,
}

fn refuse(field: usize, message: String) -> Refusal {
    Refusal {
        field: Some(field),
        message,
    }
}

/// Which operators the kernel takes for a field.
enum Ops {
    All,
    NoBits,
    Equality,
    /// The kernel does not know the field.
    Unknown,
}

fn ops(number: u32) -> Ops {
    match number {
        field::ARG0..=field::ARG3 | field::PERS | field::DEVMINOR => Ops::All,
        field::UID..=field::LOGINUID
        | field::OBJ_UID
        | field::OBJ_GID
        | field::PID
        | field::MSGTYPE
        | field::PPID
        | field::DEVMAJOR
        | field::EXIT
        | field::SUCCESS
        | field::INODE
        | field::SESSIONID
        | field::SUBJ_SEN
        | field::SUBJ_CLR
        | field::OBJ_LEV_LOW
        | field::OBJ_LEV_HIGH
        | field::SADDR_FAM => Ops::NoBits,
        field::SUBJ_USER
        | field::SUBJ_ROLE
        | field::SUBJ_TYPE
        | field::OBJ_USER
        | field::OBJ_ROLE
        | field::OBJ_TYPE
        | field::WATCH
        | field::DIR
        | field::FILTERKEY
        | field::LOGINUID_SET
        | field::ARCH
        | field::FSTYPE
        | field::PERM
        | field::FILETYPE
        | field::FIELD_COMPARE
        | field::EXE
        // The ghak90 container ID; whether the kernel has it at all is a
        // feature-bit question, answered when sending.
        | field::CONTID => Ops::Equality,
        _ => Ops::Unknown,
    }
}

fn name(number: u32) -> String {
    match number {
        field::WATCH => "path".to_string(),
        field::CONTID => "contid".to_string(),
        n => crate::tables::field_name(n).map_or_else(|| format!("field {n}"), str::to_string),
    }
}

/// Checks a rule as the kernel will. `Ok` means the kernel's own checks pass
/// (it may still refuse for reasons of state: a missing directory, a
/// duplicate, a locked configuration).
pub fn check(rule: &Rule) -> Result<(), Refusal> {
    if rule.fields.len() > AUDIT_MAX_FIELDS {
        return Err(Refusal {
            field: None,
            message: format!("a rule holds at most {AUDIT_MAX_FIELDS} fields"),
        });
    }
    let list = rule.list;
    let uring_or_exit = matches!(list, FilterList::Exit | FilterList::IoUring);
    let mut watch_seen = false;
    let mut exe_seen = false;
    let mut key_seen = false;
    for (i, f) in rule.fields.iter().enumerate() {
        let n = name(f.number);
        let op = f.op.symbol().unwrap_or("?");
        if list == FilterList::Filesystem && !matches!(f.number, field::FSTYPE | field::FILTERKEY) {
            return Err(refuse(
                i,
                format!("the filesystem list takes only fstype and key fields, not {n}"),
            ));
        }
        if list == FilterList::IoUring && f.number == field::PERM {
            return Err(refuse(
                i,
                "the io_uring list takes no perm field".to_string(),
            ));
        }
        match ops(f.number) {
            Ops::All => {}
            Ops::NoBits if matches!(f.op, Operator::BitMask | Operator::BitTest) => {
                return Err(refuse(
                    i,
                    format!("the kernel takes no bit test ({op}) on {n}; bit tests work on a0-a3, pers and devminor"),
                ))
            }
            Ops::Equality if !f.op.is_equality() => {
                return Err(refuse(i, format!("the kernel takes only = and != for {n}, not {op}")))
            }
            Ops::Unknown => return Err(refuse(i, format!("the kernel does not know field number {}", f.number))),
            _ => {}
        }
        let bytes = match &f.value {
            Value::Bytes(b) => Some(b.as_slice()),
            Value::Num(_) => None,
        };
        match f.number {
            field::UID | field::EUID | field::SUID | field::FSUID | field::OBJ_UID if f.num_value() == AUDIT_UID_UNSET => {
                return Err(refuse(
                    i,
                    format!("{n} -1 (unset) is not a valid user id; only auid can be compared with unset"),
                ))
            }
            field::GID | field::EGID | field::SGID | field::FSGID | field::OBJ_GID if f.num_value() == AUDIT_UID_UNSET => {
                return Err(refuse(i, format!("{n} 4294967295 is not a valid group id")))
            }
            field::WATCH | field::DIR | field::INODE => {
                if !uring_or_exit {
                    return Err(refuse(i, format!("{n} is taken only on the exit and io_uring lists")));
                }
                if f.number != field::INODE && f.op != Operator::Equal {
                    return Err(refuse(i, format!("the kernel takes only = for {n}, not {op}")));
                }
                if watch_seen {
                    return Err(refuse(i, "a rule can have only one of path, dir and inode".to_string()));
                }
                watch_seen = true;
                if let Some(b) = bytes {
                    if b.first() != Some(&b'/') {
                        return Err(refuse(i, format!("{n} must be an absolute path")));
                    }
                    if f.number == field::WATCH && b.ends_with(b"/") {
                        return Err(refuse(i, "path must not end with /; use dir= for a directory".to_string()));
                    }
                }
            }
            field::EXE => {
                if exe_seen {
                    return Err(refuse(i, "a rule can have only one exe field".to_string()));
                }
                exe_seen = true;
                if let Some(b) = bytes {
                    if b.first() != Some(&b'/') || b.ends_with(b"/") {
                        return Err(refuse(i, "exe must be an absolute path to a file".to_string()));
                    }
                }
            }
            field::FILTERKEY => {
                if key_seen {
                    return Err(refuse(i, "a rule can have only one key field".to_string()));
                }
                key_seen = true;
                if bytes.is_some_and(|b| b.len() > AUDIT_MAX_KEY_LEN) {
                    return Err(refuse(i, format!("keys are at most {AUDIT_MAX_KEY_LEN} bytes")));
                }
            }
            _ => {}
        }
        if let Some(b) = bytes {
            if b.is_empty() && f.number != field::CONTID {
                return Err(refuse(i, format!("{n} cannot be empty")));
            }
        }
    }
    Ok(())
}

/// What a rule needs that the kernel's feature bitmap (`AUDIT_GET`) says it
/// lacks, as a sentence; `None` when the kernel has it all. Today that is the
/// audit container ID filter (`contid`, ghak90), which no mainline kernel
/// has: such rules compile, list and validate anywhere, and are refused here
/// before anything is sent.
pub fn missing_support(rule: &Rule, feature_bitmap: u32) -> Option<String> {
    let contid = rule.fields.iter().any(|f| f.number == field::CONTID);
    (contid && feature_bitmap & AUDIT_FEATURE_BITMAP_CONTAINERID == 0).then(|| {
        "this kernel has no audit container ID filter (feature bit 0x80 of the ghak90 patches, \
         which mainline kernels lack); -F contid rules cannot be loaded here"
            .to_string()
    })
}
