//! Reading a rules file: one open, the trust checks on what was opened, and
//! a read that is whole (issue 20).
//!
//! **One lookup.** The file is opened once, relative to its directory, which
//! is opened first (`O_DIRECTORY`); the checks are made with `fstat` on the
//! two descriptors, and the bytes are read from the same file descriptor. A
//! file swapped for another after the check is never read under the checked
//! file's name. A symbolic link is followed, as always: its owner is checked,
//! then the file it names is opened the same way from its own directory.
//!
//! **Who is trusted** (for commands that change the kernel; dry runs, `diff`,
//! `check`, `lint` and plain `augenrules` warn):
//! - a rules file (and a symbolic link to one): owned by root or by the user
//!   running kaudit, and neither group- nor world-writable;
//! - the directory holding a rules file: owned by root or by that user, and
//!   neither group- nor world-writable, unless it is sticky (`/tmp`): there
//!   only a file's owner (trusted, above) or the directory's owner (trusted
//!   too) can rename or remove the file;
//! - a rules directory given as PATH (rules.d), whose every `*.rules` file is
//!   read: owned by root or that user, neither group- nor world-writable, even
//!   when sticky (anyone could add a file to the set).
//!
//! Directories further up are not checked: replacing one only moves
//! directories whose own checks must still pass.
//!
//! **Whole.** After reading, the file is `fstat`ed again: its size, times
//! (`st_mtim`, `st_ctim`, in nanoseconds) and inode must be as before, and
//! the bytes read as many as its size. A file whose content changed less
//! than [`SETTLE`] (100 ms) before it was read may be a rewrite in place
//! under way (truncated, half written), or may have changed again within
//! the clock's tick unseen in its times: it is read a second time once it
//! is that old, and must read the same. Each `fstat` after a read waits
//! for a write or truncation under way to finish (`lseek(SEEK_DATA)` takes
//! the inode's lock on ext4, xfs, btrfs and tmpfs: a truncation shows its
//! new size before its new times), and an empty file is `fstat`ed again
//! after 10 ms. A file that changed is read again, at most [`READ_TRIES`] times
//! in all, and then refused: "the file changed while being read". A writer
//! that stops half-way for longer than that leaves a file nobody can tell
//! from a short one: write rules files whole and rename them into place
//! (as `augenrules` writes `audit.rules`).

use crate::diag::{Diagnostic, Severity};
use crate::output::reason;
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::Mode;
use std::fs::{File, Metadata};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest rules file kaudit reads: 8 MiB, about 80,000 typical rule
/// lines. Anything bigger is a mistake (`/dev/zero`, a log file), and reading
/// it whole would only exhaust memory.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// How many times a file that changes while it is read is read before it is
/// refused.
pub const READ_TRIES: usize = 3;

/// A file whose content changed less than this long before it was read is
/// read again once this long has passed since the change, and must read the
/// same: a rewrite in place that is under way is not taken for the file.
pub const SETTLE: Duration = Duration::from_millis(100);

/// How long an empty file is left before it is taken as empty.
const EMPTY_RECHECK: Duration = Duration::from_millis(10);

/// Why a rules file was not read: the reason in words, without the path
/// (see [`Diagnostic::whole_file`]).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening, `fstat` or reading failed.
    #[error("cannot read: {}", reason(.0))]
    Unreadable(#[source] std::io::Error),
    /// A directory, FIFO, device or socket (what it is, in words).
    #[error("not a regular file ({0}); rules are read from regular files only")]
    NotRegular(&'static str),
    /// Larger than [`MAX_FILE_BYTES`] (its size).
    #[error("the file has {0} bytes; {limit}", limit = LIMIT_TEXT)]
    TooLarge(u64),
    /// It passed [`MAX_FILE_BYTES`] while being read.
    #[error("the file grew while being read; {limit}", limit = LIMIT_TEXT)]
    Grew,
    /// It changed during each of [`READ_TRIES`] reads.
    #[error(
        "the file changed while being read ({READ_TRIES} tries); nothing of it was used: \
         run again once nothing is writing it"
    )]
    Changed,
}

impl ReadError {
    fn io(e: impl Into<std::io::Error>) -> ReadError {
        ReadError::Unreadable(e.into())
    }
}

/// The limit, in words (a test checks it against [`MAX_FILE_BYTES`]).
pub const LIMIT_TEXT: &str = "a rules file may have at most 8 MiB (8388608 bytes)";

/// What a command does with a rules file or directory that someone other
/// than root (or the user running kaudit) could change: anyone who can
/// write it decides what is audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// Refuse it: for every command that changes the kernel.
    Refuse,
    /// Warn: for dry runs, `check` and `diff`.
    Warn,
}

/// One trust problem: the path it is about, the message and the help.
type Fault = (PathBuf, String, &'static str);

/// Reads a rules file (no trust check: the `auditctl` personality makes
/// the reference's own): a regular file (opened without waiting, so that a
/// FIFO named `x.rules` cannot hang a boot), at most [`MAX_FILE_BYTES`],
/// read whole (see the module docs).
pub fn read_rules_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut faults = Vec::new();
    let (file, meta) = open_checked(path, 0, &mut faults)?;
    read_whole(&file, meta).map(|(bytes, _)| bytes)
}

/// [`read_rules_file`], and the `fstat` the bytes match: for a caller that
/// makes its own checks on the file that was read (the `auditctl`
/// personality's `-R`, in the reference's words).
pub fn read_rules_file_stat(path: &Path) -> Result<(Vec<u8>, Metadata), ReadError> {
    let mut faults = Vec::new();
    let (file, meta) = open_checked(path, 0, &mut faults)?;
    read_whole(&file, meta)
}

/// Reads a rules file as [`read_rules_file`] does, and checks the file that
/// was opened and its directory (see the module docs). The problems found
/// are errors under [`Trust::Refuse`], warnings under [`Trust::Warn`], each
/// naming the path it is about. Under `Refuse`, bytes that come with a
/// problem must not be used.
pub fn read_trusted(path: &Path, trust: Trust) -> Result<(Vec<u8>, Vec<Diagnostic>), ReadError> {
    read_trusted_owned_by(path, trust, nix::unistd::geteuid().as_raw())
}

/// [`read_trusted`], with files trusted when root or `owner` (a uid: the
/// user running kaudit; another only in tests) owns them.
pub(super) fn read_trusted_owned_by(
    path: &Path,
    trust: Trust,
    owner: u32,
) -> Result<(Vec<u8>, Vec<Diagnostic>), ReadError> {
    let mut faults = Vec::new();
    let (file, meta) = open_checked(path, owner, &mut faults)?;
    // Judged on the fstat the bytes match (the file read, as it was then).
    let (bytes, meta) = read_whole(&file, meta)?;
    faults.extend(
        file_faults(&meta, owner)
            .into_iter()
            .map(|(m, h)| (path.to_path_buf(), m, h)),
    );
    Ok((bytes, diagnostics(faults, trust)))
}

/// The problems of the rules directories among `paths` (a rules.d given as
/// PATH: see the module docs); their files are checked as they are read
/// ([`read_trusted`]). A path that is not a directory, or cannot be opened,
/// is left to the reader.
pub fn directory_problems<P: AsRef<Path>>(paths: &[P], trust: Trust) -> Vec<Diagnostic> {
    directory_problems_owned_by(paths, trust, nix::unistd::geteuid().as_raw())
}

/// [`directory_problems`] with `owner` as in [`read_trusted_owned_by`].
pub(super) fn directory_problems_owned_by<P: AsRef<Path>>(
    paths: &[P],
    trust: Trust,
    owner: u32,
) -> Vec<Diagnostic> {
    let mut faults = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let Ok(meta) = open_dir(path).and_then(|d| d.metadata()) else {
            continue;
        };
        // Named as the directory of its files is (`d/` as `d`), so that
        // the same fault found again as a file is read is said once.
        let joined = path.join("x");
        let shown = joined.parent().unwrap_or(path);
        faults.extend(
            dir_faults(&meta, owner, true)
                .into_iter()
                .map(|(m, h)| (shown.to_path_buf(), m, h)),
        );
    }
    diagnostics(faults, trust)
}

/// The problems of a file that is not read here (the file `augenrules`
/// replaces): the file, when it exists, and its directory (when it exists).
pub fn file_problems(path: &Path, trust: Trust) -> Vec<Diagnostic> {
    let owner = nix::unistd::geteuid().as_raw();
    let mut faults = Vec::new();
    // Missing, its directory is still checked.
    if let Ok((_, meta)) = open_checked(path, owner, &mut faults) {
        if meta.is_file() {
            faults.extend(
                file_faults(&meta, owner)
                    .into_iter()
                    .map(|(m, h)| (path.to_path_buf(), m, h)),
            );
        }
    }
    diagnostics(faults, trust)
}

/// `a`, then those of `b` not in it already (the same path and message):
/// a directory's fault is found for each of its files.
pub fn merge_problems(mut a: Vec<Diagnostic>, b: Vec<Diagnostic>) -> Vec<Diagnostic> {
    for d in b {
        if !a.iter().any(|o| o.file == d.file && o.message == d.message) {
            a.push(d);
        }
    }
    a
}

/// Faults as diagnostics, each once.
fn diagnostics(faults: Vec<Fault>, trust: Trust) -> Vec<Diagnostic> {
    let all = faults.into_iter().map(|(path, what, help)| {
        let mut d = Diagnostic::whole_file(Some(&path.to_string_lossy()), what);
        if trust == Trust::Warn {
            d.severity = Severity::Warning;
            d.message.push_str(" (kaudit load and sync refuse it)");
        }
        d.with_help(help)
    });
    merge_problems(Vec::new(), all.collect())
}

fn trusted_uid(uid: u32, owner: u32) -> bool {
    uid == 0 || uid == owner
}

fn trusted_text(owner: u32) -> String {
    match owner {
        0 => "root".to_string(),
        uid => format!("root or uid {uid}"),
    }
}

/// What is wrong with a rules file's owner and mode: (message, help).
fn file_faults(meta: &Metadata, owner: u32) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if meta.mode() & 0o002 != 0 {
        out.push((
            "the file is world-writable: anyone could change what is audited".to_string(),
            "chmod o-w on the file",
        ));
    }
    // (World-writable says it all.)
    if meta.mode() & 0o022 == 0o020 {
        out.push((
            format!(
                "the file is group-writable (gid {}): the group's members could change what is audited",
                meta.gid()
            ),
            "chmod g-w on the file",
        ));
    }
    if !trusted_uid(meta.uid(), owner) {
        out.push((
            format!(
                "the file is owned by uid {}, not {}: its owner could change what is audited",
                meta.uid(),
                trusted_text(owner)
            ),
            "chown root on the file",
        ));
    }
    out
}

/// What is wrong with a directory's owner and mode: (message, help).
/// `listed`: every rules file in it is read (a rules.d), so being sticky
/// does not help (anyone could add one).
fn dir_faults(meta: &Metadata, owner: u32, listed: bool) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mode = meta.mode();
    if !trusted_uid(meta.uid(), owner) {
        out.push((
            format!(
                "the directory is owned by uid {}, not {}: its owner could add or replace a rules file in it",
                meta.uid(),
                trusted_text(owner)
            ),
            "chown root on the directory",
        ));
    }
    // In a sticky directory only a file's owner, the directory's owner and
    // root can rename or remove the file; both owners are checked.
    let sticky = mode & 0o1000 != 0 && !listed;
    if mode & 0o002 != 0 && !sticky {
        out.push((
            "the directory is world-writable: anyone could add or replace a rules file in it"
                .to_string(),
            "chmod o-w on the directory",
        ));
    }
    if mode & 0o022 == 0o020 && !sticky {
        out.push((
            format!(
                "the directory is group-writable (gid {}): the group's members could add or replace a rules file in it",
                meta.gid()
            ),
            "chmod g-w on the directory",
        ));
    }
    out
}

fn open_dir(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)
}

/// Opens `path` once, from its directory (opened and checked first, its
/// faults added to `faults`), without following a symbolic link at its
/// last component; a link is checked and followed (see the module docs).
/// The file and its `fstat`.
fn open_checked(
    path: &Path,
    owner: u32,
    faults: &mut Vec<Fault>,
) -> Result<(File, Metadata), ReadError> {
    open_from_dir(path, owner, faults, true)
}

fn open_from_dir(
    path: &Path,
    owner: u32,
    faults: &mut Vec<Fault>,
    follow: bool,
) -> Result<(File, Metadata), ReadError> {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
    // writer; it changes nothing for a regular file.
    let flags = OFlag::O_RDONLY
        | OFlag::O_NOFOLLOW
        | OFlag::O_NONBLOCK
        | OFlag::O_CLOEXEC
        | OFlag::O_NOCTTY;
    let (dir_path, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) if p.as_os_str().is_empty() => (Path::new("."), n),
        (Some(p), Some(n)) => (p, n),
        // `/`, or a path ending in `..`: a directory, refused by the reader.
        _ => {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(ReadError::io)?;
            let meta = file.metadata().map_err(ReadError::io)?;
            return Ok((file, meta));
        }
    };
    let dir = open_dir(dir_path).map_err(ReadError::io)?;
    let dir_meta = dir.metadata().map_err(ReadError::io)?;
    faults.extend(
        dir_faults(&dir_meta, owner, false)
            .into_iter()
            .map(|(m, h)| (dir_path.to_path_buf(), m, h)),
    );
    match nix::fcntl::openat(&dir, name, flags, Mode::empty()) {
        Ok(fd) => {
            let file = File::from(fd);
            let meta = file.metadata().map_err(ReadError::io)?;
            Ok((file, meta))
        }
        Err(Errno::ELOOP) if follow => {
            // A symbolic link: whoever owns it decides which file it names.
            let link = nix::sys::stat::fstatat(&dir, name, AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(ReadError::io)?;
            if !trusted_uid(link.st_uid, owner) {
                faults.push((
                    path.to_path_buf(),
                    format!(
                        "the file is a symbolic link owned by uid {}, not {}: its owner could point it at another file",
                        link.st_uid,
                        trusted_text(owner)
                    ),
                    "chown -h root on the link",
                ));
            }
            let target = std::fs::canonicalize(path).map_err(ReadError::io)?;
            open_from_dir(&target, owner, faults, false)
        }
        Err(e) => Err(ReadError::io(e)),
    }
}

/// The bytes of an opened file, whole (see the module docs), and its
/// `fstat` that they match; `meta` is its `fstat` from the open.
fn read_whole(file: &File, meta: Metadata) -> Result<(Vec<u8>, Metadata), ReadError> {
    if !meta.is_file() {
        return Err(ReadError::NotRegular(crate::lock::file_kind(&meta)));
    }
    let mut before = meta;
    for _ in 0..READ_TRIES {
        if before.len() > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge(before.len()));
        }
        let bytes = read_from_start(file, before.len())?;
        let after = settled_stat(file)?;
        if !unchanged(&before, &after) || bytes.len() as u64 != after.len() {
            // Changed while being read: read again.
            before = after;
            continue;
        }
        if bytes.is_empty() {
            // A truncation shows the new size before the new times (Linux
            // sets them last): an empty file is looked at again once a
            // truncation under way would have finished.
            std::thread::sleep(EMPTY_RECHECK);
            let again = settled_stat(file)?;
            if !unchanged(&after, &again) {
                before = again;
                continue;
            }
        }
        let Some(wait) = unsettled(&after) else {
            return Ok((bytes, after));
        };
        // Written so recently that it may be a rewrite in progress (or
        // changed since within the clock's tick): it must read the same
        // once it has settled.
        std::thread::sleep(wait);
        let again = read_from_start(file, after.len())?;
        let last = settled_stat(file)?;
        if again == bytes && unchanged(&after, &last) {
            return Ok((bytes, last));
        }
        before = last;
    }
    Err(ReadError::Changed)
}

/// `fstat` once a write or truncation under way has finished: those hold
/// the inode's lock, and `lseek(SEEK_DATA)` takes it on ext4, xfs, btrfs
/// and tmpfs (elsewhere it changes nothing). A truncation makes its new
/// size seen before its new times, and can stall (on the journal) between
/// them; without this, an empty file with its old times could pass.
fn settled_stat(file: &File) -> Result<Metadata, ReadError> {
    use std::os::fd::AsRawFd;
    // SAFETY: lseek on a descriptor this function borrows; only its
    // offset changes, which reads here never use (they are preads). The
    // result (the data's offset, or ENXIO for an empty file) is not needed.
    let _ = unsafe { libc::lseek(file.as_raw_fd(), 0, libc::SEEK_DATA) };
    file.metadata().map_err(ReadError::io)
}

/// The file's bytes from offset 0 (`pread`), at most [`MAX_FILE_BYTES`];
/// `size` is what `fstat` said (a hint).
fn read_from_start(file: &File, size: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = vec![0u8; (size.min(MAX_FILE_BYTES) as usize) + 1];
    let mut at = 0usize;
    loop {
        if at == bytes.len() {
            if at as u64 > MAX_FILE_BYTES {
                return Err(ReadError::Grew);
            }
            let more = (bytes.len() * 2).min(MAX_FILE_BYTES as usize + 1);
            bytes.resize(more, 0);
        }
        match file.read_at(&mut bytes[at..], at as u64) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::io(e)),
        }
    }
    bytes.truncate(at);
    Ok(bytes)
}

/// Whether two `fstat`s of one file show no change.
fn unchanged(a: &Metadata, b: &Metadata) -> bool {
    (
        a.dev(),
        a.ino(),
        a.len(),
        a.mtime(),
        a.mtime_nsec(),
        a.ctime(),
        a.ctime_nsec(),
    ) == (
        b.dev(),
        b.ino(),
        b.len(),
        b.mtime(),
        b.mtime_nsec(),
        b.ctime(),
        b.ctime_nsec(),
    )
}

/// How long to wait when the file's content was last changed (`st_mtim`)
/// less than [`SETTLE`] (or two ticks of the coarse clock that stamps it,
/// if longer) ago; `None` when it is older.
fn unsettled(meta: &Metadata) -> Option<Duration> {
    let mut res = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_getres writes one timespec, which `res` is.
    let tick = if unsafe { libc::clock_getres(libc::CLOCK_REALTIME_COARSE, &mut res) } == 0 {
        Duration::new(
            res.tv_sec.max(0) as u64,
            res.tv_nsec.clamp(0, 999_999_999) as u32,
        )
    } else {
        Duration::from_millis(10)
    };
    let window = (tick * 2).max(SETTLE);
    let changed = UNIX_EPOCH
        + Duration::new(
            u64::try_from(meta.mtime()).ok()?,
            meta.mtime_nsec().clamp(0, 999_999_999) as u32,
        );
    // A time in the future (clock skew, an unpacked archive) waits no
    // longer than a fresh change.
    let left = (changed + window).duration_since(SystemTime::now()).ok()?;
    Some(left.min(window))
}

#[cfg(test)]
mod tests;
