//! The reference auditctl's cache (`scripts/fetch-reference.sh`): one place
//! for the environment variable that moves it.

use std::io::Write;
use std::path::PathBuf;

/// The reference cache: `KAUDIT_REF_CACHE`, else `<repo>/.cache/reference`
/// (its `auditctl` wrapper, `root/` with the unpacked packages, `versions`).
pub fn cache() -> PathBuf {
    std::env::var_os("KAUDIT_REF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::paths::repo().join(".cache/reference"))
}

/// The reference cache, if it has been fetched. Without it test `what` is
/// skipped loudly, except in CI, where it fails.
pub fn fetched(what: &str) -> Option<PathBuf> {
    let cache = cache();
    if cache.join("versions").exists() {
        return Some(cache);
    }
    let msg = format!(
        "reference cache {} is missing; run scripts/fetch-reference.sh or set KAUDIT_REF_CACHE",
        cache.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    // Written to the stream directly: libtest captures eprintln! of passing tests.
    let _ = writeln!(std::io::stderr(), "\n*** SKIP {what}: {msg} ***\n");
    None
}
