//! Every command, native and drop-in, with its standard output closed early
//! (the reader of a pipe gone: `kaudit list | head -1`) or full
//! (`>/dev/full`): no panic, exit status not 101; a closed pipe is quiet
//! and keeps the command's exit code; a full disk is an error with the
//! command's error code (issue 11, item 3).
//!
//! The closed pipe is made deterministic: the read end is dropped before
//! the child writes anything, so its first write gets EPIPE.

use crate::common;
use crate::scratch::{self, Scratch};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stderr: String,
}

/// `kaudit ARGS` with `env`, no stdin and stderr captured; stdout is the
/// caller's to set.
fn kaudit(args: &[&str], env: &[(&str, &Path)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaudit"));
    cmd.args(args).stdin(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `kaudit ARGS` with its stdout a pipe whose reader has gone.
fn closed(args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut child = kaudit(args, env)
        .stdout(Stdio::piped())
        .spawn()
        .expect("running kaudit");
    drop(child.stdout.take());
    child.wait_with_output().expect("waiting for kaudit").into()
}

/// Runs `kaudit ARGS` with its stdout on /dev/full.
fn full(args: &[&str], env: &[(&str, &Path)]) -> Run {
    kaudit(args, env)
        .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("running kaudit")
        .into()
}

/// No panic (its message, or Rust's exit code 101) when kaudit `args`
/// writes `onto` what cannot take it.
fn assert_no_panic(args: &[&str], r: &Run, onto: &str) {
    assert!(
        !r.stderr.contains("panicked") && r.code != 101,
        "kaudit {args:?} on {onto}: exit {}, stderr {:?}",
        r.code,
        r.stderr
    );
}

fn assert_quiet(args: &[&str], r: &Run, code: i32) {
    assert_no_panic(args, r, "a closed pipe");
    assert!(
        !r.stderr.contains("Broken pipe") && !r.stderr.contains("os error"),
        "kaudit {args:?} on a closed pipe is not quiet: {:?}",
        r.stderr
    );
    assert_eq!(
        r.code, code,
        "kaudit {args:?} exit code; stderr {:?}",
        r.stderr
    );
}

fn assert_full_disk(args: &[&str], r: &Run, code: i32) {
    assert_no_panic(args, r, "/dev/full");
    assert!(
        r.stderr
            .contains("cannot write to standard output: No space left on device"),
        "kaudit {args:?} on /dev/full says why: {:?}",
        r.stderr
    );
    assert!(!r.stderr.contains("os error"), "{:?}", r.stderr);
    assert_eq!(r.code, code, "kaudit {args:?} on /dev/full: exit code");
}

fn scratch(name: &str) -> Scratch {
    scratch::dir(&format!("closed-{name}"))
}

/// A rules file with many lines, so that a dry run writes more than a pipe
/// buffer holds.
fn big_file(dir: &Path, prefix: &str, n: usize) -> PathBuf {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "-a always,exit -F arch=b64 -S openat -F auid={i} -k {prefix}{i}\n"
        ));
    }
    let p = dir.join("big.rules");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn commands_without_the_kernel() {
    let dir = scratch("nokernel");
    let big = big_file(&dir, "closed-", 3000);
    let big = big.to_str().unwrap();
    let rules_d = dir.join("rules.d");
    std::fs::create_dir_all(&rules_d).unwrap();
    std::fs::write(rules_d.join("10-a.rules"), "-b 64\n").unwrap();
    let merged = dir.join("audit.rules");
    let aug_env: &[(&str, &Path)] = &[
        ("KAUDIT_AUGENRULES_DIR", &rules_d),
        ("KAUDIT_AUGENRULES_OUTPUT", &merged),
    ];
    for (args, code) in [
        (&["load", "--dry-run", big][..], 0),
        (&["--help"][..], 0),
        (&["load", "--help"][..], 0),
        (&["auditctl", "-h"][..], 0),
    ] {
        assert_quiet(args, &closed(args, &[]), code);
    }
    // augenrules --check prints "Rules have changed" (no merged file yet).
    assert_quiet(
        &["augenrules", "--check"],
        &closed(&["augenrules", "--check"], aug_env),
        0,
    );
    assert_full_disk(
        &["load", "--dry-run", big],
        &full(&["load", "--dry-run", big], &[]),
        1,
    );
    assert_full_disk(&["--help"], &full(&["--help"], &[]), 1);
    assert_full_disk(
        &["augenrules", "--check"],
        &full(&["augenrules", "--check"], aug_env),
        1,
    );
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn commands_that_read_or_change_the_kernel() {
    let Some(_guard) = common::kernel() else {
        return;
    };
    let dir = scratch("kernel");
    let lock = dir.join("child.lock");
    let env: &[(&str, &Path)] = &[("KAUDIT_LOCK_PATH", &lock)];
    let prefix = common::test_key("closed-");
    let scope = format!("key={prefix}");
    let big = big_file(&dir, &prefix, 40);
    let big = big.to_str().unwrap();
    // Reading commands: quiet on a closed pipe, an error on a full disk.
    for (args, code) in [
        (&["list"][..], 0),
        (&["list", "--json"][..], 0),
        (&["list", "--watches"][..], 0),
        (&["status"][..], 0),
        (&["status", "--json"][..], 0),
        (&["auditctl", "-l"][..], 0),
        (&["auditctl", "-s"][..], 0),
    ] {
        assert_quiet(args, &closed(args, env), code);
        // With no watches in the kernel, --watches writes nothing at all.
        if args != ["list", "--watches"] {
            assert_full_disk(args, &full(args, env), 1);
        }
    }
    // diff and check: drift is exit 1; a write error is exit 2.
    for cmd in ["diff", "check", "sync"] {
        let mut args = vec![cmd, "--scope", &scope, big];
        if cmd == "sync" {
            args.insert(1, "--dry-run");
        }
        let drift = if cmd == "sync" { 0 } else { 1 };
        assert_quiet(&args, &closed(&args, env), drift);
        let error = if cmd == "sync" { 1 } else { 2 };
        assert_full_disk(&args, &full(&args, env), error);
        args.insert(1, "--json");
        assert_quiet(&args, &closed(&args, env), drift);
    }
    // A sync that changes the kernel with nobody reading its JSON: it
    // finishes, exits 0 and says what it did on stderr.
    let args = ["sync", "--json", "--scope", &scope, big];
    let r = closed(&args, env);
    assert_quiet(&args, &r, 0);
    assert!(
        r.stderr.contains("kaudit: sync: 40 add(s), 0 delete(s)"),
        "the summary is on stderr: {:?}",
        r.stderr
    );
    // The same on a full disk: the kernel changed (nothing to add now), the
    // summary is there, and the lost output is an error.
    let r = full(&args, env);
    assert_full_disk(&args, &r, 1);
    assert!(
        r.stderr.contains("kaudit: sync: 0 add(s)"),
        "{:?}",
        r.stderr
    );
    // The auditctl personality's -D prints the (empty) listing after
    // deleting: the rules are gone whatever happened to stdout.
    let args = ["auditctl", "-D", "-k", &prefix];
    assert_quiet(&args, &closed(&args, env), 0);
    let left = kaudit(&["list", "-k", &prefix], &[])
        .output()
        .expect("kaudit list");
    assert!(left.stdout.is_empty() || left.stdout == b"No rules\n");
}
