//! Where the tests that read the reference build's files (the generated
//! tables, the kernel constants) find them, and their loud skip when the
//! cache is not there.

use std::io::Write;
use std::path::PathBuf;

/// The reference cache (`scripts/fetch-reference.sh`), or `KAUDIT_REF_CACHE`.
pub fn reference_cache() -> PathBuf {
    std::env::var_os("KAUDIT_REF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".cache/reference"))
}

/// The cache, if it has been fetched. Without it test `what` is skipped
/// loudly, except in CI, where it fails.
pub fn fetched_reference(what: &str) -> Option<PathBuf> {
    let cache = reference_cache();
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
