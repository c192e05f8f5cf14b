//! Why a native command failed, and the exit code each reason means: one
//! typed set, so every command maps its errors to exit codes the same way.
//!
//! The message (the error's `Display`) goes to standard error after
//! `kaudit: `; [`Error::exit_code`] is the process's exit code, one of
//! [`crate::exit`]'s. The `auditctl` and `augenrules` personalities keep
//! their own tables (the reference's), in their modules.

use crate::exit;
use crate::netlink::TransportError;
use crate::output::reason;
use crate::sync::SyncError;

/// Why a native command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Talking to the kernel failed (exit 4 when it says the caller may
    /// not, 1 otherwise).
    #[error("{0}")]
    Transport(#[from] TransportError),
    /// A sync did not complete (its own exit code: [`SyncError::exit_code`]).
    #[error("{0}")]
    Sync(#[from] SyncError),
    /// `--scope` is not `key=PREFIX`.
    #[error(transparent)]
    Scope(#[from] crate::sync::ScopeError),
    /// A change was asked for without root.
    #[error("changing audit rules needs root (CAP_AUDIT_CONTROL)")]
    NotRoot,
    /// The machine-wide lock could not be taken; nothing was sent.
    #[error("cannot take the kaudit lock: {}", reason(.0))]
    Lock(std::io::Error),
    /// The kernel's configuration is locked (`-e 2`); nothing was sent.
    #[error("The audit system is in immutable mode, no rule changes allowed")]
    Immutable,
    /// `load`: lines of the files have errors (reported above); nothing was
    /// sent.
    #[error("{errors} error(s); nothing was sent to the kernel")]
    LoadInput {
        /// How many errors.
        errors: usize,
    },
    /// `load`: lines that are neither rules nor settings (reported above);
    /// nothing was sent.
    #[error("nothing was sent to the kernel")]
    NotLoadable,
    /// `sync`, `diff`, `check`: the files do not make a desired state (the
    /// errors are reported above); nothing was sent. Exit 2: input, as for
    /// the other reasons a sync sends nothing.
    #[error("{errors} error(s); nothing was sent to the kernel")]
    DesiredInput {
        /// How many errors.
        errors: usize,
    },
    /// `diff`, `check`: the same, for commands that never send anything:
    /// the kernel was not compared with the files.
    #[error("{errors} error(s); the files were not compared with the kernel")]
    CompareInput {
        /// How many errors.
        errors: usize,
    },
    /// `delete` without a rule or `--key`.
    #[error("give a rule to delete, or --key KEY")]
    NothingToDelete,
    /// `delete --key=`: an empty key (it would name no rule).
    #[error("--key is empty: give the key of the rules to delete")]
    EmptyKey,
    /// `delete`: the text is a setting or a command, not a rule.
    #[error("that is not a rule")]
    NotARule,
    /// `delete`: the rule text has an error (reported above).
    #[error("nothing was deleted")]
    BadRule,
    /// `delete`: the kernel holds no such rule.
    #[error("no rule {0}")]
    NoSuchRule(String),
    /// `lint --arch` names no machine kaudit knows.
    #[error("unknown machine {0:?} for --arch")]
    UnknownMachine(String),
    /// The man pages or completions could not be written.
    #[error("cannot write the docs: {}", reason(.0))]
    Docs(std::io::Error),
    /// Standard output (or another stream) failed for a reason other than
    /// a closed pipe.
    #[error("cannot write to {stream}: {}", reason(.source))]
    Write {
        /// Which stream ("standard output").
        stream: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// Any error of `diff`, `check` or `lint`: exit 2, as for diff(1), so
    /// that it is never mistaken for "different" (1).
    #[error(transparent)]
    Trouble(Box<Error>),
}

impl Error {
    /// The process's exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Transport(TransportError::PermissionDenied(_)) | Error::NotRoot => {
                exit::NOT_ROOT
            }
            Error::Sync(e) => e.exit_code(),
            Error::Immutable => exit::LOCKED,
            Error::Lock(e) if crate::lock::timed_out(e) => exit::LOCK_TIMEOUT,
            Error::Scope(_)
            | Error::DesiredInput { .. }
            | Error::CompareInput { .. }
            | Error::NothingToDelete
            | Error::EmptyKey
            | Error::UnknownMachine(_)
            | Error::Trouble(_) => exit::TROUBLE,
            Error::Transport(_)
            | Error::Lock(_)
            | Error::LoadInput { .. }
            | Error::NotLoadable
            | Error::NotARule
            | Error::BadRule
            | Error::NoSuchRule(_)
            | Error::Docs(_)
            | Error::Write { .. } => exit::FAILED,
        }
    }

    /// This error as `diff`, `check` and `lint` report it: the same
    /// message, exit 2.
    pub fn trouble(self) -> Error {
        match self {
            Error::Trouble(_) => self,
            other => Error::Trouble(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_carries_its_exit_code() {
        let denied = TransportError::PermissionDenied(std::io::Error::from_raw_os_error(1));
        assert_eq!(Error::from(denied).exit_code(), exit::NOT_ROOT);
        assert_eq!(Error::NotRoot.exit_code(), exit::NOT_ROOT);
        assert_eq!(Error::Immutable.exit_code(), exit::LOCKED);
        assert_eq!(Error::Sync(SyncError::Locked).exit_code(), exit::LOCKED);
        assert_eq!(Error::LoadInput { errors: 2 }.exit_code(), exit::FAILED);
        assert_eq!(Error::DesiredInput { errors: 2 }.exit_code(), exit::TROUBLE);
        assert_eq!(Error::NothingToDelete.exit_code(), exit::TROUBLE);
        assert_eq!(Error::EmptyKey.exit_code(), exit::TROUBLE);
        assert_eq!(Error::CompareInput { errors: 1 }.exit_code(), exit::TROUBLE);
        assert_eq!(Error::NoSuchRule("x".into()).exit_code(), exit::FAILED);
        let eacces = std::io::Error::from_raw_os_error(libc::EACCES);
        assert_eq!(Error::Lock(eacces).exit_code(), exit::FAILED);
    }

    #[test]
    fn a_lock_wait_that_runs_out_exits_6() {
        let dir = std::env::temp_dir().join(format!("kaudit-error-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kaudit.lock");
        let held = crate::lock::MachineLock::acquire_at(&path).unwrap();
        let e = crate::lock::MachineLock::acquire_within(
            &path,
            Some(std::time::Duration::ZERO),
            &mut |_| {},
        )
        .unwrap_err();
        let e = Error::Lock(e);
        assert_eq!(e.exit_code(), exit::LOCK_TIMEOUT);
        assert!(e
            .to_string()
            .starts_with("cannot take the kaudit lock: gave up after waiting"));
        drop(held);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trouble_keeps_the_message_and_exits_2() {
        let e = Error::Immutable.trouble();
        assert_eq!(e.exit_code(), exit::TROUBLE);
        assert_eq!(
            e.to_string(),
            "The audit system is in immutable mode, no rule changes allowed"
        );
        assert_eq!(e.trouble().exit_code(), exit::TROUBLE);
    }

    #[test]
    fn io_reasons_have_no_rust_suffix() {
        let e = Error::Write {
            stream: "standard output",
            source: std::io::Error::from_raw_os_error(libc::ENOSPC),
        };
        assert_eq!(
            e.to_string(),
            "cannot write to standard output: No space left on device"
        );
        assert_eq!(
            Error::Lock(std::io::Error::from_raw_os_error(libc::EACCES)).to_string(),
            "cannot take the kaudit lock: Permission denied"
        );
    }
}
