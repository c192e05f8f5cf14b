//! What a sync did, or why it did not complete.

use super::{render, Setting};
use crate::exit;
use crate::netlink::TransportError;
use crate::plan::Plan;
use crate::rulefile::Origin;
use crate::stored_rule::StoredRule;

/// The result of comparing and, perhaps, applying.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The rule plan.
    pub plan: Plan,
    /// Settings that change: (setting, from, to), in the order they are
    /// set.
    pub settings: Vec<(Setting, u32, u32)>,
    /// Whether `--loginuid-immutable` will be (or was) set.
    pub lock_loginuid: bool,
    /// The managed rules in the kernel before.
    pub before: Vec<StoredRule>,
    /// The managed rules wanted, in kernel order.
    pub after: Vec<StoredRule>,
    /// The kernel's whole table when compared (managed or not).
    pub table: Vec<StoredRule>,
    /// Changes another writer made to rules in scope while the sync ran
    /// (`-l` text), which kaudit re-planned around.
    pub foreign: Vec<ForeignChange>,
    /// Rounds of apply, read back and re-plan (1 when nobody interfered).
    pub rounds: usize,
}

/// A change another writer made to a rule in scope during a sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForeignChange {
    /// The rule appeared (an add of kaudit's met `EEXIST`, or the read-back
    /// showed it).
    Added(String),
    /// The rule disappeared (a delete of kaudit's met `ENOENT`, or the
    /// read-back showed it gone).
    Deleted(String),
}

/// What a rollback did: it undoes kaudit's own completed steps and nothing
/// else (a rule another writer added stays, one another writer deleted is
/// not re-created). Rules are `-l` text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rollback {
    /// Rules kaudit had deleted, added back.
    pub readded: Vec<String>,
    /// Rules kaudit had added, deleted again.
    pub removed: Vec<String>,
    /// Rules deleted and re-added to put the previous order back.
    pub moved: Vec<String>,
    /// Rollback requests the kernel refused: (what, reason).
    pub failed: Vec<(String, String)>,
    /// Settings put back: (setting, value).
    pub settings_restored: Vec<(Setting, u32)>,
    /// Settings that could not be put back: (setting, value, reason).
    pub settings_failed: Vec<(Setting, u32, String)>,
    /// Whether the rules in scope are afterwards exactly the previous ones,
    /// in order (apart from other writers' changes).
    pub rules_exact: bool,
}

impl Rollback {
    /// Whether the previous state is back.
    pub fn complete(&self) -> bool {
        self.rules_exact && self.failed.is_empty() && self.settings_failed.is_empty()
    }
}

impl Report {
    /// Whether anything differs.
    pub fn in_sync(&self) -> bool {
        self.plan.is_empty() && self.settings.is_empty() && !self.lock_loginuid
    }
}

/// Why a sync did not complete (the messages are built in `sync/render.rs`).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The kernel's configuration is locked (`-e 2`); nothing was sent.
    #[error("The audit system is in immutable mode, no rule changes allowed")]
    Locked,
    /// The kernel refused a step; the previous state was restored.
    #[error("{}", render::refused_text(.what, .origin.as_ref(), .reason, .rollback, .foreign))]
    Refused {
        /// The refused rule's `-l` text, or the setting.
        what: String,
        /// Where it came from.
        origin: Option<Origin>,
        /// strerror.
        reason: String,
        /// What the rollback restored and what it could not.
        rollback: Box<Rollback>,
        /// What other writers changed meanwhile.
        foreign: Vec<ForeignChange>,
    },
    /// Other writers kept changing the rules in scope: after
    /// [`MAX_ROUNDS`](super::MAX_ROUNDS) rounds the kernel still did not match; kaudit's own
    /// steps were rolled back.
    #[error("{}", render::contended_text(.foreign, .rollback))]
    Contended {
        /// What other writers changed.
        foreign: Vec<ForeignChange>,
        /// What the rollback restored and what it could not.
        rollback: Box<Rollback>,
    },
    /// A rule needs a kernel feature this kernel lacks; nothing was sent.
    #[error("{}error: {what}; nothing was sent", render::at(.origin))]
    Unsupported {
        /// Why.
        what: String,
        /// The rule's line.
        origin: Origin,
    },
    /// Talking to the kernel failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The files hold no rules and do not say `-D`, while the kernel holds
    /// rules in scope; nothing was sent.
    #[error(
        "error: the files hold no rules, and the kernel holds {in_scope} rule(s) in scope: \
         a sync would delete them all; nothing was sent. If an empty rule set is meant, \
         say -D in the files or pass --allow-empty"
    )]
    EmptyDesired {
        /// Rules in scope that a sync would delete.
        in_scope: usize,
    },
}

impl SyncError {
    /// The exit code of `kaudit sync` for this error: [`exit::NOT_RESTORED`]
    /// when the kernel was changed and its previous state could not be
    /// restored, [`exit::LOCKED`], [`exit::TROUBLE`] when nothing was sent
    /// for a reason of input, [`exit::NOT_ROOT`], [`exit::FAILED`]
    /// otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            SyncError::Refused { rollback, .. } | SyncError::Contended { rollback, .. }
                if !rollback.complete() =>
            {
                exit::NOT_RESTORED
            }
            SyncError::Locked => exit::LOCKED,
            SyncError::Unsupported { .. } | SyncError::EmptyDesired { .. } => exit::TROUBLE,
            SyncError::Transport(TransportError::PermissionDenied(_)) => exit::NOT_ROOT,
            _ => exit::FAILED,
        }
    }
}
