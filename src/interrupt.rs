//! SIGINT, SIGTERM and SIGHUP while kaudit changes the kernel.
//!
//! Once [`defer`] has run, those signals no longer end the process: the
//! handler only records it. kaudit never stops in the middle of a
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

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The deferred signal that arrived (0: none), set by the handlers.
static RECEIVED: OnceLock<Arc<AtomicUsize>> = OnceLock::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The signals deferred.
pub const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

fn received_flag() -> &'static Arc<AtomicUsize> {
    RECEIVED.get_or_init(|| Arc::new(AtomicUsize::new(0)))
}

/// From now on, SIGINT, SIGTERM and SIGHUP are recorded instead of ending
/// the process (idempotent). The handlers (signal-hook's) only store the
/// signal's number, which is async-signal-safe, and restart interrupted
/// system calls.
pub fn defer() {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    for sig in SIGNALS {
        // Registering fails only for signals that cannot be caught.
        let _ = signal_hook::flag::register_usize(sig, Arc::clone(received_flag()), sig as usize);
    }
}

/// The deferred signal that arrived (the last, if several did), if any.
pub fn received() -> Option<i32> {
    match received_flag().load(Ordering::SeqCst) {
        0 => None,
        s => i32::try_from(s).ok(),
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
        nix::sys::signal::raise(nix::sys::signal::Signal::SIGHUP).unwrap();
        assert_eq!(received(), Some(libc::SIGHUP));
        assert_eq!(exit_code(libc::SIGHUP), 129);
        assert_eq!(name(libc::SIGTERM), "SIGTERM");
    }
}
