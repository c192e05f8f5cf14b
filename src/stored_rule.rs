//! A rule as the kernel stores it, decoded once: its bytes (what the kernel
//! compares when it refuses a duplicate or finds a rule to delete, and what
//! the planner compares) together with its decoded form (what is printed,
//! and what a scope matches), read once when the rule comes from the kernel
//! or is compiled from a file.
//!
//! Cloning is cheap (the rule is shared), so plans, reports and read-backs
//! carry the same rule without copying a kilobyte of payload each time.

use crate::codec::{self, DecodeError};
use crate::model::Rule;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A rule in the form the kernel stores and lists: the prepend flag clear.
/// Two rules are the same rule when their bytes are (as for the kernel).
#[derive(Clone)]
pub struct StoredRule(Arc<Decoded>);

struct Decoded {
    bytes: Vec<u8>,
    rule: Rule,
    problem: Option<DecodeError>,
}

impl StoredRule {
    /// A rule read from the kernel (an `AUDIT_LIST_RULES` payload). A rule
    /// kaudit cannot fully decode keeps its bytes, by which it is compared
    /// and deleted, and is shown and scoped by what could be read
    /// ([`codec::decode_lossy`]); [`StoredRule::problem`] says what could
    /// not.
    pub fn from_kernel(bytes: Vec<u8>) -> StoredRule {
        let (rule, problem) = codec::decode_lossy(&bytes);
        StoredRule(Arc::new(Decoded {
            bytes,
            rule,
            problem,
        }))
    }

    /// A compiled rule as the kernel will store and list it: the prepend
    /// flag cleared, and the 16 syscall-class bits of the mask cleared (the
    /// kernel expands a class into its syscalls and clears the bit; rules
    /// that name a class by number therefore never compare equal, and are
    /// re-sent by every sync).
    pub fn compiled(rule: &Rule) -> StoredRule {
        let rule = stored_form(rule);
        StoredRule(Arc::new(Decoded {
            bytes: codec::encode(&rule),
            rule,
            problem: None,
        }))
    }

    /// The bytes, as the kernel lists them.
    pub fn bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    /// The decoded rule (for a rule that does not decode whole, what could
    /// be read).
    pub fn rule(&self) -> &Rule {
        &self.0.rule
    }

    /// Why the bytes do not decode whole, if they do not.
    pub fn problem(&self) -> Option<&DecodeError> {
        self.0.problem.as_ref()
    }

    /// The filter list number (the flags without the prepend bit).
    pub fn list(&self) -> u32 {
        self.0.rule.list.number()
    }

    /// Whether the prepend flag is set (never, for a rule the kernel
    /// listed or [`StoredRule::compiled`] made; see [`StoredRule::add_payload`]).
    pub fn prepend(&self) -> bool {
        self.0.rule.prepend
    }

    /// The payload of the `AUDIT_ADD_RULE` that adds this rule, at the head
    /// of its list when `prepend`: the stored bytes with only the prepend
    /// flag changed, so that a rule that does not decode whole is re-added
    /// exactly as it was.
    pub fn add_payload(&self, prepend: bool) -> Vec<u8> {
        let mut bytes = self.0.bytes.clone();
        codec::set_prepend(&mut bytes, prepend);
        bytes
    }
}

/// The bytes of [`StoredRule::compiled`], for callers that only compare.
pub fn stored_bytes(rule: &Rule) -> Vec<u8> {
    codec::encode(&stored_form(rule))
}

fn stored_form(rule: &Rule) -> Rule {
    let mut r = rule.as_stored();
    r.mask = r.mask.without_classes();
    r
}

impl PartialEq for StoredRule {
    fn eq(&self, other: &StoredRule) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.bytes == other.0.bytes
    }
}

impl Eq for StoredRule {}

impl Hash for StoredRule {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.bytes.hash(state)
    }
}

impl fmt::Debug for StoredRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredRule")
            .field("rule", &self.0.rule)
            .field("problem", &self.0.problem)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, FilterList};
    use crate::uapi::{AUDIT_FILTER_EXCLUDE, AUDIT_FILTER_EXIT, AUDIT_FILTER_PREPEND};

    fn flags(b: &[u8]) -> u32 {
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
    }

    #[test]
    fn a_compiled_rule_is_stored_without_the_prepend_flag_and_class_bits() {
        let mut r = Rule::new(FilterList::Exit, Action::Always);
        r.prepend = true;
        r.mask.words_mut()[63] = 0xFFFF_0001;
        let s = StoredRule::compiled(&r);
        assert!(!s.prepend());
        assert_eq!(s.list(), AUDIT_FILTER_EXIT);
        assert_eq!(s.rule().mask.words()[63], 1);
        assert_eq!(flags(s.bytes()), AUDIT_FILTER_EXIT);
        assert_eq!(s.bytes(), stored_bytes(&r));
        assert_eq!(StoredRule::from_kernel(s.bytes().to_vec()), s);
        assert!(StoredRule::from_kernel(s.bytes().to_vec())
            .problem()
            .is_none());
    }

    #[test]
    fn the_add_payload_changes_only_the_prepend_flag() {
        let s = StoredRule::compiled(&Rule::new(FilterList::Exclude, Action::Never));
        let head = s.add_payload(true);
        assert_eq!(flags(&head), AUDIT_FILTER_EXCLUDE | AUDIT_FILTER_PREPEND);
        assert_eq!(head[4..], s.bytes()[4..]);
        assert_eq!(s.add_payload(false), s.bytes());
        // A rule that does not decode whole keeps every other byte.
        let mut odd = s.bytes().to_vec();
        odd.truncate(600);
        let odd = StoredRule::from_kernel(odd);
        assert!(odd.problem().is_some());
        assert_eq!(odd.list(), AUDIT_FILTER_EXCLUDE);
        assert_eq!(odd.add_payload(true)[4..], odd.bytes()[4..]);
        assert_eq!(
            flags(&odd.add_payload(true)),
            AUDIT_FILTER_EXCLUDE | AUDIT_FILTER_PREPEND
        );
    }
}
