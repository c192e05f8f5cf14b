//! The one temporary-directory helper of the suite.
//!
//! [`dir`] makes a fresh directory `kaudit-TAG-XXXXXX` under the system's
//! temporary directory (`tempfile`: mode 0755, a name no other test thread
//! or run can have, so nothing stale to remove first). It is removed when
//! the [`Scratch`] is dropped; when the test is failing it is kept, and its
//! path said on stderr, to look at.

use std::io::Write;
use std::ops::Deref;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A temporary directory; derefs to its path.
pub struct Scratch(tempfile::TempDir);

/// A fresh empty temporary directory for test `tag`.
pub fn dir(tag: &str) -> Scratch {
    dir_in(&std::env::temp_dir(), tag)
}

/// [`dir`] under `parent` (created if missing), for what is too big for a
/// `/tmp` that may be a small tmpfs.
pub fn dir_in(parent: &Path, tag: &str) -> Scratch {
    std::fs::create_dir_all(parent)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    // 0755, as `mkdir` under the usual umask made them: some tests run
    // children as another user inside.
    tempfile::Builder::new()
        .prefix(&format!("kaudit-{tag}-"))
        .permissions(std::fs::Permissions::from_mode(0o755))
        .tempdir_in(parent)
        .map(Scratch)
        .unwrap_or_else(|e| panic!("cannot create a temporary directory for {tag}: {e}"))
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.path().as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.disable_cleanup(true);
            let _ = writeln!(
                std::io::stderr(),
                "kept {} (the test failed)",
                self.0.path().display()
            );
        }
    }
}
