//! Where the tests find the repository and the rule corpus (never
//! committed); shared by the suite and the VM tests. The reference's cache
//! is `reference.rs`.

use std::path::PathBuf;

/// The repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rule corpus: `KAUDIT_CORPUS`, else `<repo>/../shared/corpus` (never
/// committed).
pub fn corpus() -> PathBuf {
    std::env::var_os("KAUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"))
}
