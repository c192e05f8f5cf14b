//! Where the tests find what the repository does not hold: the reference
//! auditctl's cache (`scripts/fetch-reference.sh`) and the rule corpus. One
//! place for the two environment variables that move them.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// The repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The reference cache: `KAUDIT_REF_CACHE`, else `<repo>/.cache/reference`
/// (its `auditctl` wrapper, `root/` with the unpacked packages, `versions`).
pub fn reference_cache() -> PathBuf {
    std::env::var_os("KAUDIT_REF_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".cache/reference"))
}

/// The reference cache, if it has been fetched. Without it test `what` is
/// skipped loudly, except in CI, where it fails.
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

/// The rule corpus: `KAUDIT_CORPUS`, else `<repo>/../shared/corpus` (never
/// committed).
pub fn corpus() -> PathBuf {
    std::env::var_os("KAUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"))
}
