//! The machine-wide kernel lock (`kaudit::lock::MachineLock`: flock on
//! /run/kaudit.lock, or $KAUDIT_LOCK_PATH). Taken per case, so other kernel
//! tests can interleave.

use kaudit::lock::MachineLock;

/// Held while the lock is owned; released on drop.
pub struct Held(MachineLock);

/// Blocks until the machine-wide lock is held.
pub fn acquire() -> std::io::Result<Held> {
    MachineLock::acquire().map(Held)
}

impl Held {
    /// Releases the lock explicitly.
    pub fn release(self) {
        drop(self.0);
    }
}
