//! Issue 12 on the live kernel: empty inputs, the meaning of
//! `augenrules --load` with and without `-D`, and other writers.
//!
//! Same rules as `tests/sync.rs`: the machine lock for the whole test, keys
//! `ksync-<test>-` of its own, `--scope` (or `KAUDIT_AUGENRULES_SCOPE`) on
//! every change, the table as it started at the end.

#[path = "common/mod.rs"]
mod common;
#[allow(dead_code)]
#[path = "sync/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "sync/json.rs"]
mod json;
#[allow(dead_code)]
#[path = "sync/reader.rs"]
mod reader;

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use harness::{Ctx, Out};
use reader::Watcher;

fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `kaudit augenrules ARGS` on `rules_dir`, scoped to the test's prefix,
/// with a private lock path (the test holds the real one).
fn augenrules(c: &Ctx, rules_dir: &Path, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .arg("augenrules")
        .args(args)
        .env("KAUDIT_AUGENRULES_DIR", rules_dir)
        .env("KAUDIT_AUGENRULES_OUTPUT", c.dir.join("audit.rules"))
        .env("KAUDIT_AUGENRULES_SCOPE", c.scope())
        .env("KAUDIT_LOCK_PATH", c.dir.join("augenrules.lock"))
        .output()
        .expect("run kaudit augenrules");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn empty_inputs_are_refused_by_sync() {
    let Some(mut c) = Ctx::start("i12empty") else {
        return;
    };
    let v1 = c.write("v1.rules", &c.rules(3));
    c.sync(&[&v1]);
    let before = c.ours();
    assert_eq!(before.len(), 3);

    // An empty directory.
    let empty_dir = c.dir.join("empty.d");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let out = c.scoped("sync", &[], &[&empty_dir]);
    assert_eq!(out.code, 2, "sync of an empty directory:\n{out}");
    assert!(out.stderr.contains("no *.rules files"), "{out}");
    let out = c.scoped("sync", &["--dry-run"], &[&empty_dir]);
    assert_eq!(out.code, 2, "dry run of an empty directory:\n{out}");
    // A directory of *.rule files (a typo for *.rules).
    let typo = c.write("typo.d/10-x.rule", &c.rules(3));
    let out = c.scoped("sync", &[], &[typo.parent().unwrap()]);
    assert_eq!(out.code, 2, "sync of a directory of *.rule files:\n{out}");
    assert!(out.stderr.contains("no *.rules files"), "{out}");
    // A file with no rules (comments and a setting-free body).
    let nothing = c.write("nothing.rules", &["# all commented out".to_string()]);
    for extra in [&[][..], &["--dry-run"][..], &["--json"][..]] {
        let out = c.scoped("sync", extra, &[&nothing]);
        assert_eq!(
            out.code, 2,
            "sync {extra:?} of a file with no rules:\n{out}"
        );
        assert!(out.stderr.contains("hold no rules"), "{out}");
        assert!(out.stderr.contains("--allow-empty"), "{out}");
    }
    assert_eq!(c.ours(), before, "a refused empty input changed the kernel");

    // Explicitly meant: --allow-empty, or -D in the file.
    let out = c.scoped(
        "sync",
        &["--dry-run", "--json", "--allow-empty"],
        &[&nothing],
    );
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(harness::parse_plan(&out).deletes(), 3);
    let with_d = c.write("with-d.rules", &["-D".to_string()]);
    let out = c.scoped("sync", &["--dry-run", "--json"], &[&with_d]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(harness::parse_plan(&out).deletes(), 3);
    let out = c.scoped("sync", &["--allow-empty"], &[&nothing]);
    assert_eq!(out.code, 0, "{out}");
    assert!(c.ours().is_empty());
    // Nothing in scope: an empty file is simply in sync.
    let out = c.scoped("sync", &[], &[&nothing]);
    assert_eq!(out.code, 0, "{out}");
    report("empty inputs: empty dir, *.rule dir, comment-only file refused (exit 2, table unchanged); -D and --allow-empty accepted");
}

#[test]
fn augenrules_load_without_d_adds_and_with_d_replaces_without_gap() {
    let Some(mut c) = Ctx::start("i12augen") else {
        return;
    };
    // The kernel holds 150 rules that stay, 20 that the -D load removes,
    // and one loaded by another tool that the files never mention.
    let kept: Vec<String> = (0..150).map(|i| c.rule(&format!("k{i}"), i)).collect();
    let extra: Vec<String> = (0..20).map(|i| c.rule(&format!("x{i}"), i)).collect();
    let mut first = kept.clone();
    first.extend(extra.iter().cloned());
    let f = c.write("first.rules", &first);
    c.sync(&[&f]);
    let other = format!(
        "-a always,exit -F arch=b64 -S openat -F uid=123456 -k {}other",
        c.prefix
    );
    let mut args = vec!["auditctl".to_string()];
    args.extend(other.split(' ').map(str::to_string));
    let out = c.kaudit(&args);
    assert_eq!(out.code, 0, "{out}");

    // rules.d without -D: 10 of the kept rules (already loaded: no "Rule
    // exists"), and 5 new ones.
    let mut files: Vec<String> = kept[..10].to_vec();
    files.extend((0..5).map(|i| c.rule(&format!("n{i}"), i)));
    c.write("rules.d/10-a.rules", &files);
    let rules_d = c.dir.join("rules.d");
    let before = c.ours();
    let out = augenrules(&c, &rules_d, &["--load"]);
    assert_eq!(out.code, 0, "augenrules --load without -D:\n{out}");
    assert!(out.stderr.contains("no -D"), "{out}");
    let after = c.ours();
    let mut expected = before.clone();
    expected.extend((0..5).map(|i| (4, format!("{}n{i}", c.prefix))));
    assert_eq!(
        after, expected,
        "without -D: every rule kept in place, the missing ones appended"
    );
    let check = augenrules(&c, &rules_d, &["--check"]);
    assert!(
        check.stdout.contains("match"),
        "--check after an additive load:\n{check}"
    );

    // With -D: the table becomes exactly the files (kept rules never
    // missing while it happens).
    let mut replace = vec!["-D".to_string()];
    replace.extend(kept.iter().cloned());
    replace.push(c.rule("n-last", 3));
    std::fs::remove_file(rules_d.join("10-a.rules")).unwrap();
    c.write("rules.d/10-a.rules", &replace);
    let keys: Vec<String> = (0..150).map(|i| format!("{}k{i}", c.prefix)).collect();
    let watcher = Watcher::start(keys, c.prefix.clone());
    let out = augenrules(&c, &rules_d, &["--load"]);
    let seen = watcher.finish();
    assert_eq!(out.code, 0, "augenrules --load with -D:\n{out}");
    assert!(out.stderr.contains("replaces"), "{out}");
    let mut expected: Vec<(u32, String)> =
        (0..150).map(|i| (4, format!("{}k{i}", c.prefix))).collect();
    expected.push((4, format!("{}n-last", c.prefix)));
    assert_eq!(c.ours(), expected, "with -D: exactly the files");
    assert_eq!(seen.errors, 0, "{seen:?}");
    assert!(seen.snapshots >= 2, "{seen:?}");
    assert_eq!(
        seen.with_missing, 0,
        "a kept rule was missing during the -D load: {seen:?}"
    );
    report(&format!(
        "augenrules --load: without -D kept {} rules and appended 5; with -D deleted 26, kept 150 never missing in {} snapshots",
        before.len(),
        seen.snapshots
    ));
}
