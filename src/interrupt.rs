//! SIGINT, SIGTERM and SIGHUP while kaudit changes the kernel.
//!
//! Once [`defer`] has run, those signals no longer end the process: the
//! handler only records the first one. kaudit never stops in the middle of a
//! change; it finishes what it started (a sync's whole plan, a rules file,
//! a delete), so the kernel never holds a half-applied rule set and the
//! `rcu_expedited` knob is restored by the normal path. Then the command
//! says which signal came and what was finished, and exits with 128 plus
//! the signal number (130, 143, 129), as a shell reports a process killed
//! by it. SIGKILL cannot be caught: the kernel still never loses a moved
//! rule (each delete travels with its re-add in one datagram), a re-run
//! converges, and the next run restores `rcu_expedited`.
//!
//! Why finish rather than roll back: by the time the signal arrives the
//! change is usually almost done (with expedited deletes a 10,000-rule plan
//! takes about a second), rolling back costs as many kernel requests as
//! finishing, and at boot (`augenrules --load` stopped by systemd) the
//! finished rule set is the one the machine should run with.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn note(sig: libc::c_int) {
    // Only the first signal is kept; an atomic store is async-signal-safe.
    let _ = RECEIVED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// The signals deferred.
pub const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// From now on, SIGINT, SIGTERM and SIGHUP are recorded instead of ending
/// the process (idempotent).
pub fn defer() {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    for sig in SIGNALS {
        // SAFETY: `note` is an `extern "C"` function that only performs an
        // atomic compare-exchange, which is async-signal-safe; the sigaction
        // struct is zeroed and then fully initialised before use.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = note as extern "C" fn(libc::c_int) as usize;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The first deferred signal that arrived, if any.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The signal's name (`SIGINT`).
pub fn name(sig: i32) -> &'static str {
    match sig {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// The exit status after finishing because of `sig`: 128 + its number.
pub fn exit_code(sig: i32) -> u8 {
    u8::try_from(128 + sig).unwrap_or(255)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deferred_signal_is_recorded_not_fatal() {
        defer();
        // SAFETY: raising a signal whose handler was installed above.
        unsafe {
            libc::raise(libc::SIGHUP);
        }
        assert_eq!(received(), Some(libc::SIGHUP));
        assert_eq!(exit_code(libc::SIGHUP), 129);
        assert_eq!(name(libc::SIGTERM), "SIGTERM");
    }
}
