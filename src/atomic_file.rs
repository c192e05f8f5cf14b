//! Replacing a file the boot depends on (`/etc/audit/audit.rules` and its
//! `.prev`) so that, whatever happens, the path holds either the old file or
//! the new one, whole, never a half-written one.
//!
//! How: the new contents go to a fresh temporary file in the same directory
//! (so the rename stays on one filesystem), created with `O_CREAT|O_EXCL|
//! O_NOFOLLOW` and mode 0640 (set with `fchmod` as well, so the umask cannot
//! change it), written, `fsync`ed, and renamed over the target; then the
//! directory is `fsync`ed so the rename itself survives a crash. On any error
//! the temporary file is removed and the target is untouched (a full
//! filesystem fails the write or the `fsync`, before the rename).
//!
//! A symbolic link at the target is refused, not followed: writing through
//! it would replace some other file and change its mode.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of every file written here (owner rw, group r), as augenrules sets.
pub const MODE: u32 = 0o640;

fn refuse_symlink(target: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(target) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; refusing to write through it (remove it or point the output at a regular file)",
                target.display()
            ),
        )),
        Ok(m) if !m.file_type().is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} exists and is not a regular file", target.display()),
        )),
        _ => Ok(()),
    }
}

/// The directory a target lives in (`.` for a bare name).
fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates a new temporary file next to `target` (never an existing one).
fn create_temp(target: &Path) -> io::Result<(PathBuf, File)> {
    let dir = parent_of(target);
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?
        .to_string_lossy()
        .into_owned();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(
            ".{name}.kaudit-{}-{nanos:x}-{attempt}",
            std::process::id()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(MODE)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("cannot create a temporary file in {}", dir.display()),
    ))
}

/// Replaces `target` with `contents` (see the module docs). A symlink or a
/// non-regular file at `target` is refused before anything is written.
pub fn write(target: &Path, contents: &[u8]) -> io::Result<()> {
    refuse_symlink(target)?;
    let (tmp, mut file) = create_temp(target)?;
    let result = (|| {
        // The umask may have narrowed the mode at creation; never widen
        // beyond 0640, never leave it narrower than what augenrules sets.
        file.set_permissions(std::fs::Permissions::from_mode(MODE))?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        // Checked again just before the rename: a symlink planted meanwhile
        // is refused too (rename would replace the link, not its target,
        // but the user asked for a regular file there).
        refuse_symlink(target)?;
        std::fs::rename(&tmp, target)?;
        // The rename is durable once the directory is.
        File::open(parent_of(target))?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads `path` without following a symlink at it; `Ok(None)` if it does
/// not exist.
pub fn read_no_follow(path: &Path) -> io::Result<Option<Vec<u8>>> {
    refuse_symlink(path)?;
    match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(mut f) => {
            let mut v = Vec::new();
            f.read_to_end(&mut v)?;
            Ok(Some(v))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kaudit-atomic-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn replaces_whole_with_mode_0640_and_leaves_no_temp() {
        let d = dir("replace");
        let t = d.join("audit.rules");
        std::fs::write(&t, b"old\n").unwrap();
        std::fs::set_permissions(&t, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&t, b"new\n").unwrap();
        assert_eq!(std::fs::read(&t).unwrap(), b"new\n");
        assert_eq!(std::fs::metadata(&t).unwrap().mode() & 0o7777, 0o640);
        let names: Vec<_> = std::fs::read_dir(&d).unwrap().collect();
        assert_eq!(names.len(), 1, "a temporary file was left behind");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_symlink_at_the_target_is_refused_and_its_target_untouched() {
        let d = dir("link");
        let victim = d.join("victim");
        std::fs::write(&victim, b"precious\n").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
        let t = d.join("audit.rules");
        std::os::unix::fs::symlink(&victim, &t).unwrap();
        let e = write(&t, b"new\n").unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n");
        assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o7777, 0o600);
        assert!(read_no_follow(&t).is_err());
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_target_is_created() {
        let d = dir("new");
        let t = d.join("audit.rules");
        assert_eq!(read_no_follow(&t).unwrap(), None);
        write(&t, b"x\n").unwrap();
        assert_eq!(read_no_follow(&t).unwrap().unwrap(), b"x\n");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
