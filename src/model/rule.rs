//! Rules: filter list, action, syscall mask and an ordered list of fields.
//!
//! The kernel's numbers for lists, actions, operators and fields come from
//! [`crate::uapi`].

use crate::uapi::{self, AUDIT_BITMASK_SIZE, AUDIT_KEY_SEPARATOR, AUDIT_SYSCALL_CLASSES};
use std::fmt;
use std::sync::Arc;

pub use crate::uapi::field;

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
            FilterList::User => uapi::AUDIT_FILTER_USER,
            FilterList::Task => uapi::AUDIT_FILTER_TASK,
            FilterList::Entry => uapi::AUDIT_FILTER_ENTRY,
            FilterList::Watch => uapi::AUDIT_FILTER_WATCH,
            FilterList::Exit => uapi::AUDIT_FILTER_EXIT,
            FilterList::Exclude => uapi::AUDIT_FILTER_EXCLUDE,
            FilterList::Filesystem => uapi::AUDIT_FILTER_FS,
            FilterList::IoUring => uapi::AUDIT_FILTER_URING_EXIT,
            FilterList::Other(n) => n,
        }
    }

    /// The list for a kernel list number.
    pub fn from_number(n: u32) -> FilterList {
        match n {
            uapi::AUDIT_FILTER_USER => FilterList::User,
            uapi::AUDIT_FILTER_TASK => FilterList::Task,
            uapi::AUDIT_FILTER_ENTRY => FilterList::Entry,
            uapi::AUDIT_FILTER_WATCH => FilterList::Watch,
            uapi::AUDIT_FILTER_EXIT => FilterList::Exit,
            uapi::AUDIT_FILTER_EXCLUDE => FilterList::Exclude,
            uapi::AUDIT_FILTER_FS => FilterList::Filesystem,
            uapi::AUDIT_FILTER_URING_EXIT => FilterList::IoUring,
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
            Action::Never => uapi::AUDIT_NEVER,
            Action::Possible => uapi::AUDIT_POSSIBLE,
            Action::Always => uapi::AUDIT_ALWAYS,
            Action::Other(n) => n,
        }
    }

    /// The action for a kernel action number.
    pub fn from_number(n: u32) -> Action {
        match n {
            uapi::AUDIT_NEVER => Action::Never,
            uapi::AUDIT_POSSIBLE => Action::Possible,
            uapi::AUDIT_ALWAYS => Action::Always,
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
            Operator::Equal => uapi::AUDIT_EQUAL,
            Operator::NotEqual => uapi::AUDIT_NOT_EQUAL,
            Operator::GreaterThan => uapi::AUDIT_GREATER_THAN,
            Operator::LessThan => uapi::AUDIT_LESS_THAN,
            Operator::GreaterOrEqual => uapi::AUDIT_GREATER_THAN_OR_EQUAL,
            Operator::LessOrEqual => uapi::AUDIT_LESS_THAN_OR_EQUAL,
            Operator::BitMask => uapi::AUDIT_BIT_MASK,
            Operator::BitTest => uapi::AUDIT_BIT_TEST,
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

/// Permission bits of the `perm` field (`AUDIT_PERM_*`, from
/// [`crate::uapi::perm`]) and their letters.
pub mod perm {
    pub use crate::uapi::perm::*;

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
    /// every part joined by [`AUDIT_KEY_SEPARATOR`].
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
///
/// 256 bytes of words, held behind an [`Arc`] and copied on write: the
/// empty and the full mask take no allocation, and the rules of a file
/// share the few masks they have ([`MaskPool`]), so that a rule costs 16
/// bytes of mask instead of 256 (an 8 MiB file holds 700,000 short rules).
#[derive(Clone)]
pub struct SyscallMask(Words);

#[derive(Clone)]
enum Words {
    Empty,
    All,
    Shared(Arc<[u32; AUDIT_BITMASK_SIZE]>),
}

static EMPTY_WORDS: [u32; AUDIT_BITMASK_SIZE] = [0; AUDIT_BITMASK_SIZE];
static ALL_WORDS: [u32; AUDIT_BITMASK_SIZE] = [u32::MAX; AUDIT_BITMASK_SIZE];

impl SyscallMask {
    /// No syscall.
    pub const EMPTY: SyscallMask = SyscallMask(Words::Empty);
    /// Every bit, class bits included (`-S all`).
    pub const ALL: SyscallMask = SyscallMask(Words::All);

    /// The mask of these words.
    pub fn from_words(words: [u32; AUDIT_BITMASK_SIZE]) -> SyscallMask {
        if words == EMPTY_WORDS {
            SyscallMask::EMPTY
        } else if words == ALL_WORDS {
            SyscallMask::ALL
        } else {
            SyscallMask(Words::Shared(Arc::new(words)))
        }
    }

    /// The words (word i holds syscalls 32 i to 32 i + 31).
    pub fn words(&self) -> &[u32; AUDIT_BITMASK_SIZE] {
        match &self.0 {
            Words::Empty => &EMPTY_WORDS,
            Words::All => &ALL_WORDS,
            Words::Shared(w) => w,
        }
    }

    /// The words, to change (copied first when they are shared).
    pub fn words_mut(&mut self) -> &mut [u32; AUDIT_BITMASK_SIZE] {
        if !matches!(self.0, Words::Shared(_)) {
            self.0 = Words::Shared(Arc::new(*self.words()));
        }
        match &mut self.0 {
            Words::Shared(w) => Arc::make_mut(w),
            _ => unreachable!("made shared above"),
        }
    }

    /// Sets bit `n`; false when `n` is beyond the mask.
    pub fn set(&mut self, n: u32) -> bool {
        let word = (n / 32) as usize;
        if word >= AUDIT_BITMASK_SIZE {
            return false;
        }
        if !self.contains(n) {
            self.words_mut()[word] |= 1 << (n % 32);
        }
        true
    }

    /// Whether bit `n` is set.
    pub fn contains(&self, n: u32) -> bool {
        let word = (n / 32) as usize;
        word < AUDIT_BITMASK_SIZE && self.words()[word] & (1 << (n % 32)) != 0
    }

    /// The mask without its syscall class bits (the top
    /// `AUDIT_SYSCALL_CLASSES` bits of the last word), which the kernel
    /// expands into the class's syscalls and clears when it stores a rule.
    pub fn without_classes(&self) -> SyscallMask {
        let mut w = *self.words();
        w[AUDIT_BITMASK_SIZE - 1] &= u32::MAX >> AUDIT_SYSCALL_CLASSES;
        SyscallMask::from_words(w)
    }

    /// Whether the mask has no bit set.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Words::Empty => true,
            Words::All => false,
            Words::Shared(w) => w.iter().all(|w| *w == 0),
        }
    }

    /// The set bits in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..(AUDIT_BITMASK_SIZE as u32 * 32)).filter(move |n| self.contains(*n))
    }

    /// Whether two masks hold the same words in one place (no comparison of
    /// the words needed).
    pub fn same_words(&self, other: &SyscallMask) -> bool {
        match (&self.0, &other.0) {
            (Words::Empty, Words::Empty) | (Words::All, Words::All) => true,
            (Words::Shared(a), Words::Shared(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl PartialEq for SyscallMask {
    fn eq(&self, other: &SyscallMask) -> bool {
        self.same_words(other) || self.words() == other.words()
    }
}

impl Eq for SyscallMask {}

impl std::hash::Hash for SyscallMask {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.words().hash(state);
    }
}

/// Masks seen so far, to share: [`MaskPool::share`] makes a mask equal to
/// one seen before point to the same words. At most [`MaskPool::LIMIT`]
/// masks are kept (a file of as many distinct masks keeps its own copies).
#[derive(Default)]
pub struct MaskPool {
    seen: std::collections::HashSet<Arc<[u32; AUDIT_BITMASK_SIZE]>>,
}

impl MaskPool {
    /// How many distinct masks a pool keeps.
    pub const LIMIT: usize = 4096;

    /// Shares `mask`'s words with an equal mask seen before, or keeps them
    /// for the masks after it.
    pub fn share(&mut self, mask: &mut SyscallMask) {
        let words = match &mask.0 {
            Words::Empty | Words::All => return,
            Words::Shared(w) => w,
        };
        if **words == EMPTY_WORDS || **words == ALL_WORDS {
            *mask = SyscallMask::from_words(**words);
        } else if let Some(w) = self.seen.get(words) {
            *mask = SyscallMask(Words::Shared(w.clone()));
        } else if self.seen.len() < MaskPool::LIMIT {
            self.seen.insert(words.clone());
        }
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

    /// The individual keys (the key field split at [`AUDIT_KEY_SEPARATOR`], empty
    /// parts skipped).
    pub fn keys(&self) -> Vec<&[u8]> {
        self.key_bytes()
            .map(|k| {
                k.split(|b| *b == AUDIT_KEY_SEPARATOR)
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
