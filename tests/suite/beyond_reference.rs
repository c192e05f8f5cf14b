//! Issue 6: what kaudit speaks beyond the reference auditctl.
//!
//! - `-F contid=` (the ghak90 audit container ID filter): byte layout from the
//!   ABI description, listing, the feature-bit refusal on this kernel, and a
//!   load and listing through a fake kernel that has the feature;
//! - record types by name (IPE_*, LANDLOCK_*, MAC_*_CONTEXTS,
//!   INTEGRITY_USERSPACE) and io_uring ops beyond the reference (recv_zc 58,
//!   pipe 62), accepted by this kernel and listed by name;
//! - `kaudit list --watches`.

use crate::scratch::{self, Scratch};
use kaudit::apply;
use kaudit::codec::{decode, encode};
use kaudit::compile::{compile_line, Compiled};
use kaudit::host::Host;
use kaudit::listing::{self, list_text};
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::Transport;
use kaudit::rulefile::compile_text;
use kaudit::tables::Machine;
use std::process::Command;

fn host() -> Host {
    Host::fixed(Machine::X86_64, &[], &[], &["/tmp"]).extended()
}

fn rule(line: &str) -> kaudit::model::Rule {
    match compile_line(line, &host()) {
        Ok(Compiled::Rule { rule, .. }) => rule,
        other => panic!("{line}: {other:?}"),
    }
}

fn word(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes(b[i..i + 4].try_into().unwrap())
}

/// The layout computed by hand from kernel-abi.md §2e: field 27, values[i] =
/// 8, operator in fieldflags, the u64 in native byte order in the string
/// buffer at the field's place (before the key's bytes).
#[test]
fn contid_byte_layout() {
    let r = rule("-a always,exit -F arch=b64 -S openat -F contid=0x0102030405060708 -k ck");
    let b = encode(&r);
    assert_eq!(word(&b, 8), 3, "field_count");
    assert_eq!(word(&b, 268 + 4), 27, "fields[1]");
    assert_eq!(word(&b, 524 + 4), 8, "values[1] is the byte length");
    assert_eq!(word(&b, 780 + 4), 0x4000_0000, "=");
    assert_eq!(word(&b, 1036), 10, "buflen: 8 + 2");
    assert_eq!(&b[1040..1048], &0x0102_0304_0506_0708u64.to_ne_bytes());
    assert_eq!(&b[1048..], b"ck");
    assert_eq!(decode(&b).unwrap(), r);
    let listed = list_text(&[r], &host());
    assert_eq!(
        listed,
        "-a always,exit -F arch=b64 -S openat -F contid=72623859790382856 -F key=ck\n"
    );
    // unset and -1 are u64 max; != is the only other operator.
    for (text, shown) in [
        ("contid=unset", "contid=unset"),
        ("contid=-1", "contid=unset"),
        ("contid!=017", "contid!=15"),
    ] {
        let r = rule(&format!("-a always,exclude -F {text}"));
        assert!(list_text(&[r], &host()).contains(shown), "{text}");
    }
    for bad in [
        "-a always,exit -F contid>5",
        "-a always,filesystem -F contid=5",
        "-a always,exit -F contid=abc",
    ] {
        assert!(compile_line(bad, &host()).is_err(), "{bad}");
    }
}

#[test]
fn contid_loads_where_the_kernel_has_the_feature() {
    let mut k = FakeKernel::new();
    k.status_mut().feature_bitmap = 0x7f | 0x80;
    let (entries, diags) = compile_text(
        "c.rules",
        "-a always,exit -F arch=b64 -S all -F contid=42 -k ck\n",
        &host(),
    );
    assert!(diags.is_empty());
    let out = apply::apply(&entries, &mut k, &host()).unwrap();
    assert_eq!((out.added, out.failures.len()), (1, 0));
    let listed =
        String::from_utf8(listing::listing(&mut k, &host(), None, false).unwrap()).unwrap();
    assert_eq!(
        listed,
        "-a always,exit -F arch=b64 -S all -F contid=42 -F key=ck\n"
    );

    // Without the bit (every mainline kernel): refused, nothing sent.
    let mut k = FakeKernel::new();
    let out = apply::apply(&entries, &mut k, &host()).unwrap();
    assert_eq!(out.added, 0);
    assert!(
        out.failures[0].message.contains("container ID"),
        "{}",
        out.failures[0].message
    );
    assert!(k.list_rules().unwrap().is_empty());
}

/// The live kernel for one test: the machine lock held and an empty
/// scratch directory for `tag`, or `None` after a loud skip.
fn live(tag: &str) -> Option<(kaudit::lock::MachineLock, Scratch)> {
    if !root_kernel() {
        return None;
    }
    let lock = kaudit::lock::MachineLock::acquire().unwrap();
    Some((lock, scratch::dir(tag)))
}

fn root_kernel() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let ok = root && kaudit::netlink::socket::NetlinkTransport::open().is_ok();
    if !ok {
        if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
            panic!("beyond_reference: KAUDIT_REQUIRE_KERNEL=1 but no root or no audit");
        }
        eprintln!("SKIP (beyond_reference): no root or no kernel audit");
    }
    ok
}

/// Runs the kaudit binary with the machine lock held by the test (the child
/// gets a private lock path so it does not wait for us).
fn kaudit(args: &[&str]) -> (i32, String, String) {
    let lock = std::env::temp_dir().join(format!("kaudit-beyond-lock-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .args(args)
        .env("KAUDIT_LOCK_PATH", &lock)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The message types newer than the reference's tables, loaded as exclude
/// rules (key `kbeyond-TYPE`) by the test below.
const NEWEST_MSGTYPES: [&str; 8] = [
    "IPE_ACCESS",
    "IPE_CONFIG_CHANGE",
    "IPE_POLICY_LOAD",
    "LANDLOCK_ACCESS",
    "LANDLOCK_DOMAIN",
    "MAC_TASK_CONTEXTS",
    "MAC_OBJ_CONTEXTS",
    "INTEGRITY_USERSPACE",
];

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn newest_names_live() {
    let Some((_lock, dir)) = live("beyond") else {
        return;
    };
    std::fs::create_dir_all(dir.join("w/sub")).unwrap();
    std::fs::write(dir.join("w/f"), "").unwrap();
    let before = kaudit(&["list"]).1;
    let p = dir.display();
    // Exclude and user rules carry a key only with an exe field.
    let mut text = String::new();
    for t in NEWEST_MSGTYPES {
        text.push_str(&format!(
            "-a always,exclude -F msgtype={t} -F exe=/usr/bin/kbeyond-{t} -k kbeyond-{t}\n"
        ));
    }
    text.push_str("-a always,io_uring -S recv_zc,pipe -k kbeyond-uring\n");
    text.push_str(&format!(
        "-w {p}/w -p wa -k kbeyond-w1\n-w {p}/w/f -p r -k kbeyond-w2 -k kbeyond-w3\n"
    ));
    text.push_str(&format!("-w {p}/w/sub/deep -p x -k kbeyond-w4\n-a never,exit -F path={p}/w/g -F perm=w -k kbeyond-w5\n"));
    let file = dir.join("b.rules");
    std::fs::write(&file, &text).unwrap();
    let (code, _, err) = kaudit(&["load", file.to_str().unwrap()]);
    let listed = kaudit(&["list", "-k", "kbeyond-"]).1;
    let watches = kaudit(&["list", "--watches", &format!("{p}/w")]).1;
    let json = kaudit(&["list", "--watches", &format!("{p}/w"), "--json"]).1;
    // Clean up first, then assert.
    for k in NEWEST_MSGTYPES
        .iter()
        .chain(&["uring", "w1", "w2", "w4", "w5"])
    {
        kaudit(&["delete", "--key", &format!("kbeyond-{k}")]);
    }
    let after = kaudit(&["list"]).1;
    assert_eq!(before, after, "the table must end as it started");
    assert_eq!(code, 0, "{err}");
    for t in [
        "IPE_ACCESS",
        "LANDLOCK_DOMAIN",
        "MAC_OBJ_CONTEXTS",
        "INTEGRITY_USERSPACE",
    ] {
        assert!(
            listed.contains(&format!("-F msgtype={t} ")),
            "{t} not listed by name:\n{listed}"
        );
    }
    assert!(
        listed.contains("-a always,io_uring -S recv_zc,pipe -F key=kbeyond-uring"),
        "{listed}"
    );
    let lines: Vec<&str> = watches.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "DIR itself and its direct entries, not sub/deep:\n{watches}"
    );
    assert!(
        lines[0].starts_with(&format!("{p}/w\tdir\twa\talways,exit\tkbeyond-w1")),
        "{watches}"
    );
    assert!(
        lines[1].ends_with("\tpath\tr\talways,exit\tkbeyond-w2,kbeyond-w3"),
        "{watches}"
    );
    assert!(
        lines[2].ends_with("\tpath\tw\tnever,exit\tkbeyond-w5"),
        "a never-watch keeps its action:\n{watches}"
    );
    assert!(
        json.contains("\"action\":\"never\"")
            && json.contains("\"keys\":[\"kbeyond-w2\",\"kbeyond-w3\"]"),
        "{json}"
    );
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn contid_is_refused_before_sending_on_this_kernel() {
    let Some((_lock, dir)) = live("contid") else {
        return;
    };
    let file = dir.join("c.rules");
    std::fs::write(&file, "-a always,exit -F arch=b64 -S openat -k kcontid-a\n-a always,exit -F arch=b64 -S all -F contid=7 -k kcontid-b\n").unwrap();
    let before = kaudit(&["list"]).1;
    let (code, _, err) = kaudit(&["load", file.to_str().unwrap()]);
    let (sync_code, _, sync_err) =
        kaudit(&["sync", "--scope", "key=kcontid-", file.to_str().unwrap()]);
    let (dry, plan, _) = kaudit(&[
        "sync",
        "--dry-run",
        "--scope",
        "key=kcontid-",
        file.to_str().unwrap(),
    ]);
    let after = kaudit(&["list"]).1;
    assert_eq!(before, after, "nothing may reach the kernel");
    assert_ne!(code, 0);
    assert!(err.contains("container ID"), "{err}");
    assert_eq!(sync_code, 2, "{sync_err}");
    assert!(sync_err.contains("c.rules:2"), "{sync_err}");
    // --dry-run still plans the rule, so files for patched kernels can be checked anywhere.
    assert_eq!(dry, 0);
    assert!(plan.contains("contid=7"), "{plan}");
}

#[test]
fn container_record_types_by_name() {
    let r = rule("-a always,exclude -F msgtype=CONTAINER_OP");
    assert_eq!(
        list_text(&[r], &host()),
        "-a always,exclude -F msgtype=CONTAINER_OP\n"
    );
    // The patches' CONTAINER_ID took 1336, which mainline gave to URINGOP.
    let r = rule("-a always,exclude -F msgtype=CONTAINER_ID");
    assert_eq!(
        list_text(&[r], &host()),
        "-a always,exclude -F msgtype=URINGOP\n"
    );
}

/// loongarch64: the kernel defines AUDIT_ARCH_LOONGARCH64 and its syscall
/// numbers; the reference has neither.
#[test]
fn loongarch64_rules() {
    use kaudit::tables::{
        machine_audit_arch, machine_by_name, machine_in_reference, syscall_by_name,
    };
    let m = machine_by_name("LoongArch64").unwrap();
    assert!(!machine_in_reference(m));
    assert_eq!(machine_audit_arch(m), Some(0xC000_0102));
    assert_eq!(syscall_by_name(m, "openat"), Some(56));
    assert_eq!(
        syscall_by_name(m, "open"),
        None,
        "generic syscall ABI: no open"
    );
    let r = rule("-a always,exit -F arch=loongarch64 -S openat,execve -k la");
    let b = encode(&r);
    assert_eq!(word(&b, 524), 0xC000_0102, "arch value");
    assert_eq!(
        list_text(&[r], &host()),
        "-a always,exit -F arch=b64 -S openat,execve -F key=la\n"
    );
    assert!(compile_line("-a always,exit -F arch=loongarch64 -S open", &host()).is_err());
}
