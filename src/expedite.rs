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
//! The record is checked both ways. Recovery puts back only `0`, the one
//! value kaudit ever records (it expedites only from 0): any other content
//! is emptied with a warning and the knob left alone. And the state file
//! must be kaudit's own (a regular file owned by root, mode 0600, see
//! [`crate::lock::open_own_file`]): when the record cannot be written (a
//! FIFO, a directory or a symlink at its path, a full or read-only `/run`)
//! kaudit does not expedite, because the record is what makes restoring the
//! knob safe after a crash, and it says so on standard error
//! ([`NotEngaged::warning`]): the deletes are then about 200 times slower.
//!
//! Never an error otherwise: a missing or read-only knob, `rcu_normal = 1`
//! (which overrides it), or another kaudit holding the state file mean
//! kaudit goes on without expediting, silently. `--no-expedite` (native
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
/// takes its lock without waiting: `Ok(None)` if another kaudit holds it,
/// `Err` with the reason (naming the file) if it cannot be used.
fn lock_state(path: &Path, create: bool) -> Result<Option<Flock<File>>, String> {
    if create {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "cannot create {}: {}",
                    dir.display(),
                    crate::output::reason(&e)
                )
            })?;
        }
    }
    let file = crate::lock::open_own_file(path, create, &mut crate::lock::to_stderr)
        .map_err(|e| crate::output::reason(&e))?;
    // The lock goes with the descriptor: released when the Flock drops.
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(flock) => Ok(Some(flock)),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, errno)) => Err(format!(
            "cannot flock {}: {}",
            path.display(),
            crate::output::reason(&std::io::Error::from(errno))
        )),
    }
}

/// What the state file holds.
#[derive(Debug, PartialEq)]
enum Record {
    /// Nothing: no burst is under way or was cut short.
    Empty,
    /// `0`, the only value kaudit records (it expedites only from 0).
    Zero,
    /// Anything else (at most 64 bytes of it): not kaudit's record.
    Other(String),
}

fn recorded(file: &mut File) -> Record {
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(0)).is_err() || file.take(64).read_to_end(&mut bytes).is_err() {
        return Record::Other("(unreadable)".into());
    }
    match bytes.as_slice() {
        b"" => Record::Empty,
        b"0" => Record::Zero,
        other => Record::Other(String::from_utf8_lossy(other).into_owned()),
    }
}

/// Empties the record and rewinds, so the next write starts at offset 0.
fn clear(file: &mut File) {
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
}

/// The warning for a record that is not kaudit's: it is emptied and the
/// knob is left alone (restoring a value kaudit never writes, such as 1,
/// would set the knob to whatever the file says).
fn discarded(knob: &Knob, content: &str) -> String {
    format!(
        "kaudit: warning: {} holds {content:?}, not the \"0\" kaudit records; emptied it and left {} as it is",
        knob.state.display(),
        knob.value.display()
    )
}

/// What [`recover`] did.
#[derive(Debug, PartialEq)]
pub enum Recovery {
    /// No record of a cut-short burst (or another kaudit holds it).
    Nothing,
    /// A killed run's record: the knob is back at 0.
    Restored,
    /// The record was not kaudit's (the warning, also on standard error):
    /// emptied, the knob untouched.
    Discarded(String),
}

/// If a kaudit run was killed while expediting (a non-empty state file that
/// nobody holds), puts the recorded value back: only `0`, the one value
/// kaudit records; anything else is emptied with a warning on standard
/// error and the knob is left alone.
pub fn recover(knob: &Knob) -> Recovery {
    // The common case is one failed lstat.
    if std::fs::symlink_metadata(&knob.state).map_or(true, |m| !m.is_file() || m.len() == 0) {
        return Recovery::Nothing;
    }
    let Ok(Some(mut file)) = lock_state(&knob.state, false) else {
        return Recovery::Nothing;
    };
    match recorded(&mut file) {
        Record::Empty => Recovery::Nothing,
        Record::Zero => {
            if write_value(&knob.value, "0") {
                clear(&mut file);
                Recovery::Restored
            } else {
                Recovery::Nothing
            }
        }
        Record::Other(content) => {
            clear(&mut file);
            let warning = discarded(knob, &content);
            crate::lock::to_stderr(&warning);
            Recovery::Discarded(warning)
        }
    }
}

/// Why [`ExpediteGuard::engage`] did not set the knob.
#[derive(Debug, Clone, PartialEq)]
pub enum NotEngaged {
    /// `rcu_normal` is 1, which overrides `rcu_expedited`.
    Overridden,
    /// The knob is missing or unreadable (Tiny RCU, no sysfs).
    NoKnob,
    /// The knob is not 0 already (the administrator's choice; deletes are
    /// expedited anyway).
    AlreadyOn,
    /// Another kaudit holds the record: it is expediting now.
    Busy,
    /// The record could not be written (the reason, naming the file).
    /// Without it a crash could leave the knob at 1 for good, so kaudit
    /// does not expedite, and says so ([`NotEngaged::warning`]).
    NoRecord(String),
    /// The knob could not be set (a read-only sysfs).
    NotWritable,
}

impl NotEngaged {
    /// The warning for standard error, for the reasons that cost time
    /// without the user knowing: an unwritable record.
    pub fn warning(&self, knob: &Knob) -> Option<String> {
        match self {
            NotEngaged::NoRecord(why) => Some(format!(
                "kaudit: warning: not expediting RCU grace periods while deleting rules, because the old value of {} cannot be recorded ({why}) and without that record a crash could leave it changed; each delete now waits a full grace period (about 12 ms: 5,000 deletes take a minute instead of under a second; --no-expedite or {NO_EXPEDITE_ENV}=1 silences this)",
                knob.value.display()
            )),
            _ => None,
        }
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
    /// Sets the knob to 1, recording the previous value (0) first; a killed
    /// run's record is put back before that. Refuses (with the reason)
    /// when the knob is overridden by `rcu_normal`, missing, not 0 or not
    /// writable, when another kaudit holds the record, and when the record
    /// cannot be written: it is what makes restoring the knob safe after a
    /// crash, so there is no expediting without it.
    pub fn engage(knob: &Knob) -> Result<ExpediteGuard, NotEngaged> {
        if read_trimmed(&knob.normal).as_deref() == Some("1") {
            return Err(NotEngaged::Overridden);
        }
        let before = read_trimmed(&knob.value).ok_or(NotEngaged::NoKnob)?;
        let mut state = match lock_state(&knob.state, true) {
            Ok(Some(state)) => state,
            Ok(None) => return Err(NotEngaged::Busy),
            // Nothing is lost when the knob is 1 already.
            Err(_) if before != "0" => return Err(NotEngaged::AlreadyOn),
            Err(why) => return Err(NotEngaged::NoRecord(why)),
        };
        // A run killed while expediting left its record: that is the value
        // to come back to.
        match recorded(&mut state) {
            Record::Empty => {}
            Record::Zero => {
                if write_value(&knob.value, "0") {
                    clear(&mut state);
                }
            }
            Record::Other(content) => {
                clear(&mut state);
                crate::lock::to_stderr(&discarded(knob, &content));
            }
        }
        let previous = read_trimmed(&knob.value).ok_or(NotEngaged::NoKnob)?;
        if previous != "0" {
            return Err(NotEngaged::AlreadyOn);
        }
        clear(&mut state);
        if let Err(e) = state
            .write_all(previous.as_bytes())
            .and_then(|()| state.sync_data())
        {
            clear(&mut state);
            return Err(NotEngaged::NoRecord(format!(
                "cannot write {}: {}",
                knob.state.display(),
                crate::output::reason(&e)
            )));
        }
        if !write_value(&knob.value, "1") {
            clear(&mut state);
            return Err(NotEngaged::NotWritable);
        }
        Ok(ExpediteGuard {
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
    warning: Option<String>,
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
            warning: None,
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

    /// The warning this transport printed when it could not expedite (at
    /// most one per transport).
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
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
            match ExpediteGuard::engage(&self.knob) {
                Ok(guard) => {
                    self.guard = Some(guard);
                    self.engaged_once = true;
                }
                Err(why) => {
                    if let (None, Some(text)) = (&self.warning, why.warning(&self.knob)) {
                        crate::lock::to_stderr(&text);
                        self.warning = Some(text);
                    }
                }
            }
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
    use std::os::unix::fs::PermissionsExt;

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
        assert_eq!(
            ExpediteGuard::engage(&f.knob).unwrap_err(),
            NotEngaged::Busy
        );
        assert_eq!(recover(&f.knob), Recovery::Nothing);
        assert_eq!(value(&f.knob), "1");
        drop(g);
        assert_eq!(value(&f.knob), "0");
        assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "");
    }

    #[test]
    fn already_on_or_overridden_or_missing_means_no_change() {
        let f = files("on", "1\n", "0\n");
        assert_eq!(
            ExpediteGuard::engage(&f.knob).unwrap_err(),
            NotEngaged::AlreadyOn
        );
        assert_eq!(value(&f.knob), "1");
        let f = files("normal", "0\n", "1\n");
        assert_eq!(
            ExpediteGuard::engage(&f.knob).unwrap_err(),
            NotEngaged::Overridden
        );
        assert_eq!(value(&f.knob), "0");
        let f = files("missing", "0\n", "0\n");
        std::fs::remove_file(&f.knob.value).unwrap();
        let why = ExpediteGuard::engage(&f.knob).unwrap_err();
        assert_eq!(why, NotEngaged::NoKnob);
        assert_eq!(why.warning(&f.knob), None);
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
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::rename(&tmp, &f.knob.state).unwrap();
        assert_eq!(value(&f.knob), "1");
        assert_eq!(recover(&f.knob), Recovery::Restored);
        assert_eq!(value(&f.knob), "0");
        assert_eq!(recover(&f.knob), Recovery::Nothing);
        // And an engage after a killed run restores first, then records 0.
        std::fs::write(&f.knob.value, "1").unwrap();
        std::fs::write(&f.knob.state, "0").unwrap();
        let g = ExpediteGuard::engage(&f.knob).expect("engaged");
        assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "0");
        drop(g);
        assert_eq!(value(&f.knob), "0");
    }

    /// A record of someone else's at the state path, mode 0600.
    fn plant(k: &Knob, content: &str) {
        std::fs::create_dir_all(k.state.parent().unwrap()).unwrap();
        std::fs::write(&k.state, content).unwrap();
        std::fs::set_permissions(&k.state, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    #[test]
    fn recovery_puts_back_only_a_record_of_0() {
        // kaudit records only "0": a "1" (or anything else) on record is
        // not kaudit's, and must not set the knob.
        for content in ["1", "1\n", "0\n", "2", " 0", "yes"] {
            let f = files("record", "0\n", "0\n");
            plant(&f.knob, content);
            match recover(&f.knob) {
                Recovery::Discarded(w) => {
                    assert!(w.contains(&f.knob.state.display().to_string()), "{w}");
                    assert!(w.contains(&format!("{content:?}")), "{w}");
                    assert!(w.contains("left"), "{w}");
                }
                other => panic!("{content:?}: {other:?}"),
            }
            assert_eq!(value(&f.knob), "0", "{content:?} was put in the knob");
            assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "");
        }
        // The same in engage, which recovers first: the knob is not set
        // from the record, and the burst goes ahead from 0.
        let f = files("record-engage", "0\n", "0\n");
        plant(&f.knob, "1");
        let g = ExpediteGuard::engage(&f.knob).expect("engaged");
        assert_eq!(value(&f.knob), "1");
        assert_eq!(std::fs::read_to_string(&f.knob.state).unwrap(), "0");
        drop(g);
        assert_eq!(value(&f.knob), "0");
        // And a record of 0 is restored, from a knob left at 1.
        let f = files("record-zero", "1\n", "0\n");
        plant(&f.knob, "0");
        assert_eq!(recover(&f.knob), Recovery::Restored);
        assert_eq!(value(&f.knob), "0");
    }

    fn no_record(k: &Knob) -> String {
        match ExpediteGuard::engage(k) {
            Err(NotEngaged::NoRecord(why)) => why,
            other => panic!("{:?}", other.map(|_| "engaged")),
        }
    }

    #[test]
    fn an_unwritable_record_means_no_expediting_and_a_warning() {
        let f = files("fifo", "0\n", "0\n");
        std::fs::create_dir_all(f.knob.state.parent().unwrap()).unwrap();
        nix::unistd::mkfifo(
            &f.knob.state,
            nix::sys::stat::Mode::from_bits_truncate(0o600),
        )
        .unwrap();
        let why = no_record(&f.knob);
        assert!(why.contains("is a FIFO, not a regular file"), "{why}");
        assert_eq!(value(&f.knob), "0");
        let warning = NotEngaged::NoRecord(why.clone()).warning(&f.knob).unwrap();
        assert!(
            warning.starts_with("kaudit: warning: not expediting"),
            "{warning}"
        );
        assert!(warning.contains(&why), "{warning}");
        assert!(
            warning.contains(&f.knob.value.display().to_string()),
            "{warning}"
        );
        assert!(warning.contains("12 ms"), "{warning}");

        let f = files("dir", "0\n", "0\n");
        std::fs::create_dir_all(&f.knob.state).unwrap();
        let why = no_record(&f.knob);
        assert!(why.contains("is a directory"), "{why}");
        assert_eq!(value(&f.knob), "0");

        let f = files("symlink", "0\n", "0\n");
        std::fs::create_dir_all(f.knob.state.parent().unwrap()).unwrap();
        let target = f.dir.join("not-to-be-created");
        std::os::unix::fs::symlink(&target, &f.knob.state).unwrap();
        let why = no_record(&f.knob);
        assert!(why.contains("symbolic link"), "{why}");
        assert!(!target.exists());
        assert_eq!(value(&f.knob), "0");

        // The state directory cannot be made (a file where it should be).
        let f = files("nodir", "0\n", "0\n");
        std::fs::write(f.knob.state.parent().unwrap(), "").unwrap();
        let why = no_record(&f.knob);
        assert!(why.starts_with("cannot create "), "{why}");
        assert_eq!(value(&f.knob), "0");

        // When the knob is 1 already, nothing is lost: no warning.
        let f = files("fifo-on", "1\n", "0\n");
        std::fs::create_dir_all(&f.knob.state).unwrap();
        let why = ExpediteGuard::engage(&f.knob).unwrap_err();
        assert_eq!(why, NotEngaged::AlreadyOn);
        assert_eq!(why.warning(&f.knob), None);
    }

    /// A 4 KiB tmpfs mounted on a test directory, unmounted on drop.
    struct Mounted(PathBuf);

    impl Drop for Mounted {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }

    #[test]
    fn a_full_run_means_no_expediting() {
        let f = files("full", "0\n", "0\n");
        let run = f.knob.state.parent().unwrap().to_path_buf();
        std::fs::create_dir_all(&run).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                "size=4k,mode=0700,nosuid,nodev",
                "tmpfs",
            ])
            .arg(&run)
            .stderr(std::process::Stdio::null())
            .status();
        if !mounted.is_ok_and(|s| s.success()) {
            let _ = writeln!(
                std::io::stderr(),
                "SKIP (a_full_run_means_no_expediting): cannot mount a tmpfs on {}",
                run.display()
            );
            return;
        }
        let _mounted = Mounted(run.clone());
        // Fill it.
        let _ = std::fs::write(run.join("fill"), vec![0u8; 64 * 1024]);
        let why = no_record(&f.knob);
        assert!(why.contains("No space left on device"), "{why}");
        assert!(why.contains(&f.knob.state.display().to_string()), "{why}");
        assert_eq!(value(&f.knob), "0");
    }

    #[test]
    fn the_transport_warns_once_when_it_cannot_expedite() {
        let f = files("warn", "0\n", "0\n");
        std::fs::create_dir_all(&f.knob.state).unwrap();
        let mut t =
            Expedited::new(crate::netlink::fake::FakeKernel::new(), true).with_knob(f.knob.clone());
        let del = [Request::del_rule(vec![
            0u8;
            crate::uapi::AUDIT_RULE_DATA_LEN
        ])];
        let _ = t.execute(&del);
        let first = t.warning().expect("a warning").to_string();
        assert!(first.contains("not expediting"), "{first}");
        assert!(first.contains("is a directory"), "{first}");
        let _ = t.execute(&del);
        assert_eq!(t.warning(), Some(first.as_str()));
        assert!(!t.expedited());
        assert_eq!(value(&f.knob), "0");
        // Turned off: no attempt, no warning.
        let mut t = Expedited::new(crate::netlink::fake::FakeKernel::new(), false)
            .with_knob(f.knob.clone());
        let _ = t.execute(&del);
        assert_eq!(t.warning(), None);
    }
}
