//! Rules: filter list, action, syscall mask and an ordered list of fields.

use std::fmt;

/// Number of 32-bit words in the syscall mask (`AUDIT_BITMASK_SIZE`).
pub const MASK_WORDS: usize = 64;
/// Most fields the kernel accepts in one rule (`AUDIT_MAX_FIELDS`).
pub const MAX_FIELDS: usize = 64;
/// Longest key, all `-k` parts joined (`AUDIT_MAX_KEY_LEN`).
pub const MAX_KEY_LEN: usize = 256;
/// Byte joining several keys in one key field (`AUDIT_KEY_SEPARATOR`).
pub const KEY_SEPARATOR: u8 = 0x01;
/// Flag OR-ed into the list number to insert a rule at the head (`-A`).
pub const FILTER_PREPEND: u32 = 0x10;

/// A filter list (`audit_rule_data.flags` without the prepend bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterList {
    /// `user` (0): messages sent from user space.
    User,
    /// `task` (1): at task creation.
    Task,
    /// `entry` (2): deprecated, refused by the kernel.
    Entry,
    /// `watch` (3): obsolete, refused by the kernel.
    Watch,
    /// `exit` (4): at syscall exit.
    Exit,
    /// `exclude` (5): drops records by type and credentials.
    Exclude,
    /// `filesystem` (6): by filesystem type.
    Filesystem,
    /// `io_uring` (7): io_uring operations.
    IoUring,
    /// Any other number, kept as sent by the kernel.
    Other(u32),
}

impl FilterList {
    /// The kernel's list number.
    pub fn number(self) -> u32 {
        match self {
            FilterList::User => 0,
            FilterList::Task => 1,
            FilterList::Entry => 2,
            FilterList::Watch => 3,
            FilterList::Exit => 4,
            FilterList::Exclude => 5,
            FilterList::Filesystem => 6,
            FilterList::IoUring => 7,
            FilterList::Other(n) => n,
        }
    }

    /// The list for a kernel list number.
    pub fn from_number(n: u32) -> FilterList {
        match n {
            0 => FilterList::User,
            1 => FilterList::Task,
            2 => FilterList::Entry,
            3 => FilterList::Watch,
            4 => FilterList::Exit,
            5 => FilterList::Exclude,
            6 => FilterList::Filesystem,
            7 => FilterList::IoUring,
            n => FilterList::Other(n),
        }
    }

    /// Whether rules on this list carry a syscall (or io_uring op) mask that
    /// the listing prints. User, task, exclude and filesystem rules do not.
    pub fn takes_syscalls(self) -> bool {
        !matches!(
            self,
            FilterList::User | FilterList::Task | FilterList::Exclude | FilterList::Filesystem
        )
    }
}

/// What a matching rule does (`audit_rule_data.action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `never` (0).
    Never,
    /// `possible` (1): deprecated, refused by the kernel.
    Possible,
    /// `always` (2).
    Always,
    /// Any other number.
    Other(u32),
}

impl Action {
    /// The kernel's action number.
    pub fn number(self) -> u32 {
        match self {
            Action::Never => 0,
            Action::Possible => 1,
            Action::Always => 2,
            Action::Other(n) => n,
        }
    }

    /// The action for a kernel action number.
    pub fn from_number(n: u32) -> Action {
        match n {
            0 => Action::Never,
            1 => Action::Possible,
            2 => Action::Always,
            n => Action::Other(n),
        }
    }
}

/// A comparison operator (`audit_rule_data.fieldflags[i]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `>`
    GreaterThan,
    /// `<`
    LessThan,
    /// `>=`
    GreaterOrEqual,
    /// `<=`
    LessOrEqual,
    /// `&` (any of the bits)
    BitMask,
    /// `&=` (all of the bits)
    BitTest,
    /// Any other value, kept as sent.
    Other(u32),
}

impl Operator {
    /// Every named operator, in the order auditctl searches a `-F` token
    /// for them (two-character operators first).
    pub const SEARCH_ORDER: [Operator; 8] = [
        Operator::NotEqual,
        Operator::GreaterOrEqual,
        Operator::LessOrEqual,
        Operator::BitTest,
        Operator::Equal,
        Operator::GreaterThan,
        Operator::LessThan,
        Operator::BitMask,
    ];

    /// The kernel's operator code.
    pub fn code(self) -> u32 {
        match self {
            Operator::Equal => 0x4000_0000,
            Operator::NotEqual => 0x3000_0000,
            Operator::GreaterThan => 0x2000_0000,
            Operator::LessThan => 0x1000_0000,
            Operator::GreaterOrEqual => 0x6000_0000,
            Operator::LessOrEqual => 0x5000_0000,
            Operator::BitMask => 0x0800_0000,
            Operator::BitTest => 0x4800_0000,
            Operator::Other(n) => n,
        }
    }

    /// The operator for a kernel code.
    pub fn from_code(code: u32) -> Operator {
        Operator::SEARCH_ORDER
            .into_iter()
            .find(|op| op.code() == code)
            .unwrap_or(Operator::Other(code))
    }

    /// The operator's spelling, or `None` for an unknown code.
    pub fn symbol(self) -> Option<&'static str> {
        Some(match self {
            Operator::Equal => "=",
            Operator::NotEqual => "!=",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::GreaterOrEqual => ">=",
            Operator::LessOrEqual => "<=",
            Operator::BitMask => "&",
            Operator::BitTest => "&=",
            Operator::Other(_) => return None,
        })
    }

    /// Whether this is `=` or `!=`.
    pub fn is_equality(self) -> bool {
        matches!(self, Operator::Equal | Operator::NotEqual)
    }
}

/// Kernel field numbers (`AUDIT_*` in `linux/audit.h`) that the codec and the
/// rule builder need by name.
pub mod field {
    /// `pid`
    pub const PID: u32 = 0;
    /// `uid`
    pub const UID: u32 = 1;
    /// `euid`
    pub const EUID: u32 = 2;
    /// `suid`
    pub const SUID: u32 = 3;
    /// `fsuid`
    pub const FSUID: u32 = 4;
    /// `gid`
    pub const GID: u32 = 5;
    /// `egid`
    pub const EGID: u32 = 6;
    /// `sgid`
    pub const SGID: u32 = 7;
    /// `fsgid`
    pub const FSGID: u32 = 8;
    /// `auid` / `loginuid`
    pub const LOGINUID: u32 = 9;
    /// `pers`
    pub const PERS: u32 = 10;
    /// `arch`
    pub const ARCH: u32 = 11;
    /// `msgtype`
    pub const MSGTYPE: u32 = 12;
    /// `subj_user` (first string field of the LSM range)
    pub const SUBJ_USER: u32 = 13;
    /// `subj_role`
    pub const SUBJ_ROLE: u32 = 14;
    /// `subj_type`
    pub const SUBJ_TYPE: u32 = 15;
    /// `subj_sen`
    pub const SUBJ_SEN: u32 = 16;
    /// `subj_clr`
    pub const SUBJ_CLR: u32 = 17;
    /// `ppid`
    pub const PPID: u32 = 18;
    /// `obj_user`
    pub const OBJ_USER: u32 = 19;
    /// `obj_role`
    pub const OBJ_ROLE: u32 = 20;
    /// `obj_type`
    pub const OBJ_TYPE: u32 = 21;
    /// `obj_lev_low`
    pub const OBJ_LEV_LOW: u32 = 22;
    /// `obj_lev_high` (last string field of the LSM range)
    pub const OBJ_LEV_HIGH: u32 = 23;
    /// `loginuid_set` (kernel-internal form of `auid=unset`)
    pub const LOGINUID_SET: u32 = 24;
    /// `sessionid`
    pub const SESSIONID: u32 = 25;
    /// `fstype`
    pub const FSTYPE: u32 = 26;
    /// `contid`: the audit container ID of the ghak90 patches (never merged).
    pub const CONTID: u32 = 27;
    /// `devmajor`
    pub const DEVMAJOR: u32 = 100;
    /// `devminor`
    pub const DEVMINOR: u32 = 101;
    /// `inode`
    pub const INODE: u32 = 102;
    /// `exit`
    pub const EXIT: u32 = 103;
    /// `success`
    pub const SUCCESS: u32 = 104;
    /// `path` (AUDIT_WATCH)
    pub const WATCH: u32 = 105;
    /// `perm`
    pub const PERM: u32 = 106;
    /// `dir`
    pub const DIR: u32 = 107;
    /// `filetype`
    pub const FILETYPE: u32 = 108;
    /// `obj_uid`
    pub const OBJ_UID: u32 = 109;
    /// `obj_gid`
    pub const OBJ_GID: u32 = 110;
    /// `-C` comparisons
    pub const FIELD_COMPARE: u32 = 111;
    /// `exe`
    pub const EXE: u32 = 112;
    /// `saddr_fam`
    pub const SADDR_FAM: u32 = 113;
    /// `a0`
    pub const ARG0: u32 = 200;
    /// `a1`
    pub const ARG1: u32 = 201;
    /// `a2`
    pub const ARG2: u32 = 202;
    /// `a3`
    pub const ARG3: u32 = 203;
    /// `key`
    pub const FILTERKEY: u32 = 210;

    /// Whether the field's value is carried in the string buffer: `values[i]`
    /// is then the byte length. This is the kernel's own list; `contid`
    /// (ghak90) also travels in the buffer, as 8 native-endian bytes.
    pub fn is_buffer(number: u32) -> bool {
        matches!(
            number,
            SUBJ_USER..=SUBJ_CLR | OBJ_USER..=OBJ_LEV_HIGH | WATCH | DIR | EXE | FILTERKEY | CONTID
        )
    }
}

/// Permission bits of the `perm` field (`AUDIT_PERM_*`).
pub mod perm {
    /// `x`
    pub const EXEC: u32 = 1;
    /// `w`
    pub const WRITE: u32 = 2;
    /// `r`
    pub const READ: u32 = 4;
    /// `a`
    pub const ATTR: u32 = 8;
    /// All four, the default of a watch.
    pub const ALL: u32 = 15;

    /// The letters for a perm value, always in r, w, x, a order.
    pub fn letters(value: u32) -> String {
        let mut s = String::new();
        for (bit, c) in [(READ, 'r'), (WRITE, 'w'), (EXEC, 'x'), (ATTR, 'a')] {
            if value & bit != 0 {
                s.push(c);
            }
        }
        s
    }
}

/// A field's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A number, as the 32-bit word the kernel stores (negative inputs are
    /// two's complement).
    Num(u32),
    /// Bytes from the string buffer (paths, keys, LSM labels, exe). Keys hold
    /// every part joined by [`KEY_SEPARATOR`].
    Bytes(Vec<u8>),
}

/// One field of a rule: what is compared, how, and with what.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// The kernel's field number (see [`field`]).
    pub number: u32,
    /// The comparison.
    pub op: Operator,
    /// The value.
    pub value: Value,
}

impl Field {
    /// A numeric field.
    pub fn num(number: u32, op: Operator, value: u32) -> Field {
        Field {
            number,
            op,
            value: Value::Num(value),
        }
    }

    /// A buffer field.
    pub fn bytes(number: u32, op: Operator, value: impl Into<Vec<u8>>) -> Field {
        Field {
            number,
            op,
            value: Value::Bytes(value.into()),
        }
    }

    /// The numeric value, or 0 for a buffer field.
    pub fn num_value(&self) -> u32 {
        match self.value {
            Value::Num(n) => n,
            Value::Bytes(_) => 0,
        }
    }
}

/// The syscall (or io_uring op) bitmap: bit n is syscall n.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SyscallMask(pub [u32; MASK_WORDS]);

impl SyscallMask {
    /// No syscall.
    pub const EMPTY: SyscallMask = SyscallMask([0; MASK_WORDS]);
    /// Every bit, class bits included (`-S all`).
    pub const ALL: SyscallMask = SyscallMask([u32::MAX; MASK_WORDS]);

    /// Sets bit `n`; false when `n` is beyond the mask.
    pub fn set(&mut self, n: u32) -> bool {
        let word = (n / 32) as usize;
        if word >= MASK_WORDS {
            return false;
        }
        self.0[word] |= 1 << (n % 32);
        true
    }

    /// Whether bit `n` is set.
    pub fn contains(&self, n: u32) -> bool {
        let word = (n / 32) as usize;
        word < MASK_WORDS && self.0[word] & (1 << (n % 32)) != 0
    }

    /// Whether the mask has no bit set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// The set bits in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..(MASK_WORDS as u32 * 32)).filter(move |n| self.contains(*n))
    }
}

impl fmt::Debug for SyscallMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == SyscallMask::ALL {
            return f.write_str("SyscallMask(all)");
        }
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Default for SyscallMask {
    fn default() -> Self {
        SyscallMask::EMPTY
    }
}

/// One audit rule, as the kernel holds it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The filter list.
    pub list: FilterList,
    /// Insert at the head of the list (`-A`). The kernel clears this bit when
    /// it stores a rule, so rules read back never have it.
    pub prepend: bool,
    /// The action.
    pub action: Action,
    /// The syscall mask.
    pub mask: SyscallMask,
    /// The fields, in the order they are stored (the order matters to the
    /// kernel's duplicate and delete matching).
    pub fields: Vec<Field>,
    /// Bytes at the end of the string buffer that no field claimed. Always
    /// empty for rules this crate builds; kept so that decoding is lossless
    /// even for a kernel that carries fields this version does not know.
    pub trailing: Vec<u8>,
}

impl Rule {
    /// An empty rule on a list.
    pub fn new(list: FilterList, action: Action) -> Rule {
        Rule {
            list,
            prepend: false,
            action,
            mask: SyscallMask::EMPTY,
            fields: Vec::new(),
            trailing: Vec::new(),
        }
    }

    /// The joined key bytes of the rule's key field, if it has one.
    pub fn key_bytes(&self) -> Option<&[u8]> {
        self.fields.iter().find_map(|f| match (&f.value, f.number) {
            (Value::Bytes(b), field::FILTERKEY) => Some(b.as_slice()),
            _ => None,
        })
    }

    /// The individual keys (the key field split at [`KEY_SEPARATOR`], empty
    /// parts skipped).
    pub fn keys(&self) -> Vec<&[u8]> {
        self.key_bytes()
            .map(|k| {
                k.split(|b| *b == KEY_SEPARATOR)
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The rule as the kernel stores it: the prepend bit cleared.
    pub fn as_stored(&self) -> Rule {
        Rule {
            prepend: false,
            ..self.clone()
        }
    }
}
