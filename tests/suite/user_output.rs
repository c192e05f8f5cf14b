//! What a user reads, and what kaudit does with bad input (issue 11, items
//! 1, 2, 5, 6, 7 and 8).
//!
//! Snapshots (`insta`, in `tests/suite/snapshots/`) hold the text of
//! `load --dry-run` of the starter `rules.d/` and of a file with every
//! control line, the common errors, and (on the live kernel) the
//! `sync --dry-run` text and JSON, `diff` text and `check` messages. Every
//! text snapshot is also checked for Rust `Debug` text (`Some(`, `{ key:`,
//! `SetBacklogLimit(`) and Rust error suffixes (`(os error N)`).
//!
//! Runs the binary with a private `KAUDIT_LOCK_PATH`; kernel tests hold the
//! machine lock through `common::kernel`, use keys `kaudit-snap-` and
//! remove them.

use crate::common;
use crate::scratch::{self, Scratch};

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use kaudit::host::Host;
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::Transport;
use kaudit::rulefile::compile_text;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// The child's peak resident memory in KiB (0 where not measured).
    peak_kib: i64,
}

impl Run {
    /// stdout, then stderr under a marker, then the exit code: the whole of
    /// what the user sees.
    fn seen(&self) -> String {
        format!(
            "{}--- stderr\n{}--- exit {}\n",
            self.stdout, self.stderr, self.code
        )
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            peak_kib: 0,
        }
    }
}

/// `cmd.output()`, and the child's own peak resident memory in KiB, from
/// `wait4` on its pid. (`getrusage(RUSAGE_CHILDREN)` would be the largest
/// child of this whole process: every other test's children too, the
/// reference and compilers among them, since the tests share one binary.)
#[expect(clippy::zombie_processes, reason = "reaped by the wait4 below")]
fn output_and_peak(cmd: &mut Command) -> (Output, i64) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running the command");
    let mut child_out = child.stdout.take().expect("stdout piped");
    let mut child_err = child.stderr.take().expect("stderr piped");
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        child_err.read_to_end(&mut v).map(|_| v)
    });
    let mut stdout = Vec::new();
    child_out.read_to_end(&mut stdout).expect("reading stdout");
    let stderr = err_reader.join().unwrap().expect("reading stderr");
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: status and usage are valid for writes; pid is our child,
        // not yet waited for (std only reaps through `wait`, never called).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
    }
    let out = Output {
        status: ExitStatus::from_raw(status),
        stdout,
        stderr,
    };
    (out, usage.ru_maxrss)
}

/// `kaudit ARGS` in `dir`, with a private lock path (`DIR/.child.lock`).
fn kaudit_in(dir: &Path, args: &[&str]) -> Run {
    kaudit_with(dir, args, |_| {})
}

/// `kaudit ARGS` against the in-memory kernel kept in `DIR/fake-kernel.state`
/// (`KAUDIT_FAKE_KERNEL`): for commands that would change the kernel.
fn kaudit_fake(dir: &Path, args: &[&str]) -> Run {
    kaudit_with(dir, args, |cmd| {
        cmd.env("KAUDIT_FAKE_KERNEL", dir.join("fake-kernel.state"));
    })
}

/// [`kaudit_in`] with more set on the command by `more`.
fn kaudit_with(dir: &Path, args: &[&str], more: impl FnOnce(&mut Command)) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaudit"));
    cmd.args(args)
        .current_dir(dir)
        .env("KAUDIT_LOCK_PATH", dir.join(".child.lock"))
        .stdin(Stdio::null());
    more(&mut cmd);
    let (out, peak_kib) = output_and_peak(&mut cmd);
    Run {
        peak_kib,
        ..out.into()
    }
}

/// Fails on Rust `Debug` renderings and Rust error suffixes in user text.
fn assert_no_debug(what: &str, text: &str) {
    for bad in ["Some(", "None", "{ ", " }", "(os error", "\\\"", "[D", "[S"] {
        assert!(!text.contains(bad), "{what}: Debug text {bad:?} in\n{text}");
    }
    // CamelCase directly followed by `(` or ` {`: an enum variant.
    let b = text.as_bytes();
    for i in 0..b.len() {
        if b[i].is_ascii_uppercase() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let word: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let after = &text[i + word.len()..];
            let camel = word.chars().skip(1).any(|c| c.is_ascii_uppercase())
                && word.chars().any(|c| c.is_ascii_lowercase());
            assert!(
                !(camel && (after.starts_with('(') || after.starts_with(" {"))),
                "{what}: Debug text {word:?} in\n{text}"
            );
        }
    }
}

fn snapshot(name: &str, text: &str) {
    assert_no_debug(name, text);
    insta::assert_snapshot!(name, text);
}

/// A scratch directory for a test that needs root (`chown`, a child run as
/// nobody), or `None` after a loud skip when not root.
fn root_scratch(name: &str, why: &str) -> Option<Scratch> {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("SKIP (root): {why}");
        return None;
    }
    Some(scratch(name))
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn scratch(name: &str) -> Scratch {
    scratch::dir(&format!("user-{name}"))
}

/// A file with every control line `kaudit load` accepts, and rule lines of
/// each kind.
const CONTROLS: &str = "\
-D
-b 8192
-f 1
-r 100
--backlog_wait_time 60000
--reset-lost
--reset_backlog_wait_time_actual
-q /mnt,/srv
-t
-i
-c
-D -k old
-w /etc/passwd -p wa -k identity
-A exit,always -F arch=b64 -S openat -F exit=-EACCES -k access
-a always,exit -F arch=b64 -S openat -F exit=-EACCES -k access2
-d always,exit -F arch=b64 -S openat -F exit=-EACCES -k access2
--loginuid-immutable
-e 2
";

#[test]
fn load_dry_run_of_the_starter_rules() {
    let repo = Path::new(REPO);
    let mut files: Vec<String> = std::fs::read_dir(repo.join("rules.d"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rules"))
        .map(|n| format!("rules.d/{n}"))
        .collect();
    files.sort();
    let mut args = vec!["load", "--dry-run"];
    args.extend(files.iter().map(String::as_str));
    let r = kaudit_in(repo, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    snapshot("load_dry_run_starter", &r.seen());
    // The finalize file, when it is renamed to .rules.
    let r = kaudit_in(
        repo,
        &["load", "--dry-run", "rules.d/99-finalize.rules.optional"],
    );
    snapshot("load_dry_run_finalize", &r.seen());
}

#[test]
fn load_dry_run_of_every_control_line() {
    let dir = scratch("controls");
    std::fs::write(dir.join("controls.rules"), CONTROLS).unwrap();
    let r = kaudit_in(&dir, &["load", "--dry-run", "controls.rules"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    snapshot("load_dry_run_controls", &r.seen());
}

/// Item 2: `-l`, `-s`, `-m`, `--signal` (and `-v`, `-h`, `-R`) in a file
/// given to `kaudit load` are refused with their line, and the in-memory
/// kernel receives nothing at all.
#[test]
fn load_refuses_queries_and_actions_and_sends_nothing() {
    let host = Host::detect().extended();
    for (line, word) in [
        ("-l", "-l"),
        ("-l -k x", "-l -k x"),
        ("-s", "-s"),
        ("-m hello", "-m hello"),
        ("--signal term", "--signal term"),
        ("-v", "-v"),
        ("-R other.rules", "-R other.rules"),
    ] {
        let text = format!("-a always,exit -F arch=b64 -S openat -k k1\n-b 64\n{line}\n");
        let (entries, diags) = compile_text("f.rules", &text, &host);
        assert!(
            diags
                .iter()
                .all(|d| d.severity != kaudit::diag::Severity::Error),
            "{line}: {diags:?}"
        );
        let mut fake = FakeKernel::new();
        let before = fake.stats();
        let refused = kaudit::apply::load(&entries, &mut fake, &host)
            .expect("no transport error")
            .expect_err(line);
        assert_eq!(refused.len(), 1, "{line}");
        assert!(
            refused[0]
                .headline()
                .starts_with(&format!("f.rules:3:1: error: {word} would ")),
            "{}",
            refused[0].headline()
        );
        let after = fake.stats();
        assert_eq!(after.requests_sent, before.requests_sent, "{line}: sent");
        assert_eq!(fake.rule_count(), 0);
        assert_eq!(fake.status().backlog_limit, 64, "{line}: -b was sent");
    }
    // A file of rules and settings only is applied.
    let (entries, _) = compile_text("f.rules", "-b 100\n-a always,exit -S all -k k2\n", &host);
    let mut fake = FakeKernel::new();
    let outcome = kaudit::apply::load(&entries, &mut fake, &host)
        .unwrap()
        .unwrap();
    assert_eq!(outcome.added, 1);
    assert_eq!(fake.rule_count(), 1);
    assert_eq!(fake.list_rules().unwrap().len(), 1);
}

#[test]
fn common_errors() {
    let dir = scratch("errors");
    let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    w(
        "queries.rules",
        "-a always,exit -F arch=b64 -S openat -k ok\n-l\n-s\n-m hello\n--signal term\n",
    );
    w(
        "nul.rules",
        "-a always,exit -F arch=b64 -S openat -k reltest-nul\0b\n-w /etc/x -p w -k a\0\n",
    );
    w(
        "bad.rules",
        "-a always,exit -F bogus=1\n-a always,exit -S all -k x -k\n",
    );
    w(
        "state.rules",
        "-a always,exit -F arch=b64 -S openat -k s1\n-l\n-D -k old\n",
    );
    // A 10 MB-wide single line under the file limit is cut when echoed.
    let long = format!(
        "-a always,exit -F arch=b64 -S openat -k {}\n",
        "x".repeat(100_000)
    );
    w("long.rules", &long);
    std::fs::create_dir_all(dir.join("d")).unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("missing_file", &["load", "--dry-run", "missing.rules"]),
        ("directory_as_file", &["load", "--dry-run", "d"]),
        ("missing_directory_sync", &["check", "no-such-dir/"]),
        ("queries_in_load", &["load", "--dry-run", "queries.rules"]),
        ("nul", &["load", "--dry-run", "nul.rules"]),
        ("syntax", &["load", "--dry-run", "bad.rules"]),
        ("not_a_state", &["check", "state.rules"]),
        ("bad_scope", &["check", "--scope", "user=x", "bad.rules"]),
        ("long_line", &["load", "--dry-run", "long.rules"]),
        ("dev_zero", &["load", "--dry-run", "/dev/zero"]),
    ];
    for (name, args) in cases {
        let r = kaudit_in(&dir, args);
        assert_ne!(r.code, 0, "{name}");
        assert!(r.stderr.len() < 4000, "{name}: {} bytes", r.stderr.len());
        snapshot(&format!("error_{name}"), &r.seen());
    }
}

/// Item 6: `/dev/zero`, a FIFO (as a file and as `x.rules` in a rules
/// directory) and an oversized file give a clear error within a second,
/// in bounded memory, for every command that reads files.
#[test]
fn only_regular_files_of_bounded_size_are_read() {
    let dir = scratch("limits");
    let fifo = dir.join("fifo.rules");
    let rules_d = dir.join("rules.d");
    std::fs::create_dir_all(&rules_d).unwrap();
    std::fs::write(rules_d.join("10-a.rules"), "-a always,exit -S all -k a\n").unwrap();
    for f in [&fifo, &rules_d.join("x.rules")] {
        let c = std::ffi::CString::new(f.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }
    // 9 MiB of rule lines: over the 8 MiB limit.
    let line = "-a always,exit -F arch=b64 -S openat -k big\n";
    let big = line.repeat((9 << 20) / line.len());
    std::fs::write(dir.join("big.rules"), &big).unwrap();
    // One 20 MB line with no newline.
    std::fs::write(dir.join("wide.rules"), "x".repeat(20_000_000)).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["load", "--dry-run", "/dev/zero"],
            "/dev/zero: error: not a regular file (a character device)",
        ),
        (
            &["load", "--dry-run", "fifo.rules"],
            "fifo.rules: error: not a regular file (a FIFO)",
        ),
        (
            &["check", "rules.d"],
            "rules.d/x.rules: error: not a regular file (a FIFO)",
        ),
        (
            &["sync", "--dry-run", "rules.d"],
            "rules.d/x.rules: error: not a regular file (a FIFO)",
        ),
        (
            &["load", "--dry-run", "big.rules"],
            "big.rules: error: the file has 9437164 bytes; a rules file may have at most 8 MiB (8388608 bytes)",
        ),
        (
            &["diff", "wide.rules"],
            "wide.rules: error: the file has 20000000 bytes; a rules file may have at most 8 MiB",
        ),
    ];
    // The largest child of this test, in KiB.
    let mut peak = 0;
    for (args, expected) in cases {
        let start = Instant::now();
        let r = kaudit_in(&dir, args);
        let took = start.elapsed();
        peak = peak.max(r.peak_kib);
        assert!(took < Duration::from_secs(1), "{args:?} took {took:?}");
        assert!(r.code == 1 || r.code == 2, "{args:?}: exit {}", r.code);
        assert!(
            r.stderr.contains(expected),
            "{args:?}: {expected:?} not in {:?}",
            r.stderr
        );
        assert!(r.stderr.len() < 2000, "{args:?}: {} bytes", r.stderr.len());
    }
    // augenrules merges rules.d: the FIFO is named, nothing is written.
    let merged = dir.join("audit.rules");
    let start = Instant::now();
    let (out, augenrules_peak) = output_and_peak(
        Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .arg("augenrules")
            .current_dir(&dir)
            .env("KAUDIT_AUGENRULES_DIR", &rules_d)
            .env("KAUDIT_AUGENRULES_OUTPUT", &merged)
            .env("KAUDIT_LOCK_PATH", dir.join(".child.lock")),
    );
    peak = peak.max(augenrules_peak);
    assert!(start.elapsed() < Duration::from_secs(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("x.rules: not a regular file (a FIFO)") && !stderr.contains("os error"),
        "{stderr}"
    );
    assert!(!merged.exists());
    // The auditctl personality (root only: it opens the kernel first).
    if nix::unistd::geteuid().is_root() {
        let r = kaudit_in(&dir, &["auditctl", "-R", "big.rules"]);
        peak = peak.max(r.peak_kib);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("Error opening big.rules (the file has 9437164 bytes; a rules file may have at most 8 MiB"),
            "{}",
            r.stderr
        );
    }
    // Bounded memory: the largest child stayed far below what reading
    // /dev/zero to the end would take.
    assert!(peak > 0, "no child's memory was measured");
    assert!(peak < 200 * 1024, "a child used {peak} KiB");
}

/// Item 8: world-writable rules files, files not owned by root and
/// world-writable rules directories are refused by load, sync and
/// augenrules --load (nothing sent), and warned about by --dry-run, check
/// and diff.
#[ignore = "needs root (scripts/test.sh runs it)"]
#[test]
fn files_anyone_could_write_are_refused_by_changing_commands() {
    let Some(dir) = root_scratch("trust", "chown needs root") else {
        return;
    };
    // Nothing reaches the kernel, so a fixed key keeps the snapshots stable.
    let key = "kaudit-trust-snap";
    let rule = format!("-a always,exit -F arch=b64 -S openat -k {key}\n");
    // A world-writable file.
    std::fs::write(dir.join("ww.rules"), &rule).unwrap();
    chmod(&dir.join("ww.rules"), 0o646);
    // A file owned by another user (nobody).
    std::fs::write(dir.join("other.rules"), &rule).unwrap();
    std::os::unix::fs::chown(dir.join("other.rules"), Some(65534), None).unwrap();
    // A world-writable rules directory holding a good file.
    let open_d = dir.join("open.d");
    std::fs::create_dir_all(&open_d).unwrap();
    std::fs::write(open_d.join("10-a.rules"), &rule).unwrap();
    chmod(&open_d, 0o777);
    let merged = dir.join("audit.rules");
    let ww = "ww.rules: error: the file is world-writable: anyone could change what is audited";
    let other = "other.rules: error: the file is owned by uid 65534, not root";
    let open = "open.d: error: the directory is world-writable";
    let scope = format!("key={key}");
    let refused: &[(&[&str], &str)] = &[
        (&["load", "ww.rules"], ww),
        (&["load", "other.rules"], other),
        (&["sync", "--scope", &scope, "ww.rules"], ww),
        (&["sync", "--scope", &scope, "other.rules"], other),
        (&["sync", "--scope", &scope, "open.d"], open),
    ];
    // load and sync talk to the in-memory kernel (a state file): were the
    // refusal ever to regress, nothing would reach the shared kernel.
    let fake = dir.join("fake-kernel.state");
    for (args, expected) in refused {
        let r = kaudit_fake(&dir, args);
        let state = std::fs::read_to_string(&fake).unwrap_or_default();
        assert!(
            !state.lines().any(|l| l.starts_with("rule ")),
            "{args:?} sent a rule to the (fake) kernel"
        );
        assert!(r.code == 1 || r.code == 2, "{args:?}: exit {}", r.code);
        assert!(r.stderr.contains(expected), "{args:?}: {:?}", r.stderr);
        assert!(
            r.stderr.contains("nothing was sent to the kernel"),
            "{args:?}: {:?}",
            r.stderr
        );
    }
    // augenrules --load talks to the real kernel: scoped to this test's
    // key (and the file has no -D), so a regression could only add this
    // one keyed rule, which is then removed before failing.
    let out = Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .args(["augenrules", "--load"])
        .current_dir(&dir)
        .env("KAUDIT_AUGENRULES_DIR", &open_d)
        .env("KAUDIT_AUGENRULES_OUTPUT", &merged)
        .env("KAUDIT_AUGENRULES_SCOPE", format!("key={key}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1) {
        let _ = Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["delete", "--key", key])
            .output();
    }
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the directory is world-writable")
            && stderr.contains("nothing was loaded; the kernel was not changed"),
        "{stderr}"
    );
    assert!(!merged.exists(), "augenrules --load wrote the merged file");
    // Reading commands warn and go on.
    for args in [
        &["load", "--dry-run", "ww.rules"][..],
        &["load", "--dry-run", "other.rules"][..],
    ] {
        let r = kaudit_in(&dir, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(": warning: the file is")
                && r.stderr.contains("(kaudit load and sync refuse it)"),
            "{args:?}: {:?}",
            r.stderr
        );
    }
    snapshot(
        "trust_warning_dry_run",
        &kaudit_in(&dir, &["load", "--dry-run", "ww.rules", "other.rules"]).seen(),
    );
    snapshot(
        "trust_refused_load",
        &kaudit_fake(&dir, &["load", "ww.rules"]).seen(),
    );
    chmod(&open_d, 0o755);
}

/// sync --dry-run (text and JSON), diff and check against the live kernel:
/// a scope of its own, which holds nothing, so the plan is the files'.
#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn sync_diff_and_check_text() {
    remove_leftovers("kaudit-snap-");
    let Some(_guard) = common::kernel() else {
        return;
    };
    let dir = scratch("kernel");
    let scope = "key=kaudit-snap-";
    std::fs::create_dir_all(dir.join("rules.d")).unwrap();
    std::fs::write(
        dir.join("rules.d/10-a.rules"),
        "-w /etc/passwd -p wa -k kaudit-snap-identity\n\
         -a always,exit -F arch=b64 -S openat -F exit=-EACCES -k kaudit-snap-access\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rules.d/2-first.rules"),
        "-A exit,always -F arch=b64 -S unlink -k kaudit-snap-first\n",
    )
    .unwrap();
    for (name, args) in [
        (
            "sync_dry_run",
            &["sync", "--dry-run", "--scope", scope, "rules.d"][..],
        ),
        (
            "sync_dry_run_json",
            &["sync", "--dry-run", "--json", "--scope", scope, "rules.d"][..],
        ),
        ("diff", &["diff", "--scope", scope, "rules.d"][..]),
        ("check", &["check", "--scope", scope, "rules.d"][..]),
        (
            "check_json",
            &["check", "--json", "--scope", scope, "rules.d"][..],
        ),
    ] {
        let r = kaudit_in(&dir, args);
        let seen = r.seen();
        if name.ends_with("json") {
            insta::assert_snapshot!(name, seen);
        } else {
            snapshot(name, &seen);
        }
    }
}

/// Item 7: an unreadable directory or file (read as an unprivileged user)
/// says the path and the reason: no position, no Rust suffix.
#[ignore = "needs root (scripts/test.sh runs it)"]
#[test]
fn unreadable_files_and_directories_say_path_and_reason() {
    use std::os::unix::process::CommandExt;
    let Some(dir) = root_scratch("unreadable", "needs root to run a child as nobody") else {
        return;
    };
    chmod(&dir, 0o755);
    std::fs::create_dir_all(dir.join("private.d")).unwrap();
    std::fs::write(dir.join("private.d/10-a.rules"), "-b 1\n").unwrap();
    chmod(&dir.join("private.d"), 0o700);
    std::fs::write(dir.join("secret.rules"), "-b 1\n").unwrap();
    chmod(&dir.join("secret.rules"), 0o600);
    // The binary must be reachable by nobody; skip loudly if the checkout
    // is not (a private home directory).
    let exe = Path::new(env!("CARGO_BIN_EXE_kaudit"));
    let run = |args: &[&str]| {
        Command::new(exe)
            .args(args)
            .current_dir(&dir)
            .uid(65534)
            .gid(65534)
            .output()
            .expect("running kaudit as nobody")
    };
    let probe = run(&["--version"]);
    if !probe.status.success() {
        eprintln!("SKIP (unreadable): the kaudit binary is not reachable by nobody");
        return;
    }
    let mut seen = String::new();
    for args in [
        &["check", "private.d", "secret.rules"][..],
        &["load", "--dry-run", "secret.rules"][..],
    ] {
        let r = Run::from(run(args));
        seen.push_str(&format!("$ kaudit {}\n{}", args.join(" "), r.seen()));
    }
    snapshot("error_unreadable", &seen);
}

/// Deletes rules with a key starting with `prefix` left by a crashed earlier
/// run, under the machine lock, before the kernel guard records its start
/// table (the snapshots would otherwise show them as deletes).
fn remove_leftovers(prefix: &str) {
    use kaudit::netlink::Request;
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    let (Ok(_lock), Ok(mut t)) = (
        kaudit::lock::MachineLock::acquire(),
        kaudit::netlink::socket::NetlinkTransport::open(),
    ) else {
        return;
    };
    let Ok(rules) = t.list_rules() else {
        return;
    };
    let doomed: Vec<Request> = rules
        .into_iter()
        .filter(|r| common::rule_key(r).is_some_and(|k| k.starts_with(prefix)))
        .map(Request::del_rule)
        .collect();
    if !doomed.is_empty() {
        let _ = t.execute(&doomed);
    }
}
