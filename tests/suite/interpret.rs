//! `-l -i`'s decoding of a0..a3 against the reference's own auparse, without
//! a kernel: the reference's `ausearch -i` decodes a SYSCALL record's a0..a3
//! with the same printers (`print_a0`..`print_a3`, chosen by the record's
//! arch and syscall, and given the record's a0 and a1 as context) that
//! `auditctl -l -i` uses for a rule's a0..a3 fields.
//!
//! The generated set: for every machine the reference knows and every syscall
//! of its table that kaudit or the reference decodes, a set of values in all
//! four arguments (0, typical flags and modes, ids, unknown bits, large and
//! negative values); for the syscalls whose printers read a0 or a1 (prctl,
//! fcntl, open, mq_open, [gs]etsockopt) and for every decoded x86_64 syscall,
//! each value under a set of a0 and a1 values; and for every other syscall one
//! record whose arguments must stay hex. kaudit's `tables::interpret_arg`
//! must print what ausearch prints for every argument of every record, and
//! the syscall arguments ausearch decodes must be exactly those
//! `tables::interprets` names. User, group and protocol names come from this
//! machine on both sides (ausearch runs here too).
//!
//! The live differential of the listing itself is `tests/suite/cli_auditctl.rs`'s
//! `interpreted_arguments_match_the_reference`.

use crate::scratch;
use kaudit::host::Host;
use kaudit::tables::{
    interpret_arg, interprets, machine_audit_arch, machine_name, syscall_table, CallContext,
    HostNames, Machine,
};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cache() -> PathBuf {
    std::env::var_os("KAUDIT_REF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/reference"))
}

/// Values every decoded argument is tried with.
const VALUES: [u32; 36] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    9,
    0x0f,
    0x10,
    0x11,
    0x13,
    0x17,
    0x20,
    0x29,
    0x3f,
    0x41,
    0x64,
    99,
    0x107,
    0x1ed,
    0x3e8,
    0x5401,
    0x8000,
    0x81a4,
    0x41ed,
    0xa1ff,
    0xe00,
    0x3000,
    0x20003,
    0x40008,
    0x80801,
    0x4000_0002,
    0x8000_0000,
    0xffff_ff9c,
    0xffff_ffff,
];

/// The values tried under every a0/a1 context for the x86_64 syscalls whose
/// printers read no context: each printer's special values (AT_FDCWD, 1 for
/// the CLOEXEC flags, an ioctl request, ...) and a few more.
const SHORT_VALUES: [u32; 12] = [
    0,
    1,
    2,
    9,
    0x41,
    0x1ed,
    0x3e8,
    0x5401,
    0x40008,
    0x8000_0000,
    0xffff_ff9c,
    0xffff_ffff,
];

/// a0 values (for a1's printer) and a1 values (for a2's printer) that select
/// what auparse prints: prctl options, fcntl commands, O_CREAT, socket levels.
const CONTEXTS: [u32; 14] = [
    0, 1, 2, 3, 4, 6, 8, 0x11, 0x17, 0x18, 0x29, 0x40, 0x41, 0x107,
];

/// Syscalls whose printers read the a0 or a1 before them.
const CONTEXT_SYSCALLS: [&str; 7] = [
    "prctl",
    "fcntl",
    "fcntl64",
    "open",
    "mq_open",
    "setsockopt",
    "getsockopt",
];

struct Case {
    machine: Machine,
    nr: u32,
    name: &'static str,
    args: [u32; 4],
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for machine in Machine::REFERENCE {
        for &(nr, name) in syscall_table(machine) {
            let mut add = |args| {
                cases.push(Case {
                    machine,
                    nr,
                    name,
                    args,
                })
            };
            if !(0..4).any(|a| interprets(name, a)) {
                // Must stay hex in the reference too (it decodes nothing here).
                add([0x1a, 0xffff_ff9c, 0x41, 9]);
                add([0, 1, 0x8000_0000, 0xffff_ffff]);
                continue;
            }
            for v in VALUES {
                add([v; 4]);
            }
            // Every a0/a1 context for the printers that read one; on x86_64,
            // a few values under every context for all other syscalls too,
            // to show that their printers read none.
            let context_values: &[u32] = if CONTEXT_SYSCALLS.contains(&name) {
                &VALUES
            } else if machine == Machine::X86_64 {
                &SHORT_VALUES
            } else {
                &[]
            };
            for c in CONTEXTS {
                for &v in context_values {
                    add([c, v, v, v]);
                    add([v, c, v, v]);
                }
            }
        }
    }
    cases
}

/// The machine's names, asked once each (the set asks the same ids and
/// protocols many thousand times).
struct Memo<'h> {
    host: &'h Host,
    users: RefCell<HashMap<u32, Option<String>>>,
    groups: RefCell<HashMap<u32, Option<String>>>,
    protocols: RefCell<HashMap<i32, Option<String>>>,
}

impl HostNames for Memo<'_> {
    fn user_name(&self, uid: u32) -> Option<String> {
        let mut m = self.users.borrow_mut();
        m.entry(uid)
            .or_insert_with(|| self.host.user_name(uid))
            .clone()
    }
    fn group_name(&self, gid: u32) -> Option<String> {
        let mut m = self.groups.borrow_mut();
        m.entry(gid)
            .or_insert_with(|| self.host.group_name(gid))
            .clone()
    }
    fn protocol_name(&self, number: i32) -> Option<String> {
        let mut m = self.protocols.borrow_mut();
        m.entry(number)
            .or_insert_with(|| self.host.protocol_name(number))
            .clone()
    }
}

/// Runs the reference's ausearch -i over the records and returns each
/// record's printed a0..a3, by serial (1-based).
fn ausearch(root: &Path, cases: &[Case], dir: &Path) -> HashMap<usize, Vec<String>> {
    let mut log = String::new();
    for (i, c) in cases.iter().enumerate() {
        let arch = machine_audit_arch(c.machine).expect("arch code");
        let [a0, a1, a2, a3] = c.args;
        log.push_str(&format!(
            "type=SYSCALL msg=audit({}.000:{}): arch={arch:x} syscall={} \
             success=yes exit=0 a0={a0:x} a1={a1:x} a2={a2:x} a3={a3:x} items=0 ppid=1 pid=2 \
             auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) \
             ses=1 comm=\"x\" exe=\"/x\" key=(null)\n",
            // One event per record, seconds apart: auparse completes an
            // event when a later one starts; a shared timestamp keeps them
            // all open (quadratic time).
            1_700_000_000 + 3 * i,
            i + 1,
            c.nr
        ));
    }
    let input = dir.join("audit.log");
    std::fs::write(&input, log).unwrap();
    let libs = format!(
        "{}:{}",
        root.join("usr/lib/x86_64-linux-gnu").display(),
        root.join("lib/x86_64-linux-gnu").display()
    );
    let out = Command::new(root.join("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
        .arg("--library-path")
        .arg(&libs)
        .arg(root.join("usr/sbin/ausearch"))
        .args(["-i", "--input"])
        .arg(&input)
        .env("TZ", "UTC")
        .output()
        .expect("run ausearch");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut decoded = HashMap::new();
    for line in text.lines().filter(|l| l.starts_with("type=SYSCALL")) {
        let serial: usize = line
            .split_once(".000:")
            .and_then(|(_, r)| r.split(')').next())
            .and_then(|s| s.parse().ok())
            .expect("serial");
        let args: Vec<String> = (0..4)
            .map(|i| {
                let tag = format!(" a{i}=");
                let start = line.find(&tag).expect("a field") + tag.len();
                line[start..].split(' ').next().unwrap().to_string()
            })
            .collect();
        decoded.insert(serial, args);
    }
    decoded
}

#[test]
fn a0_to_a3_decode_as_the_references_auparse() {
    let root = cache().join("root");
    if !root.join("usr/sbin/ausearch").is_file() {
        if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
            panic!("no reference ausearch in {}", root.display());
        }
        let _ = writeln!(std::io::stderr(), "SKIP (interpret): no reference cache");
        return;
    }
    let cases = cases();
    let dir = scratch::dir("interpret");
    let decoded = ausearch(&root, &cases, &dir);
    drop(dir);
    assert_eq!(decoded.len(), cases.len(), "ausearch printed every record");

    // The machine's own user, group and protocol names, as ausearch sees them.
    let system = Host::detect();
    let host = Memo {
        host: &system,
        users: RefCell::default(),
        groups: RefCell::default(),
        protocols: RefCell::default(),
    };
    let (mut same, mut by_name) = (0usize, 0usize);
    let mut differing = Vec::new();
    // (machine, syscall, argument) the reference printed other than as hex.
    let mut reference_decodes = BTreeSet::new();
    let mut kaudit_decodes = BTreeSet::new();
    for (i, c) in cases.iter().enumerate() {
        let call = CallContext {
            machine: Some(c.machine),
            syscall: c.nr,
            a0: u64::from(c.args[0]),
            a1: u64::from(c.args[1]),
        };
        for arg in 0..4u8 {
            let v = c.args[arg as usize];
            let theirs = &decoded[&(i + 1)][arg as usize];
            let what = (machine_name(c.machine), c.name, arg);
            if *theirs != format!("0x{v:x}") {
                reference_decodes.insert(what);
            }
            if interprets(c.name, arg) {
                kaudit_decodes.insert(what);
            }
            let ours = interpret_arg(&call, arg, v, &host);
            if ours == *theirs {
                same += 1;
                by_name += usize::from(ours != format!("0x{v:x}"));
            } else {
                differing.push(format!(
                    "{} {} a{arg}={v:#x} (a0={:#x} a1={:#x}): auparse {theirs}, kaudit {ours}",
                    what.0, c.name, c.args[0], c.args[1]
                ));
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "interpret: {} records, {} argument values: {same} identical ({by_name} decoded by \
         name), {} different; the reference decodes {} (machine, syscall, argument) triples, \
         kaudit {}",
        cases.len(),
        cases.len() * 4,
        differing.len(),
        reference_decodes.len(),
        kaudit_decodes.len()
    );
    assert!(
        differing.is_empty(),
        "{} differ, first 30:\n{}",
        differing.len(),
        differing[..differing.len().min(30)].join("\n")
    );
    let only_ref: Vec<_> = reference_decodes.difference(&kaudit_decodes).collect();
    let only_ours: Vec<_> = kaudit_decodes.difference(&reference_decodes).collect();
    assert!(
        only_ref.is_empty() && only_ours.is_empty(),
        "decoded only by the reference: {only_ref:?}; only by kaudit: {only_ours:?}"
    );
    assert!(by_name > 0);
}
