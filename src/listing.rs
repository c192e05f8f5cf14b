//! Rules to text: the exact `auditctl -l` output (reference 4.2.1).
//!
//! The format, and its quirks, are kept byte for byte, because STIG and CIS
//! scanners compare this text:
//! - a rule is printed as a watch (`-w PATH -p PERMS -k KEY`) when all its
//!   fields are path, dir, perm or key, it has a perm field, and its mask is
//!   all syscalls (or its list takes no syscalls); the action and list are
//!   then not printed, so a `never` watch prints like an `always` one;
//! - arch fields come first, as `b32`/`b64`, then the syscalls, then the other
//!   fields in stored order, and the key last per `\x01`-separated part;
//! - keys and paths are printed as the bytes they are, UTF-8 or not, as
//!   auditctl prints them, so the listing is bytes ([`list_bytes`]);
//! - syscalls are named from the table of the arch of the *previous* rule
//!   printed when a rule has no arch field of its own (auditctl keeps that
//!   state across rules of one listing); this "sticky arch" is reproduced.
//!
//! [`listing`] reads the rules through a [`Transport`] (the kernel, or the
//! in-memory one in tests) and filters them by key as `-l -k` does.

use crate::host::Host;
use crate::model::{perm, FilterList, Operator, Rule, Value};
use crate::netlink::{Transport, TransportError};
use crate::tables::{self, Machine};
use crate::uapi::{
    field, AUDIT_ARCH_64BIT, AUDIT_BITMASK_SIZE, AUDIT_KEY_SEPARATOR, AUDIT_UID_UNSET,
};
use std::io::Write;

/// `auditctl -l` for a rule table, as text: [`list_bytes`] with any byte
/// that is not UTF-8 shown as U+FFFD. For messages and tests; what a user
/// lists goes through [`list_bytes`].
pub fn list_text(rules: &[Rule], host: &Host) -> String {
    String::from_utf8_lossy(&list_bytes(rules, host)).into_owned()
}

/// `auditctl -l` for a rule table: one line per rule, or `No rules`.
pub fn list_bytes(rules: &[Rule], host: &Host) -> Vec<u8> {
    list_bytes_with(rules, host, false)
}

/// The kernel's rules as `-l` prints them, filtered by key as auditctl
/// filters: a substring of the raw key; nothing at all (not `No rules`) when
/// rules exist but none match.
pub fn listing(
    transport: &mut dyn Transport,
    host: &Host,
    key: Option<&[u8]>,
    interpret: bool,
) -> Result<Vec<u8>, TransportError> {
    listing_noting(transport, host, key, interpret, &mut Vec::new())
}

/// The kernel's rules with their bytes, each read with
/// [`crate::codec::decode_lossy`]: a rule kaudit cannot fully decode is kept
/// (the fields it can read, the rest as numbers) with a warning in `notes`,
/// so every command lists it and can delete it by its bytes.
pub fn kernel_rules(
    transport: &mut dyn Transport,
    notes: &mut Vec<String>,
) -> Result<Vec<(Vec<u8>, Rule)>, TransportError> {
    Ok(transport
        .list_rules()?
        .into_iter()
        .map(|b| {
            let (rule, problem) = crate::codec::decode_lossy(&b);
            if let Some(p) = problem {
                notes.push(crate::codec::undecodable_warning(&p));
            }
            (b, rule)
        })
        .collect())
}

/// [`listing`], with a warning in `notes` for each rule kaudit cannot fully
/// decode (listed with what could be read, never dropped).
pub fn listing_noting(
    transport: &mut dyn Transport,
    host: &Host,
    key: Option<&[u8]>,
    interpret: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<u8>, TransportError> {
    let rules: Vec<Rule> = kernel_rules(transport, notes)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    Ok(match key {
        Some(k) if !rules.is_empty() => {
            let shown: Vec<Rule> = rules
                .into_iter()
                .filter(|r| r.key_bytes().is_some_and(|rk| contains(rk, k)))
                .collect();
            if shown.is_empty() {
                Vec::new()
            } else {
                list_bytes_with(&shown, host, interpret)
            }
        }
        _ => list_bytes_with(&rules, host, interpret),
    })
}

/// Whether `needle` occurs in `haystack` (auditctl's key match for `-k`
/// with `-l` and `-D`: a substring of the raw key bytes, separators
/// included; an empty needle matches).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// One rule's `-l` line, without its newline.
pub fn rule_line(rule: &Rule, host: &Host) -> Vec<u8> {
    let mut out = Vec::new();
    Printer::new(host, false).rule(rule, &mut out);
    out.pop();
    out
}

/// `auditctl -l`, or with `interpret`, `auditctl -l -i`: machine names for
/// arch fields, `unset` for an unset auid or sessionid, and a0..a3 values of
/// single-syscall rules decoded as auparse decodes them
/// ([`tables::interpret_arg`]).
pub fn list_bytes_with(rules: &[Rule], host: &Host, interpret: bool) -> Vec<u8> {
    if rules.is_empty() {
        return b"No rules\n".to_vec();
    }
    let mut out = Vec::new();
    let mut printer = Printer::new(host, interpret);
    for rule in rules {
        printer.rule(rule, &mut out);
    }
    out
}

/// How a listing names a syscall or io_uring op number.
type NameOf = dyn Fn(u32) -> Option<&'static str>;

/// One `-l` listing in progress: it carries the arch of the last rule printed
/// to the next ones, as auditctl does (the sticky arch).
pub struct Printer<'h> {
    host: &'h Host,
    /// The arch that names syscalls: set by each arch field printed and kept
    /// for the following rules of the same listing.
    elf: Option<u32>,
    interpret: bool,
}

impl<'h> Printer<'h> {
    /// A printer for one listing.
    pub fn new(host: &'h Host, interpret: bool) -> Printer<'h> {
        Printer {
            host,
            elf: None,
            interpret,
        }
    }

    /// Appends one rule's line (with its newline) to `out`.
    pub fn rule(&mut self, r: &Rule, out: &mut Vec<u8>) {
        let watch = is_watch(r);
        if !watch {
            let _ = write!(
                out,
                "-a {},{}",
                tables::action_name(r.action.number()).unwrap_or("(null)"),
                tables::list_name(r.list.number()).unwrap_or("(null)")
            );
            for f in r.fields.iter().filter(|f| f.number == field::ARCH) {
                self.arch(f.num_value(), f.op, out);
            }
            self.syscalls(r, out);
        }
        let (mut a0, mut a1) = (0, 0);
        for f in &r.fields {
            if f.number == field::ARCH {
                continue;
            }
            let op = f.op.symbol().unwrap_or("(null)");
            if let (field::CONTID, Value::Bytes(b)) = (f.number, &f.value) {
                match <[u8; 8]>::try_from(b.as_slice()).map(u64::from_ne_bytes) {
                    Ok(u64::MAX) => {
                        out.extend_from_slice(format!(" -F contid{op}unset").as_bytes())
                    }
                    Ok(id) => out.extend_from_slice(format!(" -F contid{op}{id}").as_bytes()),
                    Err(_) => out.extend_from_slice(format!(" -F contid{op}inval").as_bytes()),
                }
                continue;
            }
            let Some(name) = tables::field_name(f.number) else {
                let _ = write!(out, " f{}{}{}", f.number, op, value_i32(&f.value));
                continue;
            };
            match (&f.value, f.number) {
                (_, field::MSGTYPE) => {
                    let v = f.num_value();
                    // Extended listings also name the ghak90 types that
                    // no mainline number claims (CONTAINER_OP 1020).
                    let ghak90 = || {
                        tables::GHAK90_MSGTYPES
                            .iter()
                            .find(|(_, n)| *n == v && tables::msgtype_by_number(v).is_none())
                            .map(|(name, _)| *name)
                    };
                    let known = tables::msgtype_by_number(v)
                        .filter(|t| t.in_reference || self.host.extended)
                        .map(|t| t.name)
                        .or_else(|| ghak90().filter(|_| self.host.extended));
                    match known {
                        Some(t) => {
                            let _ = write!(out, " -F {name}{op}{t}");
                        }
                        None => {
                            let _ = write!(out, " -F {name}{op}{}", v as i32);
                        }
                    }
                }
                (Value::Bytes(b), field::WATCH | field::DIR) => {
                    if watch {
                        out.extend_from_slice(b"-w ");
                    } else {
                        let kind = if f.number == field::WATCH {
                            "path"
                        } else {
                            "dir"
                        };
                        let _ = write!(out, " -F {kind}{op}");
                    }
                    out.extend_from_slice(b);
                }
                (Value::Bytes(b), field::FILTERKEY) => {
                    for part in b
                        .split(|c| *c == AUDIT_KEY_SEPARATOR)
                        .filter(|p| !p.is_empty())
                    {
                        out.extend_from_slice(if watch { b" -k " } else { b" -F key=" });
                        out.extend_from_slice(part);
                    }
                }
                (Value::Bytes(b), _) => {
                    let _ = write!(out, " -F {name}{op}");
                    out.extend_from_slice(b);
                }
                (Value::Num(v), field::PERM) => {
                    let letters = perm::letters(*v & perm::ALL);
                    if watch {
                        let _ = write!(out, " -p {letters}");
                    } else {
                        let _ = write!(out, " -F perm={letters}");
                    }
                }
                (Value::Num(v), field::INODE) => {
                    let _ = write!(out, " -F {name}{op}{v}");
                }
                (Value::Num(v), field::FIELD_COMPARE) => {
                    if let Some((a, b)) = tables::compare_fields(*v) {
                        let _ = write!(
                            out,
                            " -C {}{op}{}",
                            tables::field_name(a).unwrap_or("?"),
                            tables::field_name(b).unwrap_or("?")
                        );
                    }
                }
                (Value::Num(v), field::ARG0..=field::ARG3) => {
                    // Some printers look at the a0/a1 printed before.
                    match f.number {
                        field::ARG0 => a0 = u64::from(*v),
                        field::ARG1 => a1 = u64::from(*v),
                        _ => {}
                    }
                    // auditctl interprets a0..a3 only with -i and at most one
                    // syscall (none counts as syscall 0), through auparse.
                    let (count, last) = syscall_count(r);
                    if self.interpret && count <= 1 {
                        let arg = (f.number - field::ARG0) as u8;
                        let call = tables::CallContext {
                            machine: arch_machine(r),
                            syscall: last,
                            a0,
                            a1,
                        };
                        let shown = tables::interpret_arg(&call, arg, *v, self.host);
                        let _ = write!(out, " -F {name}{op}{shown}");
                    } else {
                        let _ = write!(out, " -F {name}{op}0x{v:X}");
                    }
                }
                (Value::Num(v), field::EXIT) => {
                    let e = (*v as i32).unsigned_abs() as i32;
                    match tables::errno_name(e).filter(|_| (*v as i32) < 0) {
                        Some(n) => {
                            let _ = write!(out, " -F {name}{op}-{n}");
                        }
                        None => {
                            let _ = write!(out, " -F {name}{op}{}", *v as i32);
                        }
                    }
                }
                (Value::Num(v), field::FSTYPE) => match tables::fstype_name(*v) {
                    Some(n) => {
                        let _ = write!(out, " -F {name}{op}{n}");
                    }
                    None => {
                        let _ = write!(out, " -F {name}{op}{}", *v as i32);
                    }
                },
                (Value::Num(v), field::LOGINUID | field::SESSIONID)
                    if self.interpret && *v == AUDIT_UID_UNSET =>
                {
                    let _ = write!(out, " -F {name}{op}unset");
                }
                (Value::Num(v), _) => {
                    let _ = write!(out, " -F {name}{op}{}", *v as i32);
                }
            }
        }
        out.push(b'\n');
    }

    fn arch(&mut self, value: u32, op: Operator, out: &mut Vec<u8>) {
        self.elf = Some(value);
        let op = op.symbol().unwrap_or("(null)");
        match tables::machine_by_audit_arch(value) {
            None => {
                let _ = write!(out, " -F arch{op}0x{value:X}");
            }
            Some(m) if self.interpret => {
                let _ = write!(out, " -F arch{op}{}", tables::machine_name(m));
            }
            Some(_) => {
                let bits = if value & AUDIT_ARCH_64BIT != 0 {
                    "b64"
                } else {
                    "b32"
                };
                let _ = write!(out, " -F arch{op}{bits}");
            }
        }
    }

    /// ` -S ...` for rules on lists that take syscalls.
    fn syscalls(&mut self, r: &Rule, out: &mut Vec<u8>) {
        if !r.list.takes_syscalls() {
            return;
        }
        let uring = r.list == FilterList::IoUring;
        let words = if uring {
            tables::IO_URING_OP_LAST_REFERENCE as usize
        } else {
            AUDIT_BITMASK_SIZE - 1
        };
        let all_audited = uring
            && self.host.extended
            && r.mask.iter().eq(tables::URING_OPS_AUDITED.iter().copied());
        if r.mask.words()[..words].iter().all(|w| *w == u32::MAX) || all_audited {
            out.extend_from_slice(b" -S all");
            return;
        }
        // Which names, and up to which number: the reference names io_uring
        // ops below its op limit only; extended listings name every op.
        let (name_of, limit): (Box<NameOf>, u32) = if uring && self.host.extended {
            (
                Box::new(tables::uring_op_name_kernel),
                (AUDIT_BITMASK_SIZE * 32) as u32,
            )
        } else if uring {
            (
                Box::new(|n| tables::syscall_name(Machine::IoUring, n)),
                tables::IO_URING_OP_LAST_REFERENCE,
            )
        } else {
            let m = match self.elf {
                Some(elf) => tables::machine_by_audit_arch(elf),
                None => Some(self.host.machine),
            };
            (
                Box::new(move |n| m.and_then(|m| tables::syscall_name(m, n))),
                (AUDIT_BITMASK_SIZE * 32) as u32,
            )
        };
        for (i, n) in r.mask.iter().take_while(|n| *n < limit).enumerate() {
            out.extend_from_slice(if i == 0 { b" -S " } else { b"," });
            match name_of(n) {
                Some(name) => out.extend_from_slice(name.as_bytes()),
                None => {
                    let _ = write!(out, "{n}");
                }
            }
        }
    }
}

/// How many syscalls auditctl's `print_syscall` counts for a rule, and the
/// last one: `-S all` counts more than one; lists without syscalls count 0
/// (and the syscall is then 0); io_uring rules count ops below the
/// reference's op limit only.
fn syscall_count(r: &Rule) -> (usize, u32) {
    if !r.list.takes_syscalls() {
        return (0, 0);
    }
    let uring = r.list == FilterList::IoUring;
    let words = if uring {
        tables::IO_URING_OP_LAST_REFERENCE as usize
    } else {
        AUDIT_BITMASK_SIZE - 1
    };
    if r.mask.words()[..words].iter().all(|w| *w == u32::MAX) {
        return (words, 0);
    }
    let limit = if uring {
        tables::IO_URING_OP_LAST_REFERENCE
    } else {
        (AUDIT_BITMASK_SIZE * 32) as u32
    };
    r.mask
        .iter()
        .take_while(|n| *n < limit)
        .fold((0, 0), |(count, _), n| (count + 1, n))
}

/// The machine of a rule's (last) arch field, as auditctl's `print_arch`
/// returns it to the a0..a3 interpretation; `None` without one.
fn arch_machine(r: &Rule) -> Option<Machine> {
    r.fields
        .iter()
        .rfind(|f| f.number == field::ARCH)
        .and_then(|f| tables::machine_by_audit_arch(f.num_value()))
}

fn value_i32(v: &Value) -> i32 {
    match v {
        Value::Num(n) => *n as i32,
        Value::Bytes(b) => b.len() as i32,
    }
}

/// auditctl's watch detection (see the module docs).
pub fn is_watch(r: &Rule) -> bool {
    let mut has_perm = false;
    for f in &r.fields {
        match f.number {
            field::PERM => has_perm = true,
            field::FILTERKEY | field::DIR | field::WATCH => {}
            _ => return false,
        }
    }
    let all = !r.list.takes_syscalls()
        || r.mask.words()[..AUDIT_BITMASK_SIZE - 1]
            .iter()
            .all(|w| *w == u32::MAX);
    has_perm && all
}
