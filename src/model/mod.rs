//! The typed rule model: what a rule *is*, independent of how it was written
//! (auditctl text) or carried (`struct audit_rule_data` bytes).
//!
//! Invariant: the model is lossless with respect to the kernel's wire form.
//! Every list, action, operator and field number survives decoding, including
//! ones this version does not know (they are kept as numbers), so that
//! `encode(decode(bytes)) == bytes` for anything the kernel sends.

mod control;
mod rule;

pub use control::Control;
pub use rule::*;
