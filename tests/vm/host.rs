//! Host-side helpers shared by the two throwaway-VM tests (`busybox.rs`,
//! the busybox guest, and `systemd.rs`, the systemd guest): the
//! repository, loud skips, output tails, what must be there before the first
//! boot (corpus, VM cache, the release binary the guests get) and one boot's
//! outcome. The guests' own helpers are one shell library, `tests/vm/lib.sh`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

pub use crate::paths::repo;

/// Held by each VM test for its whole run: the two tests share one process
/// and each already boots two guests at a time, which is all a 2-core host
/// can take (they used to be two binaries, run one after the other).
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    // A test that failed while holding it leaves nothing to protect.
    TURN.lock().unwrap_or_else(|e| e.into_inner())
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

/// What both VM tests need before the first boot, or `None` after a loud
/// skip (test `what`): the corpus (`KAUDIT_CORPUS`, else `../shared/corpus`),
/// the VM cache built by `setup` (`script setup`, whose last line is
/// reported), and the release binary.
pub fn ready(what: &str, script: &str, setup: &mut Command) -> Option<PathBuf> {
    let started = Instant::now();
    let corpus = crate::paths::corpus();
    if !corpus.join("community/neo23x0-audit.rules").is_file() {
        skip(what, &format!("no corpus at {}", corpus.display()));
        return None;
    }
    let out = match setup.output() {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            skip(what, &format!("{script} setup failed:\n{}", tail(&out, 20)));
            return None;
        }
        Err(e) => {
            skip(what, &format!("cannot run {script}: {e}"));
            return None;
        }
    };
    say(&format!(
        "{what}: setup {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        tail(&out, 1)
    ));
    match kaudit_binary() {
        Ok(bin) => Some(bin),
        Err(e) => {
            skip(what, &e);
            None
        }
    }
}

/// One boot (or one scenario script that boots): its exit code, output and
/// time.
pub struct Boot {
    pub name: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub secs: f64,
}

impl Boot {
    /// Runs `cmd` (a boot called `name`); a command that cannot start is a
    /// boot with no exit code and the reason on its stderr.
    pub fn run(name: &str, cmd: &mut Command) -> Boot {
        let start = Instant::now();
        let (code, stdout, stderr) = match cmd.output() {
            Ok(out) => (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ),
            Err(e) => (
                None,
                String::new(),
                format!("cannot run {}: {e}", cmd.get_program().to_string_lossy()),
            ),
        };
        Boot {
            name: name.to_string(),
            code,
            stdout,
            stderr,
            secs: start.elapsed().as_secs_f64(),
        }
    }

    /// `== TEST NAME: exit CODE, SECS s ==`, the line before its output.
    pub fn headline(&self, test: &str) -> String {
        format!(
            "== {test} {}: exit {}, {:.1} s ==",
            self.name,
            self.code.map_or("none".into(), |c| c.to_string()),
            self.secs
        )
    }
}
