//! Where the tests find what the repository does not hold: the reference
//! auditctl's cache (`scripts/fetch-reference.sh`) and the rule corpus. One
//! place for the two environment variables that move them.
#![allow(dead_code)]

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

/// The rule corpus: `KAUDIT_CORPUS`, else `<repo>/../shared/corpus` (never
/// committed).
pub fn corpus() -> PathBuf {
    std::env::var_os("KAUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"))
}
