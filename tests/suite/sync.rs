//! `kaudit sync`, `diff` and `check` on the live kernel (issue 4).
//!
//! Every test holds the machine lock for its whole run (through
//! `common::kernel`), uses keys `ksync-<test>-` (and `kforeign-<test>-` for
//! rules that must stay outside `--scope`), always passes
//! `--scope key=ksync-<test>-`, never puts settings lines in its files,
//! deletes its rules at the end and checks the table is as it started.
//! Skips loudly without root or audit support, unless
//! `KAUDIT_REQUIRE_KERNEL=1`.
//!
//! Expected plan sizes come from `sync/model.rs`, an independent model of
//! the least change the kernel allows (append, prepend, delete; per list
//! one contiguous block kept in place).

pub mod harness;
mod model;
pub mod reader;

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use harness::{key_of, list_name, Ctx, Plan};
use reader::Watcher;

/// A line on the real stderr (not captured by the test harness).
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Identities (list, key) of lines written by `Ctx::rule`, all on exit.
fn ids(c: &Ctx, ids: &[&str]) -> Vec<(u32, String)> {
    c.exit_keys(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

/// Asserts the `--json` plan has exactly the model's counts for going from
/// `current` to `desired`, deletes no kept rule, and returns the model.
fn check_plan(
    plan: &Plan,
    current: &[(u32, String)],
    desired: &[(u32, String)],
    what: &str,
) -> Vec<(u32, model::ListPlan<String>)> {
    let m = model::plan(current, desired);
    let deletes: usize = m.iter().map(|(_, p)| p.deletes).sum();
    let adds: usize = m.iter().map(|(_, p)| p.adds).sum();
    assert_eq!(
        (plan.deletes(), plan.adds()),
        (deletes, adds),
        "{what}: plan has {} deletes and {} adds, the least change is {deletes} deletes and {adds} adds; plan: {:#?}",
        plan.deletes(),
        plan.adds(),
        plan.steps
    );
    let kept_n: usize = m.iter().map(|(_, p)| p.kept.len()).sum();
    if let Some(k) = plan.kept {
        assert_eq!(
            k, kept_n,
            "{what}: plan says {k} rules kept, the least change keeps {kept_n}"
        );
    }
    let kept: std::collections::HashSet<(String, String)> = m
        .iter()
        .flat_map(|(l, p)| {
            p.kept
                .iter()
                .map(|k| (list_name(*l).to_string(), k.clone()))
        })
        .collect();
    for s in &plan.steps {
        let k = s
            .key()
            .unwrap_or_else(|| panic!("{what}: plan step without a key: {s:?}"));
        assert!(
            k.starts_with("ksync-"),
            "{what}: plan touches a rule outside the scope: {s:?}"
        );
        if s.op == "delete" {
            assert!(
                !kept.contains(&(s.list.clone(), k.clone())),
                "{what}: plan deletes {k} on {}, which the least change keeps in place",
                s.list
            );
        }
    }
    assert!(
        plan.settings.is_empty(),
        "{what}: setting changes planned from files without settings: {:?}",
        plan.settings
    );
    m
}

/// The kernel's `-l` lines with our prefix, through `kaudit list`.
fn listed(c: &Ctx) -> Vec<String> {
    let out = c.kaudit(&["list"]);
    assert_eq!(out.code, 0, "kaudit list:\n{out}");
    out.stdout
        .lines()
        .filter(|l| key_of(l).is_some_and(|k| k.starts_with(&c.prefix)))
        .map(str::to_string)
        .collect()
}

fn p(path: &Path) -> &Path {
    path
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn sync_from_empty_directory_in_natural_order() {
    let Some(mut c) = Ctx::start("empty") else {
        return;
    };
    let rules = c.rules(12);
    // Natural order: 2-b.rules before 10-a.rules (plain byte order would
    // put 10-a first); other files in the directory are not read.
    c.write("rules.d/2-b.rules", &rules[0..4]);
    c.write("rules.d/10-a.rules", &rules[4..12]);
    c.write("rules.d/README", &["this is not a rules file".to_string()]);
    c.write(
        "rules.d/99-x.rules.disabled",
        &["-a always,exit -F bogus=1".to_string()],
    );
    let dir = c.dir.join("rules.d");
    let before = c.table();

    let plan = c.plan(&[&dir]);
    assert_eq!(c.table(), before, "sync --dry-run changed the kernel");
    let desired = ids(
        &c,
        &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"],
    );
    check_plan(&plan, &[], &desired, "from empty");
    assert!(
        plan.steps.iter().all(|s| s.list == "exit"),
        "{:?}",
        plan.steps
    );

    let t0 = Instant::now();
    c.sync(&[&dir]);
    let took = t0.elapsed();
    assert_eq!(c.ours(), desired, "kernel order after sync from empty");
    // The plan shows rules as the kernel lists them.
    let listed = listed(&c);
    let mut planned: Vec<String> = plan.steps.iter().map(|s| s.rule.clone()).collect();
    planned.sort();
    let mut got = listed.clone();
    got.sort();
    assert_eq!(
        planned, got,
        "plan's rule texts vs `kaudit list` after the sync"
    );

    let check = c.scoped("check", &[], &[&dir]);
    assert_eq!(check.code, 0, "check right after sync:\n{check}");
    let diff = c.scoped("diff", &[], &[&dir]);
    assert_eq!(diff.code, 0, "diff right after sync:\n{diff}");
    report(&format!(
        "sync from empty: 12 rules from a directory of 2 files in {took:?}"
    ));
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn sync_again_changes_nothing() {
    let Some(mut c) = Ctx::start("again") else {
        return;
    };
    let f = c.write("a.rules", &c.rules(10));
    c.sync(&[&f]);
    let keys = c.our_keys();
    assert_eq!(keys.len(), 10);
    let table0 = c.table();

    let plan = c.plan(&[&f]);
    assert!(
        plan.is_empty(),
        "plan for an identical set is not empty: {plan:#?}"
    );

    let ((out, took), seen) = Watcher::during(keys.clone(), c.prefix.clone(), || {
        let t0 = Instant::now();
        (c.sync(&[&f]), t0.elapsed())
    });
    assert_eq!(
        c.table(),
        table0,
        "an identical sync changed the rule table:\n{out}"
    );
    assert_eq!(seen.errors, 0, "watcher errors: {:?}", seen.first_error);
    assert_eq!(
        seen.with_missing, 0,
        "a rule vanished during an identical sync: {seen:?}"
    );
    assert_eq!(
        seen.prefix_counts,
        vec![10],
        "rule count changed during an identical sync"
    );
    report(&format!(
        "identical sync: {took:?}, table byte-identical, empty plan; watcher: {} snapshots, none with a rule missing",
        seen.snapshots
    ));
}

/// One rule changed in the middle of 1,000, then the last, then the first;
/// a second thread lists the kernel in a loop during each sync and must
/// never see a kept rule missing (the gap test).
#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn one_change_in_1000_and_no_gap_for_kept_rules() {
    let Some(mut c) = Ctx::start("k1000") else {
        return;
    };
    let n = 1000;
    let mut names: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let lines = |c: &Ctx, names: &[String]| -> Vec<String> {
        names
            .iter()
            .enumerate()
            .map(|(i, id)| c.rule(id, i))
            .collect()
    };
    let f = c.write("v1.rules", &lines(&c, &names));
    let t0 = Instant::now();
    c.sync(&[&f]);
    let load = t0.elapsed();
    let mut current = c.exit_keys(&names);
    assert_eq!(c.ours(), current, "1,000 rules after sync from empty");

    let mut results = Vec::new();
    for (step, at) in [("middle", n / 2), ("last", n - 1), ("first", 0)] {
        names[at] = format!("{at}x");
        let file = c.write(&format!("{step}.rules"), &lines(&c, &names));
        let desired = c.exit_keys(&names);
        let plan = c.plan(&[&file]);
        let m = check_plan(
            &plan,
            &current,
            &desired,
            &format!("change the {step} rule of 1,000"),
        );
        let kept = m[0].1.kept.clone();
        let old_key = format!("{}{at}", c.prefix);
        assert!(
            plan.deleted_keys().contains(&old_key),
            "the changed rule {old_key} is not deleted: {plan:#?}"
        );
        if step != "middle" {
            // At either end the least change is exactly that rule.
            assert_eq!(
                (plan.deletes(), plan.adds()),
                (1, 1),
                "change of the {step} rule: {plan:#?}"
            );
            let add = plan.steps.iter().find(|s| s.op != "delete").unwrap();
            assert_eq!(
                add.op,
                if at == 0 { "prepend" } else { "append" },
                "{add:?}"
            );
        }

        let (took, seen) = Watcher::during(kept.clone(), c.prefix.clone(), || {
            let t0 = Instant::now();
            c.sync(&[&file]);
            t0.elapsed()
        });
        assert_eq!(
            c.ours(),
            desired,
            "kernel order after changing the {step} rule"
        );
        seen.assert_never_missing(&format!("change of the {step} rule"));
        results.push(format!(
            "  {step} (rule {at}): plan {} deletes + {} adds, {} kept in place; sync {took:?}; watcher {} snapshots, kept rules missing in 0, prefix counts seen {:?}",
            plan.deletes(),
            plan.adds(),
            kept.len(),
            seen.snapshots,
            seen.prefix_counts
        ));
        current = desired;
    }
    report(&format!("1,000 rules: load from empty {load:?}"));
    for r in results {
        report(&r);
    }
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn reordered_rules() {
    let Some(mut c) = Ctx::start("reorder") else {
        return;
    };
    let names: Vec<String> = (0..12).map(|i| i.to_string()).collect();
    let line = |c: &Ctx, id: &str| c.rule(id, id.parse().unwrap());
    let v1: Vec<String> = names.iter().map(|id| line(&c, id)).collect();
    let f = c.write("v1.rules", &v1);
    c.sync(&[&f]);
    let mut current = c.exit_keys(&names);
    assert_eq!(c.ours(), current);

    // Three rules from the front go to the end, swapped; then the last
    // one moves to the front (one delete, one prepend).
    let v2: Vec<&str> = vec!["3", "4", "5", "6", "7", "8", "9", "10", "11", "0", "2", "1"];
    let v3: Vec<&str> = vec!["1", "3", "4", "5", "6", "7", "8", "9", "10", "11", "0", "2"];
    for (name, order) in [("v2", v2), ("v3", v3)] {
        let file = c.write(
            &format!("{name}.rules"),
            &order.iter().map(|id| line(&c, id)).collect::<Vec<_>>(),
        );
        let desired = ids(&c, &order);
        let plan = c.plan(&[&file]);
        check_plan(&plan, &current, &desired, &format!("reorder {name}"));
        c.sync(&[&file]);
        assert_eq!(c.ours(), desired, "kernel order after reorder {name}");
        let check = c.scoped("check", &[], &[&file]);
        assert_eq!(check.code, 0, "check after reorder {name}:\n{check}");
        report(&format!(
            "reorder {name}: {} deletes, {} adds",
            plan.deletes(),
            plan.adds()
        ));
        current = desired;
    }
    // The old order is now drift.
    let check = c.scoped("check", &[], &[&f]);
    assert_eq!(check.code, 1, "check against the old order:\n{check}");
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn rule_moved_between_lists() {
    let Some(mut c) = Ctx::start("move") else {
        return;
    };
    let fs = c.fs();
    let exe = |i: usize| format!("-F exe={}/prog{i} -F uid={}", fs.display(), 100_000 + i);
    let key = |i: usize| format!("-k {}{i}", c.prefix);
    let exit = |i: usize| format!("-a always,exit -S all {} {}", exe(i), key(i));
    let task = |i: usize| format!("-a always,task {} {}", exe(i), key(i));
    let v1: Vec<String> = vec![
        exit(0),
        exit(1),
        exit(2),
        exit(3),
        exit(4),
        exit(5),
        task(6),
    ];
    // Rule 3 moves from exit to task (same fields, same key).
    let v2: Vec<String> = vec![
        exit(0),
        exit(1),
        exit(2),
        task(3),
        exit(4),
        exit(5),
        task(6),
    ];
    let f1 = c.write("v1.rules", &v1);
    let f2 = c.write("v2.rules", &v2);
    c.sync(&[&f1]);
    let prefix = c.prefix.clone();
    let k = |i: usize| format!("{prefix}{i}");
    // The kernel lists list by list: task (1) before exit (4).
    let current = vec![
        (1, k(6)),
        (4, k(0)),
        (4, k(1)),
        (4, k(2)),
        (4, k(3)),
        (4, k(4)),
        (4, k(5)),
    ];
    assert_eq!(c.ours(), current);

    let plan = c.plan(&[&f2]);
    let desired = vec![
        (1, k(3)),
        (1, k(6)),
        (4, k(0)),
        (4, k(1)),
        (4, k(2)),
        (4, k(4)),
        (4, k(5)),
    ];
    let desired_file_order = vec![
        (4, k(0)),
        (4, k(1)),
        (4, k(2)),
        (1, k(3)),
        (4, k(4)),
        (4, k(5)),
        (1, k(6)),
    ];
    check_plan(&plan, &current, &desired_file_order, "move between lists");
    assert_eq!((plan.deletes(), plan.adds()), (1, 1), "{plan:#?}");
    let del = plan.steps.iter().find(|s| s.op == "delete").unwrap();
    let add = plan.steps.iter().find(|s| s.op != "delete").unwrap();
    assert_eq!(
        (del.list.as_str(), del.key()),
        ("exit", Some(k(3))),
        "{del:?}"
    );
    assert_eq!(
        (add.list.as_str(), add.key()),
        ("task", Some(k(3))),
        "{add:?}"
    );
    // Rule 3 comes before rule 6 on the task list: a prepend.
    assert_eq!(add.op, "prepend", "{add:?}");
    c.sync(&[&f2]);
    assert_eq!(
        c.ours(),
        desired,
        "kernel after moving rule 3 to the task list"
    );
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn kernel_refusal_part_way_restores_the_table_exactly() {
    let Some(mut c) = Ctx::start("refuse") else {
        return;
    };
    let names: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    let line = |c: &Ctx, id: &str, i: usize| c.rule(id, i);
    let f1 = c.write(
        "v1.rules",
        &names
            .iter()
            .enumerate()
            .map(|(i, id)| line(&c, id, i))
            .collect::<Vec<_>>(),
    );
    c.sync(&[&f1]);
    let current = c.exit_keys(&names);
    assert_eq!(c.ours(), current);

    // A new first rule (prepend), rule 5 changed, then a watch whose
    // directory does not exist (the kernel answers ENOENT), then 6..9.
    let missing = c.fs().join("no-such-dir");
    let bad = format!("-w {}/f -p wa -k {}bad", missing.display(), c.prefix);
    let mut v2 = vec![line(&c, "p", 0)];
    v2.extend((0..5).map(|i| line(&c, &i.to_string(), i)));
    v2.push(line(&c, "5x", 5));
    v2.push(bad);
    v2.extend((6..10).map(|i| line(&c, &i.to_string(), i)));
    let f2 = c.write("v2.rules", &v2);

    // The plan is valid input: the refusal comes from the kernel.
    let plan = c.plan(&[&f2]);
    let desired = ids(
        &c,
        &[
            "p", "0", "1", "2", "3", "4", "5x", "bad", "6", "7", "8", "9",
        ],
    );
    check_plan(&plan, &current, &desired, "refusal scenario");
    assert!(plan.deletes() > 0 && plan.adds() > 2, "{plan:#?}");

    let before = c.table();
    let out = c.scoped("sync", &[], &[&f2]);
    let after = c.table();
    assert_eq!(out.code, 1, "sync with a refused watch part-way:\n{out}");
    assert!(
        after == before,
        "rule table after the refused sync differs from before ({} rules before, {} after; ours now {:?})",
        before.len(),
        after.len(),
        c.ours()
    );
    assert!(
        out.stderr.contains("no-such-dir"),
        "the error does not name the refused rule's path:\n{out}"
    );
    report(&format!(
        "refused part-way: exit 1, table byte-identical ({} rules); plan had {} deletes, {} adds; message: {}",
        after.len(),
        plan.deletes(),
        plan.adds(),
        out.stderr.lines().next().unwrap_or("")
    ));
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn rules_outside_the_scope_are_untouched() {
    let Some(mut c) = Ctx::start("scope") else {
        return;
    };
    let fs = c.fs();
    let foreign_add = |c: &Ctx, args: &[String]| {
        let mut a = vec!["auditctl".to_string()];
        a.extend(args.iter().cloned());
        let out = c.kaudit(&a);
        assert_eq!(out.code, 0, "kaudit auditctl {args:?}:\n{out}");
    };
    let f0: Vec<String> = format!(
        "-a always,exit -F arch=b64 -S openat -F uid=200000 -k {}0",
        c.foreign
    )
    .split(' ')
    .map(str::to_string)
    .collect();
    let f1: Vec<String> = format!("-w {}/fw -p wa -k {}1", fs.display(), c.foreign)
        .split(' ')
        .map(str::to_string)
        .collect();
    // A foreign rule whose key contains our prefix, but does not start with it.
    let f2: Vec<String> = format!(
        "-a always,exit -F arch=b64 -S openat -F uid=200002 -k {}2-{}",
        c.foreign, c.prefix
    )
    .split(' ')
    .map(str::to_string)
    .collect();
    foreign_add(&c, &f0);
    let v1: Vec<String> = (0..6).map(|i| c.rule(&i.to_string(), i)).collect();
    let file1 = c.write("v1.rules", &v1);
    c.sync(&[&file1]);
    foreign_add(&c, &f1);
    foreign_add(&c, &f2);
    let foreign_before = c.foreign_rules();
    assert_eq!(foreign_before.len(), 3);

    // With foreign rules present, the scoped view is in sync.
    let check = c.scoped("check", &[], &[&file1]);
    assert_eq!(check.code, 0, "check with foreign rules present:\n{check}");
    let plan = c.plan(&[&file1]);
    assert!(
        plan.is_empty(),
        "plan touches something with only foreign rules around: {plan:#?}"
    );

    // Remove 2, change 4, add 6 (prepend one too: "p").
    let v2 = vec![
        c.rule("p", 7),
        c.rule("0", 0),
        c.rule("1", 1),
        c.rule("3", 3),
        c.rule("4x", 4),
        c.rule("5", 5),
        c.rule("6", 6),
    ];
    let file2 = c.write("v2.rules", &v2);
    let plan = c.plan(&[&file2]);
    let current = ids(&c, &["0", "1", "2", "3", "4", "5"]);
    let desired = ids(&c, &["p", "0", "1", "3", "4x", "5", "6"]);
    check_plan(&plan, &current, &desired, "scoped change");
    c.sync(&[&file2]);
    assert_eq!(c.ours(), desired);
    assert!(
        c.foreign_rules() == foreign_before,
        "foreign rules changed by a scoped sync"
    );

    // A file with no rules but -D removes all our rules (in scope) and
    // nothing else; without -D it is refused (tests/suite/sync_safety.rs).
    let empty = c.write("empty.rules", &["# nothing".to_string(), "-D".to_string()]);
    let plan = c.plan(&[&empty]);
    assert_eq!((plan.deletes(), plan.adds()), (7, 0), "{plan:#?}");
    c.sync(&[&empty]);
    assert!(
        c.ours().is_empty(),
        "scoped sync of an empty file left {:?}",
        c.ours()
    );
    assert!(
        c.foreign_rules() == foreign_before,
        "foreign rules changed by an emptying sync"
    );
    report("scope: 3 foreign rules (before, after and key-containing) byte-identical through 3 scoped syncs");
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn diff_output_and_exit_codes() {
    let Some(mut c) = Ctx::start("diff") else {
        return;
    };
    let v1: Vec<String> = (0..5).map(|i| c.rule(&i.to_string(), i)).collect();
    let f1 = c.write("v1.rules", &v1);
    c.sync(&[&f1]);
    let before = c.table();
    let lines1 = listed(&c);

    let same = c.scoped("diff", &[], &[&f1]);
    assert_eq!(same.code, 0, "diff when in sync:\n{same}");
    assert!(
        same.stdout.trim().is_empty(),
        "diff printed something when in sync:\n{same}"
    );

    let mut v2 = v1.clone();
    v2[2] = c.rule("2x", 2);
    v2.push(c.rule("5", 5));
    let f2 = c.write("v2.rules", &v2);
    let plan = c.plan(&[&f2]);
    let new2 = plan
        .steps
        .iter()
        .find(|s| s.key().as_deref() == Some(&format!("{}2x", c.prefix)))
        .expect("plan adds 2x")
        .rule
        .clone();
    let differ = c.scoped("diff", &[], &[&f2]);
    assert_eq!(differ.code, 1, "diff with drift:\n{differ}");
    let out: Vec<&str> = differ.stdout.lines().collect();
    assert!(
        out.iter().any(|l| l.starts_with("--- ")),
        "no --- header:\n{differ}"
    );
    assert!(
        out.iter().any(|l| l.starts_with("+++ ")),
        "no +++ header:\n{differ}"
    );
    let minus = out.iter().position(|l| l.starts_with("--- ")).unwrap();
    let plus = out.iter().position(|l| l.starts_with("+++ ")).unwrap();
    assert!(
        minus < plus,
        "--- (kernel) must come before +++ (files):\n{differ}"
    );
    assert!(
        out.iter().any(|l| l.starts_with("@@ ")),
        "no hunk header:\n{differ}"
    );
    assert!(
        out.contains(&format!("-{}", lines1[2]).as_str()),
        "old rule 2 not shown as removed:\n{differ}"
    );
    assert!(
        out.contains(&format!("+{new2}").as_str()),
        "new rule 2x not shown as added:\n{differ}"
    );
    for l in [&lines1[0], &lines1[1], &lines1[3], &lines1[4]] {
        assert!(
            !out.contains(&format!("-{l}").as_str()) && !out.contains(&format!("+{l}").as_str()),
            "unchanged rule shown as changed: {l}\n{differ}"
        );
    }
    let changed = out
        .iter()
        .filter(|l| {
            (l.starts_with('-') && !l.starts_with("--- "))
                || (l.starts_with('+') && !l.starts_with("+++ "))
        })
        .count();
    assert_eq!(
        changed, 3,
        "expected 1 removed and 2 added lines:\n{differ}"
    );

    // Errors: exit 2, kernel untouched.
    let bad = c.write(
        "bad.rules",
        &[format!("-a always,exit -F bogus=1 -k {}b", c.prefix)],
    );
    let err = c.scoped("diff", &[], &[&bad]);
    assert_eq!(err.code, 2, "diff of a bad file:\n{err}");
    let err = c.scoped("diff", &[], &[p(&c.dir.join("missing.rules"))]);
    assert_eq!(err.code, 2, "diff of a missing file:\n{err}");
    assert_eq!(c.table(), before, "diff changed the kernel");
    report(&format!(
        "diff: exit 0 in sync, 1 with drift ({} lines), 2 on errors",
        out.len()
    ));
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn check_exit_codes() {
    let Some(mut c) = Ctx::start("check") else {
        return;
    };
    let v1: Vec<String> = (0..4).map(|i| c.rule(&i.to_string(), i)).collect();
    let f1 = c.write("v1.rules", &v1);
    let drift0 = c.scoped("check", &[], &[&f1]);
    assert_eq!(
        drift0.code, 1,
        "check before the first sync (rules missing):\n{drift0}"
    );
    c.sync(&[&f1]);
    let before = c.table();
    let ok = c.scoped("check", &[], &[&f1]);
    assert_eq!(ok.code, 0, "check in sync:\n{ok}");
    let mut v2 = v1.clone();
    v2.pop();
    let f2 = c.write("v2.rules", &v2);
    let drift = c.scoped("check", &[], &[&f2]);
    assert_eq!(drift.code, 1, "check with an extra kernel rule:\n{drift}");
    let swapped = vec![v1[1].clone(), v1[0].clone(), v1[2].clone(), v1[3].clone()];
    let f3 = c.write("v3.rules", &swapped);
    let order = c.scoped("check", &[], &[&f3]);
    assert_eq!(
        order.code, 1,
        "check with the same rules in another order:\n{order}"
    );
    for (what, o) in [("in sync", &ok), ("drift", &drift)] {
        assert_eq!(
            o.stdout.trim_end().lines().count(),
            1,
            "check ({what}) should print a one-line summary:\n{o}"
        );
    }
    let bad = c.write(
        "bad.rules",
        &[format!("-a always,exit -S nosuchcall -k {}b", c.prefix)],
    );
    let err = c.scoped("check", &[], &[&bad]);
    assert_eq!(err.code, 2, "check of a bad file:\n{err}");
    let err = c.scoped("check", &[], &[p(&c.dir.join("missing.rules"))]);
    assert_eq!(err.code, 2, "check of a missing file:\n{err}");
    assert_eq!(c.table(), before, "check changed the kernel");
    report(&format!(
        "check: 1 before sync, 0 in sync, 1 drift/order, 2 errors; summary: {}",
        ok.stdout.trim()
    ));
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn bad_input_exits_2_and_changes_nothing() {
    let Some(mut c) = Ctx::start("bad") else {
        return;
    };
    let v1: Vec<String> = (0..4).map(|i| c.rule(&i.to_string(), i)).collect();
    let f1 = c.write("v1.rules", &v1);
    c.sync(&[&f1]);
    let before = c.table();
    let good = |c: &Ctx, i: usize| c.rule(&format!("{i}n"), i);
    let cases: Vec<(&str, String)> = vec![
        (
            "unknown field",
            format!("-a always,exit -F bogus=1 -k {}x", c.prefix),
        ),
        (
            "unknown syscall",
            format!("-a always,exit -F arch=b64 -S nosuchcall -k {}x", c.prefix),
        ),
        (
            "rule without a key under --scope",
            "-a always,exit -F arch=b64 -S openat -F uid=100123".to_string(),
        ),
        (
            "key outside the scope",
            format!(
                "-a always,exit -F arch=b64 -S openat -F uid=100124 -k {}x",
                c.foreign
            ),
        ),
        (
            "kernel-invalid rule (bit test on uid)",
            format!(
                "-a always,exit -F arch=b64 -S openat -F uid&=1 -k {}x",
                c.prefix
            ),
        ),
    ];
    let mut summary = Vec::new();
    for (what, line) in &cases {
        // Good changes before and after the bad line: nothing may be sent.
        let file = c.write(
            "case.rules",
            &[good(&c, 10), v1[0].clone(), line.clone(), good(&c, 11)],
        );
        for dry in [true, false] {
            let out = c.scoped("sync", if dry { &["--dry-run"] } else { &[] }, &[&file]);
            assert_eq!(
                out.code,
                2,
                "sync{} with {what}:\n{out}",
                if dry { " --dry-run" } else { "" }
            );
            assert!(!out.stderr.trim().is_empty(), "no message for {what}");
        }
        assert!(c.table() == before, "sync with {what} changed the kernel");
        summary.push(*what);
    }
    let missing = c.dir.join("no-such.rules");
    let out = c.scoped("sync", &[], &[&f1, &missing]);
    assert_eq!(out.code, 2, "sync with a missing file:\n{out}");
    let out = c.kaudit(&["sync", "--scope", "nokeyword", f1.to_str().unwrap()]);
    assert_eq!(out.code, 2, "sync with a malformed --scope:\n{out}");
    assert!(c.table() == before, "bad input changed the kernel");
    report(&format!(
        "bad input: exit 2, table unchanged for: {}, missing file, malformed --scope",
        summary.join(", ")
    ));
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn not_root_exits_4_and_changes_nothing() {
    use std::os::unix::process::CommandExt;
    let Some(mut c) = Ctx::start("nonroot") else {
        return;
    };
    let f1 = c.write("v1.rules", &c.rules(2));
    // The child must be able to read the file and run the binary.
    let bin = Path::new(env!("CARGO_BIN_EXE_kaudit"));
    let probe = std::process::Command::new(bin)
        .arg("--version")
        .uid(65534)
        .gid(65534)
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        report("SKIP (not_root_exits_4): the binary is not executable by uid 65534");
        // Still prove something: the table is as at the start.
        assert_eq!(c.ours(), vec![]);
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&c.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&f1, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = c.table();
    let out = std::process::Command::new(bin)
        .args(["sync", "--scope", &c.scope(), f1.to_str().unwrap()])
        .env("KAUDIT_LOCK_PATH", c.dir.join("nonroot.lock"))
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "sync as uid 65534: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(c.table() == before);
}
