//! Machine-wide lock for everything that changes the kernel's audit state.
//!
//! The kernel rule table and status are global to the machine, so every
//! writer (the kaudit binary when it changes rules, and every test that
//! touches the kernel) serialises on one exclusive `flock(2)` on a well-known
//! file, `/run/kaudit.lock`, or the path in `KAUDIT_LOCK_PATH`.
//!
//! Invariants: the lock is held exactly as long as the [`MachineLock`] value
//! lives (the kernel drops a `flock` when its file description is closed,
//! also when the process dies). `flock` locks belong to an open file
//! description, so two `acquire` calls in one process (two test threads)
//! also exclude each other. The file's contents are never used.
//!
//! The file is opened with `O_NOFOLLOW`: a symlink at the lock path (say a
//! dangling one planted in a shared directory) is refused, never followed,
//! so taking the lock can never create or open another file.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// Default lock file.
pub const DEFAULT_LOCK_PATH: &str = "/run/kaudit.lock";
/// Environment variable that overrides [`DEFAULT_LOCK_PATH`].
pub const LOCK_PATH_ENV: &str = "KAUDIT_LOCK_PATH";

/// Opens a file of kaudit's own for reading and writing (the lock file,
/// [`crate::expedite`]'s state file), created with mode 0600 when `create`
/// says so, refusing a symlink: a link planted at the path is never
/// followed, so no other file is ever created or opened through it.
pub(crate) fn open_own_file(path: &Path, create: bool) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is a symbolic link; refusing to follow it",
                        path.display()
                    ),
                )
            } else {
                e
            }
        })
}

/// An exclusive machine-wide lock, released on drop.
#[derive(Debug)]
pub struct MachineLock {
    _flock: Flock<File>,
    path: PathBuf,
}

impl MachineLock {
    /// The lock file in effect: `KAUDIT_LOCK_PATH` if set and non-empty,
    /// else [`DEFAULT_LOCK_PATH`].
    pub fn default_path() -> PathBuf {
        match std::env::var_os(LOCK_PATH_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from(DEFAULT_LOCK_PATH),
        }
    }

    /// Takes the lock on [`MachineLock::default_path`], waiting as long as
    /// another holder has it.
    pub fn acquire() -> io::Result<MachineLock> {
        Self::acquire_at(&Self::default_path())
    }

    /// Takes the lock on `path` (created with mode 0600 if missing),
    /// waiting as long as another holder has it.
    pub fn acquire_at(path: &Path) -> io::Result<MachineLock> {
        let mut file = open_own_file(path, true)?;
        loop {
            match Flock::lock(file, FlockArg::LockExclusive) {
                Ok(flock) => {
                    return Ok(MachineLock {
                        _flock: flock,
                        path: path.to_path_buf(),
                    })
                }
                Err((f, Errno::EINTR)) => file = f,
                Err((_, errno)) => return Err(io::Error::from(errno)),
            }
        }
    }

    /// Tries to take the lock on `path` without waiting; `Ok(None)` if
    /// someone else holds it.
    pub fn try_acquire_at(path: &Path) -> io::Result<Option<MachineLock>> {
        let file = open_own_file(path, true)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(flock) => Ok(Some(MachineLock {
                _flock: flock,
                path: path.to_path_buf(),
            })),
            Err((_, Errno::EWOULDBLOCK)) => Ok(None),
            Err((_, errno)) => Err(io::Error::from(errno)),
        }
    }

    /// The file this lock is held on.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_within_one_process() {
        let path = std::env::temp_dir().join(format!("kaudit-lock-test-{}", std::process::id()));
        let held = MachineLock::acquire_at(&path).unwrap();
        assert_eq!(held.path(), path);
        assert!(MachineLock::try_acquire_at(&path).unwrap().is_none());
        drop(held);
        let again = MachineLock::try_acquire_at(&path).unwrap();
        assert!(again.is_some());
        drop(again);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_symlink_at_the_lock_path_is_refused_and_not_followed() {
        let dir = std::env::temp_dir().join(format!("kaudit-lock-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("kaudit.lock");
        let target = dir.join("target-that-must-not-appear");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = MachineLock::acquire_at(&link).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(MachineLock::try_acquire_at(&link).is_err());
        assert!(!target.exists(), "the symlink's target was created");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
