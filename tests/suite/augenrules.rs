//! The augenrules personality against the reference `augenrules` script
//! (from the same Debian package as the reference auditctl), on directories
//! built from the corpus and on the reference's known quirk cases. Neither
//! side loads anything here (no `--load`): the merged file, stdout and exit
//! codes are compared; loading goes through sync, tested elsewhere.

use crate::paths;
use crate::reference;
use crate::scratch;
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn skip(reason: &str) {
    if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("augenrules: KAUDIT_REQUIRE_KERNEL=1 but: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIP (augenrules): {reason}");
}

/// A rules directory's files: (name, contents), both bytes.
type Files = Vec<(Vec<u8>, Vec<u8>)>;

/// `text` with every `from` replaced by `to`, on bytes.
fn replace(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if !from.is_empty() && text[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

struct Side {
    code: i32,
    stdout: String,
    output: Option<Vec<u8>>,
}

/// Runs one side on `rules_dir`, writing `out_file`; `cmd` is the program
/// and the name it prints for itself is replaced by `augenrules`.
fn run(program: &Path, args: &[&str], rules_dir: &Path, out_file: &Path, kaudit: bool) -> Side {
    let mut c = Command::new(program);
    c.args(args);
    if kaudit {
        c.env("KAUDIT_AUGENRULES_DIR", rules_dir)
            .env("KAUDIT_AUGENRULES_OUTPUT", out_file);
    }
    let o = c.output().expect("run augenrules");
    let me = program.to_string_lossy().into_owned();
    Side {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).replace(&me, "augenrules"),
        output: std::fs::read(out_file).ok(),
    }
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn augenrules_matches_the_reference_script() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root (the immutable check reads the kernel's status)");
    }
    let script = reference::cache().join("root/usr/sbin/augenrules");
    let auditctl = reference::cache().join("auditctl");
    if !script.is_file() || !paths::corpus().is_dir() {
        return skip("no reference cache or no corpus");
    }
    let base = scratch::dir("augenrules");
    std::fs::create_dir_all(base.join("bin")).unwrap();
    // The kaudit side runs through a symlink named augenrules.
    let ours = base.join("bin/augenrules");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &ours).unwrap();

    // Directories: the upstream samples, the community sets, and the
    // reference's quirk cases.
    // (name, files, whether kaudit must match the reference exactly)
    let mut cases: Vec<(&str, Files, bool)> = Vec::new();
    let read_dir = |d: &Path| -> Files {
        let mut v: Files = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| {
                (
                    e.file_name().as_bytes().to_vec(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    cases.push((
        "upstream-samples",
        read_dir(&paths::corpus().join("upstream-samples")),
        true,
    ));
    cases.push((
        "community",
        read_dir(&paths::corpus().join("community")),
        true,
    ));
    cases.push((
        "numbering",
        vec![
            (
                "2-early.rules".into(),
                b"-e 1\n-a always,exit -F arch=b64 -S openat -k x\n-D -k foo\n-b 100\n".to_vec(),
            ),
            ("10-base.rules".into(), b"-D\n-b 8192\n-f 1\n".to_vec()),
            ("100-late.rules".into(), b"-w /etc/hosts -p wa\n".to_vec()),
            ("99-finalize.rules".into(), b"-e 2\n".to_vec()),
            ("notes.txt".into(), b"-a never,task\n".to_vec()),
            (".hidden.rules".into(), b"-a never,task\n".to_vec()),
        ],
        true,
    ));
    cases.push((
        "crlf",
        vec![(
            "30-crlf.rules".into(),
            b"-w /etc/hosts -p wa -k crlf\r\n-b 64\r\n".to_vec(),
        )],
        true,
    ));
    cases.push(("empty", Vec::new(), true));
    // Bytes that are not UTF-8, in a file name and in a path and key: the
    // reference's ls, cat and awk keep them, and so must kaudit.
    cases.push((
        "non-utf8",
        vec![
            (
                b"20-bad\xffname.rules".to_vec(),
                b"-w /tmp/caf\xe9 -p wa -k caf\xe9\n-a always,exit -F arch=b64 -S openat -F path=/tmp/\xff\xfe -k k\x80\n"
                    .to_vec(),
            ),
            (b"10-ok.rules".to_vec(), b"-b 320\n".to_vec()),
        ],
        true,
    ));
    // Known quirks of the reference, fixed on purpose (see README).
    cases.push((
        "no-final-newline",
        vec![
            ("10-a.rules".into(), b"-w /etc/hosts -p wa -k a".to_vec()),
            ("20-b.rules".into(), b"-w /etc/passwd -p wa -k b\n".to_vec()),
        ],
        false,
    ));
    cases.push((
        "indented",
        vec![(
            "10-a.rules".into(),
            b"  # indented comment\n\t-b 320\n-w /etc/hosts -p wa\n".to_vec(),
        )],
        false,
    ));

    let mut err = std::io::stderr();
    let (mut same, mut quirks) = (0, 0);
    for (name, files, identical) in &cases {
        let dir = base.join(name).join("rules.d");
        std::fs::create_dir_all(&dir).unwrap();
        for (f, content) in files {
            std::fs::write(dir.join(OsStr::from_bytes(f)), content).unwrap();
        }
        let ref_out = base.join(name).join("ref.rules");
        let our_out = base.join(name).join("ours.rules");
        // The reference with its paths pointed at this case.
        let text = std::fs::read_to_string(&script)
            .unwrap()
            .replace(
                "DestinationFile=/etc/audit/audit.rules",
                &format!("DestinationFile={}", ref_out.display()),
            )
            .replace(
                "SourceRulesDir=/etc/audit/rules.d",
                &format!("SourceRulesDir={}", dir.display()),
            )
            .replace(
                "auditctl_bin=${exec_prefix}/sbin/auditctl",
                &format!("auditctl_bin={}", auditctl.display()),
            );
        let reference = base.join(name).join("augenrules");
        std::fs::write(&reference, text).unwrap();
        std::fs::set_permissions(&reference, std::fs::Permissions::from_mode(0o755)).unwrap();

        // Write, then no change, then a change seen by --check.
        let mut steps = Vec::new();
        for args in [&[][..], &[][..], &["--check"][..]] {
            if steps.len() == 2 {
                std::fs::write(dir.join("50-new.rules"), b"-w /etc/group -p wa -k new\n").unwrap();
            }
            let r = run(&reference, args, &dir, &ref_out, false);
            let k = run(&ours, args, &dir, &our_out, true);
            steps.push((args.to_vec(), r, k));
        }
        for (args, r, k) in &steps {
            // Bytes, not text: names and lines need not be UTF-8.
            let ours_bytes = k.output.clone().unwrap_or_default();
            let ref_bytes = r.output.clone().unwrap_or_default();
            // Under Debian's default awk (mawk) the reference's `\s` is a
            // literal `s`, so space-indented comment lines stay in its file;
            // kaudit drops them (a fixed quirk). Compare without them.
            let ref_bytes: Vec<u8> = ref_bytes
                .split_inclusive(|c| *c == b'\n')
                .filter(|l| {
                    let body = l.trim_ascii_start();
                    !(l.starts_with(b" ") || l.starts_with(b"\t")) || !body.starts_with(b"#")
                })
                .flatten()
                .copied()
                .collect();
            let agree = r.code == k.code
                && r.stdout == k.stdout
                && replace(&ref_bytes, ref_out.as_os_str().as_bytes(), b"")
                    == replace(&ours_bytes, our_out.as_os_str().as_bytes(), b"");
            let ours_text = String::from_utf8_lossy(&ours_bytes);
            let ref_text = String::from_utf8_lossy(&ref_bytes);
            if *identical {
                assert!(
                    agree,
                    "{name} {args:?}: exit {} vs {}\n--- reference stdout\n{}--- kaudit stdout\n{}--- reference file\n{ref_text}--- kaudit file\n{ours_text}",
                    r.code, k.code, r.stdout, k.stdout
                );
                same += 1;
            } else if !agree {
                quirks += 1;
            }
        }
        if !identical {
            // The fix itself: no joined lines, indentation handled.
            let ours = String::from_utf8(steps[0].2.output.clone().unwrap()).unwrap();
            match *name {
                "no-final-newline" => {
                    assert!(
                        ours.contains("-w /etc/hosts -p wa -k a\n-w /etc/passwd"),
                        "{ours}"
                    );
                    assert!(
                        String::from_utf8_lossy(steps[0].1.output.as_deref().unwrap())
                            .contains("-k a-w /etc/passwd")
                    );
                }
                _ => {
                    assert!(!ours.contains("# indented"), "{ours}");
                    assert_eq!(ours.lines().nth(2), Some("\t-b 320"), "{ours}");
                }
            }
        }
    }
    let _ = writeln!(err, "augenrules: {same} identical steps, {quirks} steps differing on the reference's known quirks (fixed on purpose)");
}
