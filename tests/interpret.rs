//! `-l -i`'s decoding of a0..a3 against the reference's own auparse, without
//! a kernel: the reference's `ausearch -i` decodes a SYSCALL record's a0..a3
//! with the same printers (`print_a0`..`print_a3`, chosen by the record's
//! arch and syscall) that `auditctl -l -i` uses for a rule's a0..a3 fields.
//! For every syscall of the x86_64 and i386 tables, every argument, and a
//! set of values, kaudit's `tables::interpret_arg` must print what ausearch
//! prints wherever `tables::interpretation_known` says kaudit reproduces the
//! printer (and the test counts the arguments where it does not).
//! The live differential test of the listing itself is
//! `tests/cli_auditctl.rs`'s `interpreted_arguments_match_the_reference`.

use kaudit::tables::{interpret_arg, interpretation_known, interprets, syscall_name, Machine};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cache() -> PathBuf {
    std::env::var_os("KAUDIT_REF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/reference"))
}

const VALUES: [u32; 10] = [
    0,
    1,
    2,
    9,
    0x41,
    0xffff_ff9c,
    0x80801,
    0x40008,
    99,
    0x8000_0000,
];

#[test]
fn a0_to_a3_decode_as_the_references_auparse() {
    let root = cache().join("root");
    let ausearch = root.join("usr/sbin/ausearch");
    if !ausearch.is_file() {
        if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
            panic!("no reference ausearch in {}", root.display());
        }
        let _ = writeln!(std::io::stderr(), "SKIP (interpret): no reference cache");
        return;
    }
    // (machine, audit arch, syscall, a0..a3) per record, in serial order.
    let mut cases = Vec::new();
    let mut log = String::new();
    for (machine, arch) in [(Machine::X86_64, "c000003e"), (Machine::X86, "40000003")] {
        for nr in 0..1024u32 {
            if syscall_name(machine, nr).is_none() {
                continue;
            }
            for v in VALUES {
                let serial = cases.len() + 1;
                log.push_str(&format!(
                    "type=SYSCALL msg=audit(1700000000.000:{serial}): arch={arch} syscall={nr} \
                     success=yes exit=0 a0={v:x} a1={v:x} a2={v:x} a3={v:x} items=0 ppid=1 pid=2 \
                     auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) \
                     ses=1 comm=\"x\" exe=\"/x\" key=(null)\n"
                ));
                cases.push((machine, nr, v));
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("kaudit-interpret-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
        .arg(&ausearch)
        .args(["-i", "--input"])
        .arg(&input)
        .env("TZ", "UTC")
        .output()
        .expect("run ausearch");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut decoded = std::collections::HashMap::new();
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
    assert_eq!(decoded.len(), cases.len(), "ausearch printed every record");
    let (mut same, mut decoding, mut not_reproduced) = (0, 0, std::collections::BTreeSet::new());
    let mut differing = Vec::new();
    for (i, (machine, nr, v)) in cases.iter().enumerate() {
        let name = syscall_name(*machine, *nr).unwrap();
        for arg in 0..4u8 {
            let theirs = &decoded[&(i + 1)][arg as usize];
            if !interpretation_known(name, arg) {
                not_reproduced.insert(format!("{name} a{arg}"));
                continue;
            }
            let ours = interpret_arg(Some(*machine), *nr, arg, *v);
            if &ours == theirs {
                same += 1;
                decoding += usize::from(interprets(name, arg));
            } else {
                differing.push(format!(
                    "{machine:?} {name} a{arg}={v:#x}: auparse {theirs}, kaudit {ours}"
                ));
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "interpret: {same} identical ({decoding} decoded by name), {} differing, {} syscall arguments whose auparse printer kaudit does not reproduce",
        differing.len(),
        not_reproduced.len()
    );
    assert!(
        differing.is_empty(),
        "{} differ, first 20:\n{}",
        differing.len(),
        differing[..differing.len().min(20)].join("\n")
    );
    assert!(decoding > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
