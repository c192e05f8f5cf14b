//! How `kaudit augenrules` writes `audit.rules` (issue 12): never half a
//! file, never through a symlink, mode 0640 at every moment; and how every
//! change stops at a lock file it cannot use or wait for (issue 20). No
//! kernel rule is changed here (`--load` only into the in-memory kernel).

use crate::scratch::{self, Scratch};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn skip(reason: &str) {
    if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("augenrules_files: KAUDIT_REQUIRE_KERNEL=1 but: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIP (augenrules_files): {reason}");
}

fn scratch(tag: &str) -> Scratch {
    scratch::dir(&format!("augen-{tag}"))
}

fn augenrules(rules_dir: &Path, output: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .arg("augenrules")
        .env("KAUDIT_AUGENRULES_DIR", rules_dir)
        .env("KAUDIT_AUGENRULES_OUTPUT", output)
        .output()
        .expect("run kaudit augenrules")
}

/// A rules.d with `n` distinct watch rules (about 50 bytes a line).
fn rules_dir(at: &Path, n: usize, tag: &str) -> PathBuf {
    let d = at.join(format!("rules.d-{tag}"));
    std::fs::create_dir_all(&d).unwrap();
    let mut text = String::from("-D\n-b 8192\n");
    for i in 0..n {
        text.push_str(&format!("-w /etc/i12-{tag}-{i:06} -p wa -k i12-files\n"));
    }
    std::fs::write(d.join("10-x.rules"), text).unwrap();
    d
}

struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[ignore = "needs root (scripts/test.sh runs it)"]
#[test]
fn a_full_filesystem_leaves_the_previous_file_whole() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root (mounting a small tmpfs)");
    }
    let base = scratch("full");
    let mnt = base.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return skip("cannot mount a tmpfs");
    }
    let _guard = Tmpfs(mnt.clone());
    let output = mnt.join("audit.rules");
    // The previous file: a small rules.d, written by augenrules itself.
    let small = rules_dir(&base, 3, "small");
    let o = augenrules(&small, &output);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let previous = std::fs::read(&output).unwrap();
    // Fill the filesystem, leaving room for the .prev copy but not for a
    // 2,000-rule file (about 100 KB).
    let mut filler = std::fs::File::create(mnt.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while filler.write_all(&block).is_ok() {}
    drop(filler);
    std::fs::remove_file(mnt.join("filler")).unwrap();
    let mut filler = std::fs::File::create(mnt.join("filler")).unwrap();
    let free = nix::sys::statvfs::statvfs(&mnt).unwrap();
    let room = (free.blocks_available() as u64 * free.fragment_size() as u64).saturating_sub(8192);
    filler.write_all(&vec![0u8; room as usize]).unwrap();
    drop(filler);
    let big = rules_dir(&base, 2000, "big");
    let o = augenrules(&big, &output);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(
        std::fs::read(&output).unwrap(),
        previous,
        "audit.rules was changed"
    );
    assert_eq!(std::fs::metadata(&output).unwrap().mode() & 0o7777, 0o640);
    let leftovers: Vec<String> = std::fs::read_dir(&mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kaudit-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    drop(_guard);
}

#[test]
fn a_symlink_at_the_output_is_refused_and_its_target_untouched() {
    let base = scratch("link");
    let victim = base.join("victim");
    std::fs::write(&victim, b"not an audit file\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = base.join("audit.rules");
    std::os::unix::fs::symlink(&victim, &output).unwrap();
    let rd = rules_dir(&base, 2, "l");
    let o = augenrules(&rd, &output);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"not an audit file\n");
    assert_eq!(std::fs::metadata(&victim).unwrap().mode() & 0o7777, 0o644);
    assert!(std::fs::symlink_metadata(&output)
        .unwrap()
        .file_type()
        .is_symlink());
    // A symlink at the .prev path is refused too, and its target kept.
    std::fs::remove_file(&output).unwrap();
    std::fs::write(&output, b"old\n").unwrap();
    let prev = base.join("audit.rules.prev");
    std::os::unix::fs::symlink(&victim, &prev).unwrap();
    let o = augenrules(&rd, &output);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"not an audit file\n");
    assert_eq!(std::fs::read(&output).unwrap(), b"old\n");
}

#[test]
fn the_output_is_mode_0640_at_every_moment() {
    let base = scratch("mode");
    let output = base.join("audit.rules");
    let a = rules_dir(&base, 400, "a");
    let b = rules_dir(&base, 401, "b");
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, output) = (stop.clone(), output.clone());
        std::thread::spawn(move || {
            let (mut seen, mut bad) = (0u64, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                if let Ok(m) = std::fs::symlink_metadata(&output) {
                    seen += 1;
                    if m.mode() & 0o7777 != 0o640 || !m.file_type().is_file() {
                        bad.push(m.mode());
                    }
                    // Whole: every version ends with its last rule's line.
                    if let Ok(t) = std::fs::read(&output) {
                        if !t.ends_with(b"-k i12-files\n\n") {
                            bad.push(u32::MAX);
                        }
                    }
                }
            }
            (seen, bad)
        })
    };
    for i in 0..20 {
        let o = augenrules(if i % 2 == 0 { &a } else { &b }, &output);
        assert_eq!(o.status.code(), Some(0), "{o:?}");
    }
    stop.store(true, Ordering::Relaxed);
    let (seen, bad) = watcher.join().unwrap();
    assert!(seen > 20, "the watcher saw the file only {seen} times");
    assert!(bad.is_empty(), "modes or partial files seen: {bad:?}");
    let prev = base.join("audit.rules.prev");
    assert_eq!(std::fs::metadata(&prev).unwrap().mode() & 0o7777, 0o640);
}

#[test]
fn no_kernel_change_without_the_lock() {
    // A dangling symlink at the lock path: the lock is refused (never
    // followed, so its target is not created) and every changing command
    // stops before talking to the kernel.
    let base = scratch("lock");
    let link = base.join("kaudit.lock");
    let target = base.join("created-through-the-link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let rd = rules_dir(&base, 2, "k");
    let output = base.join("audit.rules");
    // `kaudit ARGS` with the lock path at the link: it must stop with exit 1
    // and name the lock, and the link's target must not exist. Its stderr.
    let stopped = |args: &[&std::ffi::OsStr], augenrules: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaudit"));
        cmd.args(args).env("KAUDIT_LOCK_PATH", &link);
        if augenrules {
            cmd.env("KAUDIT_AUGENRULES_DIR", &rd)
                .env("KAUDIT_AUGENRULES_OUTPUT", &output);
        }
        let o = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        assert!(stderr.contains("cannot take the kaudit lock"), "{stderr}");
        assert!(!target.exists());
        stderr
    };
    let stderr = stopped(&["augenrules".as_ref(), "--load".as_ref()], true);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // Were the refusal to regress, these would change the shared
        // kernel: the machine lock is held (the children are pointed at
        // the link, so they do not wait for it), which also keeps other
        // tests' rules out of the table the last check lists.
        let _machine = kaudit::lock::MachineLock::acquire().unwrap();
        stopped(
            &[
                "sync".as_ref(),
                "--scope".as_ref(),
                "key=i12-files".as_ref(),
                rd.as_os_str(),
            ],
            false,
        );
        // The auditctl personality: a rule on the command line and a rules
        // file are both stopped before anything is sent.
        let key = format!("i12-files-lock-{}", std::process::id());
        let rule = format!("-a always,exit -F arch=b64 -S openat -k {key}");
        let file = base.join("one.rules");
        std::fs::write(&file, format!("{rule}\n")).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut words: Vec<&std::ffi::OsStr> = vec!["auditctl".as_ref()];
        words.extend(rule.split(' ').map(std::ffi::OsStr::new));
        for args in [
            words,
            vec!["auditctl".as_ref(), "-R".as_ref(), file.as_os_str()],
        ] {
            let stderr = stopped(&args, false);
            assert!(stderr.contains("nothing was changed"), "{stderr}");
        }
        // Nothing reached the kernel (listing takes no lock).
        let listed = Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["auditctl", "-l", "-k", &key])
            .env("KAUDIT_LOCK_PATH", &link)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&listed.stdout), "No rules\n");
        assert!(!target.exists());
    }
}

#[test]
fn a_lock_file_of_the_wrong_kind_or_held_too_long_stops_every_change() {
    // The lock path is a test file of our own, never the machine's. A FIFO
    // is refused without waiting on it; a lock this test holds is waited
    // for KAUDIT_LOCK_TIMEOUT seconds, with one line saying for what and
    // who holds it, then given up: exit 6 natively, 1 in the auditctl
    // personality (the reference's table). The commands are harmless even
    // were the lock to be taken: a delete of a key nobody uses.
    if !nix::unistd::geteuid().is_root() {
        // Without root a change stops (exit 4) before the lock.
        return skip("not root");
    }
    let base = scratch("lockwait");
    let key = format!("i20-lock-unused-{}", std::process::id());
    let run = |lock: &Path, timeout: &str, args: &[&str]| {
        let start = std::time::Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(args)
            .env("KAUDIT_LOCK_PATH", lock)
            .env("KAUDIT_LOCK_TIMEOUT", timeout)
            .env("KAUDIT_NO_EXPEDITE", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        (o.status.code(), stderr, start.elapsed())
    };
    let native: &[&str] = &["delete", "--key", &key];
    let dropin: &[&str] = &["auditctl", "-D", "-k", &key];

    let fifo = base.join("fifo.lock");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let (code, stderr, _) = run(&fifo, "1", native);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot take the kaudit lock: {} is a FIFO, not a regular file",
            fifo.display()
        )),
        "{stderr}"
    );

    let lock = base.join("kaudit.lock");
    let held = kaudit::lock::MachineLock::acquire_at(&lock).unwrap();
    let waiting = format!(
        "kaudit: waiting for the machine lock {}, held by pid {}",
        lock.display(),
        std::process::id()
    );
    for (args, exit) in [(native, 6), (dropin, 1)] {
        let (code, stderr, took) = run(&lock, "1", args);
        assert_eq!(code, Some(exit), "{args:?}: {stderr}");
        assert!(took >= std::time::Duration::from_secs(1), "{took:?}");
        assert_eq!(stderr.matches(&waiting).count(), 1, "{stderr}");
        assert!(stderr.contains("giving up after 1 s"), "{stderr}");
        assert!(
            stderr.contains("cannot take the kaudit lock: gave up after waiting"),
            "{stderr}"
        );
        assert!(stderr.contains("KAUDIT_LOCK_TIMEOUT=SECONDS"), "{stderr}");
    }
    let (code, stderr, _) = run(&lock, "soon", native);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("KAUDIT_LOCK_TIMEOUT=soon is not a whole number of seconds"),
        "{stderr}"
    );
    drop(held);
}

/// Issue 20 item 14d: a variable set but empty is unset, never an empty
/// path: with `KAUDIT_AUGENRULES_DIR=` the standard rules.d is meant.
/// Before, the message named an empty path ("No rules directory - ") and
/// an empty output was "cannot write : no file name". `--check` writes
/// nothing wherever the paths point.
#[test]
fn an_empty_path_variable_means_the_standard_path() {
    let base = scratch("empty-var");
    let output = base.join("audit.rules");
    let o = Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .args(["augenrules", "--check"])
        .env("KAUDIT_AUGENRULES_DIR", "")
        .env("KAUDIT_AUGENRULES_OUTPUT", &output)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!stdout.contains("No rules directory - \n"), "{stdout}");
    if !Path::new("/etc/audit/rules.d").exists() {
        assert_eq!(
            stdout, "augenrules: No rules directory - /etc/audit/rules.d\n",
            "{o:?}"
        );
        assert_eq!(o.status.code(), Some(1));
    }
    assert!(!output.exists(), "--check wrote {}", output.display());
}

/// Issue 21 item 4: `augenrules --load` reaches the kernel through the same
/// connection as the native commands, so the test-only in-memory kernel
/// (`KAUDIT_FAKE_KERNEL`) takes the load, and a locked one is left alone in
/// the reference's words. Scoped to this test's key and without `-D`, so a
/// regression reaching the real kernel could only add this keyed rule
/// (under the machine lock, which kaudit then takes itself), and it is
/// removed before failing.
#[test]
fn load_goes_to_the_in_memory_kernel() {
    let base = scratch("fake-kernel");
    let key = format!("i21-augen-fake-{}", std::process::id());
    let rd = base.join("rules.d");
    std::fs::create_dir_all(&rd).unwrap();
    std::fs::write(
        rd.join("10-k.rules"),
        format!("-a always,exit -F arch=b64 -S open -k {key}\n"),
    )
    .unwrap();
    let output = base.join("audit.rules");
    let state = base.join("fake-kernel.state");
    let load = || {
        Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["augenrules", "--load"])
            .env("KAUDIT_AUGENRULES_DIR", &rd)
            .env("KAUDIT_AUGENRULES_OUTPUT", &output)
            .env("KAUDIT_AUGENRULES_SCOPE", format!("key={key}"))
            .env("KAUDIT_FAKE_KERNEL", &state)
            .output()
            .expect("run kaudit augenrules --load")
    };
    let rules = |state: &Path| {
        std::fs::read_to_string(state)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("rule "))
            .count()
    };
    let o = load();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    if rules(&state) != 1 {
        let _ = Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["delete", "--key", &key])
            .output();
    }
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(rules(&state), 1, "{stderr}");
    assert!(
        stderr.contains("no -D: added to the rules already loaded): 1 rule(s) added"),
        "{stderr}"
    );
    // Locked (`-e 2`, which only the in-memory kernel may be): nothing is
    // written or loaded, and the reference's exit 0.
    let text = std::fs::read_to_string(&state).unwrap();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("enabled ") {
                "enabled 2"
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(text.contains("enabled 2\n"), "{text}");
    std::fs::write(&state, text).unwrap();
    std::fs::write(
        rd.join("20-k.rules"),
        format!("-a always,exit -F arch=b64 -S unlink -k {key}\n"),
    )
    .unwrap();
    let merged = std::fs::read(&output).unwrap();
    let o = load();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "augenrules: Audit system is in immutable mode - exiting with no changes\n"
    );
    assert_eq!(rules(&state), 1);
    assert_eq!(std::fs::read(&output).unwrap(), merged);
}
