//! `kaudit::uapi` against the C headers it transcribes: every constant has
//! the value its `#define` has in the reference build's `linux/audit.h`,
//! `linux/netlink.h`, `linux/limits.h` and libaudit's `lib/libaudit.h` (the
//! reference cache, `scripts/fetch-reference.sh`). Without the cache this is
//! skipped loudly, except in CI, where it fails.

use std::collections::HashMap;
use std::path::Path;

use kaudit::uapi::{self, field, perm};

use crate::reference;

/// The `#define NAME BODY` lines of a header, continuation lines joined.
fn defines(path: &Path, into: &mut HashMap<String, String>) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let joined = text.replace("\\\n", " ");
    for line in joined.lines() {
        let Some(rest) = line.trim_start().strip_prefix("#define") else {
            continue;
        };
        let rest = rest.trim_start();
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (name, body) = rest.split_at(name_end);
        if body.starts_with('(') {
            continue; // a function-like macro
        }
        let body = body.split("/*").next().unwrap_or("").trim();
        into.insert(name.to_string(), body.to_string());
    }
}

/// Evaluates a define's body: numbers (with a `U` suffix), other defines,
/// parentheses, `|` and `+`; `None` for anything else (casts, `sizeof`).
fn eval(defs: &HashMap<String, String>, name: &str, depth: usize) -> Option<u64> {
    if depth > 16 {
        return None;
    }
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in defs.get(name)?.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    let mut body = Body {
        defs,
        tokens,
        pos: 0,
        depth,
    };
    let value = body.expr()?;
    (body.pos == body.tokens.len()).then_some(value)
}

/// One define's body being read.
struct Body<'a> {
    defs: &'a HashMap<String, String>,
    tokens: Vec<String>,
    pos: usize,
    depth: usize,
}

impl Body<'_> {
    fn next(&mut self) -> Option<String> {
        let tok = self.tokens.get(self.pos)?.clone();
        self.pos += 1;
        Some(tok)
    }

    /// `atom (('|' | '+') atom)*`
    fn expr(&mut self) -> Option<u64> {
        let mut value = self.atom()?;
        while let Some(op) = self.tokens.get(self.pos).cloned() {
            match op.as_str() {
                "|" | "+" => self.pos += 1,
                _ => break,
            }
            let rhs = self.atom()?;
            value = if op == "|" { value | rhs } else { value + rhs };
        }
        Some(value)
    }

    /// A number, a define's name, or a parenthesised expression.
    fn atom(&mut self) -> Option<u64> {
        let tok = self.next()?;
        if tok == "(" {
            let v = self.expr()?;
            return (self.next()? == ")").then_some(v);
        }
        if tok.starts_with(|c: char| c.is_ascii_digit()) {
            let digits = tok.trim_end_matches(['U', 'u', 'L', 'l']);
            return match digits.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => digits.parse().ok(),
            };
        }
        eval(self.defs, &tok, self.depth + 1)
    }
}

#[test]
fn constants_match_the_kernel_headers() {
    let Some(cache) = reference::fetched("constants_match_the_kernel_headers") else {
        return;
    };
    let include = cache.join("root/usr/include/linux");
    let libaudit = cache.join("src/audit-userspace-4.2.1/lib/libaudit.h");
    let mut defs = HashMap::new();
    defines(&include.join("netlink.h"), &mut defs);
    defines(&include.join("audit.h"), &mut defs);
    defines(&include.join("limits.h"), &mut defs);
    let mut lib = HashMap::new();
    defines(&libaudit, &mut lib);

    let mut checked = 0;
    let mut wrong = Vec::new();
    let mut check =
        |defs: &HashMap<String, String>, name: &str, ours: u64| match eval(defs, name, 0) {
            Some(theirs) if theirs == ours => checked += 1,
            theirs => wrong.push(format!("{name}: kaudit {ours:#x}, header {theirs:#x?}")),
        };
    macro_rules! same {
        ($($name:ident),* $(,)?) => {
            $( check(&defs, stringify!($name), uapi::$name as u64); )*
        };
    }
    macro_rules! module {
        ($module:ident: $($name:ident),* $(,)?) => {
            $( check(&defs, concat!("AUDIT_", stringify!($name)), $module::$name as u64); )*
        };
    }
    same!(
        NLMSG_ALIGNTO,
        NLMSG_NOOP,
        NLMSG_ERROR,
        NLMSG_DONE,
        NLMSG_OVERRUN,
        NLM_F_REQUEST,
        NLM_F_MULTI,
        NLM_F_ACK,
        AUDIT_GET,
        AUDIT_SET,
        AUDIT_USER,
        AUDIT_ADD_RULE,
        AUDIT_DEL_RULE,
        AUDIT_LIST_RULES,
        AUDIT_TRIM,
        AUDIT_MAKE_EQUIV,
        AUDIT_SET_FEATURE,
        AUDIT_GET_FEATURE,
        AUDIT_FIRST_USER_MSG,
        AUDIT_FILTER_USER,
        AUDIT_FILTER_TASK,
        AUDIT_FILTER_ENTRY,
        AUDIT_FILTER_WATCH,
        AUDIT_FILTER_EXIT,
        AUDIT_FILTER_EXCLUDE,
        AUDIT_FILTER_FS,
        AUDIT_FILTER_URING_EXIT,
        AUDIT_NR_FILTERS,
        AUDIT_FILTER_PREPEND,
        AUDIT_NEVER,
        AUDIT_POSSIBLE,
        AUDIT_ALWAYS,
        AUDIT_MAX_FIELDS,
        AUDIT_MAX_KEY_LEN,
        AUDIT_BITMASK_SIZE,
        AUDIT_SYSCALL_CLASSES,
        AUDIT_BIT_MASK,
        AUDIT_LESS_THAN,
        AUDIT_GREATER_THAN,
        AUDIT_NOT_EQUAL,
        AUDIT_EQUAL,
        AUDIT_BIT_TEST,
        AUDIT_LESS_THAN_OR_EQUAL,
        AUDIT_GREATER_THAN_OR_EQUAL,
        AUDIT_STATUS_ENABLED,
        AUDIT_STATUS_FAILURE,
        AUDIT_STATUS_PID,
        AUDIT_STATUS_RATE_LIMIT,
        AUDIT_STATUS_BACKLOG_LIMIT,
        AUDIT_STATUS_BACKLOG_WAIT_TIME,
        AUDIT_STATUS_LOST,
        AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL,
        AUDIT_FAIL_SILENT,
        AUDIT_FAIL_PRINTK,
        AUDIT_FAIL_PANIC,
        AUDIT_FEATURE_BITMAP_BACKLOG_LIMIT,
        AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME,
        AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH,
        AUDIT_FEATURE_BITMAP_EXCLUDE_EXTEND,
        AUDIT_FEATURE_BITMAP_SESSIONID_FILTER,
        AUDIT_FEATURE_BITMAP_LOST_RESET,
        AUDIT_FEATURE_BITMAP_FILTER_FS,
        AUDIT_FEATURE_BITMAP_ALL,
        AUDIT_FEATURE_VERSION,
        AUDIT_FEATURE_ONLY_UNSET_LOGINUID,
        AUDIT_FEATURE_LOGINUID_IMMUTABLE,
        PATH_MAX,
        NAME_MAX,
    );
    check(&defs, "__AUDIT_ARCH_64BIT", uapi::AUDIT_ARCH_64BIT as u64);
    module!(field: PID, UID, EUID, SUID, FSUID, GID, EGID, SGID, FSGID, LOGINUID, PERS, ARCH,
        MSGTYPE, SUBJ_USER, SUBJ_ROLE, SUBJ_TYPE, SUBJ_SEN, SUBJ_CLR, PPID, OBJ_USER, OBJ_ROLE,
        OBJ_TYPE, OBJ_LEV_LOW, OBJ_LEV_HIGH, LOGINUID_SET, SESSIONID, FSTYPE, DEVMAJOR, DEVMINOR,
        INODE, EXIT, SUCCESS, WATCH, PERM, DIR, FILETYPE, OBJ_UID, OBJ_GID, FIELD_COMPARE, EXE,
        SADDR_FAM, ARG0, ARG1, ARG2, ARG3, FILTERKEY);
    for (name, ours) in [
        ("AUDIT_PERM_EXEC", perm::EXEC),
        ("AUDIT_PERM_WRITE", perm::WRITE),
        ("AUDIT_PERM_READ", perm::READ),
        ("AUDIT_PERM_ATTR", perm::ATTR),
    ] {
        check(&defs, name, ours.into());
    }
    check(
        &lib,
        "AUDIT_KEY_SEPARATOR",
        uapi::AUDIT_KEY_SEPARATOR.into(),
    );
    assert!(
        wrong.is_empty(),
        "constants differ from the headers:\n{}",
        wrong.join("\n")
    );
    assert_eq!(checked, 120);

    // What no #define spells as a number: the header sizes, the unset id.
    assert_eq!(uapi::NLMSG_HDRLEN, std::mem::size_of::<libc::nlmsghdr>());
    assert!(defs["AUDIT_UID_UNSET"].contains("(unsigned int)-1"));
    assert_eq!(uapi::AUDIT_UID_UNSET, -1i32 as u32);
    // The ghak90 numbers are in no released header (kernel-abi.md §2e): the
    // header must still not define field 27, nor give the container ID
    // feature bit to anything else.
    assert!(
        !defs.values().any(|body| body == "27"),
        "field 27 assigned upstream"
    );
    assert!(!defs.contains_key("AUDIT_CONTID"));
    assert_eq!(
        uapi::AUDIT_FEATURE_BITMAP_ALL & uapi::AUDIT_FEATURE_BITMAP_CONTAINERID,
        0
    );
}
