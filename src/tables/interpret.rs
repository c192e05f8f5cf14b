//! `auditctl -l -i`'s decoding of a rule's `a0`..`a3` values: auparse's
//! `print_a0`..`print_a3` (reference auditd 4.2.1, `auparse/interpret.c`) and
//! the printers they call.
//!
//! Written by hand, because the output must match auparse byte for byte: which
//! printer a syscall's argument gets ([`Printer`] and `printer_for`, following
//! auparse's order of tests, which decides cases such as `lchown`'s a1 staying
//! hex while `chown`'s names a user), the fallbacks (`0x` and the value in
//! lower-case hex, or `unknown-...(...)` spelled per printer), and the C
//! integer conversions (a value is parsed into a C `int` before most table
//! lookups, so `0x80000000` looks up -2147483648). The names and numbers come
//! from the generated tables (`scripts/gen-tables.py`: auparse's `*tab.h`
//! files as its `Makefile.am` builds them, and the constants the printers test
//! against, from the kernel's UAPI headers).
//!
//! Three printers ask the machine: user names (`getpwuid`), group names
//! (`getgrgid`) and protocol names (`getprotobynumber`, `/etc/protocols`).
//! They ask through [`HostNames`], which [`crate::host::Host`] implements, so
//! a fixed host gives deterministic answers in tests.
//!
//! What auparse would print for a value auditctl cannot hold is not modelled:
//! a rule's a0..a3 are 32-bit, and a `conversion error(...)` cannot happen for
//! them.

use super::{by_number, filetype_name, generated as g, syscall_name, Machine};

/// The machine's answers to the name lookups some printers make.
pub trait HostNames {
    /// The name of a user id (`getpwuid`), if the machine has one.
    fn user_name(&self, uid: u32) -> Option<String>;
    /// The name of a group id (`getgrgid`), if the machine has one.
    fn group_name(&self, gid: u32) -> Option<String>;
    /// The name of an IP protocol number (`getprotobynumber`), if known.
    fn protocol_name(&self, number: i32) -> Option<String>;
}

/// A machine that knows no user, group or protocol names.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoNames;

impl HostNames for NoNames {
    fn user_name(&self, _: u32) -> Option<String> {
        None
    }
    fn group_name(&self, _: u32) -> Option<String> {
        None
    }
    fn protocol_name(&self, _: i32) -> Option<String> {
        None
    }
}

/// What the printers know about the call besides the value: the rule's one
/// syscall on its machine, and the a0 and a1 values seen before the argument
/// being printed (auditctl passes the rule's last `a0`/`a1` field printed so
/// far, 0 when there is none; `prctl`'s a1, and `fcntl`'s, `open`'s,
/// `mq_open`'s and `setsockopt`'s a2 depend on them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallContext {
    /// The machine of the rule's arch field; `None` without one, and auparse
    /// then knows no syscall name and prints hex.
    pub machine: Option<Machine>,
    /// The syscall number (0 for a rule with no syscall).
    pub syscall: u32,
    /// The a0 value seen so far.
    pub a0: u64,
    /// The a1 value seen so far.
    pub a1: u64,
}

/// `auditctl -l -i`'s text for argument `arg` (0..=3) holding `value`.
pub fn interpret_arg(call: &CallContext, arg: u8, value: u32, names: &dyn HostNames) -> String {
    let printer = call
        .machine
        .and_then(|m| syscall_name(m, call.syscall))
        .and_then(|name| printer_for(name, arg));
    let text = match printer {
        Some(p) => p.print(value, call, names),
        None => hex(value),
    };
    tty_escape(text)
}

/// Whether auparse decodes `arg` of the syscall `name` with one of its
/// printers rather than printing hex (for some values or context: `fsopen`'s
/// a1 only when it is 1, `prctl`'s a1 only for some options in a0).
pub fn interprets(name: &str, arg: u8) -> bool {
    printer_for(name, arg).is_some()
}

/// auparse's printers for syscall arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Printer {
    Signal,
    Dirfd,
    ClockId,
    CloneFlags,
    Personality,
    Ptrace,
    PrctlOption,
    Rlimit,
    Uid,
    Gid,
    SocketDomain,
    SocketCall,
    IpcCall,
    ExitStatus,
    BpfCmd,
    ModeShort,
    Mode,
    FcntlCmd,
    FsconfigCmd,
    /// `FSOPEN_CLOEXEC` / `FSMOUNT_CLOEXEC` for exactly 1, else hex.
    Cloexec(&'static str),
    SockoptLevel,
    SocketType,
    SchedPolicy,
    OpenFlags,
    AccessMode,
    EpollCtl,
    /// prctl's a1: a capability or a signal, depending on the option in a0.
    PrctlArg,
    UmountFlags,
    IoctlReq,
    /// fcntl's a2: depends on the command in a1.
    FcntlArg,
    /// [gs]etsockopt's a2: the option name of the level in a1.
    SockoptName,
    /// open's and mq_open's a2: a mode when a1 has `O_CREAT`, else hex.
    CreateMode,
    SocketProtocol,
    MsgFlags,
    ShmFlags,
    XattrAtFlags,
    Prot {
        mmap: bool,
    },
    MountFlags,
    Whence,
    MmapFlags,
    AccessFlags,
}

/// auparse's choice of printer, in the order `print_a0`..`print_a3` test the
/// syscall name (the first letter, then exact names, prefixes and substrings).
fn printer_for(sys: &str, arg: u8) -> Option<Printer> {
    match arg {
        0 => printer_a0(sys),
        1 => printer_a1(sys),
        2 => printer_a2(sys),
        3 => printer_a3(sys),
        _ => None,
    }
}

fn printer_a0(sys: &str) -> Option<Printer> {
    use Printer::*;
    let first = sys.as_bytes().first().copied();
    let hit = |names: &[&str], p: Printer| names.contains(&sys).then_some(p);
    match first {
        Some(b'r') => hit(&["rt_sigaction"], Signal).or_else(|| {
            (sys.starts_with("renameat") || sys == "readlinkat" || sys == "removexattrat")
                .then_some(Dirfd)
        }),
        Some(b'c') => hit(&["clock_settime"], ClockId).or(hit(&["clone", "clone2"], CloneFlags)),
        Some(b'p') => hit(&["personality"], Personality)
            .or(hit(&["ptrace"], Ptrace))
            .or(hit(&["prctl"], PrctlOption)),
        Some(b'm') => hit(&["mkdirat", "mknodat"], Dirfd),
        Some(b'f') => ([
            "fchownat",
            "futimesat",
            "fchmodat",
            "futimensat",
            "file_getattr",
            "file_setattr",
        ]
        .contains(&sys)
            || sys.starts_with("faccessat"))
        .then_some(Dirfd),
        Some(b'u') => hit(&["unshare"], CloneFlags).or(hit(&["unlinkat", "utimensat"], Dirfd)),
        _ if sys.get(1..) == Some("etrlimit") => Some(Rlimit),
        Some(b's') => hit(&["setuid", "setreuid", "setresuid", "setfsuid"], Uid)
            .or(hit(&["setgid", "setregid", "setresgid", "setfsgid"], Gid))
            .or(hit(&["socket"], SocketDomain))
            .or(hit(&["socketcall"], SocketCall))
            .or(hit(&["setxattrat"], Dirfd)),
        Some(b'l') => hit(&["linkat", "listxattrat"], Dirfd),
        _ if sys == "newfstatat" || sys.starts_with("openat") || sys == "name_to_handle_at" => {
            Some(Dirfd)
        }
        _ if sys == "ipccall" => Some(IpcCall),
        _ if sys.starts_with("exit") => Some(ExitStatus),
        _ if sys == "bpf" => Some(BpfCmd),
        _ if sys == "getxattrat" => Some(Dirfd),
        _ => None,
    }
}

fn printer_a1(sys: &str) -> Option<Printer> {
    use Printer::*;
    let first = sys.as_bytes().first().copied();
    let hit = |names: &[&str], p: Printer| names.contains(&sys).then_some(p);
    // auparse tests 'f' and 'c' names first, then, if none matched, the rest.
    let early = match first {
        Some(b'f') => hit(&["fchmod"], ModeShort)
            .or_else(|| sys.starts_with("fcntl").then_some(FcntlCmd))
            // auparse compares 5 bytes of "fsconfig".
            .or_else(|| sys.starts_with("fscon").then_some(FsconfigCmd))
            .or_else(|| {
                sys.starts_with("fsopen")
                    .then_some(Cloexec("FSOPEN_CLOEXEC"))
            })
            .or_else(|| {
                sys.starts_with("fsmount")
                    .then_some(Cloexec("FSMOUNT_CLOEXEC"))
            }),
        Some(b'c') => hit(&["chmod"], ModeShort)
            .or_else(|| sys.contains("chown").then_some(Uid))
            .or(hit(&["creat"], ModeShort)),
        _ => None,
    };
    if early.is_some() {
        return early;
    }
    match first {
        _ if sys.get(1..) == Some("etsockopt") => Some(SockoptLevel),
        Some(b's') => hit(&["setreuid", "setresuid"], Uid)
            .or(hit(&["setregid", "setresgid"], Gid))
            .or(hit(&["socket"], SocketType))
            .or(hit(&["setns"], CloneFlags))
            .or(hit(&["sched_setscheduler"], SchedPolicy)),
        Some(b'm') => hit(&["mkdir"], ModeShort)
            .or(hit(&["mknod"], Mode))
            .or(hit(&["mq_open"], OpenFlags)),
        _ => hit(&["open"], OpenFlags)
            .or(hit(&["access"], AccessMode))
            .or(hit(&["epoll_ctl"], EpollCtl))
            .or(hit(&["kill", "tkill"], Signal))
            .or(hit(&["prctl"], PrctlArg))
            .or(hit(&["umount2"], UmountFlags))
            .or(hit(&["ioctl"], IoctlReq)),
    }
}

fn printer_a2(sys: &str) -> Option<Printer> {
    use Printer::*;
    let first = sys.as_bytes().first().copied();
    let hit = |names: &[&str], p: Printer| names.contains(&sys).then_some(p);
    if sys.starts_with("fcntl") {
        return Some(FcntlArg);
    }
    if sys.get(1..) == Some("etsockopt") {
        return Some(SockoptName);
    }
    match first {
        Some(b'o') => {
            hit(&["openat", "open_by_handle_at"], OpenFlags).or(hit(&["open"], CreateMode))
        }
        Some(b'f') => hit(&["fchmodat"], ModeShort)
            .or_else(|| sys.starts_with("faccessat").then_some(AccessMode))
            .or_else(|| sys.starts_with("fsmount").then_some(MountFlags)),
        Some(b's') => hit(&["setresuid"], Uid)
            .or(hit(&["setresgid"], Gid))
            .or(hit(&["socket"], SocketProtocol))
            .or(hit(&["sendmsg"], MsgFlags))
            .or(hit(&["shmget"], ShmFlags))
            .or(hit(&["setxattrat"], XattrAtFlags)),
        Some(b'm') => hit(&["mmap"], Prot { mmap: true })
            .or(hit(&["mkdirat", "mknodat"], ModeShort))
            .or(hit(&["mprotect"], Prot { mmap: false }))
            .or(hit(&["move_mount"], Dirfd))
            .or(hit(&["mq_open"], CreateMode)),
        Some(b'r') => hit(&["recvmsg"], MsgFlags)
            .or_else(|| (sys == "readlinkat" || sys.starts_with("renameat")).then_some(Dirfd))
            .or(hit(&["removexattrat"], XattrAtFlags)),
        Some(b'l') => hit(&["linkat"], Dirfd)
            .or(hit(&["lseek"], Whence))
            .or(hit(&["listxattrat"], XattrAtFlags)),
        _ if sys.contains("chown") => Some(Gid),
        _ if sys == "tgkill" => Some(Signal),
        _ if sys.contains("getxattrat") => Some(XattrAtFlags),
        _ => None,
    }
}

fn printer_a3(sys: &str) -> Option<Printer> {
    use Printer::*;
    let hit = |names: &[&str], p: Printer| names.contains(&sys).then_some(p);
    match sys.as_bytes().first() {
        Some(b'm') => hit(&["mmap"], MmapFlags).or(hit(&["mount"], MountFlags)),
        Some(b'r') => hit(&["recv", "recvfrom", "recvmmsg"], MsgFlags),
        Some(b's') => hit(&["send", "sendto", "sendmmsg"], MsgFlags),
        Some(b'f') => hit(&["faccessat", "faccessat2"], AccessFlags),
        _ => hit(&["open_tree_attr"], XattrAtFlags),
    }
}

/// auparse's fallback: `0x` and the value as auditctl formats it (`%x`).
fn hex(v: u32) -> String {
    format!("0x{v:x}")
}

/// A value as auparse holds it after `strtoul` into a C `int`.
fn c_int(v: u32) -> i32 {
    v as i32
}

/// An `--i2s` table lookup (a C `int` key).
fn i2s(table: &'static [(i32, &'static str)], key: i32) -> Option<&'static str> {
    by_number(table, key)
}

/// The names of a flag table's entries whose bits are set, in table order.
fn flag_names(table: &'static [(u64, &'static str)], bits: u64) -> Vec<&'static str> {
    table
        .iter()
        .filter(|(bit, _)| bit & bits != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// Flag names joined with `|`, or hex when no bit has a name.
fn flags_or_hex(table: &'static [(u64, &'static str)], v: u32) -> String {
    let names = flag_names(table, u64::from(v));
    if names.is_empty() {
        hex(v)
    } else {
        names.join("|")
    }
}

/// `AT_FDCWD` as the kernel passes it (-100).
const AT_FDCWD: u32 = 0xffff_ff9c;

impl Printer {
    fn print(self, v: u32, call: &CallContext, names: &dyn HostNames) -> String {
        use Printer::*;
        let i = c_int(v);
        let named = |s: Option<&str>, unknown: String| s.map_or(unknown, str::to_string);
        match self {
            Signal => signal(v),
            Dirfd if v == AT_FDCWD => "AT_FDCWD".to_string(),
            Dirfd => hex(v),
            ClockId => named(
                (i < 7).then(|| i2s(g::INTERP_CLOCK, i)).flatten(),
                format!("unknown-clk_id(0x{v:x})"),
            ),
            CloneFlags => {
                let mut parts = flag_names(g::INTERP_CLONE_FLAG, u64::from(v));
                // The low byte is the exit signal.
                let sig = v & 0xff;
                if sig != 0 && sig < 32 {
                    parts.extend(i2s(g::INTERP_SIGNAL, sig as i32));
                }
                if parts.is_empty() {
                    hex(v)
                } else {
                    parts.join("|")
                }
            }
            Personality => {
                let pers = u64::from(v);
                match i2s(g::INTERP_PERSON, (pers & g::PER_MASK) as i32) {
                    Some(s) if pers & g::ADDR_NO_RANDOMIZE != 0 => {
                        format!("{s}|~ADDR_NO_RANDOMIZE")
                    }
                    Some(s) => s.to_string(),
                    None => format!("unknown-personality(0x{v:x})"),
                }
            }
            Ptrace => named(i2s(g::INTERP_PTRACE, i), format!("unknown-ptrace(0x{v:x})")),
            PrctlOption => named(
                i2s(g::INTERP_PRCTL_OPT, i),
                format!("unknown-prctl-option(0x{v:x})"),
            ),
            Rlimit => named(
                (i < 17).then(|| i2s(g::INTERP_RLIMIT, i)).flatten(),
                format!("unknown-rlimit(0x{v:x})"),
            ),
            Uid => account(v, |id| names.user_name(id)),
            Gid => account(v, |id| names.group_name(id)),
            SocketDomain => named(i2s(g::INTERP_FAM, i), format!("unknown-family(0x{v:x})")),
            SocketCall => named(i2s(g::INTERP_SOCK, i), format!("unknown-socketcall({v:x})")),
            IpcCall => named(i2s(g::INTERP_IPC, i), format!("unknown-ipccall({v:x})")),
            ExitStatus => match v {
                0 => "EXIT_SUCCESS",
                1 => "EXIT_FAILURE",
                _ => "UNKNOWN",
            }
            .to_string(),
            BpfCmd => named(i2s(g::INTERP_BPF, i), format!("unknown-bpf-cmd({v:x})")),
            ModeShort => mode_short(v),
            Mode => mode(v),
            FcntlCmd => named(
                i2s(g::INTERP_FCNTL, i),
                format!("unknown-fcntl-command({i})"),
            ),
            FsconfigCmd => named(
                i2s(g::INTERP_FSCONFIG, i),
                format!("unknown-fsconfig-operation({i})"),
            ),
            Cloexec(name) if v == 1 => name.to_string(),
            Cloexec(_) => hex(v),
            SockoptLevel if u64::from(v) == g::SOL_SOCKET => "SOL_SOCKET".to_string(),
            SockoptLevel => names
                .protocol_name(i)
                .or_else(|| i2s(g::INTERP_SOCKLEVEL, i).map(str::to_string))
                .unwrap_or_else(|| format!("unknown-sockopt-level(0x{v:x})")),
            SocketType => named(
                i2s(g::INTERP_SOCK_TYPE, (v & 0xff) as i32),
                format!("unknown-type({v:x})"),
            ),
            SchedPolicy => match i2s(g::INTERP_SCHED, (v & 0x0f) as i32) {
                Some(s) if u64::from(v) & g::SCHED_RESET_ON_FORK != 0 => {
                    format!("{s}|SCHED_RESET_ON_FORK")
                }
                Some(s) => s.to_string(),
                None => format!("unknown-scheduler-policy(0x{v:x})"),
            },
            OpenFlags => {
                let flags = u64::from(v);
                let mut parts = Vec::new();
                // O_RDONLY is 0: auparse names it when no access mode bit is set.
                if flags & g::O_ACCMODE == 0 {
                    parts.push("O_RDONLY");
                }
                parts.extend(flag_names(g::INTERP_OPEN_FLAG, flags));
                if parts.is_empty() {
                    hex(v)
                } else {
                    parts.join("|")
                }
            }
            AccessMode if v & 0xf == 0 => "F_OK".to_string(),
            // auparse walks the first three entries (X_OK, W_OK, R_OK).
            AccessMode => flags_or_hex(&g::INTERP_ACCESS[..g::INTERP_ACCESS.len().min(3)], v),
            EpollCtl => named(
                i2s(g::INTERP_EPOLL_CTL, i),
                format!("unknown-epoll_ctl-operation({i})"),
            ),
            PrctlArg => match call.a0 {
                g::PR_CAPBSET_READ | g::PR_CAPBSET_DROP => named(
                    i2s(g::INTERP_CAP, i),
                    format!("unknown-capability(0x{v:x})"),
                ),
                g::PR_SET_PDEATHSIG => signal(v),
                _ => hex(v),
            },
            UmountFlags => flags_or_hex(g::INTERP_UMOUNT, v),
            IoctlReq => named(i2s(g::INTERP_IOCTLREQ, i), hex(v)),
            FcntlArg => match call.a1 {
                g::F_SETOWN => account(v, |id| names.user_name(id)),
                g::F_SETFD if u64::from(v) == g::FD_CLOEXEC => "FD_CLOEXEC".to_string(),
                _ => hex(v),
            },
            SockoptName => sockopt_name(v, call),
            CreateMode if call.a1 & g::O_CREAT != 0 => mode_short(v),
            CreateMode => hex(v),
            SocketProtocol => names
                .protocol_name(i)
                .unwrap_or_else(|| format!("unknown-proto({v:x})")),
            MsgFlags => flags_or_hex(g::INTERP_RECV, v),
            ShmFlags => shm_flags(v),
            XattrAtFlags => flags_or_hex(g::INTERP_XATTR_ATFLAG, v),
            Prot { .. } if v & 0x07 == 0 => "PROT_NONE".to_string(),
            // mmap's a2 may also say PROT_SEM (the fourth entry), mprotect's not.
            Prot { mmap } => {
                let limit = if mmap { 4 } else { 3 };
                flags_or_hex(&g::INTERP_PROT[..g::INTERP_PROT.len().min(limit)], v)
            }
            MountFlags => flags_or_hex(g::INTERP_MOUNT, v),
            Whence => named(
                i2s(g::INTERP_SEEK, (v & 0xff) as i32),
                format!("unknown-whence({v:x})"),
            ),
            MmapFlags => {
                let mut parts = Vec::new();
                // MAP_FILE is 0: named when no mapping type bit is set.
                if v & 0x0f == 0 {
                    parts.push("MAP_FILE");
                }
                parts.extend(flag_names(g::INTERP_MMAP, u64::from(v)));
                if parts.is_empty() {
                    hex(v)
                } else {
                    parts.join("|")
                }
            }
            AccessFlags => flags_or_hex(g::INTERP_ACCESS_FLAG, v),
        }
    }
}

fn signal(v: u32) -> String {
    let i = c_int(v);
    (i < 32)
        .then(|| i2s(g::INTERP_SIGNAL, i))
        .flatten()
        .map_or_else(|| format!("unknown-signal(0x{v:x})"), str::to_string)
}

/// A user or group id: `unset` for -1, `root` for 0 (never looked up), the
/// machine's name cut to 63 bytes (auparse's buffer), else `unknown(N)` with
/// the id as a C `int`.
fn account(id: u32, lookup: impl Fn(u32) -> Option<String>) -> String {
    match id {
        crate::uapi::AUDIT_UID_UNSET => "unset".to_string(),
        0 => "root".to_string(),
        _ => match lookup(id) {
            Some(mut name) => {
                let mut end = name.len().min(63);
                while !name.is_char_boundary(end) {
                    end -= 1;
                }
                name.truncate(end);
                name
            }
            None => format!("unknown({})", c_int(id)),
        },
    }
}

/// The permission bits and special bits of a mode (`print_mode_short`):
/// `0644`, `suid,0755`, `sgid,sticky,0770`.
fn mode_short(v: u32) -> String {
    let v = u64::from(v);
    let special: Vec<&str> = [
        (g::S_ISUID, "suid"),
        (g::S_ISGID, "sgid"),
        (g::S_ISVTX, "sticky"),
    ]
    .iter()
    .filter(|(bit, _)| v & bit != 0)
    .map(|(_, name)| *name)
    .collect();
    let perms = v & (g::S_IRWXU | g::S_IRWXG | g::S_IRWXO);
    if special.is_empty() {
        format!("0{perms:03o}")
    } else {
        format!("{},0{perms:03o}", special.join(","))
    }
}

/// A full mode (`print_mode`): the file type's `ftypetab.h` name (or its
/// `S_IFMT` digits in octal), the special bits, the permissions: `file,644`.
fn mode(v: u32) -> String {
    let v = u64::from(v);
    let kind = v & g::S_IFMT;
    let mut out = match filetype_name(kind as u32) {
        Some(name) => name.to_string(),
        None => {
            let lowest_bit = g::S_IFMT & g::S_IFMT.wrapping_neg();
            format!("{:03o}", kind / lowest_bit)
        }
    };
    for (bit, name) in [
        (g::S_ISUID, ",suid"),
        (g::S_ISGID, ",sgid"),
        (g::S_ISVTX, ",sticky"),
    ] {
        if v & bit != 0 {
            out.push_str(name);
        }
    }
    let perms = v & (g::S_IRWXU | g::S_IRWXG | g::S_IRWXO);
    format!("{out},{perms:03o}")
}

/// shmget's flags: `IPC_CREAT`/`IPC_EXCL`, then `SHM_HUGETLB`/`SHM_NORESERVE`,
/// then the permissions as [`mode_short`] prints them, joined with `|`.
fn shm_flags(v: u32) -> String {
    let bits = u64::from(v);
    let mut parts = flag_names(g::INTERP_IPCCMD, bits & 0o3000);
    parts.extend(flag_names(g::INTERP_SHM_MODE, bits & 0o14000));
    let perms = mode_short(v & 0o777);
    if parts.is_empty() {
        perms
    } else {
        format!("{}|{perms}", parts.join("|"))
    }
}

/// [gs]etsockopt's option name, chosen by the level in a1.
fn sockopt_name(v: u32, call: &CallContext) -> String {
    let i = c_int(v);
    let named = |table, kind: &str| {
        i2s(table, i).map_or_else(|| format!("unknown-{kind}-name(0x{v:x})"), str::to_string)
    };
    match call.a1 {
        g::IPPROTO_IP => named(g::INTERP_IPOPTNAME, "ipopt"),
        g::SOL_SOCKET => {
            // The SOL_SOCKET names 16..=21 have other numbers on PowerPC; the
            // table holds those at +100.
            let ppc = matches!(call.machine, Some(Machine::Ppc64 | Machine::Ppc));
            let opt = if ppc && (16..=21).contains(&i) {
                i + 100
            } else {
                i
            };
            i2s(g::INTERP_SOCKOPTNAME, opt)
                .map_or_else(|| format!("unknown-sockopt-name(0x{v:x})"), str::to_string)
        }
        g::IPPROTO_TCP => named(g::INTERP_TCPOPTNAME, "tcpopt"),
        g::IPPROTO_UDP => match v {
            1 => "UDP_CORK".to_string(),
            100 => "UDP_ENCAP".to_string(),
            _ => format!("unknown-udpopt-name(0x{v:x})"),
        },
        g::IPPROTO_IPV6 => named(g::INTERP_IP6OPTNAME, "ip6opt"),
        g::SOL_PACKET => named(g::INTERP_PKTOPTNAME, "pktopt"),
        _ => hex(v),
    }
}

/// auditctl's escaping of interpreted text for a terminal
/// (`AUPARSE_ESC_TTY`): a control byte becomes `\` and three octal digits.
/// Only names from the machine can hold one.
fn tty_escape(text: String) -> String {
    if !text.bytes().any(|b| b < 0x20) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if (c as u32) < 0x20 {
            out.push_str(&format!("\\{:03o}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printer_but_ipccalls_is_chosen_for_some_syscall() {
        // auparse names `ipccall`, which no table of the reference has
        // (i386's multiplexer is `ipc`, whose a0 prints hex); every other
        // printer (43 with the two CLOEXEC names and the two prot limits) is
        // chosen for some argument of some machine's syscall.
        let mut seen = std::collections::BTreeSet::new();
        for m in Machine::REFERENCE {
            for (_, name) in super::super::syscall_table(m) {
                for arg in 0..4 {
                    if let Some(p) = printer_for(name, arg) {
                        seen.insert(format!("{p:?}"));
                    }
                }
            }
        }
        assert_eq!(printer_for("ipccall", 0), Some(Printer::IpcCall));
        assert!(!seen.contains("IpcCall"));
        assert_eq!(seen.len(), 42, "{seen:?}");
    }
}
