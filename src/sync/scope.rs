//! Which rules a sync manages: every rule, or those whose key starts with a
//! prefix.

use crate::model::Rule;

/// `--scope` (or `KAUDIT_AUGENRULES_SCOPE`) is not `key=PREFIX`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("--scope must be key=PREFIX, not '{text}'")]
pub struct ScopeError {
    /// The text given.
    pub text: String,
}

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
    pub fn parse(text: &str) -> Result<Scope, ScopeError> {
        match text.strip_prefix("key=") {
            Some(p) if !p.is_empty() => Ok(Scope::KeyPrefix(p.to_string())),
            _ => Err(ScopeError { text: text.into() }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_key_and_a_prefix() {
        assert_eq!(Scope::parse("key=ks-"), Ok(Scope::KeyPrefix("ks-".into())));
        for bad in ["key=", "ks-", "uid=0", ""] {
            let e = Scope::parse(bad).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("--scope must be key=PREFIX, not '{bad}'")
            );
        }
    }
}
