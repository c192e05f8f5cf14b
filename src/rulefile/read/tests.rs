//! Unit tests of [`super`]: trust on what was opened, whole reads, and
//! the races of issue 20 items 1 and 3.

use super::*;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An empty directory of this test's own, mode 0755 (a trusted one).
fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kaudit-read-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    chmod(&d, 0o755);
    d
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn me() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The headlines of the trust problems of reading `f` as `owner`.
fn headlines(f: &Path, owner: u32) -> Vec<String> {
    read_trusted_owned_by(f, Trust::Refuse, owner)
        .unwrap()
        .1
        .iter()
        .map(|d| d.headline())
        .collect()
}

#[test]
fn files_of_root_and_of_the_runner_are_trusted_others_not() {
    let dir = scratch("owner");
    let f = dir.join("t.rules");
    std::fs::write(&f, "-w /etc/passwd -k t\n").unwrap();
    chmod(&f, 0o644);
    let me = me();
    // The runner's own file, and (the owner argument aside) root's.
    assert!(headlines(&f, me).is_empty(), "{:?}", headlines(&f, me));
    assert!(read_trusted(&f, Trust::Refuse).unwrap().1.is_empty());
    if me == 0 {
        // Root's directory and file are trusted whoever runs kaudit.
        assert!(
            headlines(&f, 1000).is_empty(),
            "root's file is always trusted"
        );
        std::os::unix::fs::chown(&f, Some(65534), None).unwrap();
        let end = "owned by uid 65534, not root: its owner could change what is audited";
        assert!(headlines(&f, 0)[0].ends_with(end), "{:?}", headlines(&f, 0));
        let end =
            "owned by uid 65534, not root or uid 1000: its owner could change what is audited";
        assert!(headlines(&f, 1000)[0].ends_with(end));
    } else {
        let end = format!(
            "owned by uid {me}, not root or uid {}: its owner could change what is audited",
            me + 1
        );
        // The directory is the runner's too, so it is reported first.
        let h = headlines(&f, me + 1);
        assert!(h.iter().any(|h| h.ends_with(&end)), "{h:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn group_and_world_writable_files_are_problems() {
    let dir = scratch("mode");
    let f = dir.join("t.rules");
    std::fs::write(&f, "-w /etc/passwd -k t\n").unwrap();
    chmod(&f, 0o664);
    let h = headlines(&f, me());
    assert_eq!(h.len(), 1, "{h:?}");
    assert!(
        h[0].contains("t.rules: error: the file is group-writable (gid "),
        "{h:?}"
    );
    chmod(&f, 0o646);
    let h = headlines(&f, me());
    assert_eq!(h.len(), 1, "{h:?}");
    assert!(h[0].ends_with("the file is world-writable: anyone could change what is audited"));
    // A warning for the commands that change nothing.
    let (bytes, warn) = read_trusted(&f, Trust::Warn).unwrap();
    assert_eq!(bytes, b"-w /etc/passwd -k t\n");
    assert_eq!(warn[0].severity, Severity::Warning);
    assert!(warn[0]
        .message
        .ends_with("(kaudit load and sync refuse it)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_directory_holding_the_file_is_checked() {
    let dir = scratch("dir");
    let f = dir.join("t.rules");
    std::fs::write(&f, "-w /etc/passwd -k t\n").unwrap();
    chmod(&f, 0o644);
    let d = dir.display().to_string();
    // Group-writable: its group could replace the file.
    chmod(&dir, 0o775);
    let h = headlines(&f, me());
    assert_eq!(h.len(), 1, "{h:?}");
    assert!(
        h[0].starts_with(&format!(
            "{d}: error: the directory is group-writable (gid "
        )),
        "{h:?}"
    );
    // World-writable: anyone could.
    chmod(&dir, 0o777);
    let h = headlines(&f, me());
    assert!(
        h.contains(&format!(
            "{d}: error: the directory is world-writable: anyone could add or replace a rules file in it"
        )),
        "{h:?}"
    );
    // Sticky and owned by a trusted user (as /tmp): nobody else can
    // rename or remove the trusted file in it.
    chmod(&dir, 0o1777);
    assert!(headlines(&f, me()).is_empty(), "{:?}", headlines(&f, me()));
    // A rules.d given as PATH: sticky does not help, anyone could add
    // a file to the set.
    let h: Vec<String> = directory_problems_owned_by(&[&dir], Trust::Refuse, me())
        .iter()
        .map(|d| d.headline())
        .collect();
    assert_eq!(h.len(), 1, "{h:?}");
    assert!(h[0].contains("the directory is world-writable"), "{h:?}");
    chmod(&dir, 0o2775);
    let h = directory_problems_owned_by(&[&dir], Trust::Refuse, me());
    assert!(h[0].message.starts_with("the directory is group-writable"));
    chmod(&dir, 0o755);
    assert!(directory_problems_owned_by(&[&dir], Trust::Refuse, me()).is_empty());
    // Owned by someone else: its owner could replace the file.
    let other = me() + 1;
    let h = headlines(&f, other);
    let owned = format!("{d}: error: the directory is owned by uid {}", me());
    if me() == 0 {
        // Root's directory is trusted; chown it to show an owner fault.
        assert!(h.is_empty(), "{h:?}");
        std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
        let h = headlines(&f, 0);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(
            h[0].starts_with(&format!(
                "{d}: error: the directory is owned by uid 65534, not root: its owner"
            )),
            "{h:?}"
        );
        let h = directory_problems_owned_by(&[&dir], Trust::Refuse, 0);
        assert_eq!(h.len(), 1);
        // Sticky does not help against the directory's own owner.
        chmod(&dir, 0o1777);
        let h = headlines(&f, 0);
        assert!(h.iter().any(|h| h.contains("owned by uid 65534")), "{h:?}");
        std::os::unix::fs::chown(&dir, Some(0), None).unwrap();
    } else {
        assert!(h.iter().any(|h| h.starts_with(&owned)), "{h:?}");
    }
    chmod(&dir, 0o755);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_symbolic_link_is_followed_and_its_target_directory_checked() {
    let dir = scratch("link");
    let real = dir.join("real");
    std::fs::create_dir_all(&real).unwrap();
    chmod(&real, 0o755);
    let target = real.join("t.rules");
    std::fs::write(&target, "-w /etc/passwd -k t\n").unwrap();
    chmod(&target, 0o644);
    let link = dir.join("l.rules");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (bytes, problems) = read_trusted_owned_by(&link, Trust::Refuse, me()).unwrap();
    assert_eq!(bytes, b"-w /etc/passwd -k t\n");
    assert!(problems.is_empty(), "{problems:?}");
    // The target's directory decides too.
    chmod(&real, 0o777);
    let h = headlines(&link, me());
    let real_d = std::fs::canonicalize(&real).unwrap().display().to_string();
    assert!(
        h.iter()
            .any(|h| h.starts_with(&format!("{real_d}: error: the directory is world-writable"))),
        "{h:?}"
    );
    chmod(&real, 0o755);
    if me() == 0 {
        // A link owned by someone else could be pointed anywhere.
        nix::unistd::fchownat(
            nix::fcntl::AT_FDCWD,
            &link,
            Some(nix::unistd::Uid::from_raw(65534)),
            None,
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .unwrap();
        let h = headlines(&link, 0);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h[0].contains("a symbolic link owned by uid 65534"), "{h:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Item 1 of issue 20: a trusted file swapped for an untrusted one
/// (world-writable, and with root another user's) in a loop with
/// `renameat2(RENAME_EXCHANGE)`, while it is read: the untrusted bytes
/// never come without a problem. (Checking the path, then opening it,
/// accepted them.)
#[test]
fn a_file_swapped_while_checked_is_never_read_as_trusted() {
    let dir = scratch("swap");
    let good = dir.join("50-x.rules");
    let evil = dir.join("evil");
    let trusted = b"-w /etc/passwd -p wa -k trusted\n";
    std::fs::write(&good, trusted).unwrap();
    chmod(&good, 0o644);
    std::fs::write(&evil, b"-w /etc/shadow -p wa -k evil\n").unwrap();
    chmod(&evil, 0o646);
    if me() == 0 {
        std::os::unix::fs::chown(&evil, Some(65534), None).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let a = std::ffi::CString::new(good.as_os_str().as_bytes()).unwrap();
        let b = std::ffi::CString::new(evil.as_os_str().as_bytes()).unwrap();
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Bursts of swaps, and pauses in which a read can find
                // the file unchanged (a swap changes its ctime).
                if swaps % 200 == 199 {
                    std::thread::sleep(Duration::from_millis(5));
                }
                // SAFETY: two NUL-terminated paths, relative to the cwd.
                let r = unsafe {
                    libc::renameat2(
                        libc::AT_FDCWD,
                        a.as_ptr(),
                        libc::AT_FDCWD,
                        b.as_ptr(),
                        libc::RENAME_EXCHANGE,
                    )
                };
                assert_eq!(r, 0, "renameat2: {}", std::io::Error::last_os_error());
                swaps += 1;
            }
            swaps
        })
    };
    let (mut accepted, mut refused, mut wrong) = (0u64, 0u64, 0u64);
    let until = std::time::Instant::now() + Duration::from_secs(2);
    while std::time::Instant::now() < until {
        match read_trusted(&good, Trust::Refuse) {
            Ok((bytes, problems)) if problems.is_empty() => {
                accepted += 1;
                if bytes != trusted {
                    wrong += 1;
                }
            }
            Ok(_) | Err(ReadError::Changed) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(swaps > 100, "only {swaps} swaps");
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
    assert_eq!(
        wrong, 0,
        "untrusted bytes accepted {wrong} times ({accepted} accepted, {refused} refused, {swaps} swaps)"
    );
}

/// Item 3 of issue 20: a file truncated and rewritten in place (both
/// versions whole rule sets) while it is read: every read that
/// succeeds is one of the versions, never a part of one.
#[test]
fn a_file_rewritten_in_place_is_never_read_half() {
    use std::io::Write;
    let dir = scratch("half");
    let f = dir.join("g.rules");
    let version = |v: u8| {
        let mut t = format!("# version {v}\n");
        for i in 0..2000 {
            t.push_str(&format!("-w /etc/x{i} -p wa -k A\n"));
        }
        t.push_str("-w /etc/y -p wa -k B\n");
        t.into_bytes()
    };
    let (v1, v2) = (version(1), version(2));
    std::fs::write(&f, &v1).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, f, v1, v2) = (stop.clone(), f.clone(), v1.clone(), v2.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let v = if n % 2 == 0 { &v2 } else { &v1 };
                let mut w = std::fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&f)
                    .unwrap();
                w.write_all(&v[..v.len() / 2]).unwrap();
                std::thread::sleep(Duration::from_millis(1));
                w.write_all(&v[v.len() / 2..]).unwrap();
                drop(w);
                // Longer than SETTLE: a read can find it whole.
                std::thread::sleep(SETTLE + Duration::from_millis(50));
                n += 1;
            }
            n
        })
    };
    let (mut whole, mut partial, mut changed) = (0u64, 0u64, 0u64);
    let until = std::time::Instant::now() + Duration::from_secs(3);
    while std::time::Instant::now() < until {
        match read_rules_file(&f) {
            Ok(b) if b == v1 || b == v2 => whole += 1,
            Ok(_) => partial += 1,
            Err(ReadError::Changed) => changed += 1,
            Err(e) => panic!("{e}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let rewrites = writer.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(rewrites > 10, "only {rewrites} rewrites");
    assert!(whole > 0, "no read succeeded ({changed} refused)");
    assert_eq!(
        partial, 0,
        "{partial} partial reads accepted ({whole} whole, {changed} refused as changed)"
    );
}

#[test]
fn a_time_in_the_future_is_waited_for_no_longer_than_a_fresh_change() {
    let dir = scratch("future");
    let f = dir.join("f.rules");
    std::fs::write(&f, b"-w /etc/passwd -k f\n").unwrap();
    let hour_ahead = nix::sys::time::TimeSpec::new(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            + 3600,
        0,
    );
    nix::sys::stat::utimensat(
        nix::fcntl::AT_FDCWD,
        &f,
        &hour_ahead,
        &hour_ahead,
        nix::sys::stat::UtimensatFlags::FollowSymlink,
    )
    .unwrap();
    let start = std::time::Instant::now();
    assert_eq!(read_rules_file(&f).unwrap(), b"-w /etc/passwd -k f\n");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_directory_of_a_missing_output_is_checked() {
    let dir = scratch("missing");
    chmod(&dir, 0o777);
    let p = file_problems(&dir.join("audit.rules"), Trust::Refuse);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.starts_with("the directory is world-writable"));
    chmod(&dir, 0o755);
    assert!(file_problems(&dir.join("audit.rules"), Trust::Refuse).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn read_errors_say_why_in_words() {
    let dir = std::env::temp_dir();
    assert_eq!(
        read_rules_file(&dir).unwrap_err().to_string(),
        "not a regular file (a directory); rules are read from regular files only"
    );
    assert_eq!(
        read_rules_file(Path::new("/")).unwrap_err().to_string(),
        "not a regular file (a directory); rules are read from regular files only"
    );
    assert_eq!(
        read_rules_file(&dir.join("kaudit-no-such.rules"))
            .unwrap_err()
            .to_string(),
        "cannot read: No such file or directory"
    );
    assert_eq!(
        read_rules_file(&dir.join("kaudit-no-such-dir/x.rules"))
            .unwrap_err()
            .to_string(),
        "cannot read: No such file or directory"
    );
    assert_eq!(
        ReadError::TooLarge(MAX_FILE_BYTES + 1).to_string(),
        "the file has 8388609 bytes; a rules file may have at most 8 MiB (8388608 bytes)"
    );
    assert_eq!(
        ReadError::Grew.to_string(),
        "the file grew while being read; a rules file may have at most 8 MiB (8388608 bytes)"
    );
    assert_eq!(
        ReadError::Changed.to_string(),
        "the file changed while being read (3 tries); nothing of it was used: \
         run again once nothing is writing it"
    );
}

#[test]
fn a_relative_path_is_read_from_the_current_directory() {
    // "x.rules" has the parent "": its directory is ".".
    let (bytes, _) = read_trusted(Path::new("Cargo.toml"), Trust::Warn).unwrap();
    assert!(bytes.starts_with(b"[package]"));
}

#[test]
fn the_limit_text_names_the_limit() {
    assert!(LIMIT_TEXT.contains(&format!(
        "{} MiB ({MAX_FILE_BYTES} bytes)",
        MAX_FILE_BYTES >> 20
    )));
}

#[test]
fn a_file_read_in_many_pieces_is_whole() {
    let dir = scratch("big");
    let f = dir.join("big.rules");
    let text: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(&f, &text).unwrap();
    assert_eq!(read_rules_file(&f).unwrap(), text);
    std::fs::write(&f, b"").unwrap();
    assert_eq!(read_rules_file(&f).unwrap(), b"");
    std::fs::remove_dir_all(&dir).unwrap();
}
