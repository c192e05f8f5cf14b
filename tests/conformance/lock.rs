//! The machine-wide kernel lock (flock on /run/kaudit.lock, or
//! $KAUDIT_LOCK_PATH). Taken per case, so other kernel tests can interleave.

use std::fs::{File, OpenOptions};
use std::os::unix::io::AsRawFd;

/// Held while the lock is owned; released on drop (closing the file).
pub struct Held(File);

/// The lock file path.
pub fn path() -> String {
    std::env::var("KAUDIT_LOCK_PATH").unwrap_or_else(|_| "/run/kaudit.lock".to_string())
}

/// Blocks until the machine-wide lock is held.
pub fn acquire() -> std::io::Result<Held> {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path())?;
    loop {
        // SAFETY: flock on an fd we own.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            return Ok(Held(f));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

impl Held {
    /// Releases the lock explicitly.
    pub fn release(self) {
        drop(self.0);
    }
}
