//! The cases: every rule line of the corpus, and a generated matrix.

use std::path::{Path, PathBuf};

/// What a line does, which decides whether it may be sent to the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Adds a rule (`-a`, `-A`, `-w`): executed by both sides.
    Add,
    /// Deletes a rule (`-d`, `-W`): executed against a rule the test adds first.
    Delete,
    /// A control line (`-b`, `-f`, `-e`, `-r`, `-D`, `-i`, `-c`, long options, ...):
    /// only parsed by kaudit, never executed.
    Control,
}

/// One line to test.
#[derive(Clone, Debug)]
pub struct Case {
    /// Where it comes from: `corpus:FILE:LINE` or `matrix:GROUP`.
    pub origin: String,
    /// The line exactly as it goes into the rules file.
    pub text: String,
    /// What it does.
    pub kind: Kind,
    /// A rule line the reference loads first (part of the table both sides
    /// start from): a fixture on the same list, so that `-A` versus `-a`
    /// shows in the position of the new rule.
    pub setup: Option<String>,
}

/// Classifies a line by its option tokens (split on spaces, as `-R` does).
/// Anything that could change kernel state other than adding or deleting
/// one rule (-e, -f, -b, -r, -D, -q, -t, -m, -R, long options) makes the line
/// a control line, which is never executed.
pub fn classify(text: &str) -> Kind {
    let mut add = false;
    let mut del = false;
    let mut prev_takes_arg = false;
    for t in text.split(' ').filter(|t| !t.is_empty()) {
        let b = t.as_bytes();
        if prev_takes_arg {
            prev_takes_arg = false;
            if b.first() != Some(&b'-') {
                continue;
            }
        }
        if b.len() < 2 || b[0] != b'-' {
            continue;
        }
        if b[1] == b'-' {
            return Kind::Control;
        }
        match b[1] {
            b'a' | b'A' | b'w' => add = true,
            b'd' | b'W' => del = true,
            b'e' | b'f' | b'b' | b'r' | b'D' | b'q' | b't' | b'm' | b'R' => return Kind::Control,
            _ => {}
        }
        prev_takes_arg = b.len() == 2
            && matches!(
                b[1],
                b'a' | b'A' | b'd' | b'w' | b'W' | b'S' | b'F' | b'C' | b'k' | b'p'
            );
    }
    if del {
        Kind::Delete
    } else if add {
        Kind::Add
    } else {
        Kind::Control
    }
}

/// The corpus directory ([`crate::paths::corpus`]), if it is there.
pub fn corpus_dir() -> Option<PathBuf> {
    let p = crate::paths::corpus();
    p.is_dir().then_some(p)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rules") {
            out.push(p);
        }
    }
}

/// Every rule line of every `.rules` file under the corpus (comments and
/// blank lines skipped as `-R` skips them). Duplicated lines are kept once.
pub fn corpus(dir: &Path) -> Vec<Case> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
        for (i, line) in text.lines().enumerate() {
            let first = line.split(' ').find(|t| !t.is_empty());
            match first {
                None => continue,
                Some(t) if t.starts_with('#') => continue,
                _ => {}
            }
            if !seen.insert(line.to_string()) {
                continue;
            }
            out.push(Case {
                origin: format!("corpus:{rel}:{}", i + 1),
                text: line.to_string(),
                kind: classify(line),
                setup: None,
            });
        }
    }
    out
}

/// Every field name of reference §2.1, with a plausible value.
const FIELDS: &[(&str, &str)] = &[
    ("pid", "1"),
    ("uid", "0"),
    ("euid", "0"),
    ("suid", "0"),
    ("fsuid", "0"),
    ("gid", "0"),
    ("egid", "0"),
    ("sgid", "0"),
    ("fsgid", "0"),
    ("auid", "1000"),
    ("loginuid", "1000"),
    ("pers", "1"),
    ("arch", "b64"),
    ("msgtype", "EOE"),
    ("subj_user", "system_u"),
    ("subj_role", "system_r"),
    ("subj_type", "kernel_t"),
    ("subj_sen", "s0"),
    ("subj_clr", "s0:c0.c1023"),
    ("ppid", "1"),
    ("obj_user", "system_u"),
    ("obj_role", "object_r"),
    ("obj_type", "etc_t"),
    ("obj_lev_low", "s0"),
    ("obj_lev_high", "s0"),
    ("sessionid", "1"),
    ("fstype", "debugfs"),
    ("devmajor", "8"),
    ("devminor", "1"),
    ("inode", "2"),
    ("exit", "-EACCES"),
    ("success", "1"),
    ("path", "/etc/hosts"),
    ("perm", "wa"),
    ("dir", "/etc"),
    ("filetype", "file"),
    ("obj_uid", "0"),
    ("obj_gid", "0"),
    ("field_compare", "1"),
    ("exe", "/usr/bin/ls"),
    ("saddr_fam", "2"),
    ("a0", "1"),
    ("a1", "1"),
    ("a2", "1"),
    ("a3", "1"),
    ("key", "KEY"),
];

const OPS: &[&str] = &["=", "!=", ">", "<", ">=", "<=", "&", "&="];
const LISTS: &[&str] = &["user", "task", "exit", "exclude", "filesystem", "io_uring"];

struct Gen {
    out: Vec<Case>,
}

impl Gen {
    /// Adds a case; `f` gets this case's unique key (`kct-N`).
    fn push(&mut self, group: &str, f: impl FnOnce(&str) -> String) {
        let key = format!("kct-{}", self.out.len());
        let text = f(&key);
        let kind = classify(&text);
        self.out.push(Case {
            origin: format!("matrix:{group}"),
            text,
            kind,
            setup: None,
        });
    }

    /// Adds a case that starts from a table holding the `setup` rule too.
    fn push_after(&mut self, group: &str, setup: &str, f: impl FnOnce(&str) -> String) {
        self.push(group, f);
        let last = self.out.len() - 1;
        self.out[last].setup = Some(setup.replace("{K}", &format!("kct-{last}-fixture")));
    }
}

/// A key of exactly `len` bytes that starts with the case's unique key.
fn padded(key: &str, len: usize) -> String {
    let mut k = format!("{key}-");
    while k.len() < len {
        k.push('x');
    }
    k.truncate(len);
    k
}

/// The generated matrix.
pub fn matrix() -> Vec<Case> {
    let mut g = Gen { out: Vec::new() };

    // Every field with every operator on every list. Exit and io_uring rules
    // can carry a key through -S, so they get one.
    for list in LISTS {
        for (field, value) in FIELDS {
            for op in OPS {
                g.push("field", |k| {
                    let value = if *value == "KEY" { k } else { value };
                    match *list {
                        "exit" | "io_uring" => {
                            format!("-a always,{list} -F {field}{op}{value} -S openat -k {k}")
                        }
                        _ => format!("-a always,{list} -F {field}{op}{value}"),
                    }
                });
            }
        }
    }
    // Every field alone on the exit list (no -S: the implicit "all").
    for (field, value) in FIELDS {
        g.push("field-bare", |k| {
            let value = if *value == "KEY" { k } else { value };
            format!("-a always,exit -F {field}={value}")
        });
    }
    // Value spellings.
    let exit_values = [
        "uid=root",
        "uid=-1",
        "uid=unset",
        "uid=4294967295",
        "uid=010",
        "uid=0x10",
        "uid=nosuchuserkct",
        "euid=root",
        "suid=daemon",
        "fsuid=bin",
        "obj_uid=root",
        "obj_uid=unset",
        "gid=root",
        "gid=-1",
        "gid=unset",
        "gid=nosuchgroupkct",
        "egid=daemon",
        "obj_gid=bin",
        "auid=unset",
        "auid=-1",
        "auid=4294967295",
        "auid!=unset",
        "auid!=-1",
        "auid>=1000",
        "auid<1000",
        "loginuid=unset",
        "auid=root",
        "sessionid=unset",
        "sessionid=-1",
        "sessionid=abc",
        "sessionid=4294967295",
        "exit=0",
        "exit=-1",
        "exit=1",
        "exit=EPERM",
        "exit=-EPERM",
        "exit=-eacces",
        "exit=ENOSUCHERR",
        "exit=-ENOENT",
        "exit=2147483647",
        "exit=-2147483648",
        "success=0",
        "success=yes",
        "success=2",
        "a0=0",
        "a0=0xffffffff",
        "a1=-1",
        "a2=0x7C020000",
        "a3=abc",
        "a0=4294967296",
        "a1=-2147483648",
        "pers=0x0008",
        "pers=abc",
        "pid=-1",
        "pid=0x10",
        "ppid=010",
        "devmajor=0x8",
        "devminor=0",
        "inode=0",
        "inode=4294967295",
        "filetype=dir",
        "filetype=socket",
        "filetype=link",
        "filetype=block",
        "filetype=character",
        "filetype=fifo",
        "filetype=32768",
        "filetype=bogus",
        "perm=r",
        "perm=w",
        "perm=x",
        "perm=a",
        "perm=rwxa",
        "perm=RW",
        "perm=q",
        "perm=rwxaa",
        "saddr_fam=10",
        "saddr_fam=0",
        "saddr_fam=45",
        "saddr_fam=46",
        "saddr_fam=abc",
        "field_compare=25",
        "field_compare=26",
        "field_compare=0",
        "exe=/usr/bin/nonexistent-kct",
        "exe=relative",
        "exe=/usr/bin/ls/",
        "path=/etc/",
        "path=relative",
        "path=/etc//hosts",
        "path=/nonexistent-kct/x",
        "dir=/etc/",
        "dir=/",
        "path=/",
        "dir=relative",
        "obj_user=",
        "subj_type=unconfined_t",
        "UID=0",
        "Auid>=1000",
        "AUID=unset",
        "bogusfield=1",
        "uid",
        "uid=",
        "=0",
        "uid==0",
        "uid=>0",
    ];
    for v in exit_values {
        g.push("value", |k| {
            format!("-a always,exit -F arch=b64 -S openat -F {v} -k {k}")
        });
    }
    // Arch forms.
    let arches = [
        "b32",
        "b64",
        "x86_64",
        "i386",
        "i486",
        "i586",
        "i686",
        "aarch64",
        "armv8l",
        "arm",
        "armeb",
        "armv7l",
        "ppc",
        "ppc64",
        "ppc64le",
        "s390",
        "s390x",
        "riscv32",
        "riscv64",
        "0xc000003e",
        "0xC000003E",
        "3221225534",
        "0x40000003",
        "0x12345678",
        "B64",
        "X86_64",
        "mips",
        "bogus",
        "",
    ];
    for a in arches {
        g.push("arch", |k| {
            format!("-a always,exit -F arch={a} -S openat -k {k}")
        });
        g.push("arch", |k| {
            format!("-a always,exit -F arch={a} -S 2 -k {k}")
        });
        g.push("arch", |_| format!("-a always,exit -F arch={a}"));
    }
    for a in ["b32", "b64", "x86_64", "i386", "aarch64"] {
        g.push("arch", |k| {
            format!("-a always,exit -F arch!={a} -S openat -k {k}")
        });
        g.push("arch", |k| {
            format!("-a always,exit -F arch>{a} -S openat -k {k}")
        });
    }
    g.push("arch", |k| {
        format!("-a always,exit -F arch=b64 -F arch=b32 -S openat -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -S openat -F arch=b64 -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F arch=b32 -S open,socketcall -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F arch=aarch64 -S open -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F arch=aarch64 -S openat,renameat2 -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F arch=s390x -S openat -F perm=wa -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F arch=b32 -F perm=rwxa -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F arch=b64 -F perm=r -k {k}")
    });
    g.push("arch", |k| {
        format!("-a always,exit -F perm=w -F arch=b64 -k {k}")
    });

    // -S forms.
    let syscalls = [
        "openat",
        "open",
        "execve",
        "OPENAT",
        "Open",
        "chmod,fchmod,fchmodat",
        "open,,close,",
        ",openat",
        ",",
        "0",
        "2",
        "59",
        "0x3b",
        "073",
        "59abc",
        "-1",
        "2031",
        "2047",
        "2048",
        "4096",
        "all",
        "ALL",
        "All",
        "open,all",
        "nosuchsyscallkct",
        "open,nosuchsyscallkct",
        "rseq_slice_yield",
        "uretprobe",
        "socketcall",
    ];
    for s in syscalls {
        g.push("syscall", |k| {
            format!("-a always,exit -F arch=b64 -S {s} -k {k}")
        });
    }
    for n in 2032..=2047 {
        g.push("syscall-class", |k| {
            format!("-a always,exit -F arch=b64 -S {n} -k {k}")
        });
    }
    g.push("syscall-class", |k| {
        format!("-a always,exit -F arch=b32 -S 2046 -k {k}")
    });
    g.push("syscall-class", |k| {
        format!("-a always,exit -F arch=b64 -S 2047,openat -k {k}")
    });
    g.push("syscall", |k| format!("-a always,exit -S openat -k {k}"));
    g.push("syscall", |k| format!("-a always,exit -S open -k {k}"));
    g.push("syscall", |k| {
        format!("-S openat -a always,exit -F arch=b64 -k {k}")
    });
    g.push("syscall", |k| format!("-S openat -a always,exit -k {k}"));
    g.push("syscall", |k| {
        format!("-S openat -F arch=b64 -a always,exit -k {k}")
    });
    g.push("syscall", |k| format!("-S openat -a task,always -k {k}"));
    g.push("syscall", |k| {
        format!("-a always,exit -F arch=b64 -S open -S close -S openat,read -k {k}")
    });
    g.push("syscall", |k| {
        format!("-a always,exit -F arch=b64 -S all -S open -k {k}")
    });
    g.push("syscall", |k| {
        format!("-a always,exit -F arch=b64 -S open -F uid=0 -S close -k {k}")
    });
    for list in ["task", "user", "exclude", "filesystem"] {
        g.push("syscall", |k| format!("-a always,{list} -S openat -k {k}"));
    }
    for s in [
        "openat",
        "OPENAT",
        "connect,accept",
        "msg_ring",
        "uring_cmd128",
        "read",
        "all",
        "18",
        "36",
        "37",
        "64",
        "65",
    ] {
        g.push("syscall-uring", |k| {
            format!("-a always,io_uring -S {s} -k {k}")
        });
    }
    g.push("syscall-uring", |_| "-a always,io_uring".to_string());
    g.push("syscall-uring", |k| {
        format!("-a always,io_uring -F arch=b64 -S openat -k {k}")
    });
    g.push("syscall-uring", |k| {
        format!("-a always,io_uring -S openat -F dir=/etc -k {k}")
    });
    g.push("syscall-uring", |k| {
        format!("-a always,io_uring -S openat -F path=/etc/hosts -k {k}")
    });
    g.push("syscall-uring", |k| {
        format!("-a always,io_uring -S openat -C uid!=euid -k {k}")
    });

    // -w forms.
    let watch_paths = [
        "/etc/hosts",
        "/etc",
        "/etc/",
        "/etc//",
        "/etc/hosts/",
        "/etc/kct-missing-file",
        "/kct-missing-dir/file",
        "/",
        "/etc/./hosts",
        "/etc/../etc/hosts",
        "relative/path",
        "/tmp",
        "/usr/bin/ls",
    ];
    for p in watch_paths {
        g.push("watch", |_| format!("-w {p}"));
        g.push("watch", |k| format!("-w {p} -p wa -k {k}"));
    }
    let perms = [
        "r", "w", "x", "a", "rw", "rx", "ra", "wx", "wa", "xa", "rwx", "rwa", "rxa", "wxa", "rwxa",
        "arwx", "aw", "RWXA", "Wa", "rwxaa", "", "q", "rq", "rwxr",
    ];
    for p in perms {
        g.push("watch-perm", |k| format!("-w /etc/hosts -p {p} -k {k}"));
        g.push("watch-perm", |k| format!("-w /etc -p {p} -k {k}"));
    }
    g.push("watch", |k| format!("-w /etc/hosts -k {k} -p wa"));
    g.push("watch", |k| format!("-w /etc/hosts -k {k} -k second"));
    g.push("watch", |k| format!("-w /etc/hosts -p wa -p r -k {k}"));
    g.push("watch", |k| format!("-w /etc/hosts -w /etc/passwd -k {k}"));
    g.push("watch", |k| format!("-w /etc/hosts -F uid=0 -k {k}"));
    g.push("watch", |k| format!("-w /etc/hosts -F arch=b64 -k {k}"));
    g.push("watch", |k| format!("-w /etc/hosts -S openat -k {k}"));
    g.push("watch", |k| format!("-w /etc/hosts -a exit,never -k {k}"));
    g.push("watch", |k| format!("-w /etc/hosts -a never,exit -k {k}"));
    g.push("watch", |k| format!("-a always,exit -w /etc/hosts -k {k}"));
    g.push("watch", |k| format!("-k {k} -w /etc/hosts"));
    g.push("watch", |k| format!("-p wa -w /etc/hosts -k {k}"));
    g.push("watch", |k| {
        format!("-a always,exit -F path=/etc/hosts -F perm=wa -k {k}")
    });
    g.push("watch", |k| {
        format!("-a always,exit -F dir=/etc -F perm=wa -k {k}")
    });
    g.push("watch", |k| {
        format!("-a always,exit -F arch=b64 -F path=/etc/hosts -F perm=wa -k {k}")
    });
    g.push("watch", |k| {
        format!("-a always,exit -F path=/etc/hosts -k {k}")
    });
    g.push("watch", |k| {
        format!("-a always,exit -F path=/etc/hosts -p wa -k {k}")
    });
    g.push("watch", |k| {
        format!("-a never,exit -F path=/etc/hosts -F perm=wa -k {k}")
    });
    g.push("watch-delete", |k| format!("-W /etc/hosts -p wa -k {k}"));
    g.push("watch-delete", |k| format!("-W /etc -k {k}"));
    g.push("watch-delete", |_| "-W /etc/hosts".to_string());
    g.push("rule-delete", |k| {
        format!("-d always,exit -F arch=b64 -S openat -k {k}")
    });
    g.push("rule-delete", |k| {
        format!("-d exit,always -F arch=b64 -S openat -F uid=0 -k {k}")
    });
    g.push("rule-delete", |_| {
        "-d never,exclude -F msgtype=EOE".to_string()
    });

    // -C pairs.
    let uids = [
        "uid", "euid", "suid", "fsuid", "auid", "loginuid", "obj_uid",
    ];
    let gids = ["gid", "egid", "sgid", "fsgid", "obj_gid"];
    for group in [&uids[..], &gids[..]] {
        for a in group {
            for b in group {
                for op in ["=", "!="] {
                    g.push("compare", |k| {
                        format!("-a always,exit -F arch=b64 -S openat -C {a}{op}{b} -k {k}")
                    });
                }
            }
        }
    }
    for a in uids {
        for b in gids {
            g.push("compare", |k| {
                format!("-a always,exit -F arch=b64 -S openat -C {a}={b} -k {k}")
            });
            g.push("compare", |k| {
                format!("-a always,exit -F arch=b64 -S openat -C {b}!={a} -k {k}")
            });
        }
    }
    for c in [
        "uid>euid",
        "uid<euid",
        "uid>=euid",
        "uid&euid",
        "uid=bogus",
        "uid",
        "uid=",
        "pid=ppid",
    ] {
        g.push("compare", |k| {
            format!("-a always,exit -F arch=b64 -S openat -C {c} -k {k}")
        });
    }
    for list in ["task", "user", "exclude", "filesystem"] {
        g.push("compare", |_| format!("-a always,{list} -C uid!=euid"));
    }
    g.push("compare", |_| "-a always,exit -C auid!=uid".to_string());
    g.push("compare", |k| {
        format!("-C uid=euid -a always,exit -S openat -k {k}")
    });

    // Keys.
    for len in [1usize, 31, 255, 256, 257, 300] {
        g.push("key", |k| {
            format!("-a always,exit -F arch=b64 -S openat -k {}", padded(k, len))
        });
        g.push("key", |k| {
            format!(
                "-a always,exit -F arch=b64 -S openat -F key={}",
                padded(k, len)
            )
        });
    }
    for (a, b) in [
        (128usize, 127usize),
        (128, 128),
        (127, 127),
        (1, 254),
        (255, 1),
    ] {
        g.push("key-multi", |k| {
            format!(
                "-a always,exit -F arch=b64 -S openat -k {} -k {}",
                padded(k, a),
                "y".repeat(b)
            )
        });
    }
    g.push("key-multi", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k {k} -F key=second -k third")
    });
    g.push("key-multi", |k| {
        format!("-a always,exit -F arch=b64 -S openat -F key={k} -F key=second")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -F key!={k}")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -F key>{k}")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k '{k}'")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k \"{k}\"")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k {k}\\ spaced")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k {k}\\\\back")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k {k}=eq")
    });
    g.push("key", |k| format!("-a always,exit -F arch=b64 -k {k}"));
    g.push("key", |k| format!("-a always,exit -F uid=0 -k {k}"));
    g.push("key", |k| {
        format!("-a always,exit -F exe=/usr/bin/ls -k {k}")
    });
    g.push("key", |k| format!("-a always,exit -F dir=/etc -k {k}"));
    g.push("key", |k| format!("-a always,exit -F perm=w -k {k}"));
    g.push("key", |k| {
        format!("-k {k} -a always,exit -F arch=b64 -S openat")
    });
    g.push("key", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k {k} -k")
    });
    g.push("key", |_| {
        "-a always,exit -F arch=b64 -S openat -k".to_string()
    });

    // 63, 64 and 65 fields (arch + N a0 fields + key).
    for total in [63usize, 64, 65] {
        g.push("fields-count", |k| {
            let mut s = "-a always,exit -F arch=b64 -S openat".to_string();
            for i in 0..total - 2 {
                s.push_str(&format!(" -F a0!={i}"));
            }
            s.push_str(&format!(" -k {k}"));
            s
        });
    }
    g.push("fields-count", |_| {
        let mut s = "-a always,exit".to_string();
        for i in 0..64 {
            s.push_str(&format!(" -F a1!={i}"));
        }
        s
    });

    // -A prepend and list,action in both orders, with a body fit for the list.
    let bodies = [
        (
            "exit",
            "-F arch=b64 -S openat -k {K}",
            "-a always,exit -F arch=b64 -S close -k {K}",
        ),
        ("task", "-F uid=0", "-a never,task -F uid=4242"),
        ("user", "-F uid=0", "-a never,user -F uid=4242"),
        (
            "exclude",
            "-F msgtype=EOE",
            "-a never,exclude -F msgtype=CWD",
        ),
        (
            "filesystem",
            "-F fstype=debugfs",
            "-a never,filesystem -F fstype=tracefs",
        ),
        (
            "io_uring",
            "-S openat -k {K}",
            "-a always,io_uring -S close -k {K}",
        ),
    ];
    for (list, body, fixture) in bodies {
        for action in ["always", "never"] {
            for opt in ["-a", "-A"] {
                g.push("list-action", |k| {
                    format!("{opt} {action},{list} {}", body.replace("{K}", k))
                });
                g.push("list-action", |k| {
                    format!("{opt} {list},{action} {}", body.replace("{K}", k))
                });
                g.push_after("prepend-order", fixture, |k| {
                    format!("{opt} {action},{list} {}", body.replace("{K}", k))
                });
            }
        }
        g.push("possible", |k| {
            format!("-a {list},possible {}", body.replace("{K}", k))
        });
        g.push("possible", |k| {
            format!("-a possible,{list} {}", body.replace("{K}", k))
        });
    }
    for la in [
        "always,Exit",
        "Always,exit",
        "ALWAYS,EXIT",
        "always,bogus",
        "bogus,always",
        "always",
        "always,exit,extra",
        "always,entry",
        "watch,always",
        "always,always",
        "exit,exit",
        ",exit",
        "always,",
        "exit,never",
    ] {
        g.push("list-action", |k| {
            format!("-a {la} -F arch=b64 -S openat -k {k}")
        });
    }
    g.push("list-action", |k| {
        format!("-A always,exit -F arch=b64 -S openat -F uid=0 -k {k}")
    });
    g.push("list-action", |k| {
        format!("-a always,exit -A always,exit -F arch=b64 -S openat -k {k}")
    });
    g.push("list-action", |_| "-a always,exit".to_string());
    g.push("list-action", |_| "-a never,exit".to_string());
    g.push("list-action", |_| "-A always,exit".to_string());
    g.push("list-action", |_| "-a always,task".to_string());
    g.push("list-action", |_| "-a always,user".to_string());
    g.push("list-action", |_| "-a never,exclude".to_string());
    g.push("list-action", |_| "-a always,filesystem".to_string());

    // Exclude, user, task and filesystem specifics.
    let msgtypes = [
        "EOE",
        "1320",
        "SYSCALL",
        "syscall",
        "USER_LOGIN",
        "CWD",
        "PROCTITLE",
        "CONFIG_CHANGE",
        "URINGOP",
        "OPENAT2",
        "DM_CTRL",
        "TIME_INJOFFSET",
        "IPE_ACCESS",
        "LANDLOCK_ACCESS",
        "LANDLOCK_DOMAIN",
        "MAC_TASK_CONTEXTS",
        "INTEGRITY_USERSPACE",
        "1423",
        "1808",
        "9999",
        "0x528",
        "UNKNOWN[1423]",
        "nosuchtypekct",
        "AVC",
        "ANOM_PROMISCUOUS",
        "KERNEL",
        "USER_AVC",
        "2100",
    ];
    for m in msgtypes {
        g.push("exclude", |_| format!("-a never,exclude -F msgtype={m}"));
        g.push("user", |_| format!("-a always,user -F msgtype={m}"));
    }
    g.push("exclude", |_| {
        "-a always,exclude -F msgtype>=1300 -F msgtype<=1399".to_string()
    });
    g.push("exclude", |_| {
        "-a never,exclude -F msgtype!=EOE -F uid=0".to_string()
    });
    g.push("exclude", |k| {
        format!("-a never,exclude -F msgtype=EOE -k {k}")
    });
    for list in ["exclude", "user", "task", "exit", "filesystem"] {
        g.push("exe", |k| {
            format!("-a always,{list} -F exe=/usr/bin/ls -k {k}")
        });
        g.push("exe", |k| {
            format!("-a never,{list} -F exe!=/usr/bin/ls -F uid=0 -k {k}")
        });
    }
    g.push("exe", |k| {
        format!("-a always,exit -F exe=/usr/bin/ls -F exe=/usr/bin/cat -k {k}")
    });
    for fs in [
        "debugfs",
        "tracefs",
        "cgroup",
        "cgroup2",
        "0x64626720",
        "1650812274",
        "tmpfs",
        "proc",
        "bogusfs",
    ] {
        g.push("filesystem", |k| {
            format!("-a never,filesystem -F fstype={fs} -k {k}")
        });
    }
    g.push("filesystem", |_| {
        "-a never,filesystem -F fstype!=debugfs".to_string()
    });
    g.push("filesystem", |k| {
        format!("-a never,filesystem -F fstype=debugfs -F uid=0 -k {k}")
    });
    g.push("task", |_| "-a never,task -F uid=0 -F gid=0".to_string());
    g.push("task", |_| "-a always,task -F auid=unset".to_string());
    g.push("task", |_| "-a always,task -F exit=-1".to_string());
    g.push("user", |_| {
        "-a always,user -F auid>=1000 -F auid!=unset".to_string()
    });
    g.push("user", |_| "-a never,user -F subj_type=crond_t".to_string());

    // Tokenisation of the rules file.
    g.push("tokens", |k| {
        format!("-aalways,exit -Farch=b64 -Sopenat -k{k}")
    });
    g.push("tokens", |k| {
        format!("  -a always,exit   -F arch=b64 -S openat -k {k}  ")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F \"auid>=1000\" -S openat -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit\t-F arch=b64 -S openat -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F arch=b64 -S openat -k {k} # comment")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F arch=b64 -S openat -F path=/etc/ho\\ sts -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F arch=b64 -S openat -F exe=/usr/bin/l\\\\s -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F arch=b64 -S openat -F uid=0 extra -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F arch=b64 -S openat -x -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F path=/tmp/a>=b -k {k}")
    });
    g.push("tokens", |k| {
        format!("-a always,exit -F exe=/tmp/a<b -k {k}")
    });

    g.out
}
