//! Issue 12 on the live kernel: empty inputs, the meaning of
//! `augenrules --load` with and without `-D`, and other writers.
//!
//! Same rules as `tests/suite/sync.rs`: the machine lock for the whole test, keys
//! `ksync-<test>-` of its own, `--scope` (or `KAUDIT_AUGENRULES_SCOPE`) on
//! every change, the table as it started at the end.

use crate::reference;
use crate::sync::{harness, reader};

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
    Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .arg("augenrules")
        .args(args)
        .env("KAUDIT_AUGENRULES_DIR", rules_dir)
        .env("KAUDIT_AUGENRULES_OUTPUT", c.dir.join("audit.rules"))
        .env("KAUDIT_AUGENRULES_SCOPE", c.scope())
        .env("KAUDIT_LOCK_PATH", c.dir.join("augenrules.lock"))
        .output()
        .expect("run kaudit augenrules")
        .into()
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
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

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
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
    let (out, seen) = Watcher::during(keys, c.prefix.clone(), || {
        augenrules(&c, &rules_d, &["--load"])
    });
    assert_eq!(out.code, 0, "augenrules --load with -D:\n{out}");
    assert!(out.stderr.contains("replaces"), "{out}");
    let mut expected: Vec<(u32, String)> =
        (0..150).map(|i| (4, format!("{}k{i}", c.prefix))).collect();
    expected.push((4, format!("{}n-last", c.prefix)));
    assert_eq!(c.ours(), expected, "with -D: exactly the files");
    seen.assert_never_missing("augenrules --load with -D (kept rules watched)");
    report(&format!(
        "augenrules --load: without -D kept {} rules and appended 5; with -D deleted 26, kept 150 never missing in {} snapshots",
        before.len(),
        seen.snapshots
    ));
}

/// The reference auditctl (it takes no kaudit lock: a true other writer).
fn reference() -> Option<std::path::PathBuf> {
    let p = reference::cache().join("auditctl");
    p.is_file().then_some(p)
}

/// Runs the reference auditctl on a rule line (`-a ...` as `op`).
fn other_writer(auditctl: &Path, op: &str, line: &str) {
    let line = line.replacen("-a ", &format!("{op} "), 1);
    let o = Command::new(auditctl)
        .args(line.split(' '))
        .output()
        .expect("run the reference auditctl");
    assert!(
        o.status.success(),
        "reference auditctl {line}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `kaudit sync` of `file`, paused after it has read the kernel's state;
/// `meanwhile` runs at that moment (as another writer), then the sync goes
/// on.
fn sync_with_writer(c: &Ctx, file: &Path, extra: &[&str], meanwhile: impl FnOnce()) -> Out {
    use std::io::BufRead;
    let go = c.dir.join("go");
    let _ = std::fs::remove_file(&go);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .arg("sync")
        .args(extra)
        .args(["--scope", &c.scope()])
        .arg(file)
        .env("KAUDIT_LOCK_PATH", c.dir.join("writer.lock"))
        .env("KAUDIT_TEST_PAUSE_FILE", &go)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn kaudit sync");
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(
        first.contains("test pause"),
        "kaudit did not pause: {first}"
    );
    meanwhile();
    std::fs::write(&go, b"").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: rest,
    }
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn another_writer_during_a_sync() {
    let Some(mut c) = Ctx::start("i12writer") else {
        return;
    };
    let Some(auditctl) = reference() else {
        if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
            panic!("no reference auditctl in .cache/reference");
        }
        report("SKIP (another_writer_during_a_sync): no reference auditctl");
        return;
    };
    // Syscall rules only, so the reference can -d them.
    let prefix = c.prefix.clone();
    let r = |id: &str, i: usize| {
        format!(
            "-a always,exit -F arch=b64 -S openat -F uid={} -k {prefix}{id}",
            300_000 + i
        )
    };
    let key = |id: &str| format!("{prefix}{id}");
    let keys = |ids: &[&str]| -> Vec<(u32, String)> { ids.iter().map(|i| (4, key(i))).collect() };

    // 1. Another writer deletes a rule the new set also removes.
    let v1 = c.write("v1.rules", &[r("r0", 0), r("r1", 1), r("r2", 2)]);
    c.sync(&[&v1]);
    let v2 = c.write("v2.rules", &[r("r0", 0)]);
    let out = sync_with_writer(&c, &v2, &[], || other_writer(&auditctl, "-d", &r("r2", 2)));
    assert_eq!(out.code, 0, "foreign delete of a removed rule:\n{out}");
    assert!(
        out.stderr.contains("deleted by another writer") && out.stderr.contains(&key("r2")),
        "the report does not name the other writer's delete:\n{out}"
    );
    assert_eq!(c.ours(), keys(&["r0"]), "r2 re-created or r1 left");

    // 2. Another writer adds a rule the new set also adds.
    let v3 = c.write("v3.rules", &[r("r0", 0), r("n1", 3)]);
    let out = sync_with_writer(&c, &v3, &[], || other_writer(&auditctl, "-a", &r("n1", 3)));
    assert_eq!(out.code, 0, "foreign add of an added rule:\n{out}");
    assert!(
        out.stderr.contains("added by another writer") && out.stderr.contains(&key("n1")),
        "{out}"
    );
    assert_eq!(c.ours(), keys(&["r0", "n1"]));

    // 3. Another writer deletes a rule the new set keeps: re-planned, the
    //    files' rule is back, the report says so.
    let v4 = c.write("v4.rules", &[r("r0", 0), r("n1", 3), r("n2", 4)]);
    let out = sync_with_writer(&c, &v4, &["--json"], || {
        other_writer(&auditctl, "-d", &r("r0", 0))
    });
    assert_eq!(out.code, 0, "foreign delete of a kept rule:\n{out}");
    assert!(
        out.stderr.contains("deleted by another writer") && out.stderr.contains(&key("r0")),
        "{out}"
    );
    let v = serde_json::from_str::<serde_json::Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    let foreign = v
        .get("other_writer")
        .and_then(serde_json::Value::as_array)
        .unwrap();
    assert_eq!(foreign.len(), 1, "{out}");
    assert_eq!(
        foreign[0].get("change").and_then(serde_json::Value::as_str),
        Some("deleted")
    );
    assert_eq!(c.ours(), keys(&["r0", "n1", "n2"]));

    // 4. Another writer adds a rule outside the scope: not kaudit's
    //    business, no failure, no report, the rule stays.
    let v5 = c.write(
        "v5.rules",
        &[r("r0", 0), r("n1", 3), r("n2", 4), r("n3", 5)],
    );
    let outside = format!(
        "-a always,exit -F arch=b64 -S openat -F uid=4242 -k {}outside",
        c.foreign
    );
    let out = sync_with_writer(&c, &v5, &[], || other_writer(&auditctl, "-a", &outside));
    assert_eq!(out.code, 0, "foreign add outside the scope:\n{out}");
    assert!(!out.stderr.contains("another writer"), "{out}");
    assert_eq!(c.ours(), keys(&["r0", "n1", "n2", "n3"]));
    assert_eq!(
        c.foreign_rules().len(),
        1,
        "the rule outside the scope was touched"
    );

    // 5. A refusal part-way with another writer active: the rollback undoes
    //    kaudit's add only; the rule the other writer deleted is not
    //    re-created, the one it added is not deleted.
    let missing = c.fs().join("no-such-dir");
    let bad = format!("-w {}/f -p wa -k {}bad", missing.display(), c.prefix);
    let v6 = c.write(
        "v6.rules",
        &[r("r0", 0), r("n1", 3), r("n2", 4), r("x1", 6), bad],
    );
    let out = sync_with_writer(&c, &v6, &["--json"], || {
        other_writer(&auditctl, "-d", &r("n3", 5));
        other_writer(&auditctl, "-a", &r("o1", 7));
    });
    assert_eq!(out.code, 1, "refusal with another writer:\n{out}");
    assert!(out.stderr.contains("removed: "), "{out}");
    assert!(out.stderr.contains(&key("x1")), "{out}");
    assert!(
        out.stderr
            .contains("the previous rules and settings are back"),
        "{out}"
    );
    let v = serde_json::from_str::<serde_json::Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    let rb = v.get("rollback").unwrap();
    assert_eq!(
        rb.get("complete"),
        Some(&serde_json::Value::Bool(true)),
        "{out}"
    );
    assert_eq!(
        rb.get("removed")
            .and_then(serde_json::Value::as_array)
            .map(Vec::len),
        Some(1),
        "{out}"
    );
    assert_eq!(
        c.ours(),
        keys(&["r0", "n1", "n2", "o1"]),
        "n3 (deleted by the other writer) re-created, or o1 (added by it) deleted"
    );
    report(
        "another writer: 4 cases converged and reported; a rollback undid only kaudit's own add",
    );
}
