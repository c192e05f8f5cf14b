//! The drop-in's edges, each against the reference: a rules file whose
//! name is not UTF-8.

use super::{diff, paths, run_program, skip, Kernel};
use kaudit::lock::MachineLock;
use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::Request;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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
    let reference = paths::reference_cache().join("auditctl");
    if !reference.is_file() {
        return skip("no reference auditctl (run scripts/fetch-reference.sh)");
    }
    let Ok(transport) = NetlinkTransport::open() else {
        return skip("no kernel audit support");
    };
    let mut kernel = Kernel(transport);
    let dir = std::env::temp_dir().join(format!("kaudit-bytes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let ours = dir.join("bin/auditctl");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &ours).unwrap();
    let key = format!("i20-bytes-{}", std::process::id());
    let name = |tail: &str| {
        let mut n = dir.clone().into_os_string().into_vec();
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
    let _ = std::fs::remove_dir_all(&dir);
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
