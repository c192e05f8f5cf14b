//! Which rules a sync manages: every rule, or those whose key starts with a
//! prefix.

use crate::model::Rule;

/// Which rules a sync manages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every rule in the kernel.
    All,
    /// Rules with a key starting with this prefix.
    KeyPrefix(String),
}

impl Scope {
    /// Parses `key=PREFIX`.
    pub fn parse(text: &str) -> Result<Scope, String> {
        match text.strip_prefix("key=") {
            Some(p) if !p.is_empty() => Ok(Scope::KeyPrefix(p.to_string())),
            _ => Err(format!("--scope must be key=PREFIX, not '{text}'")),
        }
    }

    /// Whether a rule is managed. A kernel rule kaudit cannot fully decode
    /// is managed like any other when the key it carries can be read (see
    /// [`crate::stored_rule::StoredRule::from_kernel`]).
    pub fn covers(&self, rule: &Rule) -> bool {
        match self {
            Scope::All => true,
            Scope::KeyPrefix(p) => rule.keys().iter().any(|k| k.starts_with(p.as_bytes())),
        }
    }
}
