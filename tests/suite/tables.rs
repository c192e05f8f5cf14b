//! The lookup tables: the committed generated file matches the reference sources,
//! and spot values agree with the reference documentation
//! (`auditctl-reference.md` §1.6, §2, §3.3, §6 and `kernel-abi.md` §1, §3).

use std::process::Command;

use kaudit::tables::*;

use crate::paths;
use crate::reference;

/// The generated file must be what the generator makes from the cached sources.
/// Without a cache this is skipped loudly, except in CI, where it fails.
#[test]
fn generated_file_is_up_to_date() {
    let Some(cache) = reference::fetched("generated_file_is_up_to_date") else {
        return;
    };
    let out = Command::new("python3")
        .arg(paths::repo().join("scripts/gen-tables.py"))
        .arg("--cache")
        .arg(&cache)
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "gen-tables.py --check failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn syscalls_per_machine() {
    assert_eq!(syscall_by_name(Machine::X86_64, "openat"), Some(257));
    assert_eq!(syscall_by_name(Machine::X86_64, "open"), Some(2));
    assert_eq!(syscall_by_name(Machine::X86, "open"), Some(5));
    assert_eq!(syscall_by_name(Machine::Aarch64, "open"), None);
    assert_eq!(syscall_by_name(Machine::Aarch64, "openat"), Some(56));
    assert_eq!(syscall_name(Machine::X86_64, 257), Some("openat"));
    assert_eq!(syscall_name(Machine::X86_64, 59), Some("execve"));
    assert_eq!(syscall_by_name(Machine::X86_64, "no_such_call"), None);
    // x86_64's newest entry in 4.2.1 (§1.6: highest 471).
    assert_eq!(
        syscall_table(Machine::X86_64).last(),
        Some(&(471, "rseq_slice_yield"))
    );
    // 385 `_S` lines, two of them (uprobe, uretprobe) inside a comment.
    assert_eq!(syscall_table(Machine::X86_64).len(), 383);
    assert_eq!(syscall_by_name(Machine::X86_64, "uretprobe"), None);
}

#[test]
fn syscall_names_fold_ascii_case_only() {
    assert_eq!(syscall_by_name(Machine::X86_64, "OpenAt"), Some(257));
    assert_eq!(syscall_by_name(Machine::X86_64, "OPEN"), Some(2));
    // Non-ASCII letters are not folded.
    assert_eq!(syscall_by_name(Machine::X86_64, "opEN\u{130}"), None);
}

#[test]
fn duplicate_numbers_print_the_first_name() {
    // i386_table.h lists madvise before madvise1 for 219.
    assert_eq!(syscall_by_name(Machine::X86, "madvise1"), Some(219));
    assert_eq!(syscall_name(Machine::X86, 219), Some("madvise"));
}

#[test]
fn ppc_machines_share_one_table() {
    for m in [Machine::Ppc, Machine::Ppc64, Machine::Ppc64le] {
        assert_eq!(syscall_table(m), syscall_table(Machine::Ppc));
    }
}

#[test]
fn io_uring_ops() {
    assert_eq!(syscall_by_name(Machine::IoUring, "openat"), Some(18));
    assert_eq!(syscall_by_name(Machine::IoUring, "msg_ring"), Some(40));
    assert_eq!(syscall_name(Machine::IoUring, 64), Some("uring_cmd128"));
    assert_eq!(syscall_name(Machine::IoUring, 0), None);
    assert_eq!(IO_URING_OP_LAST_REFERENCE, 37);
    // `-S all` on io_uring covers the 11 named ops below 37 (§1.6).
    let below = syscall_table(Machine::IoUring)
        .iter()
        .filter(|(n, _)| *n < IO_URING_OP_LAST_REFERENCE)
        .count();
    assert_eq!(below, 11);

    let kernel = uring_ops_kernel();
    let op = |n: u32| kernel.iter().find(|o| o.number == n).copied();
    assert_eq!(
        op(0).map(|o| (o.name, o.in_reference)),
        Some(("nop", false))
    );
    assert_eq!(
        op(18).map(|o| (o.name, o.in_reference)),
        Some(("openat", true))
    );
    // kernel-abi §3: recv_zc and pipe are audited but missing from the reference.
    assert_eq!(
        op(58).map(|o| (o.name, o.in_reference)),
        Some(("recv_zc", false))
    );
    assert_eq!(
        op(62).map(|o| (o.name, o.in_reference)),
        Some(("pipe", false))
    );
    assert!(kernel.windows(2).all(|w| w[0].number < w[1].number));
    let in_ref = kernel.iter().filter(|o| o.in_reference).count();
    assert_eq!(in_ref, syscall_table(Machine::IoUring).len());
}

#[test]
fn machines() {
    assert_eq!(machine_by_name("x86_64"), Some(Machine::X86_64));
    assert_eq!(machine_by_name("I686"), Some(Machine::X86));
    assert_eq!(machine_by_name("armv7l"), Some(Machine::Arm));
    assert_eq!(machine_by_name("armv8l"), Some(Machine::Aarch64));
    assert_eq!(machine_by_name("uring"), Some(Machine::IoUring));
    assert_eq!(machine_by_name("b64"), None);
    assert_eq!(machine_by_name("mips"), None);

    assert_eq!(machine_name(Machine::X86), "i386");
    assert_eq!(machine_name(Machine::Arm), "armeb");
    assert_eq!(machine_name(Machine::Aarch64), "aarch64");
    assert_eq!(machine_name(Machine::IoUring), "uring");

    // §2.3 ELF audit-arch codes.
    let codes = [
        (Machine::X86_64, 0xC000_003E),
        (Machine::X86, 0x4000_0003),
        (Machine::Ppc64, 0x8000_0015),
        (Machine::Ppc64le, 0xC000_0015),
        (Machine::Ppc, 0x0000_0014),
        (Machine::S390x, 0x8000_0016),
        (Machine::S390, 0x0000_0016),
        (Machine::Arm, 0x4000_0028),
        (Machine::Aarch64, 0xC000_00B7),
        (Machine::Riscv32, 0x4000_00F3),
        (Machine::Riscv64, 0xC000_00F3),
    ];
    for (m, code) in codes {
        assert_eq!(machine_audit_arch(m), Some(code), "{m:?}");
        assert_eq!(machine_by_audit_arch(code), Some(m), "{code:#x}");
    }
    assert_eq!(machine_audit_arch(Machine::IoUring), None);
    assert_eq!(machine_by_audit_arch(0x0000_0028), None); // ARMEB is not in elftab
}

#[test]
fn b32_and_b64() {
    use Machine::*;
    assert_eq!(machine_bits32(X86_64), Some(X86));
    assert_eq!(machine_bits32(Ppc64), Some(Ppc));
    assert_eq!(machine_bits32(S390x), Some(S390));
    assert_eq!(machine_bits32(Aarch64), Some(Arm));
    assert_eq!(machine_bits32(Riscv64), Some(Riscv32));
    assert_eq!(machine_bits32(Ppc64le), None);
    assert_eq!(machine_bits32(X86), Some(X86));
    assert_eq!(machine_bits64(X86_64), Some(X86_64));
    assert_eq!(machine_bits64(Ppc64le), Some(Ppc64le));
    assert_eq!(machine_bits64(X86), None);
    assert_eq!(machine_bits64(Arm), None);
}

#[test]
fn fields() {
    assert_eq!(field_by_name("auid"), Some(9));
    assert_eq!(field_by_name("loginuid"), Some(9));
    assert_eq!(field_by_name("AUID"), Some(9));
    assert_eq!(field_name(9), Some("auid"));
    assert_eq!(field_by_name("obj_uid"), Some(109));
    assert_eq!(field_by_name("field_compare"), Some(111));
    assert_eq!(field_by_name("saddr_fam"), Some(113));
    assert_eq!(field_by_name("key"), Some(210));
    assert_eq!(field_by_name("path"), Some(105));
    assert_eq!(field_by_name("loginuid_set"), None);
    assert_eq!(field_name(24), None);
    assert_eq!(field_name(27), None);
}

#[test]
fn message_types() {
    let t = msgtype_by_number(1336).unwrap();
    assert_eq!((t.name, t.in_reference), ("URINGOP", true));
    assert_eq!(msgtype_by_name("syscall").map(|t| t.number), Some(1300));
    assert_eq!(msgtype_by_name("User_Avc").map(|t| t.number), Some(1107));
    assert_eq!(
        msgtype_by_name("APPARMOR_DENIED").map(|t| t.number),
        Some(1503)
    );
    assert_eq!(msgtype_by_name("DM_CTRL").map(|t| t.number), Some(1338));
    for (name, number) in [
        ("IPE_ACCESS", 1420),
        ("LANDLOCK_ACCESS", 1423),
        ("LANDLOCK_DOMAIN", 1424),
        ("MAC_TASK_CONTEXTS", 1425),
        ("MAC_OBJ_CONTEXTS", 1426),
        ("INTEGRITY_USERSPACE", 1808),
        ("REPLACE", 1329),
        ("GET", 1000),
    ] {
        let t = msgtype_by_name(name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!((t.number, t.in_reference), (number, false), "{name}");
        assert_eq!(msgtype_by_number(number), Some(t));
    }
    assert_eq!(msgtype_by_name("CONTAINER_ID"), None);
    assert_eq!(msgtype_by_name("DAEMON_RECONFIG"), None);
    assert_eq!(msgtype_by_number(1301), None);
    // §6: HEAD has 199 entries; 4.2.1 lacks HEAD's two LANDLOCK names.
    assert_eq!(msgtypes().iter().filter(|t| t.in_reference).count(), 197);
}

#[test]
fn errnos() {
    assert_eq!(errno_name(11), Some("EAGAIN"));
    assert_eq!(errno_name(35), Some("EDEADLK"));
    assert_eq!(errno_name(1), Some("EPERM"));
    assert_eq!(errno_name(0), None);
    assert_eq!(errno_name(-13), None);
    assert_eq!(errno_by_name("EACCES"), Some(13));
    assert_eq!(errno_by_name("eacces"), Some(13));
    assert_eq!(errno_by_name("EWOULDBLOCK"), Some(11));
    assert_eq!(errno_by_name("EDEADLOCK"), Some(35));
    assert_eq!(errno_by_name("EHWPOISON"), Some(133));
    assert_eq!(errno_by_name("-EACCES"), None);
}

#[test]
fn file_and_filesystem_types() {
    assert_eq!(filetype_by_name("socket"), Some(0o140000));
    assert_eq!(filetype_by_name("file"), Some(0o100000));
    assert_eq!(filetype_by_name("dir"), Some(0o040000));
    assert_eq!(filetype_by_name("fifo"), Some(0o010000));
    assert_eq!(filetype_name(0o020000), Some("character"));

    assert_eq!(fstype_by_name("tracefs"), Some(0x7472_6163));
    assert_eq!(fstype_by_name("debugfs"), Some(0x6462_6720));
    assert_eq!(fstype_by_name("cgroup"), Some(0x27_e0eb));
    assert_eq!(fstype_by_name("cgroup2"), Some(0x6367_7270));
    assert_eq!(fstype_by_name("ext4"), None);
    assert_eq!(fstype_name(0x7472_6163), Some("tracefs"));
}

#[test]
fn lists_and_actions() {
    for (name, n) in [
        ("user", 0),
        ("task", 1),
        ("exit", 4),
        ("exclude", 5),
        ("filesystem", 6),
        ("io_uring", 7),
    ] {
        assert_eq!(list_by_name(name), Some(n));
        assert_eq!(list_name(n), Some(name));
    }
    assert_eq!(list_by_name("EXIT"), Some(4));
    assert_eq!(list_by_name("entry"), None);

    assert_eq!(action_by_name("always"), Some(2));
    assert_eq!(action_by_name("never"), Some(0));
    assert_eq!(action_by_name("possible"), Some(1));
    assert_eq!(action_by_name("ALWAYS"), None);
    assert_eq!(action_name(2), Some("always"));
    assert_eq!(operator_symbol(0x4000_0000), Some("="));
    assert_eq!(operator_symbol(0x4800_0000), Some("&="));
}

#[test]
fn perm_tables() {
    assert_eq!(perm_syscalls(1), ["execve", "execveat"]);
    let w = perm_syscalls(2);
    assert!(w.contains(&"quotactl_fd") && w.contains(&"openat2") && w.len() == 26);
    let r = perm_syscalls(4);
    assert!(r.contains(&"statx") && r.contains(&"file_getattr") && r.len() == 21);
    let a = perm_syscalls(8);
    assert!(a.contains(&"fchmodat2") && a.contains(&"file_setattr") && a.len() == 19);
    assert!(perm_syscalls(16).is_empty());
}

#[test]
fn field_comparisons() {
    let f = |n| field_by_name(n).unwrap();
    assert_eq!(compare_code(f("euid"), f("uid")), Some(11));
    assert_eq!(compare_code(f("uid"), f("euid")), Some(11));
    assert_eq!(compare_code(f("loginuid"), f("obj_uid")), Some(5));
    assert_eq!(compare_code(f("sgid"), f("fsgid")), Some(25));
    assert_eq!(compare_code(f("uid"), f("uid")), None);
    assert_eq!(compare_code(f("uid"), f("gid")), None);
    assert_eq!(compare_code(f("pid"), f("uid")), None);
    assert_eq!(compare_fields(1), Some((f("uid"), f("obj_uid"))));
    assert_eq!(compare_fields(11), Some((f("uid"), f("euid"))));
    assert_eq!(compare_fields(16), Some((f("auid"), f("euid"))));
    assert_eq!(compare_fields(0), None);
    assert_eq!(compare_fields(26), None);
    for code in 1..=25 {
        let (l, r) = compare_fields(code).unwrap();
        assert_eq!(compare_code(l, r), Some(code));
        assert_eq!(compare_code(r, l), Some(code));
    }
}

#[test]
fn socket_family_limit() {
    assert_eq!(AF_MAX, 46);
}

#[test]
fn a0_to_a3_are_interpreted_as_auparse_does() {
    use kaudit::host::Host;
    use kaudit::tables::{interpret_arg, CallContext, Machine};
    // A fixed host: user, group and protocol names are the host's facts.
    let host = Host::fixed(
        Machine::X86_64,
        &[("alice", 1000), ("root", 0)],
        &[("staff", 50)],
        &[],
    )
    .with_protocols(&[("tcp", 6), ("udp", 17)]);
    let nr = |name: &str| syscall_by_name(Machine::X86_64, name).unwrap();
    let at = |name: &str, a0: u64, a1: u64| CallContext {
        machine: Some(Machine::X86_64),
        syscall: nr(name),
        a0,
        a1,
    };
    let show = |name: &str, arg: u8, v: u32| interpret_arg(&at(name, 0, 0), arg, v, &host);
    // The measured examples, and each printer's fallback.
    assert_eq!(show("openat", 2, 0x41), "O_WRONLY|O_CREAT");
    assert_eq!(show("openat", 2, 0), "O_RDONLY");
    assert_eq!(show("openat", 0, 0xffff_ff9c), "AT_FDCWD");
    assert_eq!(show("openat", 0, 3), "0x3");
    assert_eq!(show("kill", 1, 9), "SIGKILL");
    assert_eq!(show("kill", 1, 40), "unknown-signal(0x28)");
    assert_eq!(show("socket", 0, 2), "inet");
    assert_eq!(show("socket", 0, 99), "unknown-family(0x63)");
    assert_eq!(show("socket", 1, 0x80801), "SOCK_STREAM");
    assert_eq!(show("socket", 1, 0x3f), "unknown-type(3f)");
    assert_eq!(show("personality", 0, 8), "PER_LINUX32");
    assert_eq!(
        show("personality", 0, 0x40008),
        "PER_LINUX32|~ADDR_NO_RANDOMIZE"
    );
    assert_eq!(show("write", 0, 0x1A), "0x1a");
    // Host names: root without asking, -1 as unset, unknown ids as C ints.
    assert_eq!(show("setuid", 0, 1000), "alice");
    assert_eq!(show("setuid", 0, 0), "root");
    assert_eq!(show("setuid", 0, u32::MAX), "unset");
    assert_eq!(show("setuid", 0, 0x8000_0000), "unknown(-2147483648)");
    assert_eq!(show("setgid", 0, 50), "staff");
    assert_eq!(show("chown", 2, 50), "staff");
    assert_eq!(show("socket", 2, 6), "tcp");
    assert_eq!(show("socket", 2, 7), "unknown-proto(7)");
    assert_eq!(show("setsockopt", 1, 17), "udp");
    assert_eq!(show("setsockopt", 1, 1), "SOL_SOCKET");
    assert_eq!(show("setsockopt", 1, 41), "SOL_IPV6");
    // auparse tests 'f' names first: fchown's a1 and lchown's a2 stay hex.
    assert_eq!(show("chown", 1, 1000), "alice");
    assert_eq!(show("fchown", 1, 1000), "0x3e8");
    assert_eq!(show("lchown", 2, 50), "0x32");
    // Modes, flags and the other printers.
    assert_eq!(show("chmod", 1, 0o4755), "suid,0755");
    assert_eq!(show("mknod", 1, 0o100644), "file,644");
    assert_eq!(show("mknod", 1, 0o170644), "017,644");
    assert_eq!(
        show("clone", 0, 0x1200011),
        "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"
    );
    assert_eq!(show("clone", 0, 0), "0x0");
    assert_eq!(show("mmap", 2, 0), "PROT_NONE");
    assert_eq!(show("mmap", 2, 0xb), "PROT_READ|PROT_WRITE|PROT_SEM");
    assert_eq!(show("mprotect", 2, 0xb), "PROT_READ|PROT_WRITE");
    assert_eq!(show("mmap", 3, 0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
    assert_eq!(show("mmap", 3, 0x20), "MAP_FILE|MAP_ANONYMOUS");
    assert_eq!(show("access", 1, 0), "F_OK");
    assert_eq!(show("access", 1, 8), "0x8");
    assert_eq!(show("fcntl", 1, 0x406), "F_DUPFD_CLOEXEC");
    assert_eq!(
        show("fcntl", 1, 0x8000_0000),
        "unknown-fcntl-command(-2147483648)"
    );
    assert_eq!(show("lseek", 2, 0x102), "SEEK_END");
    assert_eq!(show("lseek", 2, 9), "unknown-whence(9)");
    assert_eq!(show("shmget", 2, 0o3600), "IPC_CREAT|IPC_EXCL|0600");
    assert_eq!(show("ioctl", 1, 0x5401), "TCGETS");
    assert_eq!(show("ioctl", 1, 0xdead), "0xdead");
    assert_eq!(show("exit_group", 0, 1), "EXIT_FAILURE");
    assert_eq!(show("exit", 0, 2), "UNKNOWN");
    assert_eq!(show("fsopen", 1, 1), "FSOPEN_CLOEXEC");
    assert_eq!(show("fsopen", 1, 2), "0x2");
    assert_eq!(
        show("sched_setscheduler", 1, 0x4000_0001),
        "SCHED_FIFO|SCHED_RESET_ON_FORK"
    );
    assert_eq!(
        show("umount2", 1, 0x8000_0003),
        "MNT_FORCE|MNT_DETACH|UMOUNT_UNUSED"
    );
    assert_eq!(show("getrlimit", 0, 7), "RLIMIT_NOFILE");
    assert_eq!(show("getrlimit", 0, 17), "unknown-rlimit(0x11)");
    assert_eq!(show("bpf", 0, 5), "BPF_PROG_LOAD");
    assert_eq!(show("bpf", 0, 0x999), "unknown-bpf-cmd(999)");
    assert_eq!(show("clock_settime", 0, 7), "unknown-clk_id(0x7)");
    // Printers that read the a0 or a1 printed before.
    let with = |name: &str, a0, a1, arg, v| interpret_arg(&at(name, a0, a1), arg, v, &host);
    assert_eq!(with("prctl", 23, 0, 1, 21), "sys_admin");
    assert_eq!(with("prctl", 1, 0, 1, 9), "SIGKILL");
    assert_eq!(with("prctl", 0, 0, 1, 9), "0x9");
    assert_eq!(with("fcntl", 0, 8, 2, 1000), "alice");
    assert_eq!(with("fcntl", 0, 2, 2, 1), "FD_CLOEXEC");
    assert_eq!(with("fcntl", 0, 2, 2, 3), "0x3");
    assert_eq!(with("open", 0, 0x41, 2, 0o644), "0644");
    assert_eq!(with("open", 0, 1, 2, 0o644), "0x1a4");
    assert_eq!(with("setsockopt", 0, 6, 2, 1), "TCP_NODELAY");
    assert_eq!(with("setsockopt", 0, 1, 2, 2), "SO_REUSEADDR");
    assert_eq!(with("setsockopt", 0, 17, 2, 100), "UDP_ENCAP");
    assert_eq!(with("setsockopt", 0, 99, 2, 1), "0x1");
    // PowerPC numbers SO_RCVLOWAT and its neighbours differently.
    let ppc = CallContext {
        machine: Some(Machine::Ppc64),
        syscall: syscall_by_name(Machine::Ppc64, "setsockopt").unwrap(),
        a0: 0,
        a1: 1,
    };
    assert_eq!(interpret_arg(&ppc, 2, 16, &host), "SO_RCVLOWAT");
    assert_eq!(with("setsockopt", 0, 1, 2, 18), "SO_RCVLOWAT");
    // Without an arch field auparse knows no syscall name: hex.
    let no_arch = CallContext {
        machine: None,
        syscall: nr("kill"),
        a0: 0,
        a1: 0,
    };
    assert_eq!(interpret_arg(&no_arch, 1, 9, &host), "0x9");
    // A control byte in a host's name is escaped as auditctl does for a tty.
    let odd = Host::fixed(Machine::X86_64, &[("a\x1bb", 5)], &[], &[]);
    assert_eq!(interpret_arg(&at("setuid", 0, 0), 0, 5, &odd), "a\\033b");
}
