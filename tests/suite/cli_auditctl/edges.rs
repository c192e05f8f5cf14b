//! The drop-in's edges, each against the reference: a kernel that refuses
//! the audit connection (a user namespace), and a rules file whose name is
//! not UTF-8.

use super::{diff, run_program, skip, Kernel};
use crate::reference;
use crate::scratch;
use kaudit::lock::MachineLock;
use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::{AuditStatus, Request, Transport};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The kernel refuses the audit connection of a process outside the initial
/// user namespace (ECONNREFUSED for every request, as in a container):
/// every command line below runs under `unshare -Ur` once with the
/// reference and once with kaudit as `auditctl`. The exit codes and stdout
/// must be the same; kaudit's stderr says `The audit system is disabled`
/// (once: the reference says it once or twice) and nothing else after any
/// warning the line gives. The reference says it too, except where noted.
///
/// Nothing reaches the kernel: a guard inside the namespace refuses to run
/// anything if the namespace is the initial one, and the settings sent are
/// the kernel's current values. Skips loudly without the reference or
/// without user namespaces (KAUDIT_REQUIRE_KERNEL=1: fails instead).
#[ignore = "runs the reference auditctl in a user namespace (scripts/test.sh runs it)"]
#[test]
fn a_refused_connection_matches_the_reference() {
    let reference = reference::cache().join("auditctl");
    if !reference.is_file() {
        return skip("no reference auditctl (run scripts/fetch-reference.sh)");
    }
    let probe = Command::new("unshare")
        .args(["-Ur", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        return skip("unshare -Ur fails here (no unshare, or no user namespaces)");
    }
    // The kernel's current settings, if this process may read them.
    let now = NetlinkTransport::open().ok().and_then(|t| {
        let _lock = MachineLock::acquire().ok()?;
        Kernel(t).0.get_status().ok()
    });
    let s = now.unwrap_or(AuditStatus {
        failure: 1,
        backlog_limit: 64,
        backlog_wait_time: 15000,
        ..AuditStatus::default()
    });
    assert_ne!(s.enabled, 2, "never send -e 2");
    let dir = scratch::dir("refused");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let ours = dir.join("bin/auditctl");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &ours).unwrap();
    let rules = dir.join("r.rules");
    let d = dir.to_string_lossy().into_owned();
    let key = format!("i20-refused-{}", std::process::id());
    std::fs::write(&rules, format!("-w {d} -p w -k {key}\n")).unwrap();
    std::fs::set_permissions(&rules, std::fs::Permissions::from_mode(0o600)).unwrap();
    let rule = format!("-a always,exit -F arch=b64 -S openat -k {key}");
    let b = s.backlog_limit;
    // (command line, the reference's exit, what the reference says instead
    // of "The audit system is disabled", if it says something else).
    let cases: Vec<(String, i32, Option<&str>)> = vec![
        (rule.clone(), 1, None),
        (rule.replacen("-a", "-A", 1), 1, None),
        (rule.replacen("-a", "-d", 1), 1, None),
        (format!("-w {d} -p w -k {key}"), 1, None),
        (format!("-W {d} -p w -k {key}"), 1, None),
        (format!("{rule} -b {b}"), 1, None),
        (format!("-b {b} {rule}"), 0, None),
        (
            format!("-R {}", rules.display()),
            1,
            Some("nothing: -R sends its messages to syslog"),
        ),
        (
            format!("-R {d}/missing.rules"),
            1,
            Some("nothing: -R sends its messages to syslog"),
        ),
        (format!("-b {b}"), 0, None),
        (format!("-f {}", s.failure), 0, None),
        (format!("-r {}", s.rate_limit), 0, None),
        (format!("-e {}", s.enabled), 0, None),
        (
            format!("--backlog_wait_time {}", s.backlog_wait_time),
            0,
            None,
        ),
        ("-m hello".into(), 0, None),
        ("-l".into(), 0, None),
        (format!("-l -k {key}"), 0, None),
        (format!("-D -k {key}"), 0, None),
        ("-t".into(), 0, None),
        (format!("-q {d}/a,{d}/b"), 0, None),
        ("--reset-lost".into(), 0, None),
        ("--reset_backlog_wait_time_actual".into(), 0, None),
        (
            "-s".into(),
            0,
            Some("nothing, after 8 s: it takes the error for a reply still to come"),
        ),
        (
            "--signal state".into(),
            1,
            Some("Failed sending signal to auditd (timeout), after 4 s"),
        ),
    ];
    // Inside the namespace: refuse to run in the initial one (its uid map
    // is the whole range), then run the program.
    const GUARD: &str = r#"read a b c < /proc/self/uid_map
[ "$c" = 4294967295 ] && { echo "not in a user namespace" >&2; exit 200; }
exec env KAUDIT_NO_EXPEDITE=1 "$@""#;
    let results: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .enumerate()
            .map(|(i, (line, want, other))| {
                let (reference, ours, dir) = (&reference, &ours, &dir);
                scope.spawn(move || {
                    let side = |program: &Path, tag: &str| {
                        let mut args = vec!["-Ur", "sh", "-c", GUARD, "sh"];
                        let program = program.to_str().unwrap();
                        args.push(program);
                        args.extend(line.split(' '));
                        run_program(Path::new("unshare"), &args, dir, &format!("{tag}{i}"))
                    };
                    let r = side(reference, "ref");
                    let k = side(ours, "kaudit");
                    let (r_err, k_err) = (
                        String::from_utf8_lossy(&r.2).into_owned(),
                        String::from_utf8_lossy(&k.2).into_owned(),
                    );
                    let mut wrong = Vec::new();
                    if r.0 != *want {
                        wrong.push(format!("the reference exits {}, not {want}", r.0));
                    }
                    if k.0 != r.0 {
                        wrong.push(format!("kaudit exits {}, the reference {}", k.0, r.0));
                    }
                    if k.1 != r.1 {
                        wrong.push("stdout differs".to_string());
                    }
                    if !k_err.ends_with("\nThe audit system is disabled\n")
                        && k_err != "The audit system is disabled\n"
                        || k_err.matches("disabled").count() != 1
                        || k_err.contains("refused")
                    {
                        wrong.push("kaudit does not end with one \"disabled\"".to_string());
                    }
                    if other.is_none() != r_err.contains("The audit system is disabled") {
                        wrong.push(format!("the reference says {r_err:?}, expected {other:?}"));
                    }
                    if wrong.is_empty() {
                        return String::new();
                    }
                    format!(
                        "  {line}: {}\n    reference stderr: {r_err:?}\n    kaudit stderr: {k_err:?}\n",
                        wrong.join("; ")
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    drop(dir);
    let report: String = results.concat();
    let _ = writeln!(
        std::io::stderr(),
        "cli_auditctl refused connection: {} command lines, {} differ",
        cases.len(),
        results.iter().filter(|r| !r.is_empty()).count()
    );
    assert!(report.is_empty(), "under unshare -Ur:\n{report}");
}

/// `auditctl -R FILE` where FILE's name is not UTF-8 (`r\xff\xfe.rules`):
/// the reference and kaudit load the same rule from it (live kernel, own
/// key, under the machine lock, deleted after each run); a missing or
/// world-writable file so named fails in both with exit 1, and kaudit's
/// message names it by its bytes.
#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn a_rules_file_name_that_is_not_utf8_loads_as_in_the_reference() {
    use std::os::unix::ffi::OsStringExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root");
    }
    let reference = reference::cache().join("auditctl");
    if !reference.is_file() {
        return skip("no reference auditctl (run scripts/fetch-reference.sh)");
    }
    let Ok(transport) = NetlinkTransport::open() else {
        return skip("no kernel audit support");
    };
    let mut kernel = Kernel(transport);
    let dir = scratch::dir("bytes");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let ours = dir.join("bin/auditctl");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &ours).unwrap();
    let key = format!("i20-bytes-{}", std::process::id());
    let name = |tail: &str| {
        let mut n = dir.to_path_buf().into_os_string().into_vec();
        n.extend_from_slice(b"/r\xff\xfe");
        n.extend_from_slice(tail.as_bytes());
        (std::ffi::OsString::from_vec(n.clone()), n)
    };
    let (good, _) = name(".rules");
    let (missing, raw_missing) = name("-missing.rules");
    let (ww, raw_ww) = name("-ww.rules");
    let text = format!("-w {} -p wa -k {key}\n", dir.display());
    std::fs::write(&good, &text).unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&ww, &text).unwrap();
    std::fs::set_permissions(&ww, std::fs::Permissions::from_mode(0o666)).unwrap();

    let lock = MachineLock::acquire().expect("machine lock");
    if kernel.status().enabled == 2 {
        return skip("the kernel's audit configuration is immutable");
    }
    let before = kernel.list();
    // One run: its exit, stderr, and the rules it added (then deleted).
    let mut side = |program: &Path, file: &std::ffi::OsString, tag: &str| {
        let args = [std::ffi::OsString::from("-R"), file.clone()];
        let (code, _, err) = run_program(program, &args, &dir, tag);
        let (added, removed) = diff(&before, &kernel.list());
        for r in &added {
            assert_eq!(kernel.one(Request::del_rule(r.clone())), 0, "cleanup");
        }
        assert!(removed.is_empty(), "{tag} removed rules of others");
        (code, err, added)
    };
    let r = side(&reference, &good, "ref");
    let k = side(&ours, &good, "kaudit");
    let r_missing = side(&reference, &missing, "ref-missing");
    let k_missing = side(&ours, &missing, "kaudit-missing");
    let r_ww = side(&reference, &ww, "ref-ww");
    let k_ww = side(&ours, &ww, "kaudit-ww");
    let after = kernel.list();
    drop(lock);
    drop(dir);
    assert_eq!(after, before, "the rule table changed");
    let say = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert_eq!((r.0, r.2.len()), (0, 1), "reference: {}", say(&r.1));
    assert_eq!(k.0, 0, "kaudit: {}", say(&k.1));
    assert!(
        k.2 == r.2,
        "kaudit added {} rule(s), not the reference's",
        k.2.len()
    );
    for (run, raw, words) in [
        (
            &k_missing,
            &raw_missing,
            (&b"audit rules file "[..], &b" doesn't exist\n"[..]),
        ),
        (
            &k_ww,
            &raw_ww,
            (&b"Error - "[..], &b" is world writable\n"[..]),
        ),
    ] {
        let line = [words.0, raw, words.1].concat();
        assert!(
            run.1.windows(line.len()).any(|w| w == line),
            "{:?} in {:?}",
            say(&line),
            say(&run.1)
        );
    }
    assert_eq!((r_missing.0, k_missing.0), (1, 1));
    assert_eq!((r_ww.0, k_ww.0), (1, 1));
    assert!(
        r_missing.2.is_empty() && k_missing.2.is_empty() && r_ww.2.is_empty() && k_ww.2.is_empty()
    );
}
