//! The sync engine against the in-memory kernel.

use super::*;
use crate::codec::decode;
use crate::diag::Severity;
use crate::host::Host;
use crate::netlink::fake::FakeKernel;
use crate::netlink::{Request, Transport, TransportError};
use crate::rulefile::compile_text;
use crate::tables::Machine;
use crate::uapi::{AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_FILTER_EXIT, AUDIT_NR_FILTERS, AUDIT_SET};

/// The exit list's index among the fake's lists.
const EXIT: usize = AUDIT_FILTER_EXIT as usize;

fn host() -> Host {
    Host::fixed(Machine::X86_64, &[], &[], &["/tmp"])
}

fn desired(text: &str) -> Desired {
    let (entries, diags) = compile_text("t.rules", text, &host());
    assert!(
        diags.iter().all(|d| d.severity != Severity::Error),
        "{diags:?}"
    );
    let mut errors = Vec::new();
    let d = desired_from_entries(&entries, &Scope::All, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    d
}

#[test]
fn sync_against_the_fake_kernel() {
    let mut k = FakeKernel::new();
    let d1 = desired("-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k b\n-b 128\n");
    let r = apply(&mut k, &d1, &Scope::All, &host()).unwrap();
    assert_eq!(r.plan.counts(), (2, 0));
    assert_eq!(r.settings, vec![(Setting::BacklogLimit, 64, 128)]);
    // Again: nothing to do.
    let r = compare(&mut k, &d1, &Scope::All).unwrap();
    assert!(r.in_sync());
    // One changed at the end: one add, one delete.
    let d2 = desired("-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k c\n-b 128\n");
    let r = apply(&mut k, &d2, &Scope::All, &host()).unwrap();
    assert_eq!(r.plan.counts(), (1, 1));
    assert!(diff_text(&compare(&mut k, &d2, &Scope::All).unwrap(), &host()).is_empty());
}

#[test]
fn diff_shows_hunks_with_context() {
    // 2,000 rules, one changed in the middle: one hunk with three lines
    // of context on each side, as diff -u prints it.
    let rule = |i: usize| format!("-a always,exit -F arch=b64 -S openat -F auid={i} -k d\n");
    let old: String = (0..2_000).map(rule).collect();
    let new = old.replace("-F auid=1000 ", "-F auid=99999 ");
    let mut k = FakeKernel::new();
    apply(&mut k, &desired(&old), &Scope::All, &host()).unwrap();
    let text = diff_text(
        &compare(&mut k, &desired(&new), &Scope::All).unwrap(),
        &host(),
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..3],
        ["--- kernel", "+++ files", "@@ -998,7 +998,7 @@"],
        "{text}"
    );
    assert_eq!(lines.len(), 3 + 3 + 2 + 3, "{text}");
    assert_eq!(
        lines[6..8],
        [
            "--a always,exit -F arch=b64 -S openat -F auid=1000 -F key=d",
            "+-a always,exit -F arch=b64 -S openat -F auid=99999 -F key=d"
        ]
        .map(|l| l.to_string())
    );
}

#[test]
fn a_refused_step_restores_the_previous_table() {
    let mut k = FakeKernel::new();
    let d1 = desired(
        "-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k b\n",
    );
    apply(&mut k, &d1, &Scope::All, &host()).unwrap();
    let before = k.list_rules().unwrap();
    let d2 = desired(
        "-a always,exit -F arch=b64 -S read -k x\n-a always,exit -F arch=b64 -S write -k y\n",
    );
    // Refuse the second add of the plan.
    let mut n = 0;
    k.set_refusal(Some(Box::new(move |r: &Request| {
        if r.msg_type == AUDIT_ADD_RULE {
            n += 1;
            if n == 2 {
                return Some(libc::ENOENT);
            }
        }
        None
    })));
    match apply(&mut k, &d2, &Scope::All, &host()) {
        Err(SyncError::Refused {
            rollback, reason, ..
        }) => {
            assert!(rollback.complete(), "{rollback:?}");
            assert_eq!(rollback.removed.len(), 1);
            assert_eq!(reason, "No such file or directory");
        }
        other => panic!("{other:?}"),
    }
    k.set_refusal(None);
    assert_eq!(k.list_rules().unwrap(), before);
}

/// The rule of `desired(text)`, stored form.
fn one(text: &str) -> Vec<u8> {
    desired(text).rules.remove(0).0.bytes().to_vec()
}

fn keys(k: &mut FakeKernel) -> Vec<String> {
    k.list_rules()
        .unwrap()
        .iter()
        .map(|b| String::from_utf8_lossy(decode(b).unwrap().keys()[0]).into_owned())
        .collect()
}

const A: &str = "-a always,exit -F arch=b64 -S open -k s-a\n";
const B: &str = "-a always,exit -F arch=b64 -S close -k s-b\n";
const C: &str = "-a always,exit -F arch=b64 -S read -k s-c\n";
const D: &str = "-a always,exit -F arch=b64 -S write -k s-d\n";

/// A fake holding `rules`, and another writer that runs `act` on the
/// lists once, just before the first request of type `on`.
fn kernel_with_writer(
    rules: &[&str],
    on: u16,
    act: impl FnOnce(&mut [Vec<Vec<u8>>; AUDIT_NR_FILTERS]) + Send + 'static,
) -> FakeKernel {
    let mut k = FakeKernel::new();
    for r in rules {
        assert!(k.insert_rule(&one(r)));
    }
    let mut act = Some(act);
    k.set_interloper(Some(Box::new(move |r: &Request, lists| {
        if r.msg_type == on {
            if let Some(f) = act.take() {
                f(lists)
            }
        }
    })));
    k
}

#[test]
fn another_writer_deleting_a_removed_rule_is_not_a_refusal() {
    let b = one(B);
    let mut k = kernel_with_writer(&[A, B], AUDIT_DEL_RULE, move |l| {
        l[EXIT].retain(|x| *x != b)
    });
    let r = apply(&mut k, &desired(A), &Scope::All, &host()).unwrap();
    assert_eq!(keys(&mut k), ["s-a"]);
    assert_eq!(r.foreign.len(), 1, "{:?}", r.foreign);
    assert!(matches!(&r.foreign[0], ForeignChange::Deleted(t) if t.contains("s-b")));
}

#[test]
fn another_writer_adding_an_added_rule_is_not_a_refusal() {
    let c = one(C);
    let mut k = kernel_with_writer(&[A], AUDIT_ADD_RULE, move |l| l[EXIT].push(c));
    let r = apply(&mut k, &desired(&format!("{A}{C}")), &Scope::All, &host()).unwrap();
    assert_eq!(keys(&mut k), ["s-a", "s-c"]);
    assert!(matches!(&r.foreign[..], [ForeignChange::Added(t)] if t.contains("s-c")));
    assert_eq!(r.rounds, 1);
    // The report says what kaudit did: nothing (the other writer added c).
    assert_eq!(r.plan.counts(), (0, 0));
}

#[test]
fn a_kept_rule_deleted_by_another_writer_is_re_planned() {
    let a = one(A);
    let mut k = kernel_with_writer(&[A, B], AUDIT_ADD_RULE, move |l| {
        l[EXIT].retain(|x| *x != a)
    });
    let r = apply(
        &mut k,
        &desired(&format!("{A}{B}{C}")),
        &Scope::All,
        &host(),
    )
    .unwrap();
    assert_eq!(keys(&mut k), ["s-a", "s-b", "s-c"]);
    assert_eq!(r.rounds, 2);
    // Done: c appended, then a prepended back.
    assert_eq!(r.plan.counts(), (2, 0));
    assert!(matches!(&r.foreign[..], [ForeignChange::Deleted(t)] if t.contains("s-a")));
}

#[test]
fn rules_outside_the_scope_may_come_and_go() {
    let other = one("-a always,exit -F arch=b64 -S fork -k other\n");
    let mut k = kernel_with_writer(&[A], AUDIT_ADD_RULE, move |l| l[EXIT].insert(0, other));
    let scope = Scope::KeyPrefix("s-".into());
    let r = apply(&mut k, &desired(&format!("{A}{C}")), &scope, &host()).unwrap();
    assert_eq!(keys(&mut k), ["other", "s-a", "s-c"]);
    assert!(r.foreign.is_empty());
}

#[test]
fn a_rollback_undoes_only_kaudits_own_steps() {
    // Before: a, b. Wanted: c. Another writer deletes a and adds d
    // while kaudit adds c; then the kernel refuses the delete of b.
    let (a, d) = (one(A), one(D));
    let mut k = kernel_with_writer(&[A, B], AUDIT_ADD_RULE, move |l| {
        l[EXIT].retain(|x| *x != a);
        l[EXIT].push(d);
    });
    k.refuse_nth(AUDIT_DEL_RULE, 2, libc::EINVAL);
    let e = apply(&mut k, &desired(C), &Scope::All, &host()).unwrap_err();
    let SyncError::Refused {
        rollback, foreign, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    // c (kaudit's) removed; a (deleted by the other writer) not
    // re-created; d (added by the other writer) kept.
    assert_eq!(keys(&mut k), ["s-b", "s-d"]);
    assert_eq!(rollback.removed.len(), 1);
    assert!(rollback.readded.is_empty() && rollback.moved.is_empty());
    assert!(rollback.complete(), "{rollback:?}");
    assert_eq!(e.exit_code(), crate::exit::FAILED);
    assert!(foreign
        .iter()
        .any(|f| matches!(f, ForeignChange::Deleted(t) if t.contains("s-a"))));
    let text = e.to_string();
    assert!(text.contains("removed: -a always,exit"), "{text}");
    assert!(text.contains("deleted by another writer"), "{text}");
    assert!(
        text.contains("the previous rules and settings are back"),
        "{text}"
    );
}

#[test]
fn a_writer_that_never_stops_ends_in_a_rollback() {
    // Just before every add of kaudit's, the other writer deletes every
    // rule of the list: the rules never converge.
    let mut k = FakeKernel::new();
    assert!(k.insert_rule(&one(A)));
    k.set_interloper(Some(Box::new(move |r: &Request, lists| {
        if r.msg_type == AUDIT_ADD_RULE {
            lists[EXIT].clear();
        }
    })));
    let e = apply(&mut k, &desired(&format!("{A}{B}")), &Scope::All, &host()).unwrap_err();
    let SyncError::Contended { foreign, rollback } = &e else {
        panic!("{e:?}")
    };
    assert!(foreign.len() >= MAX_ROUNDS, "{foreign:?}");
    // After the last round the kernel holds a (kaudit's re-add), which
    // is the previous state: nothing is left to undo.
    k.set_interloper(None);
    assert_eq!(keys(&mut k), ["s-a"]);
    assert!(rollback.complete(), "{rollback:?}");
    assert!(e.to_string().contains("other writers kept changing"), "{e}");
    assert!(
        crate::json::line(&crate::json::SyncFailure::new(&e)).contains("\"error\":\"contended\"")
    );
}

#[test]
fn a_settings_change_refused_during_rollback_is_reported() {
    let mut k = FakeKernel::new();
    assert!(k.insert_rule(&one(A)));
    // failure 1 -> 0 succeeds, backlog_limit 64 -> 128 is refused, and
    // the rollback's failure 0 -> 1 is refused too.
    k.refuse_nth(AUDIT_SET, 2, libc::EINVAL);
    k.refuse_nth(AUDIT_SET, 3, libc::EPERM);
    let want = desired(&format!("{A}{B}-f 0\n-b 128\n"));
    let e = apply(&mut k, &want, &Scope::All, &host()).unwrap_err();
    let SyncError::Refused { rollback, what, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(what, "backlog_limit 64 -> 128");
    assert_eq!(
        rollback.settings_failed,
        vec![(Setting::Failure, 1, "Operation not permitted".to_string())]
    );
    assert_eq!(rollback.removed.len(), 1);
    assert!(rollback.rules_exact);
    assert!(!rollback.complete());
    assert_eq!(e.exit_code(), crate::exit::NOT_RESTORED);
    assert_eq!(keys(&mut k), ["s-a"]);
    assert_eq!(k.status().failure, 0, "the fake did refuse the restore");
    let text = e.to_string();
    assert!(
        text.contains("NOT restored: setting failure 1 (Operation not permitted)"),
        "{text}"
    );
    assert!(
        text.contains("THE PREVIOUS STATE COULD NOT BE RESTORED"),
        "{text}"
    );
    let json = crate::json::line(&crate::json::SyncFailure::new(&e));
    assert!(json.contains("\"exit\":5"), "{json}");
    assert!(json.contains("\"complete\":false"), "{json}");
    assert!(
        json.contains("\"not_restored\":[{\"setting\":\"failure\",\"value\":1,\"reason\":\"Operation not permitted\"}]"),
        "{json}"
    );
}

#[test]
fn locked_kernels_are_refused_up_front() {
    let mut k = FakeKernel::new();
    k.status_mut().enabled = crate::uapi::AUDIT_LOCKED;
    let d = desired("-a always,exit -F arch=b64 -S open -k a\n");
    assert!(matches!(
        apply(&mut k, &d, &Scope::All, &host()),
        Err(SyncError::Locked)
    ));
    assert!(k.list_rules().unwrap().is_empty());
}

#[test]
fn an_empty_rule_set_is_refused_unless_meant() {
    let mut k = FakeKernel::new();
    apply(
        &mut k,
        &desired("-a always,exit -F arch=b64 -S open -k a\n"),
        &Scope::All,
        &host(),
    )
    .unwrap();
    let empty = desired("# nothing\n-b 100\n");
    assert!(matches!(
        apply(&mut k, &empty, &Scope::All, &host()),
        Err(SyncError::EmptyDesired { in_scope: 1 })
    ));
    assert_eq!(k.rule_count(), 1);
    let mut allowed = empty.clone();
    allowed.allow_empty = true;
    apply(&mut k, &allowed, &Scope::All, &host()).unwrap();
    assert_eq!(k.rule_count(), 0);
    // With nothing in scope, an empty set is just in sync.
    apply(&mut k, &empty, &Scope::All, &host()).unwrap();
    let with_d = desired("-D\n");
    assert!(with_d.delete_all && with_d.rules.is_empty());
}

#[test]
fn the_additive_meaning_keeps_every_rule_and_adds_the_missing() {
    let mut k = FakeKernel::new();
    apply(
        &mut k,
        &desired(
            "-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F arch=b64 -S close -k b\n",
        ),
        &Scope::All,
        &host(),
    )
    .unwrap();
    let table = read_state(&mut k).unwrap().table;
    let (entries, _) = compile_text(
        "audit.rules",
        "-a always,exit -F arch=b64 -S close -k b\n-a always,exit -F arch=b64 -S read -k c\n-a always,exit -F arch=b64 -S read -k c\n-d always,exit -F arch=b64 -S write -k gone\n-A always,exit -F arch=b64 -S fork -k first\n",
        &host(),
    );
    assert!(!says_delete_all(&entries));
    let mut errors = Vec::new();
    let d = desired_additive(&entries, &table, &Scope::All, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let r = apply(&mut k, &d, &Scope::All, &host()).unwrap();
    assert_eq!(r.plan.counts(), (2, 0));
    let keys: Vec<String> = k
        .list_rules()
        .unwrap()
        .iter()
        .map(|b| String::from_utf8_lossy(decode(b).unwrap().keys()[0]).into_owned())
        .collect();
    assert_eq!(keys, ["first", "a", "b", "c"]);
    // -D -k removes the matching rules, keeps the others.
    let (entries, _) = compile_text("audit.rules", "-D -k fir\n", &host());
    let table = read_state(&mut k).unwrap().table;
    let d = desired_additive(&entries, &table, &Scope::All, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(d.rules.len(), 3);
}

#[test]
fn duplicates_and_scope_violations_are_input_errors() {
    let (entries, _) = compile_text(
        "t.rules",
        "-a always,exit -F arch=b64 -S open -k ks-a\n-a always,exit -F arch=b64 -S open -k ks-a\n-a always,exit -F arch=b64 -S close -k other\n",
        &host(),
    );
    let mut errors = Vec::new();
    desired_from_entries(&entries, &Scope::KeyPrefix("ks-".into()), &mut errors);
    assert_eq!(errors.len(), 2);
    assert!(errors[0].message.contains("already at t.rules:1"));
    assert!(errors[1].message.contains("outside the --scope"));
}

#[test]
fn sync_errors_say_exactly_what_they_said_before() {
    let origin = || crate::rulefile::Origin {
        file: "f.rules".into(),
        line: 3,
    };
    let rollback = Rollback {
        removed: vec!["-a always,exit -S open".into()],
        rules_exact: true,
        ..Rollback::default()
    };
    let refused = SyncError::Refused {
        what: "-a always,exit -S close".into(),
        origin: Some(origin()),
        reason: "Invalid argument".into(),
        rollback: Box::new(rollback.clone()),
        foreign: vec![ForeignChange::Added("-w /x -p w".into())],
    };
    assert_eq!(
        refused.to_string(),
        "f.rules:3: error: the kernel refused: -a always,exit -S close (Invalid argument)\n\
         kaudit: warning: another writer changed 1 rule(s) in scope during the sync:\n  \
         added by another writer: -w /x -p w\n\
         rollback: re-added 0 rule(s) kaudit had deleted, removed 1 rule(s) kaudit had added, moved 0 back into order, restored 0 setting(s)\n  \
         removed: -a always,exit -S open\n\
         the previous rules and settings are back"
    );
    let contended = SyncError::Contended {
        foreign: Vec::new(),
        rollback: Box::new(Rollback::default()),
    };
    assert_eq!(
        contended.to_string(),
        format!(
            "error: other writers kept changing the rules in scope; after {MAX_ROUNDS} rounds the kernel still differed from the files\n\
             rollback: re-added 0 rule(s) kaudit had deleted, removed 0 rule(s) kaudit had added, moved 0 back into order, restored 0 setting(s)\n\
             THE PREVIOUS STATE COULD NOT BE RESTORED (the rules in scope differ from before); check `kaudit list` and `kaudit status`"
        )
    );
    assert_eq!(contended.exit_code(), crate::exit::NOT_RESTORED);
    let unsupported = SyncError::Unsupported {
        what: "needs io_uring".into(),
        origin: origin(),
    };
    assert_eq!(
        unsupported.to_string(),
        "f.rules:3: error: needs io_uring; nothing was sent"
    );
    assert_eq!(
        SyncError::EmptyDesired { in_scope: 2 }.to_string(),
        "error: the files hold no rules, and the kernel holds 2 rule(s) in scope: a sync would \
         delete them all; nothing was sent. If an empty rule set is meant, say -D in the files or \
         pass --allow-empty"
    );
    assert_eq!(
        SyncError::Locked.to_string(),
        "The audit system is in immutable mode, no rule changes allowed"
    );
    let denied = TransportError::PermissionDenied(std::io::Error::from_raw_os_error(libc::EPERM));
    let text = denied.to_string();
    let e = SyncError::from(denied);
    assert_eq!(
        (e.to_string(), e.exit_code()),
        (text, crate::exit::NOT_ROOT)
    );
    // The native commands' error carries it, message and code unchanged.
    let e = crate::error::Error::from(SyncError::Locked);
    assert_eq!(e.exit_code(), crate::exit::LOCKED);
    assert!(std::error::Error::source(&e).is_some());
}
