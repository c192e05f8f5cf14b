//! kaudit's exit codes (README, "Commands"), named once. Its own module,
//! below everything that reports an outcome ([`crate::error`], the sync
//! engine's [`crate::sync::SyncError`], [`crate::lint`]), so each can use
//! the names without importing the others. The `auditctl` and `augenrules`
//! personalities keep their own tables (the reference's), in their modules.

/// Success; for `diff`, `check` and `lint`: no difference, no finding.
pub const OK: u8 = 0;
/// Bad input or a kernel refusal; for `diff` and `check`: the kernel
/// differs from the files; for `lint`: a finding at or above `--deny`.
pub const FAILED: u8 = 1;
/// A usage error; for `diff`, `check` and `lint` (as for diff(1)): any
/// error.
pub const TROUBLE: u8 = 2;
/// The kernel's audit configuration is locked (`-e 2`).
pub const LOCKED: u8 = 3;
/// Not privileged.
pub const NOT_ROOT: u8 = 4;
/// The kernel was changed and its previous state could not be restored.
pub const NOT_RESTORED: u8 = 5;
/// The machine lock stayed held by someone else for longer than
/// `KAUDIT_LOCK_TIMEOUT` (default 60 s); nothing was sent.
pub const LOCK_TIMEOUT: u8 = 6;
