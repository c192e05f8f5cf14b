//! Expedited RCU grace periods while kaudit deletes rules.
//!
//! Why: on current kernels every `AUDIT_DEL_RULE` waits in
//! `synchronize_rcu()` for a full RCU grace period (about 12 ms on a 2-CPU
//! machine, see `docs/delete-cost.md` in the shared reference material), so
//! 10,000 deletes take two minutes. While `/sys/kernel/rcu_expedited` reads
//! 1, the kernel forces the grace period with inter-processor interrupts
//! instead of waiting for every CPU to pass a quiescent state, and a delete
//! takes tens of microseconds. The price is paid by the rest of the machine:
//! every other CPU is interrupted briefly for each grace period of the
//! burst (and every other `synchronize_rcu()` caller on the machine is
//! expedited too) for as long as the burst lasts.
//!
//! How: [`Expedited`] wraps a [`Transport`]. The first time a batch of
//! requests carries a delete, it engages an [`ExpediteGuard`]: the knob's
//! previous value is written to a state file (`/run/kaudit/rcu_expedited`)
//! that the guard holds an exclusive `flock` on, then the knob is set to 1.
//! Dropping the guard (success, error, panic unwinding, and after a caught
//! SIGINT/SIGTERM/SIGHUP, see [`crate::interrupt`]) writes the previous value
//! back and empties the state file. A SIGKILL skips that; the `flock` dies
//! with the process, so the next kaudit run ([`recover`], called first thing
//! by every run, or the next engage) finds a non-empty state file it can
//! lock and puts the recorded value back.
//!
//! Never an error: a missing or read-only knob, `rcu_normal = 1` (which
//! overrides it), an unwritable `/run`, or another kaudit holding the state
//! file mean kaudit goes on without expediting. `--no-expedite` (native
//! commands) or `KAUDIT_NO_EXPEDITE=1` (any command, the drop-ins included)
//! turn it off.

use crate::netlink::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError};
use crate::uapi::AUDIT_DEL_RULE;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The kernel's switch for expedited RCU grace periods.
pub const RCU_EXPEDITED: &str = "/sys/kernel/rcu_expedited";
/// Overrides [`RCU_EXPEDITED`] when 1 (real-time set-ups).
pub const RCU_NORMAL: &str = "/sys/kernel/rcu_normal";
/// Where kaudit records the value it changed, so a later run can restore it.
pub const STATE_FILE: &str = "/run/kaudit/rcu_expedited";
/// Set to anything but empty or `0` to turn expediting off.
pub const NO_EXPEDITE_ENV: &str = "KAUDIT_NO_EXPEDITE";

/// Whether the environment turns expediting off.
pub fn disabled_by_env() -> bool {
    std::env::var_os(NO_EXPEDITE_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// The files the guard works on (the system's, or a test's).
#[derive(Clone, Debug)]
pub struct Knob {
    /// `rcu_expedited`.
    pub value: PathBuf,
    /// `rcu_normal`.
    pub normal: PathBuf,
    /// The state file.
    pub state: PathBuf,
}

impl Knob {
    /// The machine's knob and kaudit's state file.
    pub fn system() -> Knob {
        Knob {
            value: PathBuf::from(RCU_EXPEDITED),
            normal: PathBuf::from(RCU_NORMAL),
            state: PathBuf::from(STATE_FILE),
        }
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn write_value(path: &Path, value: &str) -> bool {
    // sysfs attribute: one write of the whole value, no create, no truncate
    // semantics needed.
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| f.write_all(value.as_bytes()))
        .is_ok()
}

/// Opens (creating, mode 0600, never through a symlink) the state file and
/// takes its lock without waiting. `None` if that is impossible or another
/// kaudit holds it.
fn lock_state(path: &Path, create: bool) -> Option<Flock<File>> {
    if create {
        if let Some(dir) = path.parent() {
            if std::fs::create_dir_all(dir).is_err() {
                return None;
            }
        }
    }
    let file = crate::lock::open_own_file(path, create, &mut crate::lock::to_stderr).ok()?;
    // The lock goes with the descriptor: released when the Flock drops.
    Flock::lock(file, FlockArg::LockExclusiveNonblock).ok()
}

fn recorded(file: &mut File) -> Option<String> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    let s = s.trim();
    (s == "0" || s == "1").then(|| s.to_string())
}

/// Empties the record and rewinds, so the next write starts at offset 0.
fn clear(file: &mut File) {
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
}

/// If a kaudit run was killed while expediting (a non-empty state file that
/// nobody holds), puts the recorded value back. Returns the value restored.
pub fn recover(knob: &Knob) -> Option<String> {
    // The common case is one failed stat.
    if std::fs::metadata(&knob.state).map_or(true, |m| m.len() == 0) {
        return None;
    }
    let mut file = lock_state(&knob.state, false)?;
    let old = recorded(&mut file)?;
    if write_value(&knob.value, &old) {
        clear(&mut file);
        Some(old)
    } else {
        None
    }
}

/// `rcu_expedited` held at 1; the previous value comes back on drop.
#[derive(Debug)]
pub struct ExpediteGuard {
    knob: Knob,
    state: Flock<File>,
    previous: String,
}

impl ExpediteGuard {
    /// Sets the knob to 1, recording the previous value first. `None` when
    /// the knob is already 1, overridden by `rcu_normal`, missing or not
    /// writable, or the state file cannot be written or is held by another
    /// kaudit (which has expedited already).
    pub fn engage(knob: &Knob) -> Option<ExpediteGuard> {
        if read_trimmed(&knob.normal).as_deref() == Some("1") {
            return None;
        }
        let mut state = lock_state(&knob.state, true)?;
        // A run killed while expediting left its record: that is the value
        // to come back to.
        if let Some(old) = recorded(&mut state) {
            if write_value(&knob.value, &old) {
                clear(&mut state);
            }
        }
        let previous = read_trimmed(&knob.value)?;
        if previous != "0" {
            return None;
        }
        clear(&mut state);
        if state.write_all(previous.as_bytes()).is_err() || state.sync_data().is_err() {
            clear(&mut state);
            return None;
        }
        if !write_value(&knob.value, "1") {
            clear(&mut state);
            return None;
        }
        Some(ExpediteGuard {
            knob: knob.clone(),
            state,
            previous,
        })
    }
}

impl Drop for ExpediteGuard {
    fn drop(&mut self) {
        if write_value(&self.knob.value, &self.previous) {
            clear(&mut self.state);
        }
        // Otherwise the record stays for the next run to retry.
    }
}

/// A transport that expedites RCU grace periods from the first batch that
/// deletes a rule until it is dropped (or [`Expedited::settle`] is called).
/// It may also hold the machine lock, released after the knob is restored.
pub struct Expedited<T: Transport> {
    inner: T,
    enabled: bool,
    guard: Option<ExpediteGuard>,
    engaged_once: bool,
    knob: Knob,
    // Declared last: dropped after the guard.
    lock: Option<crate::lock::MachineLock>,
}

impl<T: Transport> Expedited<T> {
    /// Wraps `inner`; `enabled` false makes the wrapper transparent.
    pub fn new(inner: T, enabled: bool) -> Self {
        Expedited {
            inner,
            enabled,
            guard: None,
            engaged_once: false,
            knob: Knob::system(),
            lock: None,
        }
    }

    /// Uses other files than the machine's (tests).
    pub fn with_knob(mut self, knob: Knob) -> Self {
        self.knob = knob;
        self
    }

    /// Keeps the machine lock until after the knob is restored.
    pub fn holding(mut self, lock: crate::lock::MachineLock) -> Self {
        self.lock = Some(lock);
        self
    }

    /// The wrapped transport.
    pub fn inner(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Whether this transport set `rcu_expedited` at some point.
    pub fn expedited(&self) -> bool {
        self.engaged_once
    }

    /// Ends the burst now: the knob's previous value is put back.
    pub fn settle(&mut self) {
        self.guard = None;
    }
}

impl<T: Transport> Transport for Expedited<T> {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        if self.enabled
            && self.guard.is_none()
            && requests.iter().any(|r| r.msg_type == AUDIT_DEL_RULE)
        {
            // Deletes are coming: catch the terminating signals first, so
            // that they cannot leave the knob changed.
            crate::interrupt::defer();
            self.guard = ExpediteGuard::engage(&self.knob);
            self.engaged_once |= self.guard.is_some();
        }
        self.inner.execute(requests)
    }

    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        self.inner.list_rules()
    }

    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        self.inner.get_status()
    }

    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        self.inner.get_features()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files {
        dir: PathBuf,
        knob: Knob,
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn files(tag: &str, value: &str, normal: &str) -> Files {
        let dir =
            std::env::temp_dir().join(format!("kaudit-expedite-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("value"), value).unwrap();
        std::fs::write(dir.join("normal"), normal).unwrap();
        let knob = Knob {
            value: dir.join("value"),
            normal: dir.join("normal"),
            state: dir.join("run/rcu_expedited"),
        };
        Files { dir, knob }
    }

    fn value(k: &Knob) -> String {
        read_trimmed(&k.value).unwrap()
    }

    #[test]
    fn engage_sets_one_and_drop_restores() {
        let f = files("engage", "0\n", "0\n");
        let g = ExpediteGuard::engage(&f.knob).expect("engaged");
        assert_eq!(value(&f.knob), "1");
        assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "0");
        // Another kaudit cannot take the record while this one holds it,
        // and recovery leaves a live holder alone.
        assert!(ExpediteGuard::engage(&f.knob).is_none());
        assert_eq!(recover(&f.knob), None);
        assert_eq!(value(&f.knob), "1");
        drop(g);
        assert_eq!(value(&f.knob), "0");
        assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "");
    }

    #[test]
    fn already_on_or_overridden_or_missing_means_no_change() {
        let f = files("on", "1\n", "0\n");
        assert!(ExpediteGuard::engage(&f.knob).is_none());
        assert_eq!(value(&f.knob), "1");
        let f = files("normal", "0\n", "1\n");
        assert!(ExpediteGuard::engage(&f.knob).is_none());
        assert_eq!(value(&f.knob), "0");
        let f = files("missing", "0\n", "0\n");
        std::fs::remove_file(&f.knob.value).unwrap();
        assert!(ExpediteGuard::engage(&f.knob).is_none());
        assert!(!f.knob.value.exists());
    }

    #[test]
    fn a_killed_run_is_recovered_by_the_next() {
        let f = files("killed", "0\n", "0\n");
        let g = ExpediteGuard::engage(&f.knob).expect("engaged");
        // What SIGKILL leaves: the knob at 1, the record, no lock holder.
        // The forgotten guard's descriptor keeps its lock in this process,
        // so the record is moved to a fresh inode that nobody locks.
        std::mem::forget(g);
        let stale = std::fs::read_to_string(&f.knob.state).unwrap();
        assert_eq!(stale, "0");
        let tmp = f.dir.join("run/tmp");
        std::fs::write(&tmp, &stale).unwrap();
        std::fs::rename(&tmp, &f.knob.state).unwrap();
        assert_eq!(value(&f.knob), "1");
        assert_eq!(recover(&f.knob).as_deref(), Some("0"));
        assert_eq!(value(&f.knob), "0");
        assert_eq!(recover(&f.knob), None);
        // And an engage after a killed run restores first, then records 0.
        std::fs::write(&f.knob.value, "1").unwrap();
        std::fs::write(&f.knob.state, "0").unwrap();
        let g = ExpediteGuard::engage(&f.knob).expect("engaged");
        assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "0");
        drop(g);
        assert_eq!(value(&f.knob), "0");
    }
}
