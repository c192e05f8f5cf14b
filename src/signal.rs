//! `--signal`: signalling the audit daemon. Not pure: it sends a signal to
//! another process.
//!
//! The daemon is named by the pid the kernel reports in `AUDIT_GET` (the
//! caller reads it); the signal goes through a pidfd, so that a pid reused
//! between the status read and the signal is never hit.

use crate::output::strerror;
use rustix::process::{pidfd_open, pidfd_send_signal, Pid, PidfdFlags, Signal};

/// Why a signal could not be delivered. The messages are the words auditctl
/// prints inside `Failed sending signal to auditd (...)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// The pid is not a process id (0 or negative).
    #[error("no such process")]
    NoSuchProcess,
    /// The number is not a signal this system knows.
    #[error("not a signal")]
    NotASignal,
    /// `pidfd_open`, `pidfd_send_signal` or `poll` failed with this errno.
    #[error("{}", strerror(*.0))]
    Os(i32),
    /// After SIGTERM, the daemon did not exit within [`TERM_WAIT_MS`].
    #[error("timeout")]
    Timeout,
}

/// How long [`send`] waits for the daemon to exit after SIGTERM, in ms.
pub const TERM_WAIT_MS: u16 = 4000;

/// The signal for an auditctl `--signal` name (either spelling, any case):
/// `term`/`stop`, `hup`/`reload`, `usr1`/`rotate`, `usr2`/`resume`,
/// `cont`/`state`.
pub fn by_name(name: &str) -> Option<i32> {
    Some(match name.to_ascii_lowercase().as_str() {
        "term" | "stop" => libc::SIGTERM,
        "hup" | "reload" => libc::SIGHUP,
        "usr1" | "rotate" => libc::SIGUSR1,
        "usr2" | "resume" => libc::SIGUSR2,
        "cont" | "state" => libc::SIGCONT,
        _ => return None,
    })
}

/// Signals `pid` through a pidfd; for SIGTERM, waits up to
/// [`TERM_WAIT_MS`] for the process to exit.
pub fn send(pid: i32, sig: i32) -> Result<(), SignalError> {
    let pid = Pid::from_raw(pid).ok_or(SignalError::NoSuchProcess)?;
    let signal = Signal::from_named_raw(sig).ok_or(SignalError::NotASignal)?;
    let os = |e: rustix::io::Errno| SignalError::Os(e.raw_os_error());
    // A pidfd names this process even if the pid is reused meanwhile.
    let pidfd = pidfd_open(pid, PidfdFlags::empty()).map_err(os)?;
    pidfd_send_signal(&pidfd, signal).map_err(os)?;
    if sig != libc::SIGTERM {
        return Ok(());
    }
    // The pidfd becomes readable when the process exits.
    let mut fds = [nix::poll::PollFd::new(
        std::os::fd::AsFd::as_fd(&pidfd),
        nix::poll::PollFlags::POLLIN,
    )];
    match nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(TERM_WAIT_MS)) {
        Ok(0) => Err(SignalError::Timeout),
        Ok(_) => Ok(()),
        Err(e) => Err(SignalError::Os(e as i32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_auditctls() {
        assert_eq!(by_name("TERM"), Some(libc::SIGTERM));
        assert_eq!(by_name("stop"), Some(libc::SIGTERM));
        assert_eq!(by_name("reload"), Some(libc::SIGHUP));
        assert_eq!(by_name("rotate"), Some(libc::SIGUSR1));
        assert_eq!(by_name("resume"), Some(libc::SIGUSR2));
        assert_eq!(by_name("state"), Some(libc::SIGCONT));
        assert_eq!(by_name("kill"), None);
    }

    #[test]
    fn errors_read_as_before() {
        assert_eq!(send(0, libc::SIGCONT), Err(SignalError::NoSuchProcess));
        assert_eq!(send(1, 0), Err(SignalError::NotASignal));
        assert_eq!(SignalError::NoSuchProcess.to_string(), "no such process");
        assert_eq!(SignalError::Timeout.to_string(), "timeout");
        assert_eq!(SignalError::Os(libc::ESRCH).to_string(), "No such process");
    }

    #[test]
    fn a_child_is_signalled_and_reaped_on_term() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep runs");
        let pid = child.id() as i32;
        assert_eq!(send(pid, libc::SIGCONT), Ok(()));
        // The child exits on TERM; the pidfd turns readable once it is a
        // zombie, before anyone reaps it.
        assert_eq!(send(pid, libc::SIGTERM), Ok(()));
        let status = child.wait().expect("the child is reaped");
        assert!(!status.success());
    }
}
