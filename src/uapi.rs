//! The kernel's audit ABI, named once: the numbers of `linux/audit.h`,
//! `linux/netlink.h` and `linux/limits.h`, and the few that libaudit and the
//! unmerged ghak90 patches add, that kaudit sends, reads or checks.
//!
//! Every other module takes these numbers from here and writes no bare
//! literal for them. Each constant's doc names its `#define` (and the header
//! when it is not `linux/audit.h`); `tests/suite/uapi.rs` checks every value
//! against the kernel headers of the reference build
//! (`.cache/reference/root/usr/include`). The large generated tables (record
//! types, syscalls, machines) stay in [`crate::tables`], generated from the
//! same headers.
//!
//! Written by hand because no maintained crate carries the audit ABI (libc
//! has neither `linux/audit.h` nor, for glibc targets, `linux/netlink.h`).

// ---------------------------------------------------------------------------
// linux/netlink.h: the framing every audit message travels in.

/// `NLMSG_HDRLEN` (`linux/netlink.h`): size of `struct nlmsghdr`.
pub const NLMSG_HDRLEN: usize = 16;
/// `NLMSG_ALIGNTO` (`linux/netlink.h`): messages start on this boundary.
pub const NLMSG_ALIGNTO: usize = 4;
/// `NLMSG_NOOP` (`linux/netlink.h`): nothing, skip it.
pub const NLMSG_NOOP: u16 = 0x1;
/// `NLMSG_ERROR` (`linux/netlink.h`): an ack (error 0), a NACK (negative
/// errno) or, for audit, a positive value.
pub const NLMSG_ERROR: u16 = 0x2;
/// `NLMSG_DONE` (`linux/netlink.h`): end of a multipart reply.
pub const NLMSG_DONE: u16 = 0x3;
/// `NLMSG_OVERRUN` (`linux/netlink.h`): data lost.
pub const NLMSG_OVERRUN: u16 = 0x4;
/// `NLM_F_REQUEST` (`linux/netlink.h`): header flag, this is a request.
pub const NLM_F_REQUEST: u16 = 0x01;
/// `NLM_F_MULTI` (`linux/netlink.h`): header flag, part of a multipart
/// reply.
pub const NLM_F_MULTI: u16 = 0x02;
/// `NLM_F_ACK` (`linux/netlink.h`): header flag, acknowledge this request.
pub const NLM_F_ACK: u16 = 0x04;

// ---------------------------------------------------------------------------
// Message types (`AUDIT_GET` .. `AUDIT_GET_FEATURE`).

/// `AUDIT_GET`: read the audit status (reply: `struct audit_status`).
pub const AUDIT_GET: u16 = 1000;
/// `AUDIT_SET`: change the audit status (payload: `struct audit_status`
/// with a mask).
pub const AUDIT_SET: u16 = 1001;
/// `AUDIT_USER`: deprecated user-space message (text payload).
pub const AUDIT_USER: u16 = 1005;
/// `AUDIT_ADD_RULE`: add a rule (payload: `struct audit_rule_data` plus its
/// string buffer).
pub const AUDIT_ADD_RULE: u16 = 1011;
/// `AUDIT_DEL_RULE`: delete a rule (same payload as [`AUDIT_ADD_RULE`]).
pub const AUDIT_DEL_RULE: u16 = 1012;
/// `AUDIT_LIST_RULES`: list the rules, one reply per rule, then
/// [`NLMSG_DONE`].
pub const AUDIT_LIST_RULES: u16 = 1013;
/// `AUDIT_TRIM`: trim the watched-directory trees.
pub const AUDIT_TRIM: u16 = 1014;
/// `AUDIT_MAKE_EQUIV`: make two directory trees equivalent for watches.
pub const AUDIT_MAKE_EQUIV: u16 = 1015;
/// `AUDIT_SET_FEATURE`: change kernel audit features (payload:
/// `struct audit_features`).
pub const AUDIT_SET_FEATURE: u16 = 1018;
/// `AUDIT_GET_FEATURE`: read kernel audit features (reply:
/// `struct audit_features`).
pub const AUDIT_GET_FEATURE: u16 = 1019;
/// `AUDIT_FIRST_USER_MSG`: the first user-space message type; the types
/// below it (from [`AUDIT_GET`]) are the kernel's control messages.
pub const AUDIT_FIRST_USER_MSG: u16 = 1100;

// ---------------------------------------------------------------------------
// Record types of the ghak90 audit container ID patches (v11, 2021; never
// merged, so in no released header: see kernel-abi.md §2e).

/// `AUDIT_CONTAINER_OP` (ghak90 patches' `linux/audit.h`).
pub const AUDIT_CONTAINER_OP: u32 = 1020;
/// `AUDIT_CONTAINER_ID` (ghak90 patches' `linux/audit.h`); the same number
/// as mainline's `AUDIT_URINGOP`.
pub const AUDIT_CONTAINER_ID: u32 = 1336;

// ---------------------------------------------------------------------------
// struct audit_rule_data: lists, actions, limits, operators.

/// `AUDIT_FILTER_USER`: messages sent from user space.
pub const AUDIT_FILTER_USER: u32 = 0x00;
/// `AUDIT_FILTER_TASK`: at task creation.
pub const AUDIT_FILTER_TASK: u32 = 0x01;
/// `AUDIT_FILTER_ENTRY`: at syscall entry (deprecated, refused).
pub const AUDIT_FILTER_ENTRY: u32 = 0x02;
/// `AUDIT_FILTER_WATCH`: file system watches (obsolete, refused).
pub const AUDIT_FILTER_WATCH: u32 = 0x03;
/// `AUDIT_FILTER_EXIT`: at syscall exit.
pub const AUDIT_FILTER_EXIT: u32 = 0x04;
/// `AUDIT_FILTER_EXCLUDE`: before record creation.
pub const AUDIT_FILTER_EXCLUDE: u32 = 0x05;
/// `AUDIT_FILTER_FS`: at `__audit_inode_child`.
pub const AUDIT_FILTER_FS: u32 = 0x06;
/// `AUDIT_FILTER_URING_EXIT`: at io_uring op exit.
pub const AUDIT_FILTER_URING_EXIT: u32 = 0x07;
/// `AUDIT_NR_FILTERS`: how many filter lists there are.
pub const AUDIT_NR_FILTERS: usize = 8;
/// `AUDIT_FILTER_PREPEND`: OR-ed into `flags` to insert a rule at the head
/// of its list (`-A`). The kernel clears it before storing the rule.
pub const AUDIT_FILTER_PREPEND: u32 = 0x10;

/// `AUDIT_NEVER`: do not build a context if the rule matches.
pub const AUDIT_NEVER: u32 = 0;
/// `AUDIT_POSSIBLE`: build a context (deprecated, refused).
pub const AUDIT_POSSIBLE: u32 = 1;
/// `AUDIT_ALWAYS`: generate a record if the rule matches.
pub const AUDIT_ALWAYS: u32 = 2;

/// `AUDIT_MAX_FIELDS`: most fields in one rule.
pub const AUDIT_MAX_FIELDS: usize = 64;
/// `AUDIT_MAX_KEY_LEN`: longest key, all `-k` parts joined.
pub const AUDIT_MAX_KEY_LEN: usize = 256;
/// `AUDIT_BITMASK_SIZE`: 32-bit words in the syscall mask.
pub const AUDIT_BITMASK_SIZE: usize = 64;
/// `AUDIT_SYSCALL_CLASSES`: the syscall class bits, the top bits of the
/// mask's last word (the kernel expands each set one to its class's
/// syscalls).
pub const AUDIT_SYSCALL_CLASSES: u32 = 16;
/// `AUDIT_KEY_SEPARATOR` (libaudit's `lib/libaudit.h`): the byte joining
/// several keys in one key field.
pub const AUDIT_KEY_SEPARATOR: u8 = 0x01;

/// `AUDIT_BIT_MASK`: operator `&` (any of the bits).
pub const AUDIT_BIT_MASK: u32 = 0x0800_0000;
/// `AUDIT_LESS_THAN`: operator `<`.
pub const AUDIT_LESS_THAN: u32 = 0x1000_0000;
/// `AUDIT_GREATER_THAN`: operator `>`.
pub const AUDIT_GREATER_THAN: u32 = 0x2000_0000;
/// `AUDIT_NOT_EQUAL`: operator `!=`.
pub const AUDIT_NOT_EQUAL: u32 = 0x3000_0000;
/// `AUDIT_EQUAL`: operator `=`.
pub const AUDIT_EQUAL: u32 = 0x4000_0000;
/// `AUDIT_BIT_TEST`: operator `&=` (all of the bits).
pub const AUDIT_BIT_TEST: u32 = AUDIT_BIT_MASK | AUDIT_EQUAL;
/// `AUDIT_LESS_THAN_OR_EQUAL`: operator `<=`.
pub const AUDIT_LESS_THAN_OR_EQUAL: u32 = AUDIT_LESS_THAN | AUDIT_EQUAL;
/// `AUDIT_GREATER_THAN_OR_EQUAL`: operator `>=`.
pub const AUDIT_GREATER_THAN_OR_EQUAL: u32 = AUDIT_GREATER_THAN | AUDIT_EQUAL;

/// Size of the fixed part of `struct audit_rule_data` (before `buf`): the
/// `flags`, `action` and `field_count` words, the mask, the `fields`,
/// `values` and `fieldflags` arrays, and `buflen`.
pub const AUDIT_RULE_DATA_LEN: usize = 4 * (3 + AUDIT_BITMASK_SIZE + 3 * AUDIT_MAX_FIELDS + 1);

/// Field numbers (`audit_rule_data.fields[i]`): `AUDIT_PID` .. `AUDIT_FILTERKEY`,
/// named here without the `AUDIT_` prefix.
pub mod field {
    /// `AUDIT_PID`: `pid`.
    pub const PID: u32 = 0;
    /// `AUDIT_UID`: `uid`.
    pub const UID: u32 = 1;
    /// `AUDIT_EUID`: `euid`.
    pub const EUID: u32 = 2;
    /// `AUDIT_SUID`: `suid`.
    pub const SUID: u32 = 3;
    /// `AUDIT_FSUID`: `fsuid`.
    pub const FSUID: u32 = 4;
    /// `AUDIT_GID`: `gid`.
    pub const GID: u32 = 5;
    /// `AUDIT_EGID`: `egid`.
    pub const EGID: u32 = 6;
    /// `AUDIT_SGID`: `sgid`.
    pub const SGID: u32 = 7;
    /// `AUDIT_FSGID`: `fsgid`.
    pub const FSGID: u32 = 8;
    /// `AUDIT_LOGINUID`: `auid` / `loginuid`.
    pub const LOGINUID: u32 = 9;
    /// `AUDIT_PERS`: `pers`.
    pub const PERS: u32 = 10;
    /// `AUDIT_ARCH`: `arch`.
    pub const ARCH: u32 = 11;
    /// `AUDIT_MSGTYPE`: `msgtype`.
    pub const MSGTYPE: u32 = 12;
    /// `AUDIT_SUBJ_USER`: `subj_user` (first string field of the LSM range).
    pub const SUBJ_USER: u32 = 13;
    /// `AUDIT_SUBJ_ROLE`: `subj_role`.
    pub const SUBJ_ROLE: u32 = 14;
    /// `AUDIT_SUBJ_TYPE`: `subj_type`.
    pub const SUBJ_TYPE: u32 = 15;
    /// `AUDIT_SUBJ_SEN`: `subj_sen`.
    pub const SUBJ_SEN: u32 = 16;
    /// `AUDIT_SUBJ_CLR`: `subj_clr`.
    pub const SUBJ_CLR: u32 = 17;
    /// `AUDIT_PPID`: `ppid`.
    pub const PPID: u32 = 18;
    /// `AUDIT_OBJ_USER`: `obj_user`.
    pub const OBJ_USER: u32 = 19;
    /// `AUDIT_OBJ_ROLE`: `obj_role`.
    pub const OBJ_ROLE: u32 = 20;
    /// `AUDIT_OBJ_TYPE`: `obj_type`.
    pub const OBJ_TYPE: u32 = 21;
    /// `AUDIT_OBJ_LEV_LOW`: `obj_lev_low`.
    pub const OBJ_LEV_LOW: u32 = 22;
    /// `AUDIT_OBJ_LEV_HIGH`: `obj_lev_high` (last string field of the LSM
    /// range).
    pub const OBJ_LEV_HIGH: u32 = 23;
    /// `AUDIT_LOGINUID_SET`: `loginuid_set` (the kernel's form of
    /// `auid=unset`).
    pub const LOGINUID_SET: u32 = 24;
    /// `AUDIT_SESSIONID`: `sessionid`.
    pub const SESSIONID: u32 = 25;
    /// `AUDIT_FSTYPE`: `fstype`.
    pub const FSTYPE: u32 = 26;
    /// `AUDIT_CONTID` (ghak90 patches' `linux/audit.h`, never merged; field
    /// 27 is unassigned upstream): `contid`, the audit container ID.
    pub const CONTID: u32 = 27;
    /// `AUDIT_DEVMAJOR`: `devmajor`.
    pub const DEVMAJOR: u32 = 100;
    /// `AUDIT_DEVMINOR`: `devminor`.
    pub const DEVMINOR: u32 = 101;
    /// `AUDIT_INODE`: `inode`.
    pub const INODE: u32 = 102;
    /// `AUDIT_EXIT`: `exit`.
    pub const EXIT: u32 = 103;
    /// `AUDIT_SUCCESS`: `success`.
    pub const SUCCESS: u32 = 104;
    /// `AUDIT_WATCH`: `path`.
    pub const WATCH: u32 = 105;
    /// `AUDIT_PERM`: `perm`.
    pub const PERM: u32 = 106;
    /// `AUDIT_DIR`: `dir`.
    pub const DIR: u32 = 107;
    /// `AUDIT_FILETYPE`: `filetype`.
    pub const FILETYPE: u32 = 108;
    /// `AUDIT_OBJ_UID`: `obj_uid`.
    pub const OBJ_UID: u32 = 109;
    /// `AUDIT_OBJ_GID`: `obj_gid`.
    pub const OBJ_GID: u32 = 110;
    /// `AUDIT_FIELD_COMPARE`: `-C` comparisons.
    pub const FIELD_COMPARE: u32 = 111;
    /// `AUDIT_EXE`: `exe`.
    pub const EXE: u32 = 112;
    /// `AUDIT_SADDR_FAM`: `saddr_fam`.
    pub const SADDR_FAM: u32 = 113;
    /// `AUDIT_ARG0`: `a0`.
    pub const ARG0: u32 = 200;
    /// `AUDIT_ARG1`: `a1`.
    pub const ARG1: u32 = ARG0 + 1;
    /// `AUDIT_ARG2`: `a2`.
    pub const ARG2: u32 = ARG0 + 2;
    /// `AUDIT_ARG3`: `a3`.
    pub const ARG3: u32 = ARG0 + 3;
    /// `AUDIT_FILTERKEY`: `key`.
    pub const FILTERKEY: u32 = 210;

    /// Whether the field's value is carried in the string buffer: `values[i]`
    /// is then the byte length. This is the kernel's own list
    /// (`audit_data_to_entry` in `kernel/auditfilter.c`); `contid` (ghak90)
    /// also travels in the buffer, as 8 native-endian bytes.
    pub fn is_buffer(number: u32) -> bool {
        matches!(
            number,
            SUBJ_USER..=SUBJ_CLR | OBJ_USER..=OBJ_LEV_HIGH | WATCH | DIR | EXE | FILTERKEY | CONTID
        )
    }
}

/// Permission bits of the `perm` field (`AUDIT_PERM_*`).
pub mod perm {
    /// `AUDIT_PERM_EXEC`: `x`.
    pub const EXEC: u32 = 1;
    /// `AUDIT_PERM_WRITE`: `w`.
    pub const WRITE: u32 = 2;
    /// `AUDIT_PERM_READ`: `r`.
    pub const READ: u32 = 4;
    /// `AUDIT_PERM_ATTR`: `a`.
    pub const ATTR: u32 = 8;
    /// All four, the default of a watch.
    pub const ALL: u32 = EXEC | WRITE | READ | ATTR;
}

/// `PATH_MAX` (`linux/limits.h`): the longest string value the kernel takes
/// in a rule (`audit_unpack_string`), and the longest watched path.
pub const PATH_MAX: usize = 4096;
/// `NAME_MAX` (`linux/limits.h`): the longest last component of a watched
/// path.
pub const NAME_MAX: usize = 255;

/// `AUDIT_UID_UNSET`: the uid (and `AUDIT_SID_UNSET`, the session id) of
/// no one, `(unsigned int)-1`: `auid=unset`.
pub const AUDIT_UID_UNSET: u32 = u32::MAX;

/// `__AUDIT_ARCH_64BIT`: the bit of an `AUDIT_ARCH_*` value that marks a
/// 64-bit ABI (`b64`).
pub const AUDIT_ARCH_64BIT: u32 = 0x8000_0000;

// ---------------------------------------------------------------------------
// struct audit_status.

/// `AUDIT_STATUS_ENABLED`: `AUDIT_SET` mask bit, apply `enabled`.
pub const AUDIT_STATUS_ENABLED: u32 = 0x0001;
/// `AUDIT_STATUS_FAILURE`: `AUDIT_SET` mask bit, apply `failure`.
pub const AUDIT_STATUS_FAILURE: u32 = 0x0002;
/// `AUDIT_STATUS_PID`: `AUDIT_SET` mask bit, apply `pid`.
pub const AUDIT_STATUS_PID: u32 = 0x0004;
/// `AUDIT_STATUS_RATE_LIMIT`: `AUDIT_SET` mask bit, apply `rate_limit`.
pub const AUDIT_STATUS_RATE_LIMIT: u32 = 0x0008;
/// `AUDIT_STATUS_BACKLOG_LIMIT`: `AUDIT_SET` mask bit, apply
/// `backlog_limit`.
pub const AUDIT_STATUS_BACKLOG_LIMIT: u32 = 0x0010;
/// `AUDIT_STATUS_BACKLOG_WAIT_TIME`: `AUDIT_SET` mask bit, apply
/// `backlog_wait_time`.
pub const AUDIT_STATUS_BACKLOG_WAIT_TIME: u32 = 0x0020;
/// `AUDIT_STATUS_LOST`: `AUDIT_SET` mask bit, reset `lost` (only when it is
/// the whole mask; the old counter comes back as the positive ack value).
pub const AUDIT_STATUS_LOST: u32 = 0x0040;
/// `AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL`: `AUDIT_SET` mask bit, reset
/// `backlog_wait_time_actual` (only when it is the whole mask; the old
/// counter comes back as the positive ack value).
pub const AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL: u32 = 0x0080;

/// `AUDIT_OFF` (`kernel/audit.c`): `enabled` value, auditing off.
pub const AUDIT_OFF: u32 = 0;
/// `AUDIT_ON` (`kernel/audit.c`): `enabled` value, auditing on.
pub const AUDIT_ON: u32 = 1;
/// `AUDIT_LOCKED` (`kernel/audit.c`): `enabled` value, on and the
/// configuration locked until reboot.
pub const AUDIT_LOCKED: u32 = 2;

/// `AUDIT_FAIL_SILENT`: `failure` value, drop records silently.
pub const AUDIT_FAIL_SILENT: u32 = 0;
/// `AUDIT_FAIL_PRINTK`: `failure` value, log lost records.
pub const AUDIT_FAIL_PRINTK: u32 = 1;
/// `AUDIT_FAIL_PANIC`: `failure` value, panic on a lost record.
pub const AUDIT_FAIL_PANIC: u32 = 2;

/// `AUDIT_FEATURE_BITMAP_BACKLOG_LIMIT`: `backlog_limit` can be set.
pub const AUDIT_FEATURE_BITMAP_BACKLOG_LIMIT: u32 = 0x01;
/// `AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME`: `backlog_wait_time` can be set.
pub const AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME: u32 = 0x02;
/// `AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH`: the `exe` field.
pub const AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH: u32 = 0x04;
/// `AUDIT_FEATURE_BITMAP_EXCLUDE_EXTEND`: any field on the exclude list.
pub const AUDIT_FEATURE_BITMAP_EXCLUDE_EXTEND: u32 = 0x08;
/// `AUDIT_FEATURE_BITMAP_SESSIONID_FILTER`: the `sessionid` field.
pub const AUDIT_FEATURE_BITMAP_SESSIONID_FILTER: u32 = 0x10;
/// `AUDIT_FEATURE_BITMAP_LOST_RESET`: `--reset-lost`.
pub const AUDIT_FEATURE_BITMAP_LOST_RESET: u32 = 0x20;
/// `AUDIT_FEATURE_BITMAP_FILTER_FS`: the filesystem list.
pub const AUDIT_FEATURE_BITMAP_FILTER_FS: u32 = 0x40;
/// `AUDIT_FEATURE_BITMAP_ALL`: everything a mainline kernel since 4.20
/// reports.
pub const AUDIT_FEATURE_BITMAP_ALL: u32 = AUDIT_FEATURE_BITMAP_BACKLOG_LIMIT
    | AUDIT_FEATURE_BITMAP_BACKLOG_WAIT_TIME
    | AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH
    | AUDIT_FEATURE_BITMAP_EXCLUDE_EXTEND
    | AUDIT_FEATURE_BITMAP_SESSIONID_FILTER
    | AUDIT_FEATURE_BITMAP_LOST_RESET
    | AUDIT_FEATURE_BITMAP_FILTER_FS;
/// `AUDIT_FEATURE_BITMAP_CONTAINERID` (ghak90 patches' `linux/audit.h`,
/// never merged): the audit container ID filter; no mainline kernel sets it.
pub const AUDIT_FEATURE_BITMAP_CONTAINERID: u32 = 0x80;

/// Size of the 44-byte `struct audit_status` (kernels since 5.9).
pub const AUDIT_STATUS_LEN: usize = 44;
/// Size of the older 40-byte `struct audit_status` (no
/// `backlog_wait_time_actual`).
pub const AUDIT_STATUS_LEN_OLD: usize = 40;

// ---------------------------------------------------------------------------
// struct audit_features.

/// `AUDIT_FEATURE_VERSION`: the `struct audit_features.vers` the kernel
/// speaks.
pub const AUDIT_FEATURE_VERSION: u32 = 1;
/// `AUDIT_FEATURE_ONLY_UNSET_LOGINUID`: only an unset loginuid may be set.
pub const AUDIT_FEATURE_ONLY_UNSET_LOGINUID: u32 = 0;
/// `AUDIT_FEATURE_LOGINUID_IMMUTABLE`: loginuid is immutable once set.
pub const AUDIT_FEATURE_LOGINUID_IMMUTABLE: u32 = 1;
/// `AUDIT_FEATURE_TO_MASK(AUDIT_FEATURE_LOGINUID_IMMUTABLE)`: the bit of
/// that feature in `audit_features`' `mask`, `features` and `lock` words.
pub const LOGINUID_IMMUTABLE_BIT: u32 = 1 << AUDIT_FEATURE_LOGINUID_IMMUTABLE;
/// Size of `struct audit_features`.
pub const AUDIT_FEATURES_LEN: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_values_are_the_headers() {
        // struct audit_rule_data's buf starts at byte 1040.
        assert_eq!(AUDIT_RULE_DATA_LEN, 1040);
        assert_eq!(AUDIT_BIT_TEST, 0x4800_0000);
        assert_eq!(AUDIT_LESS_THAN_OR_EQUAL, 0x5000_0000);
        assert_eq!(AUDIT_GREATER_THAN_OR_EQUAL, 0x6000_0000);
        assert_eq!(AUDIT_FEATURE_BITMAP_ALL, 0x7f);
        assert_eq!(LOGINUID_IMMUTABLE_BIT, 2);
        assert_eq!(perm::ALL, 15);
        assert_eq!(field::ARG3, 203);
    }
}
