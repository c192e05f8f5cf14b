//! `kaudit sync`, `diff` and `check`: make the kernel match rules files with
//! the least change and no audit gap, or say how it differs.
//!
//! 1. Every file is compiled first; any error means nothing is sent.
//! 2. The desired state is the files' rules in order (their `-a`, `-A`,
//!    `-d`, `-w`, `-W` lines applied to an empty table, as loading them
//!    would), plus their settings (`-b`, `-f`, `-r`, `--backlog_wait_time`,
//!    `--loginuid-immutable`, `-e`; the last of each wins; `-D` is implied).
//! 3. [`crate::plan`] computes the steps; kept rules are never touched.
//! 4. Rules first, then settings, `-e` last and only after everything else
//!    succeeded.
//! 5. If the kernel refuses a step, the previous rule table and settings are
//!    restored exactly, and the refused rule is reported.
//! 6. The kernel is read back and compared with the planned end state.
//!
//! With a scope (`key=PREFIX`), only rules whose key starts with PREFIX are
//! managed; every other rule is left exactly where it is.

mod desired;
mod engine;
mod files;
mod render;
mod report;
mod scope;
mod setting;
#[cfg(test)]
mod tests;

pub use desired::{
    desired_additive, desired_from_entries, desired_from_paths, says_delete_all, Desired, Settings,
};
pub use engine::{
    apply, apply_state, compare, compare_state, empty_guard, read_state, KernelState, MAX_ROUNDS,
};
pub use files::{entries_from_paths, rule_files, RuleFilesError};
pub use render::{diff_text, foreign_text, plan_text};
pub use report::{ForeignChange, Report, Rollback, SyncError};
pub use scope::{Scope, ScopeError};
pub use setting::Setting;
