//! Name/number lookup tables, as the reference `auditctl` (Debian auditd 4.2.1) has them.
//!
//! The data lives in `generated.rs`, written by `scripts/gen-tables.py` from the
//! reference's `lib/*tab.h` and `lib/*_table.h` files and the kernel UAPI headers of
//! the same Debian snapshot; this module is the hand-written API over it.
//!
//! # How the reference matches names
//!
//! The reference builds every table with `lib/gen_tables.c`; `lib/Makefile.am` passes
//! each table either `--lowercase` or `--uppercase`. For such a table the key's ASCII
//! letters are folded to that case and the result is compared byte for byte (a binary
//! search over names sorted with `strcmp`). So lookups are ASCII-case-insensitive, and
//! non-ASCII bytes only ever match themselves. The lower-case tables are machines,
//! fields, lists, file types, filesystem types, perms and all syscall / io_uring op
//! tables; the upper-case ones are message types and errno names. The exception is the
//! rule action: `auditctl` compares `never`/`always`/`possible` with `strcmp`, so
//! [`action_by_name`] is case-sensitive.
//!
//! When several names share a number (`auid`/`loginuid`, `EAGAIN`/`EWOULDBLOCK`,
//! `i386`..`i686`, duplicate i386 syscalls), the number prints as the name that comes
//! first in the source table, because `gen_tables` keeps file order among equal numbers.
//!
//! # Build options
//!
//! Debian configures the reference with `--with-arm --with-aarch64 --with-riscv
//! --with-io_uring --with-apparmor` (its `debian/rules`), so the arm, aarch64 and
//! riscv machines and syscall tables, the `uring` pseudo machine, the `io_uring` list
//! and the `APPARMOR*` message types are all present here.

mod generated;
mod interpret;

pub use interpret::{interpret_arg, interprets, CallContext, HostNames, NoNames};

use std::cmp::Ordering;

use generated as g;

/// A machine (ABI) whose syscall table the reference knows, as `machine_t` in
/// the reference's `libaudit.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Machine {
    /// 32-bit x86 (`i386`, `i486`, `i586`, `i686`).
    X86,
    /// 64-bit x86 (`x86_64`).
    X86_64,
    /// Big-endian 64-bit PowerPC (`ppc64`).
    Ppc64,
    /// Little-endian 64-bit PowerPC (`ppc64le`).
    Ppc64le,
    /// 32-bit PowerPC (`ppc`).
    Ppc,
    /// 64-bit s390 (`s390x`).
    S390x,
    /// 31-bit s390 (`s390`).
    S390,
    /// 32-bit Arm EABI (`armeb`, `arm`, `armv5tejl`, `armv5tel`, `armv6l`, `armv7l`).
    Arm,
    /// 64-bit Arm (`aarch64`, `armv8l`).
    Aarch64,
    /// 32-bit RISC-V (`riscv32`).
    Riscv32,
    /// 64-bit RISC-V (`riscv64`).
    Riscv64,
    /// The `uring` pseudo machine: its "syscalls" are io_uring operations.
    IoUring,
    /// 64-bit LoongArch (`loongarch64`): beyond the reference, which has no
    /// table for it; the syscall names and numbers are the kernel's own
    /// (`asm/unistd_64.h`).
    Loongarch64,
}

impl Machine {
    /// Every machine the reference has a syscall table for (not io_uring's
    /// pseudo machine, not loongarch64).
    pub const REFERENCE: [Machine; 11] = [
        Machine::X86_64,
        Machine::X86,
        Machine::Ppc64,
        Machine::Ppc64le,
        Machine::Ppc,
        Machine::S390x,
        Machine::S390,
        Machine::Arm,
        Machine::Aarch64,
        Machine::Riscv32,
        Machine::Riscv64,
    ];
}

/// A record (message) type number and its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MsgType {
    /// The kernel/userspace message type number (`AUDIT_*`).
    pub number: u32,
    /// The name without the `AUDIT_` prefix, upper case (`SYSCALL`, `URINGOP`).
    pub name: &'static str,
    /// Whether the reference's `msg_typetab.h` has this name. Names only in the
    /// kernel header (e.g. `IPE_ACCESS`) are rejected by the reference's `msgtype=`.
    pub in_reference: bool,
}

/// An io_uring operation of the kernel's `enum io_uring_op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UringOp {
    /// The op number (`IORING_OP_*`), which is also its bit in a rule's mask.
    pub number: u32,
    /// The op name without `IORING_OP_`, lower case, as the reference spells it.
    pub name: &'static str,
    /// Whether the reference's `uringop_table.h` has this op (so `-S` accepts it).
    pub in_reference: bool,
}

/// How a table folds a key before comparing it byte for byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fold {
    /// ASCII upper case to lower case (`gen_tables --lowercase`).
    Lower,
    /// ASCII lower case to upper case (`gen_tables --uppercase`).
    Upper,
    /// No folding (`strcmp`).
    Exact,
}

impl Fold {
    fn apply(self, b: u8) -> u8 {
        match self {
            Fold::Lower => b.to_ascii_lowercase(),
            Fold::Upper => b.to_ascii_uppercase(),
            Fold::Exact => b,
        }
    }
}

/// Binary search of a name-sorted table with the key folded as the reference does.
fn by_name<T: Copy>(table: &[(&str, T)], fold: Fold, key: &str) -> Option<T> {
    table
        .binary_search_by(|(name, _)| cmp_folded(name, key, fold))
        .ok()
        .map(|i| table[i].1)
}

fn cmp_folded(entry: &str, key: &str, fold: Fold) -> Ordering {
    entry.bytes().cmp(key.bytes().map(|b| fold.apply(b)))
}

/// Binary search of a number-sorted table.
fn by_number<K: Ord + Copy, V: Copy>(table: &[(K, V)], key: K) -> Option<V> {
    table
        .binary_search_by(|(k, _)| k.cmp(&key))
        .ok()
        .map(|i| table[i].1)
}

/// Looks up a machine by name, ASCII-case-insensitively, with every alias of the
/// reference's `machinetab.h` (`i386`..`i686`, `armv7l`, `armv8l`, `uring`, ...).
pub fn machine_by_name(name: &str) -> Option<Machine> {
    by_name(g::MACHINE_BY_NAME, g::MACHINE_FOLD, name).or_else(|| {
        name.eq_ignore_ascii_case("loongarch64")
            .then_some(Machine::Loongarch64)
    })
}

/// Whether the reference auditctl knows the machine (loongarch64 is kaudit's
/// own addition).
pub fn machine_in_reference(m: Machine) -> bool {
    m != Machine::Loongarch64
}

/// The name the reference gives a machine: the first alias in `machinetab.h`
/// (`i386`, `x86_64`, `armeb` for [`Machine::Arm`], `uring` for [`Machine::IoUring`]).
pub fn machine_name(m: Machine) -> &'static str {
    if m == Machine::Loongarch64 {
        return "loongarch64";
    }
    g::MACHINE_FIRST_NAME
        .iter()
        .find(|(mm, _)| *mm == m)
        .map(|(_, n)| *n)
        .expect("generated table names every machine")
}

/// The `AUDIT_ARCH_*` code the reference puts in an `arch` field for a machine;
/// `None` for [`Machine::IoUring`], which has none (so `arch=uring` fails).
pub fn machine_audit_arch(m: Machine) -> Option<u32> {
    if m == Machine::Loongarch64 {
        return Some(g::LOONGARCH64_AUDIT_ARCH);
    }
    g::MACHINE_AUDIT_ARCH
        .iter()
        .find(|(mm, _)| *mm == m)
        .map(|(_, a)| *a)
}

/// The machine for an `AUDIT_ARCH_*` code, as the reference's `audit_elf_to_machine`.
/// `AUDIT_ARCH_PPC64LE` maps to [`Machine::Ppc64le`]; unknown codes give `None`.
pub fn machine_by_audit_arch(code: u32) -> Option<Machine> {
    g::MACHINE_AUDIT_ARCH
        .iter()
        .find(|(_, a)| *a == code)
        .map(|(m, _)| *m)
        .or_else(|| (code == g::LOONGARCH64_AUDIT_ARCH).then_some(Machine::Loongarch64))
}

/// What `arch=b32` means on a host of machine `m`, following the reference's
/// `audit_determine_machine` exactly.
///
/// x86_64 → x86, ppc64 → ppc, s390x → s390, aarch64 → arm and riscv64 → riscv32.
/// The 32-bit machines (x86, ppc, s390, arm, riscv32) map to themselves. ppc64le has
/// no 32-bit ABI: `None` (the reference's error -6). [`Machine::IoUring`] also maps to
/// itself, since the reference lets it through unchecked; it cannot be a host (no
/// `uname -m` says `uring`) and has no arch code, so using it fails later anyway.
pub fn machine_bits32(m: Machine) -> Option<Machine> {
    use Machine::*;
    match m {
        X86_64 | X86 => Some(X86),
        Ppc64 | Ppc => Some(Ppc),
        S390x | S390 => Some(S390),
        Aarch64 | Arm => Some(Arm),
        Riscv64 | Riscv32 => Some(Riscv32),
        Ppc64le | Loongarch64 => None,
        IoUring => Some(IoUring),
    }
}

/// What `arch=b64` means on a host of machine `m`, following the reference's
/// `audit_determine_machine` exactly.
///
/// The 64-bit machines (x86_64, ppc64, ppc64le, s390x, aarch64, riscv64) map to
/// themselves; the 32-bit ones give `None` (the reference's error -6), even where a
/// 64-bit counterpart exists, because b64 is never translated upwards.
/// [`Machine::IoUring`] maps to itself, as for [`machine_bits32`].
pub fn machine_bits64(m: Machine) -> Option<Machine> {
    use Machine::*;
    match m {
        X86_64 | Ppc64 | Ppc64le | S390x | Aarch64 | Riscv64 | IoUring | Loongarch64 => Some(m),
        X86 | Ppc | S390 | Arm | Riscv32 => None,
    }
}

/// The name-sorted and number-sorted tables and fold for a machine's syscalls.
/// ppc, ppc64 and ppc64le share one table, as in the reference.
type SyscallTables = (
    &'static [(&'static str, u32)],
    &'static [(u32, &'static str)],
    Fold,
);

fn syscall_tables(m: Machine) -> SyscallTables {
    use Machine::*;
    match m {
        X86 => (g::I386_BY_NAME, g::I386_BY_NUMBER, g::I386_FOLD),
        X86_64 => (g::X86_64_BY_NAME, g::X86_64_BY_NUMBER, g::X86_64_FOLD),
        Ppc64 | Ppc64le | Ppc => (g::PPC_BY_NAME, g::PPC_BY_NUMBER, g::PPC_FOLD),
        S390x => (g::S390X_BY_NAME, g::S390X_BY_NUMBER, g::S390X_FOLD),
        S390 => (g::S390_BY_NAME, g::S390_BY_NUMBER, g::S390_FOLD),
        Arm => (g::ARM_BY_NAME, g::ARM_BY_NUMBER, g::ARM_FOLD),
        Aarch64 => (g::AARCH64_BY_NAME, g::AARCH64_BY_NUMBER, g::AARCH64_FOLD),
        Riscv32 => (g::RISCV32_BY_NAME, g::RISCV32_BY_NUMBER, g::RISCV32_FOLD),
        Riscv64 => (g::RISCV64_BY_NAME, g::RISCV64_BY_NUMBER, g::RISCV64_FOLD),
        IoUring => (g::URINGOP_BY_NAME, g::URINGOP_BY_NUMBER, g::URINGOP_FOLD),
        Loongarch64 => (
            g::LOONGARCH64_BY_NAME,
            g::LOONGARCH64_BY_NUMBER,
            g::LOONGARCH64_FOLD,
        ),
    }
}

/// A syscall number by name (ASCII-case-insensitive) in the machine's table; for
/// [`Machine::IoUring`] the reference's io_uring op table (`openat` → 18), which
/// includes ops at or above [`IO_URING_OP_LAST_REFERENCE`] such as `msg_ring`.
pub fn syscall_by_name(m: Machine, name: &str) -> Option<u32> {
    let (names, _, fold) = syscall_tables(m);
    by_name(names, fold, name)
}

/// The name the reference prints for a syscall (or io_uring op) number; where a
/// table has several names for a number (i386), the first one in the table.
pub fn syscall_name(m: Machine, number: u32) -> Option<&'static str> {
    let (_, numbers, _) = syscall_tables(m);
    by_number(numbers, number)
}

/// The machine's whole syscall table as (number, printed name), ascending by number.
pub fn syscall_table(m: Machine) -> &'static [(u32, &'static str)] {
    syscall_tables(m).1
}

/// A rule field number by name, ASCII-case-insensitively (`fieldtab.h`, including
/// the alias `loginuid` for `auid`); numbers are the kernel's `AUDIT_*` field numbers.
pub fn field_by_name(name: &str) -> Option<u32> {
    by_name(g::FIELD_BY_NAME, g::FIELD_FOLD, name)
}

/// The name of a field number, the first of its names (9 → `auid`).
pub fn field_name(number: u32) -> Option<&'static str> {
    by_number(g::FIELD_BY_NUMBER, number)
}

/// A message type by name, ASCII-case-insensitively (`user_avc` finds `USER_AVC`).
/// Includes names only the kernel header has, with `in_reference == false`; the
/// reference itself rejects those (it also accepts `UNKNOWN[n]` and plain numbers,
/// which are parsing, not table lookups).
pub fn msgtype_by_name(name: &str) -> Option<&'static MsgType> {
    by_name(g::MSGTYPE_BY_NAME, g::MSGTYPE_FOLD, name).map(|i| &g::MSGTYPES[i])
}

/// A message type by number; where the reference and the kernel both name it,
/// the reference's entry.
pub fn msgtype_by_number(n: u32) -> Option<&'static MsgType> {
    // MSGTYPES is sorted by number with the reference's entry first, so the
    // partition point is the preferred entry.
    let i = g::MSGTYPES.partition_point(|t| t.number < n);
    g::MSGTYPES.get(i).filter(|t| t.number == n)
}

/// Every message type: the reference's table plus the kernel-only names, by number.
pub fn msgtypes() -> &'static [MsgType] {
    g::MSGTYPES
}

/// An errno number by name (`errtab.h`), ASCII-case-insensitively, with the
/// kernel's numbers (asm-generic, which x86_64 uses). No sign handling: the
/// reference strips a leading `-` itself before looking the name up.
pub fn errno_by_name(name: &str) -> Option<i32> {
    by_name(g::ERRNO_BY_NAME, g::ERRNO_FOLD, name)
}

/// The errno name for a positive number: the first in `errtab.h` order
/// (11 → `EAGAIN`, 35 → `EDEADLK`). Negative numbers give `None`; the reference's
/// listing negates them before asking.
pub fn errno_name(n: i32) -> Option<&'static str> {
    by_number(g::ERRNO_BY_NUMBER, n)
}

/// A `filetype=` value by name (`ftypetab.h`: `file` → 0o100000, ...). Numbers are
/// not accepted by the reference for this field.
pub fn filetype_by_name(name: &str) -> Option<u32> {
    by_name(g::FILETYPE_BY_NAME, g::FILETYPE_FOLD, name)
}

/// The `ftypetab.h` name of a file type value (the reference's listing prints the
/// number instead; this is for interpretation).
pub fn filetype_name(v: u32) -> Option<&'static str> {
    by_number(g::FILETYPE_BY_NUMBER, v)
}

/// An `fstype=` magic number by name (`fstypetab.h`; 4.2.1 has `tracefs`, `debugfs`,
/// `cgroup` and `cgroup2`).
pub fn fstype_by_name(name: &str) -> Option<u32> {
    by_name(g::FSTYPE_BY_NAME, g::FSTYPE_FOLD, name)
}

/// The `fstypetab.h` name of a filesystem magic number.
pub fn fstype_name(v: u32) -> Option<&'static str> {
    by_number(g::FSTYPE_BY_NUMBER, v)
}

/// A filter list number by name (`flagtab.h`: `task`, `exit`, `user`, `exclude`,
/// `filesystem`, `io_uring`), ASCII-case-insensitively as in 4.x.
pub fn list_by_name(name: &str) -> Option<u32> {
    by_name(g::LIST_BY_NAME, g::LIST_FOLD, name)
}

/// The name of a filter list number.
pub fn list_name(n: u32) -> Option<&'static str> {
    by_number(g::LIST_BY_NUMBER, n)
}

/// A rule action by name, case-sensitively: `auditctl` compares with `strcmp`
/// rather than libaudit's case-folding `audit_name_to_action` (`-a ALWAYS,exit`
/// is a "bad keyword" for the reference). `possible` (1) is returned because it is
/// in the table, but `auditctl` never accepts it: `-a possible,exit` is also a
/// "bad keyword", and the kernel rejects action 1.
pub fn action_by_name(name: &str) -> Option<u32> {
    by_name(g::ACTION_BY_NAME, Fold::Exact, name)
}

/// The name of a rule action number (0 `never`, 1 `possible`, 2 `always`).
pub fn action_name(n: u32) -> Option<&'static str> {
    by_number(g::ACTION_BY_NUMBER, n)
}

/// The symbol the reference prints for an operator value (`optab.h`:
/// 0x40000000 → `=`, 0x48000000 → `&=`, ...).
pub fn operator_symbol(op: u32) -> Option<&'static str> {
    by_number(g::OPERATOR_BY_NUMBER, op)
}

/// The syscall names `permtab.h` (4.2.1) lists for one perm bit (`AUDIT_PERM_EXEC`
/// 1, `WRITE` 2, `READ` 4, `ATTR` 8), in table order; empty for any other value.
/// The names are machine-neutral; the reference drops those the rule's machine lacks.
pub fn perm_syscalls(perm_bit: u32) -> &'static [&'static str] {
    g::PERM_SYSCALLS
        .iter()
        .find(|(bit, _)| *bit == perm_bit)
        .map_or(&[], |(_, names)| names)
}

/// The `AUDIT_COMPARE_*` code for `-C left op right`, as the reference's
/// `audit_rule_interfield_comp_data` computes it from two field numbers. The code
/// depends only on the unordered pair (the generator checks the reference is
/// symmetric). `None` for a field with itself, uid against gid fields, or fields
/// that cannot be compared (the reference's "incompatible comparison").
pub fn compare_code(left_field: u32, right_field: u32) -> Option<u32> {
    g::COMPARE_CODE
        .iter()
        .find(|(l, r, _)| *l == left_field && *r == right_field)
        .map(|(_, _, c)| *c)
}

/// The (left, right) field numbers the reference's listing prints for a compare
/// code (1 → (uid, obj_uid), 11 → (uid, euid)), or `None` for an unknown code
/// (the reference then prints nothing for the field).
pub fn compare_fields(code: u32) -> Option<(u32, u32)> {
    g::COMPARE_PRINTED
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, l, r)| (*l, *r))
}

/// The kernel's io_uring ops (`enum io_uring_op` of the fetched `linux/io_uring.h`),
/// ascending by number, each marked with whether the reference knows it.
pub fn uring_ops_kernel() -> &'static [UringOp] {
    g::URING_OPS_KERNEL
}

/// `AF_MAX` as the reference's build saw it: `saddr_fam` values must be below it.
///
/// libaudit compares against glibc's `AF_MAX` (`<sys/socket.h>`) at compile time,
/// so the value is baked into Debian's `libaudit.so.1`: its
/// `audit_rule_fieldpair_data` compares the parsed value with 45 and fails above
/// that (checked by disassembly of the 4.2.1-1 amd64 library), i.e. `AF_MAX == 46`.
pub const AF_MAX: u32 = 46;

/// The io_uring op limit the reference uses for `-S all` and for listing: ops below
/// this are set by `all` and printed by `-l`.
///
/// libaudit.c and auditctl-listing.c both say `#ifndef IORING_OP_LAST` /
/// `#define IORING_OP_LAST 37`, and the kernel's `IORING_OP_LAST` is an enum
/// constant, never a macro, so the fallback always wins. The generator reads both
/// fallbacks and fails if they disagree or if the kernel header turns it into a macro.
pub const IO_URING_OP_LAST_REFERENCE: u32 = g::IORING_OP_LAST_FALLBACK;

/// The io_uring ops the kernel audits (those without `audit_skip` in
/// `io_uring/opdef.c`, 7.0-era; kernel-abi.md §3). `-S all` on the io_uring
/// list means these in kaudit's extended mode.
pub const URING_OPS_AUDITED: &[u32] = &[
    9, 10, 13, 16, 17, 18, 19, 28, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 48, 50, 51, 52,
    53, 54, 55, 56, 57, 58, 62, 64,
];

/// An io_uring op by name, from the kernel's full op list (the reference's
/// table lacks some, such as `recv_zc` and `pipe`). Case-insensitive.
pub fn uring_op_by_name_kernel(name: &str) -> Option<u32> {
    syscall_by_name(Machine::IoUring, name).or_else(|| {
        uring_ops_kernel()
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .map(|o| o.number)
    })
}

/// An io_uring op's name from the kernel's full op list.
pub fn uring_op_name_kernel(number: u32) -> Option<&'static str> {
    syscall_name(Machine::IoUring, number).or_else(|| {
        uring_ops_kernel()
            .iter()
            .find(|o| o.number == number)
            .map(|o| o.name)
    })
}

/// The record types of the audit container ID patches (ghak90, never
/// merged). CONTAINER_ID's number, 1336, is mainline's URINGOP, so a number
/// 1336 always prints as URINGOP.
pub const GHAK90_MSGTYPES: &[(&str, u32)] = &[
    ("CONTAINER_OP", crate::uapi::AUDIT_CONTAINER_OP),
    ("CONTAINER_ID", crate::uapi::AUDIT_CONTAINER_ID),
];
