#!/usr/bin/env python3
"""Generate src/tables/generated.rs from the reference sources.

Usage: gen-tables.py [--cache DIR] [--check]

DIR is the cache filled by scripts/fetch-reference.sh (default: $KAUDIT_REF_CACHE,
else <repo>/.cache/reference). With --check nothing is written: the script exits 1
and prints a diff when the committed file differs from what it would generate.

The tables are read the way the reference's own build reads them:
  * lib/Makefile.am says which table header each lib/gen_tables.c run uses and with
    which flags (--lowercase/--uppercase fold the key before an exact comparison,
    --duplicate-ints allows several names per number, the first one printing);
  * debian/rules (Debian's packaging) says which --with-* options were configured,
    configure.ac maps those to WITH_* macros, and the #ifdef blocks in the tables
    are resolved with them;
  * numbers behind macro names come from the fetched kernel UAPI headers, then the
    reference's own fallback headers; a name defined twice with different values
    is an error, as it would be for the C compiler.
Only the Python standard library is used; output is deterministic.
"""

import argparse
import ast
import difflib
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "src" / "tables" / "generated.rs"

# Rust variant for each machine_t enumerator of lib/libaudit.h.
MACHINE_VARIANTS = {
    "MACH_X86": "X86",
    "MACH_86_64": "X86_64",
    "MACH_PPC64": "Ppc64",
    "MACH_PPC64LE": "Ppc64le",
    "MACH_PPC": "Ppc",
    "MACH_S390X": "S390x",
    "MACH_S390": "S390",
    "MACH_ARM": "Arm",
    "MACH_AARCH64": "Aarch64",
    "MACH_RISCV32": "Riscv32",
    "MACH_RISCV64": "Riscv64",
    "MACH_IO_URING": "IoUring",
}

# gen_tables prefix of each syscall table -> Rust constant stem.
SYSCALL_TABLES = [
    ("x86_64_syscall", "X86_64"),
    ("i386_syscall", "I386"),
    ("ppc_syscall", "PPC"),
    ("s390x_syscall", "S390X"),
    ("s390_syscall", "S390"),
    ("arm_syscall", "ARM"),
    ("aarch64_syscall", "AARCH64"),
    ("riscv32_syscall", "RISCV32"),
    ("riscv64_syscall", "RISCV64"),
    ("uringop", "URINGOP"),
]


class GenError(Exception):
    pass


def die(msg):
    raise GenError(msg)


# ---------------------------------------------------------------- C text helpers


def strip_comments(text):
    """Remove /* */ then // comments (no table string contains either)."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def preprocess(text, defined, path):
    """Resolve #ifdef/#ifndef/#else/#endif against `defined`; drop #include."""
    out, stack = [], []
    for line in strip_comments(text).splitlines():
        s = line.strip()
        if not s.startswith("#"):
            if all(stack):
                out.append(line)
            continue
        words = s[1:].split()
        if not words:
            continue
        d = words[0]
        if d in ("include", "pragma", "define", "undef"):
            continue
        if d == "ifdef":
            stack.append(words[1] in defined)
        elif d == "ifndef":
            stack.append(words[1] not in defined)
        elif d == "else":
            stack[-1] = not stack[-1]
        elif d == "endif":
            stack.pop()
        else:
            die(f"{path}: unsupported preprocessor line: {s}")
    if stack:
        die(f"{path}: unbalanced #if")
    return "\n".join(out)


class Macros:
    """Object-like #define values from a list of headers, earlier files first."""

    def __init__(self):
        self.defs = {}  # name -> list of (file, body)

    def add_file(self, path, label):
        """Collect the defines a C compiler would see, honouring #ifdef/#ifndef
        (fallback defines guarded by #ifndef lose to earlier headers). Other #if
        conditions are taken as true: the only one, linux/stat.h's glibc guard,
        covers S_IF* values that glibc defines identically."""
        text = strip_comments(path.read_text()).replace("\\\n", " ")
        stack = []
        for line in text.splitlines():
            s = line.strip()
            if not s.startswith("#"):
                continue
            words = s[1:].split()
            if not words:
                continue
            d = words[0]
            if d == "ifdef":
                stack.append(words[1] in self.defs)
            elif d == "ifndef":
                stack.append(words[1] not in self.defs)
            elif d == "if":
                stack.append(True)
            elif d == "elif":
                die(f"{label}: #elif is not supported")
            elif d == "else":
                stack[-1] = not stack[-1]
            elif d == "endif":
                stack.pop()
            elif d == "define" and all(stack):
                m = re.fullmatch(r"#\s*define\s+(\w+)(?!\()(?:\s+(.*))?", s)
                # `#define X X` marks an enum constant (linux/in.h); the
                # enum member itself carries the value (add_enums).
                if m and (m.group(2) or "").strip() != m.group(1):
                    self.defs.setdefault(m.group(1), []).append((label, (m.group(2) or "").strip()))

    def add_enums(self, path, label):
        """Collect `NAME = value` members of the `enum { ... }` blocks of a
        header (linux/personality.h defines its constants that way)."""
        text = strip_comments(path.read_text())
        for block in re.findall(r"\benum\s*\w*\s*\{(.*?)\}", text, flags=re.S):
            for m in re.finditer(r"\b([A-Za-z_]\w*)\s*=\s*([^,]+)", block):
                self.defs.setdefault(m.group(1), []).append((label, m.group(2).strip()))

    def origin(self, name):
        """The header(s) that define a name, for the generated file's docs."""
        return ", ".join(sorted({lbl for lbl, _ in self.defs[name]}))

    def value(self, name, seen=()):
        if name not in self.defs:
            die(f"macro {name} is not defined in any source header")
        if name in seen:
            die(f"macro {name} is recursive")
        vals = {(lbl, self.eval(body, seen + (name,))) for lbl, body in self.defs[name]}
        if len({v for _, v in vals}) != 1:
            die(f"macro {name} has conflicting definitions: {sorted(vals)}")
        return next(iter(vals))[1]

    def eval(self, expr, seen=()):
        expr = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", lambda m: c_int(m.group(1)), expr)
        expr = re.sub(r"\b([A-Za-z_]\w*)\b", lambda m: str(self.value(m.group(1), seen)), expr)
        return eval_int(expr)


def c_int(tok):
    if tok.lower().startswith("0x"):
        return str(int(tok, 16))
    if len(tok) > 1 and tok.startswith("0"):
        return str(int(tok, 8))
    return tok


ALLOWED_AST = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.BitOr, ast.BitAnd,
               ast.LShift, ast.RShift, ast.Add, ast.Sub, ast.Invert, ast.USub)


def eval_int(expr):
    tree = ast.parse(expr.strip(), mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_AST):
            die(f"cannot evaluate C expression {expr!r}")
    return eval(compile(tree, "<c-expr>", "eval"), {"__builtins__": {}})  # noqa: S307


def value_of(tok, macros):
    tok = tok.strip()
    if re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)", tok):
        return int(c_int(tok))
    if tok in MACHINE_VARIANTS:
        return tok
    return macros.value(tok)


# ---------------------------------------------------------------- sources


class Sources:
    def __init__(self, cache):
        self.cache = cache
        srcs = sorted((cache / "src").glob("audit-userspace-*"))
        if not srcs:
            die(f"no audit-userspace source tree under {cache}/src")
        self.us = srcs[-1]
        self.inc = cache / "root" / "usr" / "include"
        self.used = []  # files read, relative to the cache, in first-use order

    def path(self, p):
        p = Path(p)
        full = p if p.is_absolute() else self.cache / p
        if not full.exists():
            die(f"missing source file {full}")
        rel = full.relative_to(self.cache).as_posix()
        if rel not in self.used:
            self.used.append(rel)
        return full

    def lib(self, name):
        return self.path(self.us / "lib" / name)

    def read(self, p):
        return self.path(p).read_text()


def read_versions(cache):
    f = cache / "versions"
    if not f.exists():
        die(f"missing {f}")
    return [tuple(line.split(None, 1)) for line in f.read_text().splitlines() if line.strip()]


def debian_defines(src):
    """WITH_* macros Debian's build defines: debian/rules --with-X, mapped via configure.ac."""
    tars = sorted(src.cache.glob("src/audit_*.debian.tar.*"))
    if not tars:
        die("no Debian packaging tarball (src/audit_*.debian.tar.*) in the cache")
    tar_path = src.path(tars[-1])
    with tarfile.open(tar_path) as tf:
        rules = tf.extractfile("debian/rules").read().decode()
    src.used.append(f"{tar_path.relative_to(src.cache).as_posix()}:debian/rules")
    configure = src.read(src.us / "configure.ac")
    with_macro = {}
    for m in re.finditer(r"AC_ARG_WITH\(\[?(\w+)\]?,(.*?)(?=AC_ARG_WITH\(|\Z)", configure, re.S):
        d = re.search(r"AC_DEFINE\((WITH_\w+)", m.group(2))
        if d:
            with_macro[m.group(1)] = d.group(1)
    conf = re.search(r"dh_auto_configure\s+--(.*?)\n\s*touch", rules, re.S)
    if not conf:
        die("debian/rules: configure call not found")
    opts = re.findall(r"--with-([\w-]+)", conf.group(1))
    return sorted({with_macro[o] for o in opts if o in with_macro})


def gen_table_runs(src):
    """Makefile.am: prefix -> (table header, flags) for every gen_tables run."""
    mk = src.read(src.us / "lib" / "Makefile.am").replace("\\\n", " ")
    headers = dict(re.findall(r"gen_(\w+)_h_CFLAGS\s*=\s*'-DTABLE_H=\"([\w.]+)\"'", mk))
    runs = {}
    for m in re.finditer(r"\./gen_(\w+)_h((?:\s+--[\w-]+)*)\s+(\w+)\s*>", mk):
        prog, flags, prefix = m.group(1), set(m.group(2).split()), m.group(3)
        runs[prefix] = (headers[prog], flags)
    return runs


class Table:
    """One gen_tables input: entries in file order plus the build flags."""

    def __init__(self, prefix, entries, flags, unique_names=True):
        self.prefix, self.entries, self.flags = prefix, entries, flags
        names = [n for _, n in entries]
        # gen_tables checks names only where it builds a name lookup (--s2i).
        if unique_names and len(set(names)) != len(names):
            die(f"{prefix}: duplicate name (gen_tables would abort)")
        vals = [v for v, _ in entries]
        if "--duplicate-ints" not in flags and len(set(vals)) != len(vals):
            die(f"{prefix}: duplicate number without --duplicate-ints")
        for n in names:
            if "--lowercase" in flags and re.search(r"[A-Z]", n):
                die(f"{prefix}: {n!r} is not lower case")
            if "--uppercase" in flags and re.search(r"[a-z]", n):
                die(f"{prefix}: {n!r} is not upper case")

    @property
    def fold(self):
        if "--lowercase" in self.flags:
            return "Lower"
        if "--uppercase" in self.flags:
            return "Upper"
        return "Exact"

    def by_name(self):
        return sorted(((n, v) for v, n in self.entries), key=lambda e: e[0].encode())

    def by_number(self):
        # The first name given for a number is the one printed (gen_tables keeps file order).
        first = {}
        for v, n in self.entries:
            first.setdefault(v, n)
        return sorted(first.items())


def read_table(src, runs, prefix, defined, macros):
    header, flags = runs[prefix]
    path = src.lib(header)
    text = preprocess(path.read_text(), defined, path.name)
    entries = []
    for m in re.finditer(r"_S\(\s*([^,]+?)\s*,\s*\"([^\"]*)\"\s*\)", text):
        entries.append((value_of(m.group(1), macros), m.group(2)))
    if not entries:
        die(f"{header}: no entries")
    return Table(prefix, entries, flags)


# auparse's interpretation tables that `auditctl -l -i` uses for a0..a3
# (print_a0..print_a3 of auparse/interpret.c and the printers they call):
# (gen_tables prefix, Rust constant stem). auparse/Makefile.am says how each is
# built: `--i2s` (a number -> name lookup: sorted by number, one name each) or
# `--i2s-transtab` (a flag table walked in file order); `--64bit` tables are
# built by gen_tables64.c with 64-bit values, the others hold C ints.
INTERP_TABLES = [
    ("signal", "SIGNAL"),
    ("open_flag", "OPEN_FLAG"),
    ("person", "PERSON"),
    ("sock_type", "SOCK_TYPE"),
    ("fam", "FAM"),
    ("access", "ACCESS"),
    ("access_flag", "ACCESS_FLAG"),
    ("cap", "CAP"),
    ("clock", "CLOCK"),
    ("clone_flag", "CLONE_FLAG"),
    ("epoll_ctl", "EPOLL_CTL"),
    ("fcntl", "FCNTL"),
    ("fsconfig", "FSCONFIG"),
    ("ioctlreq", "IOCTLREQ"),
    ("ipc", "IPC"),
    ("ipccmd", "IPCCMD"),
    ("ipoptname", "IPOPTNAME"),
    ("ip6optname", "IP6OPTNAME"),
    ("mmap", "MMAP"),
    ("mount", "MOUNT"),
    ("prctl_opt", "PRCTL_OPT"),
    ("pktoptname", "PKTOPTNAME"),
    ("prot", "PROT"),
    ("recv", "RECV"),
    ("rlimit", "RLIMIT"),
    ("ptrace", "PTRACE"),
    ("sched", "SCHED"),
    ("seek", "SEEK"),
    ("shm_mode", "SHM_MODE"),
    ("socklevel", "SOCKLEVEL"),
    ("sockoptname", "SOCKOPTNAME"),
    ("sock", "SOCK"),
    ("tcpoptname", "TCPOPTNAME"),
    ("umount", "UMOUNT"),
    ("bpf", "BPF"),
    ("xattr_atflag", "XATTR_ATFLAG"),
]

# Constants the printers test arguments against (auparse takes them from
# glibc's headers, whose values on amd64 are the kernel's): (name, header the
# generator reads it from, relative to the cache's include directory, or
# "glibc" for GLIBC_SOCKET_H, or "lib" for the reference's lib/gen_tables.c).
INTERP_CONSTANTS = [
    "PER_MASK", "ADDR_NO_RANDOMIZE", "O_ACCMODE", "O_CREAT", "S_IFMT", "S_ISUID", "S_ISGID",
    "S_ISVTX", "S_IRWXU", "S_IRWXG", "S_IRWXO", "SCHED_RESET_ON_FORK", "PR_SET_PDEATHSIG",
    "PR_CAPBSET_READ", "PR_CAPBSET_DROP", "F_SETFD", "F_SETOWN", "FD_CLOEXEC", "SOL_SOCKET",
    "SOL_PACKET", "IPPROTO_IP", "IPPROTO_TCP", "IPPROTO_UDP", "IPPROTO_IPV6",
]

# Kernel UAPI headers for the macros of the interpretation tables and constants.
INTERP_HEADERS = ["linux/mount.h", "linux/net.h", "linux/prctl.h", "linux/sched.h",
                  "asm-generic/socket.h"]

# glibc's socket header, for the AF_* names of famtab.h (the kernel's UAPI
# headers do not define them). The numbers are the Linux ABI; the header is
# the build machine's libc6-dev, which every Rust build needs for linking.
GLIBC_SOCKET_H = Path("/usr/include/x86_64-linux-gnu/bits/socket.h")


def auparse_runs(src):
    """auparse/Makefile.am: prefix -> (table header, flags, generator source)."""
    mk = src.read(src.us / "auparse" / "Makefile.am").replace("\\\n", " ")
    headers = dict(re.findall(r"gen_([\w-]+)_h_CFLAGS\s*=\s*'-DTABLE_H=\"([\w.-]+)\"'", mk))
    sources = dict(re.findall(r"gen_([\w-]+)_h_SOURCES\s*=\s*\.\./lib/(gen_tables\w*)\.c", mk))
    runs = {}
    for m in re.finditer(r"\./gen_([\w-]+?)(?:_h)?((?:\s+--[\w-]+)*)\s+(\w+)\s*>", mk):
        prog, flags, prefix = m.group(1), set(m.group(2).split()), m.group(3)
        # automake spells `-` in a program name as `_` in its variables.
        key = prog.replace("-", "_")
        if key in headers:
            runs[prefix] = (headers[key], flags, sources.get(key))
    return runs


def c_int32(v):
    """A value as the C int gen_tables.c stores it (two's complement wrap)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def interp_tables(src, defined, macros):
    """The interpretation tables, each as (stem, kind, header, rows): kind
    "i2s" rows are (C int, name) by number, first name of each; "transtab"
    rows are (bits, name) in file order, 32-bit tables cut to their C int's
    32 bits (the printers AND them with a 32-bit value)."""
    runs = auparse_runs(src)
    out = []
    for prefix, stem in INTERP_TABLES:
        if prefix not in runs:
            die(f"auparse/Makefile.am builds no table {prefix!r}")
        header, flags, gen = runs[prefix]
        wide = "--64bit" in flags
        if wide != (gen == "gen_tables64"):
            die(f"{header}: --64bit and the generator source ({gen}) disagree")
        if "--i2s-transtab" in flags:
            kind = "transtab"
        elif "--i2s" in flags:
            kind = "i2s"
        else:
            die(f"{header}: built with {sorted(flags)}, neither --i2s nor --i2s-transtab")
        if kind == "i2s" and wide:
            die(f"{header}: a 64-bit i2s table is not supported")
        path = src.path(src.us / "auparse" / header)
        text = preprocess(path.read_text(), defined, path.name)
        entries = [(macros.eval(m.group(1)), m.group(2))
                   for m in re.finditer(r"_S\(\s*([^,]+?)\s*,\s*\"([^\"]*)\"\s*\)", text)]
        if not entries:
            die(f"{header}: no entries")
        if kind == "i2s":
            entries = [(c_int32(v), n) for v, n in entries]
            rows = Table(prefix, entries, flags, unique_names=False).by_number()
        else:
            mask = (1 << 64) - 1 if wide else 0xFFFFFFFF
            rows = [(v & mask, n) for v, n in Table(prefix, entries, flags, unique_names=False).entries]
        out.append((stem, kind, header, rows))
    return out


def elf_table(src, defined, macros):
    text = preprocess(src.read(src.us / "lib" / "lookup_table.c"), defined, "lookup_table.c")
    body = re.search(r"int_transtab elftab\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not body:
        die("lookup_table.c: elftab not found")
    return [(MACHINE_VARIANTS[m], macros.value(a))
            for m, a in re.findall(r"\{\s*(MACH_\w+)\s*,\s*(AUDIT_ARCH_\w+)\s*\}", body.group(1))]


def compare_tables(src, macros):
    """-C codes: the (field1, field2) switch in libaudit.c and the -l spelling."""
    text = strip_comments(src.read(src.us / "lib" / "libaudit.c"))
    fn = re.search(r"int audit_rule_interfield_comp_data\(.*?\n\}\n", text, re.S)
    if not fn:
        die("libaudit.c: audit_rule_interfield_comp_data not found")
    # An outer case is followed by `switch (field2)`, an inner one by the assignment.
    toks = re.findall(r"switch\s*\(\s*(field[12])\s*\)|case\s+(AUDIT_\w+)\s*:|"
                      r"values\[[^]]*\]\s*=\s*(AUDIT_COMPARE_\w+)", fn.group(0))
    pairs, outer = [], None
    for (_, case, _), (sw, _, code) in zip(toks, toks[1:]):
        if case and sw == "field2":
            outer = case
        elif case and code:
            if outer is None:
                die("libaudit.c: -C case outside a field1 case")
            pairs.append((macros.value(outer), macros.value(case), macros.value(code)))
    listing = strip_comments(src.read(src.us / "src" / "auditctl-listing.c"))
    fn = re.search(r"static void print_field_cmp\(.*?\n\}\n", listing, re.S)
    if not fn:
        die("auditctl-listing.c: print_field_cmp not found")
    printed = [(macros.value(c), a, b)
               for c, a, b in re.findall(r"case\s+(AUDIT_COMPARE_\w+)\s*:\s*printf\(\"\s*-C (\w+)%s(\w+)\"",
                                         fn.group(0))]
    return pairs, printed


def iouring_last_fallback(src):
    vals = set()
    for f in (src.us / "lib" / "libaudit.c", src.us / "src" / "auditctl-listing.c"):
        m = re.search(r"#ifndef IORING_OP_LAST\s*\n\s*#define IORING_OP_LAST\s+(\d+)", src.read(f))
        if not m:
            die(f"{f.name}: IORING_OP_LAST fallback not found")
        vals.add(int(m.group(1)))
    hdr = strip_comments(src.read(src.inc / "linux" / "io_uring.h"))
    if re.search(r"#\s*define\s+IORING_OP_LAST\b", hdr):
        die("io_uring.h defines IORING_OP_LAST as a macro; the fallback would not apply")
    if len(vals) != 1:
        die(f"IORING_OP_LAST fallbacks disagree: {vals}")
    return vals.pop()


def kernel_uring_ops(src):
    hdr = strip_comments(src.read(src.inc / "linux" / "io_uring.h"))
    body = re.search(r"enum io_uring_op\s*\{(.*?)\};", hdr, re.S)
    if not body:
        die("io_uring.h: enum io_uring_op not found")
    ops, nxt = [], 0
    for item in body.group(1).split(","):
        item = item.strip()
        if not item:
            continue
        m = re.fullmatch(r"IORING_OP_(\w+)(?:\s*=\s*(\d+))?", item)
        if not m:
            die(f"io_uring.h: unexpected enum item {item!r}")
        if m.group(2):
            nxt = int(m.group(2))
        if m.group(1) != "LAST":
            ops.append((nxt, m.group(1).lower()))
        nxt += 1
    return ops


def kernel_msgtypes(src, macros):
    """Message types of linux/audit.h: the block from AUDIT_GET to AUDIT_KERNEL."""
    hdr = strip_comments(src.read(src.inc / "linux" / "audit.h"))
    block = re.search(r"(#define\s+AUDIT_GET\b.*?#define\s+AUDIT_KERNEL\b[^\n]*)", hdr, re.S)
    if not block:
        die("linux/audit.h: message type block not found")
    out = []
    for name in re.findall(r"#define\s+AUDIT_(\w+)", block.group(1)):
        if name.startswith(("FIRST_", "LAST_")) or "_FIRST_" in name or "_LAST_" in name:
            continue
        out.append((macros.value("AUDIT_" + name), name))
    return out


# Architectures the kernel defines (AUDIT_ARCH_*) that the reference's tables
# lack: (Rust constant stem, name, AUDIT_ARCH macro, Debian multiarch include
# directory whose asm/unistd_64.h numbers the syscalls).
KERNEL_ONLY_MACHINES = [
    ("LOONGARCH64", "loongarch64", "AUDIT_ARCH_LOONGARCH64", "loongarch64-linux-gnu"),
]


def kernel_syscalls(src, triplet):
    """(number, name) of an architecture's asm/unistd_64.h, sorted by number."""
    hdr = strip_comments(src.read(src.inc / triplet / "asm" / "unistd_64.h"))
    calls = sorted((int(n), name) for name, n in re.findall(r"#define\s+__NR_(\w+)\s+(\d+)\b", hdr))
    if len(calls) < 200:
        die(f"{triplet}/asm/unistd_64.h: only {len(calls)} syscalls")
    return calls


def check_against_binary(src, tables):
    """The build options read from debian/rules must match Debian's libaudit.so:
    every name of the option-dependent tables must be in its string tables."""
    libs = sorted(src.cache.glob("root/usr/lib/*/libaudit.so.1"))
    if not libs:
        die("no libaudit.so.1 in the cache to check the build options against")
    data = src.path(libs[0]).read_bytes()
    for prefix in ("machine", "flag", "msg_type", "uringop", "arm_syscall", "aarch64_syscall",
                   "riscv32_syscall", "riscv64_syscall"):
        for _, name in tables[prefix].entries:
            if name.encode() + b"\0" not in data:
                die(f"{prefix} name {name!r} is not in {libs[0].name}; build options differ")


# ---------------------------------------------------------------- Rust output


def rs_str(s):
    if not re.fullmatch(r"[\x20-\x7e]*", s) or '"' in s or "\\" in s:
        die(f"unexpected characters in {s!r}")
    return f'"{s}"'


def hexnum(v):
    return f"0x{v:08X}" if v > 0xFFFF else str(v)


def emit_pairs(out, name, ty, rows, doc):
    out.append(f"/// {doc}")
    out.append(f"pub(super) static {name}: &[{ty}] = &[")
    for row in rows:
        out.append(f"    ({', '.join(row)}),")
    out.append("];")
    out.append("")


def generate(cache):
    src = Sources(cache)
    versions = read_versions(cache)
    defined = debian_defines(src)
    runs = gen_table_runs(src)

    macros = Macros()
    for rel in ("linux/audit.h", "linux/elf-em.h", "linux/stat.h", "asm-generic/errno-base.h",
                "asm-generic/errno.h", "linux/io_uring.h", "asm-generic/fcntl.h"):
        macros.add_file(src.path(src.inc / rel), rel)
    for rel in ("libaudit.h", "audit-records.h"):
        macros.add_file(src.lib(rel), rel)

    tables = {p: read_table(src, runs, p, defined, macros)
              for p in ["machine", "field", "msg_type", "err", "ftype", "fstype", "flag", "action",
                        "perm"] + [t for t, _ in SYSCALL_TABLES]}
    ops = read_table(src, runs, "op", defined, macros)
    elf = elf_table(src, defined, macros)
    pairs, printed = compare_tables(src, macros)
    last_fallback = iouring_last_fallback(src)
    kops = kernel_uring_ops(src)
    kmsgs = kernel_msgtypes(src, macros)
    macros.add_enums(src.path(src.inc / "linux/personality.h"), "linux/personality.h")
    if not GLIBC_SOCKET_H.exists():
        die(f"missing {GLIBC_SOCKET_H} (Debian's libc6-dev)")
    macros.add_file(GLIBC_SOCKET_H, "bits/socket.h")
    for rel in INTERP_HEADERS:
        macros.add_file(src.path(src.inc / rel), rel)
    macros.add_file(src.path(src.inc / "linux/in.h"), "linux/in.h")
    macros.add_enums(src.path(src.inc / "linux/in.h"), "linux/in.h")
    # SEMOP..DIPC of ipctab.h are #defines of the table generator itself.
    macros.add_file(src.lib("gen_tables.c"), "lib/gen_tables.c")
    interp = interp_tables(src, defined, macros)

    # Consistency checks that the hand-written API relies on.
    fields = dict(tables["field"].by_name())
    for code, a, b in printed:
        if (fields[a], fields[b], code) not in pairs and (fields[b], fields[a], code) not in pairs:
            die(f"-C code {code} prints {a}/{b} but libaudit.c never produces it for that pair")
    for a, b, code in pairs:
        if (b, a, code) not in pairs:
            die(f"-C pair ({a},{b}) -> {code} is not symmetric")
    ref_ops = dict(tables["uringop"].entries)
    for num, name in kops:
        if num in ref_ops and ref_ops[num] != name:
            die(f"io_uring op {num}: kernel {name!r}, reference {ref_ops[num]!r}")
    if set(ref_ops) - {n for n, _ in kops}:
        die("reference io_uring ops missing from the kernel enum")

    check_against_binary(src, tables)

    # Message types: reference entries plus kernel-only names.
    ref_msgs = {n: v for v, n in tables["msg_type"].entries}
    msgs = [(v, n, True) for n, v in ref_msgs.items()]
    for v, n in kmsgs:
        if n in ref_msgs:
            if ref_msgs[n] != v:
                die(f"message type {n}: kernel {v}, reference {ref_msgs[n]}")
        else:
            msgs.append((v, n, False))
    msgs.sort(key=lambda e: (e[0], not e[2], e[1]))
    msg_index = sorted(((n, i) for i, (_, n, _) in enumerate(msgs)), key=lambda e: e[0].encode())

    lib = src.us.relative_to(cache).as_posix() + "/lib/"
    out = [
        "// @generated by scripts/gen-tables.py -- DO NOT EDIT.",
        "// Regenerate with `python3 scripts/gen-tables.py`; check with `--check`.",
        "//",
        "// Package versions (Debian unstable):",
    ]
    out += [f"//   {p} {v}" for p, v in versions]
    out += ["//", "// Debian build options (debian/rules via configure.ac): " + ", ".join(defined) + ".",
            "//", "// Sources read (relative to the reference cache):"]
    out += [f"//   {u}" for u in src.used]
    out += [f"// and {GLIBC_SOCKET_H} (the AF_* numbers of famtab.h)."]
    out += ["", "use super::{Fold, Machine, MsgType, UringOp};", ""]

    out.append("/// `IORING_OP_LAST` as the reference's own fallback `#define` has it.")
    out.append(f"pub(super) const IORING_OP_LAST_FALLBACK: u32 = {last_fallback};")
    out.append("")

    def table_fold(prefix):
        return f"Fold::{tables[prefix].fold}"

    for prefix, const in [("machine", "MACHINE"), ("field", "FIELD"), ("err", "ERRNO"),
                          ("ftype", "FILETYPE"), ("fstype", "FSTYPE"), ("flag", "LIST"),
                          ("action", "ACTION")] + SYSCALL_TABLES:
        t = tables[prefix]
        vty = "Machine" if prefix == "machine" else ("i32" if prefix == "err" else "u32")

        def fmt(v, prefix=prefix):
            if prefix == "machine":
                return "Machine::" + MACHINE_VARIANTS[v]
            return hexnum(v) if prefix in ("fstype",) else str(v)

        # auditctl matches actions with strcmp, not libaudit's folding lookup,
        # so no fold is emitted for the action table.
        if prefix != "action":
            out.append(f"/// Name lookups in `{runs[prefix][0]}` fold the key like this.")
            out.append(f"pub(super) const {const}_FOLD: Fold = {table_fold(prefix)};")
            out.append("")
        emit_pairs(out, f"{const}_BY_NAME", f"(&str, {vty})",
                   [(rs_str(n), fmt(v)) for n, v in t.by_name()],
                   f"`{runs[prefix][0]}`, sorted by name bytes.")
        if prefix == "machine":
            rows = [(fmt(v), rs_str(n)) for v, n in t.entries
                    if n == next(n2 for v2, n2 in t.entries if v2 == v)]
            emit_pairs(out, "MACHINE_FIRST_NAME", "(Machine, &str)", rows,
                       "`machinetab.h`: the first name of each machine, in file order.")
        else:
            emit_pairs(out, f"{const}_BY_NUMBER", f"({vty}, &str)",
                       [(fmt(v), rs_str(n)) for v, n in t.by_number()],
                       f"`{runs[prefix][0]}`, sorted by number; the first name for a number.")

    emit_pairs(out, "OPERATOR_BY_NUMBER", "(u32, &str)",
               [(hexnum(v), rs_str(n)) for v, n in ops.by_number()],
               "`optab.h`, sorted by operator value.")
    for stem, name, arch_macro, triplet in KERNEL_ONLY_MACHINES:
        calls = kernel_syscalls(src, triplet)
        out.append(f"/// `{arch_macro}` from `linux/audit.h` ({name}, beyond the reference).")
        out.append(f"pub(super) const {stem}_AUDIT_ARCH: u32 = {hexnum(macros.value(arch_macro))};")
        out.append("")
        out.append(f"/// {name} names fold like the reference's syscall tables (ASCII lower case).")
        out.append(f"pub(super) const {stem}_FOLD: Fold = Fold::Lower;")
        out.append("")
        emit_pairs(out, f"{stem}_BY_NAME", "(&str, u32)",
                   [(rs_str(n), str(v)) for v, n in sorted(calls, key=lambda c: c[1].encode())],
                   f"`{triplet}/asm/unistd_64.h` (kernel headers), sorted by name bytes.")
        emit_pairs(out, f"{stem}_BY_NUMBER", "(u32, &str)",
                   [(str(v), rs_str(n)) for v, n in calls],
                   f"`{triplet}/asm/unistd_64.h` (kernel headers), sorted by number.")
    emit_pairs(out, "MACHINE_AUDIT_ARCH", "(Machine, u32)",
               [("Machine::" + m, hexnum(a)) for m, a in elf],
               "`elftab` of `lookup_table.c`, in file order.")

    out.append("/// `permtab.h`: perm bit and its syscall names, in file order.")
    out.append("pub(super) static PERM_SYSCALLS: &[(u32, &[&str])] = &[")
    for v, names in tables["perm"].entries:
        out.append("    (")
        out.append(f"        {v},")
        out.append("        &[")
        out += [f"            {rs_str(n)}," for n in names.split(",")]
        out.append("        ],")
        out.append("    ),")
    out.append("];")
    out.append("")

    emit_pairs(out, "COMPARE_CODE", "(u32, u32, u32)",
               [tuple(map(str, p)) for p in sorted(pairs)],
               "`-C`: (field1, field2, code) as `audit_rule_interfield_comp_data` maps them.")
    emit_pairs(out, "COMPARE_PRINTED", "(u32, u32, u32)",
               [(str(c), str(fields[a]), str(fields[b])) for c, a, b in sorted(printed)],
               "`-C` codes with the (left, right) fields `print_field_cmp` prints.")

    out.append("/// Message types: the reference table plus kernel-only names, by number;")
    out.append("/// for a number with several names the reference's comes first.")
    out.append("pub(super) static MSGTYPES: &[MsgType] = &[")
    for v, n, ref in msgs:
        out.append("    MsgType {")
        out.append(f"        number: {v},")
        out.append(f"        name: {rs_str(n)},")
        out.append(f"        in_reference: {'true' if ref else 'false'},")
        out.append("    },")
    out.append("];")
    out.append("")
    out.append("/// `msg_typetab.h` folds the key like this.")
    out.append(f"pub(super) const MSGTYPE_FOLD: Fold = {table_fold('msg_type')};")
    out.append("")
    emit_pairs(out, "MSGTYPE_BY_NAME", "(&str, usize)",
               [(rs_str(n), str(i)) for n, i in msg_index],
               "Index into `MSGTYPES`, sorted by name bytes.")

    for stem, kind, header, rows in interp:
        if kind == "transtab":
            emit_pairs(out, f"INTERP_{stem}", "(u64, &str)",
                       [(hexnum(v), rs_str(n)) for v, n in rows],
                       f"`auparse/{header}`, in file order (auparse walks it as flags).")
        else:
            emit_pairs(out, f"INTERP_{stem}", "(i32, &str)",
                       [(hexnum(v) if v >= 0 else str(v), rs_str(n)) for v, n in rows],
                       f"`auparse/{header}`: the first name of each number (a C int), by number.")
    for name in INTERP_CONSTANTS:
        out.append(f"/// `{name}` from `{macros.origin(name)}`.")
        out.append(f"pub(super) const {name}: u64 = {hexnum(macros.value(name))};")
        out.append("")

    out.append("/// `enum io_uring_op` of the kernel header, by number.")
    out.append("pub(super) static URING_OPS_KERNEL: &[UringOp] = &[")
    for num, name in kops:
        out.append("    UringOp {")
        out.append(f"        number: {num},")
        out.append(f"        name: {rs_str(name)},")
        out.append(f"        in_reference: {'true' if num in ref_ops else 'false'},")
        out.append("    },")
    out.append("];")
    return rustfmt("\n".join(out) + "\n")


def rustfmt(text):
    """Format like `cargo fmt` does, so the committed file stays rustfmt-clean and
    --check compares like with like."""
    try:
        r = subprocess.run(["rustfmt", "--edition", "2021", "--emit", "stdout"], input=text,
                           capture_output=True, text=True, cwd=REPO, check=False)
    except FileNotFoundError:
        die("rustfmt not found on PATH (rustup component add rustfmt)")
    if r.returncode != 0:
        die(f"rustfmt failed:\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_cache = os.environ.get("KAUDIT_REF_CACHE") or str(REPO / ".cache" / "reference")
    ap.add_argument("--cache", default=default_cache, help="reference cache directory")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()
    try:
        text = generate(Path(args.cache).resolve())
    except GenError as e:
        print(f"gen-tables: {e}", file=sys.stderr)
        return 2
    if args.check:
        old = OUTPUT.read_text() if OUTPUT.exists() else ""
        if old == text:
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), text.splitlines(True),
            "committed/" + OUTPUT.relative_to(REPO).as_posix(),
            "generated/" + OUTPUT.relative_to(REPO).as_posix()))
        print("gen-tables: src/tables/generated.rs is out of date; run scripts/gen-tables.py",
              file=sys.stderr)
        return 1
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
