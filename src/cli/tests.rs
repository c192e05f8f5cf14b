//! The native commands against the in-memory kernel: what each prints on
//! standard output and standard error, its exit code, and what the kernel
//! holds afterwards. No root, no kernel.

use super::env::{exit_code, Env};
use super::{compare, delete, list, load, status, sync};
use crate::error::Error;
use crate::exit;
use crate::host::Host;
use crate::netlink::fake::FakeKernel;
use crate::tables::Machine;
use std::path::PathBuf;

/// What one command did.
#[derive(Debug)]
struct Ran {
    code: u8,
    stdout: String,
    stderr: String,
}

/// Runs `command` on `kernel` as `kaudit` does: the error said on standard
/// error after `kaudit: `, its exit code.
fn run(kernel: &mut FakeKernel, command: impl FnOnce(&mut Env) -> Result<u8, Error>) -> Ran {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = {
        let mut env = Env {
            stdout: &mut out,
            stderr: &mut err,
            kernel,
            host: Host::fixed(Machine::X86_64, &[("root", 0)], &[("root", 0)], &["/etc"])
                .extended(),
        };
        command(&mut env)
    };
    let code = exit_code(result, &mut err);
    Ran {
        code,
        stdout: String::from_utf8(out).unwrap(),
        stderr: String::from_utf8(err).unwrap(),
    }
}

/// A scratch directory of rules files, removed on drop.
struct Files(PathBuf);

impl Files {
    fn new(name: &str) -> Files {
        let dir = std::env::temp_dir().join(format!("kaudit-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Files(dir)
    }

    /// Writes `name` (mode 0644) and returns its path.
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const WATCH: &str = "-w /etc/passwd -p wa -k n-cli-id\n";
const OPENAT: &str = "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -k n-cli-access\n";
const WATCH_LISTED: &str = "-w /etc/passwd -p wa -k n-cli-id\n";
const OPENAT_LISTED: &str =
    "-a always,exit -F arch=b64 -S openat -F exit=-EACCES -F key=n-cli-access\n";

fn strings(paths: &[&str]) -> Vec<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

#[test]
fn load_list_check_diff_sync_delete() {
    let files = Files::new("flow");
    let a = files.write("a.rules", &format!("{WATCH}{OPENAT}-b 320\n"));
    let mut k = FakeKernel::new();

    let r = run(&mut k, |env| load::run(env, &strings(&[&a]), true, false));
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(
        r.stdout,
        format!(
            "{a}:1: append {WATCH_LISTED}{a}:2: append {OPENAT_LISTED}{a}:3: set backlog_limit 320\n"
        )
    );
    assert_eq!(k.rule_count(), 0, "a dry run sends nothing");

    let r = run(&mut k, |env| load::run(env, &strings(&[&a]), false, false));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            exit::OK,
            "",
            "kaudit: 2 rule(s) added, 0 deleted, 1 setting(s) changed\n"
        )
    );
    assert_eq!(k.status().backlog_limit, 320);

    let r = run(&mut k, |env| list::run(env, None, false));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (exit::OK, &*format!("{WATCH_LISTED}{OPENAT_LISTED}"))
    );
    let r = run(&mut k, |env| list::run(env, Some("access"), false));
    assert_eq!(r.stdout, OPENAT_LISTED);
    let r = run(&mut k, |env| list::watches(env, "/etc", false));
    assert_eq!(r.stdout, "/etc/passwd\tpath\twa\talways,exit\tn-cli-id\n");

    let check = |k: &mut FakeKernel, path: &str| {
        run(k, |env| {
            compare::run(env, &strings(&[path]), None, compare::Show::Check, false)
        })
    };
    let r = check(&mut k, &a);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (exit::OK, "in sync: 2 rule(s)\n")
    );

    // One rule changed, the watch gone, another setting.
    let b = files.write(
        "b.rules",
        "-a always,exit -F arch=b64 -S openat -F exit=-EPERM -k n-cli-access\n-b 320\n-f 2\n",
    );
    let r = check(&mut k, &b);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            exit::FAILED,
            "drift: 1 rule(s) to add, 2 to delete, 1 setting(s) differ\n"
        )
    );
    let r = run(&mut k, |env| {
        compare::run(env, &strings(&[&b]), None, compare::Show::Diff, false)
    });
    assert_eq!(r.code, exit::FAILED);
    assert!(r.stdout.contains(&format!("-{WATCH_LISTED}")), "{r:?}");
    assert!(r.stdout.contains(&format!("-{OPENAT_LISTED}")), "{r:?}");
    assert!(
        r.stdout
            .contains("+-a always,exit -F arch=b64 -S openat -F exit=-EPERM -F key=n-cli-access\n"),
        "{r:?}"
    );
    assert!(r.stdout.ends_with("-failure 1\n+failure 2\n"), "{r:?}");

    let opts = sync::Options::default();
    let dry = sync::Options {
        dry_run: true,
        ..opts
    };
    let r = run(&mut k, |env| sync::run(env, &strings(&[&b]), None, dry));
    assert_eq!(r.code, exit::OK, "{r:?}");
    assert_eq!(
        r.stderr,
        "kaudit: plan: 1 add(s), 2 delete(s), 0 kept, 1 setting(s)\n"
    );
    assert_eq!(k.rule_count(), 2, "a dry run changes nothing");

    let r = run(&mut k, |env| sync::run(env, &strings(&[&b]), None, opts));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            exit::OK,
            "",
            "kaudit: sync: 1 add(s), 2 delete(s), 0 kept in place, 1 setting(s) changed\n"
        )
    );
    assert_eq!(k.status().failure, 2);
    let r = check(&mut k, &b);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (exit::OK, "in sync: 1 rule(s)\n")
    );

    let r = run(&mut k, |env| {
        delete::run(env, Some("n-cli-access"), &[], false)
    });
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (exit::OK, "kaudit: 1 rule(s) deleted\n")
    );
    let r = run(&mut k, |env| list::run(env, None, false));
    assert_eq!(r.stdout, "No rules\n");
}

#[test]
fn bad_input_sends_nothing_and_exits_by_command() {
    let files = Files::new("bad");
    let bad = files.write(
        "bad.rules",
        "-w /etc/passwd -p wa\n-a always,exit -S nosuchcall\n",
    );
    let mut k = FakeKernel::new();

    // load: exit 1, the error with file and line, nothing sent.
    let r = run(&mut k, |env| {
        load::run(env, &strings(&[&bad]), false, false)
    });
    assert_eq!(r.code, exit::FAILED, "{r:?}");
    assert!(r.stderr.contains(&format!("{bad}:2:")), "{r:?}");
    assert!(
        r.stderr
            .ends_with("kaudit: 1 error(s); nothing was sent to the kernel\n"),
        "{r:?}"
    );
    assert_eq!(k.stats().requests_sent, 0, "the kernel was not even opened");

    // sync, check: exit 2 for the same input.
    let r = run(&mut k, |env| {
        sync::run(env, &strings(&[&bad]), None, sync::Options::default())
    });
    assert_eq!(r.code, exit::TROUBLE, "{r:?}");
    let r = run(&mut k, |env| {
        compare::run(env, &strings(&[&bad]), None, compare::Show::Check, false)
    });
    assert_eq!((r.code, r.stdout.as_str()), (exit::TROUBLE, ""));
    assert_eq!(k.rule_count(), 0, "nothing was added");

    // A scope that is not key=PREFIX.
    let good = files.write("good.rules", WATCH);
    let r = run(&mut k, |env| {
        compare::run(
            env,
            &strings(&[&good]),
            Some("path=/etc"),
            compare::Show::Diff,
            false,
        )
    });
    assert_eq!(r.code, exit::TROUBLE, "{r:?}");

    // delete: nothing given is usage (2); no such key is 1.
    let r = run(&mut k, |env| delete::run(env, None, &[], false));
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            exit::TROUBLE,
            "kaudit: give a rule to delete, or --key KEY\n"
        )
    );
    let r = run(&mut k, |env| {
        delete::run(env, Some("n-cli-none"), &[], false)
    });
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (exit::FAILED, "kaudit: no rule with key n-cli-none\n")
    );
    let r = run(&mut k, |env| {
        delete::run(env, None, &strings(&["-b", "9"]), false)
    });
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (exit::FAILED, "kaudit: that is not a rule\n")
    );
}

#[test]
fn delete_refuses_an_empty_key_before_opening_the_kernel() {
    let mut k = FakeKernel::new();
    let files = Files::new("empty-key");
    let watch = files.write("w.rules", WATCH);
    let r = run(&mut k, |env| {
        load::run(env, &strings(&[&watch]), false, false)
    });
    assert_eq!(r.code, exit::OK, "{r:?}");
    let sent = k.stats().requests_sent;
    // `kaudit delete --key=`: a usage error (2), as a delete with nothing
    // to delete is, and the kernel is not asked.
    let r = run(&mut k, |env| delete::run(env, Some(""), &[], false));
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            exit::TROUBLE,
            "kaudit: --key is empty: give the key of the rules to delete\n"
        )
    );
    assert_eq!(k.stats().requests_sent, sent, "nothing was sent");
    assert_eq!(k.rule_count(), 1);
}

#[test]
fn check_and_diff_errors_do_not_say_anything_was_sent() {
    let files = Files::new("compare-bad");
    let bad = files.write("bad.rules", "-a always,exit -S nosuchcall\n");
    let mut k = FakeKernel::new();
    for show in [compare::Show::Check, compare::Show::Diff] {
        let r = run(&mut k, |env| {
            compare::run(env, &strings(&[&bad]), None, show, false)
        });
        assert_eq!(r.code, exit::TROUBLE, "{show:?}: {r:?}");
        assert!(r.stderr.contains(&format!("{bad}:1:")), "{show:?}: {r:?}");
        assert!(
            r.stderr
                .ends_with("kaudit: 1 error(s); the files were not compared with the kernel\n"),
            "{show:?}: {r:?}"
        );
        assert!(!r.stderr.contains("sent"), "{show:?}: {r:?}");
    }
    // sync does send, so it still says that nothing was.
    let r = run(&mut k, |env| {
        sync::run(env, &strings(&[&bad]), None, sync::Options::default())
    });
    assert!(
        r.stderr
            .ends_with("kaudit: 1 error(s); nothing was sent to the kernel\n"),
        "{r:?}"
    );
}

#[test]
fn a_locked_kernel_exits_3_and_is_not_changed() {
    let files = Files::new("locked");
    let a = files.write("a.rules", WATCH);
    let mut k = FakeKernel::new();
    k.status_mut().enabled = crate::uapi::AUDIT_LOCKED;
    let locked = "kaudit: The audit system is in immutable mode, no rule changes allowed\n";
    let r = run(&mut k, |env| load::run(env, &strings(&[&a]), false, false));
    assert_eq!((r.code, r.stderr.as_str()), (exit::LOCKED, locked));
    let r = run(&mut k, |env| {
        sync::run(env, &strings(&[&a]), None, sync::Options::default())
    });
    assert_eq!((r.code, r.stderr.as_str()), (exit::LOCKED, locked));
    let r = run(&mut k, |env| {
        delete::run(env, None, &strings(&["-w", "/etc/passwd"]), false)
    });
    assert_eq!((r.code, r.stderr.as_str()), (exit::LOCKED, locked));
    assert_eq!(k.rule_count(), 0);
    // Reading still works: check says what differs.
    let r = run(&mut k, |env| {
        compare::run(env, &strings(&[&a]), None, compare::Show::Check, false)
    });
    assert_eq!(r.code, exit::FAILED, "{r:?}");
}

#[test]
fn status_and_json_listing() {
    let files = Files::new("json");
    let a = files.write("a.rules", WATCH);
    let mut k = FakeKernel::new();
    assert_eq!(
        run(&mut k, |env| load::run(env, &strings(&[&a]), false, false)).code,
        exit::OK
    );
    let r = run(&mut k, |env| status::run(env, true));
    assert_eq!(r.code, exit::OK);
    let s: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(s["enabled"], 0, "{r:?}");
    let r = run(&mut k, |env| status::run(env, false));
    assert!(r.stdout.starts_with("enabled 0\n"), "{r:?}");
    let r = run(&mut k, |env| list::run(env, None, true));
    let rules: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{r:?}");
    assert_eq!(rules[0]["rule"], WATCH_LISTED.trim_end(), "{r:?}");
}

#[test]
fn listing_filters_json_reports_and_delete_by_text() {
    let files = Files::new("filters");
    let a = files.write(
        "a.rules",
        &format!("{WATCH}{OPENAT}-w /etc/ssh/sshd_config -p wa -k n-cli-ssh\n"),
    );
    let mut k = FakeKernel::new();
    assert_eq!(
        run(&mut k, |env| load::run(env, &strings(&[&a]), false, false)).code,
        exit::OK
    );
    // auditctl prints nothing (not "No rules") when rules exist but none
    // match the key.
    let r = run(&mut k, |env| list::run(env, Some("n-cli-none"), false));
    assert_eq!((r.code, r.stdout.as_str()), (exit::OK, ""));
    let r = run(&mut k, |env| list::run(env, Some("n-cli-ssh"), true));
    let rules: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{r:?}");
    // Watches on /etc itself and directly under it; not deeper.
    let r = run(&mut k, |env| list::watches(env, "/etc/", true));
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{r:?}");
    assert_eq!(rows[0]["path"], "/etc/passwd", "{r:?}");
    let r = run(&mut k, |env| list::watches(env, "", false));
    assert_eq!(r.stdout.lines().count(), 2, "{r:?}");

    let check_json = |k: &mut FakeKernel| {
        let r = run(k, |env| {
            compare::run(env, &strings(&[&a]), None, compare::Show::Check, true)
        });
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        (r.code, v)
    };
    let (code, v) = check_json(&mut k);
    assert_eq!(
        (code, &v["in_sync"], &v["kept"]),
        (exit::OK, &true.into(), &3.into())
    );

    // Delete by rule text: -w and -W forms mean the same rule.
    let r = run(&mut k, |env| {
        delete::run(
            env,
            None,
            &strings(&["-W", "/etc/passwd", "-p", "wa", "-k", "n-cli-id"]),
            false,
        )
    });
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (exit::OK, "kaudit: 1 rule(s) deleted\n")
    );
    let (code, v) = check_json(&mut k);
    assert_eq!(
        (code, &v["adds"], &v["deletes"]),
        (exit::FAILED, &1.into(), &0.into())
    );

    // sync --json: the plan that was applied.
    let o = sync::Options {
        json: true,
        ..Default::default()
    };
    let r = run(&mut k, |env| sync::run(env, &strings(&[&a]), None, o));
    assert_eq!(r.code, exit::OK, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["plan"].as_array().map(Vec::len), Some(1), "{r:?}");
    // The managed rules before and after (-l text, kernel order): what the
    // Ansible module reports, so it does not re-plan in Python.
    let texts = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .map(|t| t.as_str().unwrap_or("?").to_string())
            .collect()
    };
    let ssh = "-w /etc/ssh/sshd_config -p wa -k n-cli-ssh";
    let openat = OPENAT_LISTED.trim_end();
    let watch = WATCH_LISTED.trim_end();
    assert_eq!(texts("before"), [openat, ssh], "{r:?}");
    assert_eq!(texts("after"), [watch, openat, ssh], "{r:?}");
    assert_eq!(check_json(&mut k).0, exit::OK);
}

#[test]
fn a_refused_line_stops_the_load_and_exits_1() {
    let files = Files::new("refused");
    let a = files.write("a.rules", &format!("{WATCH}{OPENAT}"));
    let mut k = FakeKernel::new();
    k.refuse_nth(crate::uapi::AUDIT_ADD_RULE, 2, libc::EINVAL);
    let r = run(&mut k, |env| load::run(env, &strings(&[&a]), false, false));
    assert_eq!(r.code, exit::FAILED, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "{a}:2: error: Error sending add rule data request (Invalid argument)\n  | {}\n\
             kaudit: 1 rule(s) added, 0 deleted, 0 setting(s) changed; stopped at the first refused line\n",
            OPENAT.trim_end()
        )
    );
    assert_eq!(k.rule_count(), 1);
}

/// A writer that fails every write with ENOSPC (a full disk).
struct Full;

impl std::io::Write for Full {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_is_exit_1_or_2_for_diff_check_and_lint() {
    use super::env::conclude;
    use crate::output::Output;
    use std::io::Write;
    let full = || {
        let mut out = Output::new(Full, "standard output");
        let _ = out.write_all(b"x");
        out
    };
    assert_eq!(conclude(Ok(exit::OK), full(), false), exit::FAILED);
    assert_eq!(conclude(Ok(exit::OK), full(), true), exit::TROUBLE);
    // The worse of the two codes wins.
    assert_eq!(conclude(Err(Error::Immutable), full(), false), exit::LOCKED);
    assert_eq!(
        conclude(Ok(exit::OK), Output::new(Full, "standard output"), true),
        exit::OK,
        "nothing written, nothing failed"
    );
}
