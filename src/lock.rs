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
//! The file must be kaudit's own ([`open_own_file`]): a regular file with no
//! second name (hard link), owned by root (or the user running kaudit),
//! mode 0600. A symlink is refused, never followed (`O_NOFOLLOW`), so taking
//! the lock can never create or open another file; a FIFO, a device, a
//! directory, a file owned by someone else, hard-linked, or writable by its
//! group or others is refused with the reason; a file only readable by
//! others (0644, as `exec 9>` in a shell makes it) is set to 0600, because
//! whoever can open the file can hold the lock. kaudit never removes or
//! replaces the file.
//!
//! Lock, then verify: after the `flock`, the path must still name the inode
//! that was locked; if it was removed or replaced meanwhile (the lock would
//! then exclude nobody), kaudit drops it and starts again, a bounded number
//! of times.
//!
//! Waiting: the commands ([`MachineLock::acquire_for_change`]) say once on
//! standard error what they wait for (the path and, from `/proc/locks`, the
//! holder's pid and name) and give up after `KAUDIT_LOCK_TIMEOUT` seconds
//! (default [`DEFAULT_TIMEOUT_SECS`]) with an error [`timed_out`] recognises.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// Default lock file.
pub const DEFAULT_LOCK_PATH: &str = "/run/kaudit.lock";
/// Environment variable that overrides [`DEFAULT_LOCK_PATH`].
pub const LOCK_PATH_ENV: &str = "KAUDIT_LOCK_PATH";
/// Environment variable: how many seconds a command waits for the lock.
pub const LOCK_TIMEOUT_ENV: &str = "KAUDIT_LOCK_TIMEOUT";
/// How long a command waits for the lock unless [`LOCK_TIMEOUT_ENV`] says.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// How many times the lock file may turn out replaced before giving up.
const MAX_REPLACED: u32 = 10;

fn refuse(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} {what}; refusing to use it", path.display()),
    )
}

/// What a file that is not a regular one is, in words (also for rules
/// files, `rulefile::read`).
pub(crate) fn file_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Whether `meta` may be used as kaudit's own file; `Ok(true)` when only
/// its mode needs setting to 0600 (readable, not writable, by others).
fn check_own(path: &Path, meta: &Metadata) -> io::Result<bool> {
    if !meta.file_type().is_file() {
        return Err(refuse(
            path,
            format!("is {}, not a regular file", file_kind(meta)),
        ));
    }
    let euid = nix::unistd::geteuid().as_raw();
    if meta.uid() != 0 && meta.uid() != euid {
        return Err(refuse(
            path,
            format!("is owned by uid {}, not by root", meta.uid()),
        ));
    }
    // 0 links: removed since it was opened; lock-then-verify opens again.
    if meta.nlink() > 1 {
        return Err(refuse(path, format!("has {} hard links", meta.nlink())));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refuse(
            path,
            format!("has mode {mode:04o}, writable by other users (it must be 0600)"),
        ));
    }
    Ok(mode != 0o600)
}

/// Opens a file of kaudit's own for reading and writing (the lock file,
/// [`crate::expedite`]'s state file), created with mode 0600 when `create`
/// says so. A symlink is refused, never followed, so no other file is ever
/// created or opened through one; anything but a regular file is refused
/// before it is opened (opening a device can have effects); the opened
/// file must be a regular file of at most one link, owned by root or the
/// effective user, and not writable by others. A file readable by others
/// is set to 0600 and `notice` is told so. Every error names the path.
pub(crate) fn open_own_file(
    path: &Path,
    create: bool,
    notice: &mut dyn FnMut(&str),
) -> io::Result<File> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link; refusing to follow it",
                    path.display()
                ),
            ))
        }
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(refuse(
                path,
                format!("is {}, not a regular file", file_kind(&meta)),
            ))
        }
        _ => {}
    }
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOCTTY)
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
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot open {}: {}",
                        path.display(),
                        crate::output::reason(&e)
                    ),
                )
            }
        })?;
    let meta = file.metadata()?;
    if check_own(path, &meta)? {
        let mode = meta.mode() & 0o7777;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| {
                refuse(
                    path,
                    format!(
                        "has mode {mode:04o} and cannot be set to 0600 ({})",
                        crate::output::reason(&e)
                    ),
                )
            })?;
        notice(&format!(
            "kaudit: {} had mode {mode:04o} (other users could open it and hold the lock); set it to 0600",
            path.display()
        ));
    }
    Ok(file)
}

/// Writes a notice to standard error (the handle itself: test harnesses
/// capture `eprintln!`, and a closed stderr must not panic).
pub fn to_stderr(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

/// The error of a wait for the lock that ran out of time.
#[derive(Debug)]
pub struct TimedOut {
    path: PathBuf,
    waited: Duration,
    holders: String,
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gave up after waiting {} s for {}, held by {} ({LOCK_TIMEOUT_ENV}=SECONDS waits longer)",
            seconds(self.waited),
            self.path.display(),
            self.holders
        )
    }
}

impl std::error::Error for TimedOut {}

/// A duration in seconds, with a tenth when it is not whole.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.1}", d.as_secs_f64())
    }
}

/// Whether `e` is a wait for the lock that ran out of time.
pub fn timed_out(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|i| i.is::<TimedOut>())
}

/// Who holds a lock on `file`, from `/proc/locks`: "pid N (name)", comma
/// separated, or "another process" when that is not knowable.
pub fn holders(file: &File) -> String {
    let Ok(meta) = file.metadata() else {
        return "another process".into();
    };
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    let found = holders_in(&locks, meta.dev(), meta.ino());
    if found.is_empty() {
        return "another process".into();
    }
    found
        .iter()
        .map(
            |pid| match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
                Ok(name) => format!("pid {pid} ({})", name.trim()),
                Err(_) => format!("pid {pid}"),
            },
        )
        .collect::<Vec<_>>()
        .join(", ")
}

/// The pids that hold (not wait for) a lock on inode `ino` of device `dev`
/// in `/proc/locks` text: `ID: KIND ADVISORY MODE PID MAJ:MIN:INO START END`,
/// major and minor in hex; a waiter's line has `->` after the ID.
fn holders_in(locks: &str, dev: u64, ino: u64) -> Vec<u32> {
    let want = format!("{:02x}:{:02x}:{ino}", libc::major(dev), libc::minor(dev));
    let mut pids = Vec::new();
    for line in locks.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.get(1) == Some(&"->") {
            continue;
        }
        if let Some(at) = words.iter().position(|w| *w == want) {
            if let Some(pid) = at
                .checked_sub(1)
                .and_then(|i| words[i].parse::<u32>().ok())
                .filter(|p| *p != 0 && !pids.contains(p))
            {
                pids.push(pid);
            }
        }
    }
    pids
}

/// The wait [`MachineLock::acquire_for_change`] allows: `KAUDIT_LOCK_TIMEOUT`
/// (whole seconds, 0 = do not wait) or [`DEFAULT_TIMEOUT_SECS`].
pub fn timeout_from_env() -> io::Result<Duration> {
    parse_timeout(std::env::var_os(LOCK_TIMEOUT_ENV).as_deref())
}

/// [`timeout_from_env`] for a value of the variable (`None`: unset).
fn parse_timeout(value: Option<&std::ffi::OsStr>) -> io::Result<Duration> {
    match value {
        None => Ok(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
        Some(v) if v.is_empty() => Ok(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
        Some(v) => v
            .to_str()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{LOCK_TIMEOUT_ENV}={} is not a whole number of seconds",
                        v.to_string_lossy()
                    ),
                )
            }),
    }
}

/// Whether `path` still names the inode `file` is open on.
fn still_named(file: &File, path: &Path) -> io::Result<bool> {
    let held = file.metadata()?;
    Ok(std::fs::symlink_metadata(path)
        .is_ok_and(|now| now.dev() == held.dev() && now.ino() == held.ino()))
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
    /// another holder has it (tests, which queue behind each other), and
    /// saying once on standard error that it waits.
    pub fn acquire() -> io::Result<MachineLock> {
        Self::acquire_within(&Self::default_path(), None, &mut to_stderr)
    }

    /// What a command that changes the kernel takes: the lock on
    /// [`MachineLock::default_path`], waiting at most
    /// [`timeout_from_env`], saying once on standard error what it waits
    /// for.
    pub fn acquire_for_change() -> io::Result<MachineLock> {
        let timeout = timeout_from_env()?;
        Self::acquire_within(&Self::default_path(), Some(timeout), &mut to_stderr)
    }

    /// Takes the lock on `path` (created with mode 0600 if missing),
    /// waiting as long as another holder has it, silently.
    pub fn acquire_at(path: &Path) -> io::Result<MachineLock> {
        Self::acquire_within(path, None, &mut |_| {})
    }

    /// Takes the lock on `path` (created with mode 0600 if missing). If
    /// another holder has it, tells `notice` once what it waits for, then
    /// waits: without a bound when `timeout` is `None` (a blocking
    /// `flock`), else polling until the timeout, after which the error is
    /// a [`TimedOut`] (see [`timed_out`]). A lock file that is replaced or
    /// removed while it is being locked is opened again.
    pub fn acquire_within(
        path: &Path,
        timeout: Option<Duration>,
        notice: &mut dyn FnMut(&str),
    ) -> io::Result<MachineLock> {
        let start = Instant::now();
        let mut noticed = false;
        let mut reopened = 0u32;
        'open: loop {
            let mut file = open_own_file(path, true, notice)?;
            let mut pause = Duration::from_millis(1);
            let flock = loop {
                match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                    Ok(flock) => break flock,
                    Err((f, Errno::EWOULDBLOCK | Errno::EINTR)) => file = f,
                    Err((_, errno)) => return Err(lock_failed(path, errno)),
                }
                let waited = start.elapsed();
                if timeout.is_some_and(|t| waited >= t) {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        TimedOut {
                            path: path.to_path_buf(),
                            waited,
                            holders: holders(&file),
                        },
                    ));
                }
                if !noticed {
                    noticed = true;
                    let bound = timeout.map_or(String::new(), |t| {
                        format!(
                            " (giving up after {} s; {LOCK_TIMEOUT_ENV}=SECONDS changes that)",
                            seconds(t)
                        )
                    });
                    notice(&format!(
                        "kaudit: waiting for the machine lock {}, held by {}{bound}",
                        path.display(),
                        holders(&file)
                    ));
                }
                let Some(timeout) = timeout else {
                    // No bound: a blocking flock, which the kernel wakes at
                    // once (a poller would lose the race to such a waiter).
                    break lock_blocking(path, file)?;
                };
                std::thread::sleep(pause.min(timeout - waited));
                pause = (pause * 2).min(Duration::from_millis(20));
                // The file waited on was replaced: wait on the new one.
                if !still_named(&file, path)? {
                    reopened += 1;
                    if reopened > MAX_REPLACED {
                        return Err(replaced(path));
                    }
                    continue 'open;
                }
            };
            // Lock, then verify: the path must still name what was locked,
            // or the lock excludes nobody who opens the path from now on.
            if still_named(&flock, path)? {
                return Ok(MachineLock {
                    _flock: flock,
                    path: path.to_path_buf(),
                });
            }
            reopened += 1;
            if reopened > MAX_REPLACED {
                return Err(replaced(path));
            }
        }
    }

    /// Tries to take the lock on `path` without waiting; `Ok(None)` if
    /// someone else holds it.
    pub fn try_acquire_at(path: &Path) -> io::Result<Option<MachineLock>> {
        for _ in 0..=MAX_REPLACED {
            let file = open_own_file(path, true, &mut to_stderr)?;
            let flock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(flock) => flock,
                Err((_, Errno::EWOULDBLOCK)) => return Ok(None),
                Err((_, errno)) => return Err(lock_failed(path, errno)),
            };
            if still_named(&flock, path)? {
                return Ok(Some(MachineLock {
                    _flock: flock,
                    path: path.to_path_buf(),
                }));
            }
        }
        Err(replaced(path))
    }

    /// The file this lock is held on.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A blocking exclusive `flock` on `file`.
fn lock_blocking(path: &Path, mut file: File) -> io::Result<Flock<File>> {
    loop {
        match Flock::lock(file, FlockArg::LockExclusive) {
            Ok(flock) => return Ok(flock),
            Err((f, Errno::EINTR)) => file = f,
            Err((_, errno)) => return Err(lock_failed(path, errno)),
        }
    }
}

fn lock_failed(path: &Path, errno: Errno) -> io::Error {
    let e = io::Error::from(errno);
    io::Error::new(
        e.kind(),
        format!(
            "cannot flock {}: {}",
            path.display(),
            crate::output::reason(&e)
        ),
    )
}

fn replaced(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} was replaced or removed {MAX_REPLACED} times while kaudit was locking it; giving up",
        path.display()
    ))
}

#[cfg(test)]
mod tests;
