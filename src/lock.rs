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
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
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
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
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
}
