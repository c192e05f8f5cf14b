//! Host-side helpers shared by the two throwaway-VM tests (`tests/vm.rs`,
//! the busybox guest, and `tests/vm_systemd.rs`, the systemd guest): the
//! repository, loud skips, output tails and the release binary the guests get.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One line on the test's stderr (libtest captures print!, not writes to
/// the stderr handle).
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Skips test `what` loudly, or fails it under `KAUDIT_REQUIRE_VM=1`.
pub fn skip(what: &str, reason: &str) {
    if std::env::var("KAUDIT_REQUIRE_VM").as_deref() == Ok("1") {
        panic!("VM required (KAUDIT_REQUIRE_VM=1) but unusable: {reason}");
    }
    say(&format!("SKIP ({what}): {reason}"));
}

/// A command's stdout then stderr.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The last `lines` lines of [`text`].
pub fn tail(out: &Output, lines: usize) -> String {
    let text = text(out);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The kaudit binary the guests get: `KAUDIT_BIN`, else a release build (the
/// package ships it, and the benchmark compares it with the reference).
pub fn kaudit_binary() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("KAUDIT_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--release", "--bin", "kaudit"])
        .current_dir(repo())
        .output()
        .map_err(|e| format!("cargo build --release: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo build --release failed:\n{}", tail(&out, 20)));
    }
    // The release build lands beside the debug one (same target directory).
    let debug = PathBuf::from(env!("CARGO_BIN_EXE_kaudit"));
    let target = debug
        .parent()
        .and_then(Path::parent)
        .ok_or("no target directory")?;
    Ok(target.join("release").join("kaudit"))
}
