use super::*;
use std::os::unix::fs::MetadataExt;
use std::sync::mpsc;

/// A scratch directory of this test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("kaudit-lock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

fn ino(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().ino()
}

#[test]
fn excludes_within_one_process() {
    let dir = Scratch::new("excl");
    let path = dir.join("kaudit.lock");
    let held = MachineLock::acquire_at(&path).unwrap();
    assert_eq!(held.path(), path);
    assert_eq!(mode(&path), 0o600);
    assert!(MachineLock::try_acquire_at(&path).unwrap().is_none());
    drop(held);
    let again = MachineLock::try_acquire_at(&path).unwrap();
    assert!(again.is_some());
}

#[test]
fn a_symlink_at_the_lock_path_is_refused_and_not_followed() {
    let dir = Scratch::new("link");
    let link = dir.join("kaudit.lock");
    let target = dir.join("target-that-must-not-appear");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = MachineLock::acquire_at(&link).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(MachineLock::try_acquire_at(&link).is_err());
    assert!(!target.exists(), "the symlink's target was created");
}

#[test]
fn a_fifo_a_device_or_a_directory_is_refused_by_name() {
    let dir = Scratch::new("types");
    let fifo = dir.join("fifo.lock");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let sub = dir.join("dir.lock");
    std::fs::create_dir(&sub).unwrap();
    for (path, what) in [
        (fifo.as_path(), "is a FIFO, not a regular file"),
        (
            Path::new("/dev/null"),
            "is a character device, not a regular file",
        ),
        (sub.as_path(), "is a directory, not a regular file"),
    ] {
        let err = MachineLock::acquire_at(path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(err.contains("refusing to use it"), "{err}");
        let err = MachineLock::try_acquire_at(path).unwrap_err().to_string();
        assert!(err.contains(what), "{err}");
    }
    // Nothing was replaced: the FIFO is still there.
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn a_file_writable_by_others_is_refused_and_left_as_it_is() {
    let dir = Scratch::new("writable");
    for m in [0o666, 0o620, 0o602] {
        let path = dir.join(&format!("{m:o}.lock"));
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
        let before = ino(&path);
        let err = MachineLock::acquire_at(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!("has mode {m:04o}, writable by other users")),
            "{err}"
        );
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert_eq!(mode(&path), m, "the mode was changed");
        assert_eq!(ino(&path), before, "the file was replaced");
    }
}

#[test]
fn a_file_readable_by_others_is_set_to_0600_in_place_and_said() {
    // What `exec 9>/run/kaudit.lock` under umask 022 leaves: 0644.
    let dir = Scratch::new("readable");
    let path = dir.join("kaudit.lock");
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = ino(&path);
    let mut notices = Vec::new();
    let held = MachineLock::acquire_within(&path, Some(Duration::ZERO), &mut |n| {
        notices.push(n.to_string())
    })
    .unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(ino(&path), before, "the file was replaced");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("had mode 0644"), "{notices:?}");
    assert!(notices[0].contains("set it to 0600"), "{notices:?}");
    drop(held);
}

#[test]
fn a_file_of_another_user_or_with_two_links_is_refused() {
    let dir = Scratch::new("owner");
    let linked = dir.join("linked.lock");
    std::fs::write(&linked, "").unwrap();
    std::fs::set_permissions(&linked, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::hard_link(&linked, dir.join("second-name")).unwrap();
    let err = MachineLock::acquire_at(&linked).unwrap_err().to_string();
    assert!(err.contains("has 2 hard links"), "{err}");
    if !nix::unistd::geteuid().is_root() {
        return;
    }
    let theirs = dir.join("theirs.lock");
    std::fs::write(&theirs, "").unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    let err = MachineLock::acquire_at(&theirs).unwrap_err().to_string();
    assert!(err.contains("is owned by uid 65534, not by root"), "{err}");
}

#[test]
fn a_file_removed_after_it_was_opened_is_not_refused() {
    // Between open and fstat the file can be removed (no link left): not
    // an error of the file's; the path check after the flock opens again.
    let dir = Scratch::new("unlinked");
    let path = dir.join("kaudit.lock");
    let file = open_own_file(&path, true, &mut |_| {}).unwrap();
    std::fs::remove_file(&path).unwrap();
    let meta = file.metadata().unwrap();
    assert_eq!(meta.nlink(), 0);
    assert!(!check_own(&path, &meta).unwrap());
}

/// Holds the lock on `path` in this thread; `acquire_within` in another
/// waits for it. The waiter reports its notice through the channel.
fn waiter(
    path: PathBuf,
    timeout: Option<Duration>,
) -> (
    mpsc::Receiver<String>,
    std::thread::JoinHandle<io::Result<MachineLock>>,
) {
    let (tx, rx) = mpsc::channel();
    let join = std::thread::spawn(move || {
        MachineLock::acquire_within(&path, timeout, &mut |n| {
            let _ = tx.send(n.to_string());
        })
    });
    (rx, join)
}

#[test]
fn a_lock_file_replaced_while_waited_for_is_locked_anew() {
    // The waiter opened the old inode; the path now names a new one. A
    // lock on the old inode would exclude nobody who opens the path from
    // now on: the waiter must end up holding the file the path names.
    for timeout in [None, Some(Duration::from_secs(30))] {
        let dir = Scratch::new("replaced");
        let path = dir.join("kaudit.lock");
        let held = MachineLock::acquire_at(&path).unwrap();
        let (notices, join) = waiter(path.clone(), timeout);
        let notice = notices.recv_timeout(Duration::from_secs(20)).unwrap();
        assert!(notice.contains("waiting for the machine lock"), "{notice}");
        // Replace the file (a new inode, renamed over the path).
        let fresh = dir.join("fresh");
        std::fs::write(&fresh, "").unwrap();
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::rename(&fresh, &path).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
        let got = join.join().unwrap().expect("the waiter takes the lock");
        assert!(
            MachineLock::try_acquire_at(&path).unwrap().is_none(),
            "{timeout:?}: the waiter holds the old inode; a newcomer took the path's file as well"
        );
        drop(got);
        assert!(MachineLock::try_acquire_at(&path).unwrap().is_some());
    }
}

#[test]
fn a_lock_file_removed_while_being_locked_is_created_again() {
    // The holder removes the file before it lets go (the unlink-on-release
    // pattern): the waiter, woken on the removed inode, must not stay on
    // it.
    let dir = Scratch::new("removed");
    let path = dir.join("kaudit.lock");
    let held = MachineLock::acquire_at(&path).unwrap();
    let (notices, join) = waiter(path.clone(), None);
    notices.recv_timeout(Duration::from_secs(20)).unwrap();
    std::fs::remove_file(&path).unwrap();
    drop(held);
    let got = join.join().unwrap().unwrap();
    assert!(path.exists(), "the lock file was not created again");
    assert!(MachineLock::try_acquire_at(&path).unwrap().is_none());
    drop(got);
}

#[test]
fn waiting_says_for_what_and_who_once_and_gives_up_after_the_timeout() {
    let dir = Scratch::new("wait");
    let path = dir.join("kaudit.lock");
    let held = MachineLock::acquire_at(&path).unwrap();
    let mut notices = Vec::new();
    let start = Instant::now();
    let err = MachineLock::acquire_within(&path, Some(Duration::from_millis(300)), &mut |n| {
        notices.push(n.to_string())
    })
    .unwrap_err();
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(timed_out(&err), "{err:?}");
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    // The holder is this process (another open file description).
    let me = format!("pid {}", std::process::id());
    assert_eq!(notices.len(), 1, "{notices:?}");
    let n = &notices[0];
    assert!(
        n.starts_with(&format!(
            "kaudit: waiting for the machine lock {}, held by {me}",
            path.display()
        )),
        "{n}"
    );
    assert!(n.contains("giving up after 0.3 s"), "{n}");
    assert!(n.contains(LOCK_TIMEOUT_ENV), "{n}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains(&me), "{msg}");
    assert!(msg.starts_with("gave up after waiting 0.3 s for"), "{msg}");
    // A zero timeout gives up at once, without a notice.
    let mut quiet = 0;
    let err =
        MachineLock::acquire_within(&path, Some(Duration::ZERO), &mut |_| quiet += 1).unwrap_err();
    assert!(timed_out(&err));
    assert_eq!(quiet, 0);
    // An error that is not a timeout is not taken for one.
    assert!(!timed_out(&io::Error::from_raw_os_error(libc::ETIMEDOUT)));
    drop(held);
    assert!(MachineLock::acquire_within(&path, Some(Duration::ZERO), &mut |_| {}).is_ok());
}

#[test]
fn holders_are_read_from_proc_locks() {
    let text = "\
1: FLOCK  ADVISORY  WRITE 4242 00:1a:77 0 EOF
1: -> FLOCK  ADVISORY  WRITE 4343 00:1a:77 0 EOF
2: FLOCK  ADVISORY  READ 17 00:1a:78 0 EOF
3: POSIX  ADVISORY  WRITE 99 fd:01:77 0 EOF
4: FLOCK  ADVISORY  READ 5151 00:1a:77 0 EOF
";
    let dev = libc::makedev(0, 0x1a);
    assert_eq!(holders_in(text, dev, 77), vec![4242, 5151]);
    assert_eq!(holders_in(text, dev, 79), Vec::<u32>::new());
    assert_eq!(holders_in(text, libc::makedev(0xfd, 1), 77), vec![99]);
}

#[test]
fn the_timeout_variable_is_whole_seconds() {
    use std::ffi::OsStr;
    let secs = |v: Option<&str>| parse_timeout(v.map(OsStr::new)).map(|d| d.as_secs());
    assert_eq!(secs(None).unwrap(), DEFAULT_TIMEOUT_SECS);
    assert_eq!(secs(Some("")).unwrap(), DEFAULT_TIMEOUT_SECS);
    assert_eq!(secs(Some("0")).unwrap(), 0);
    assert_eq!(secs(Some("600")).unwrap(), 600);
    let err = secs(Some("1m")).unwrap_err().to_string();
    assert_eq!(
        err,
        "KAUDIT_LOCK_TIMEOUT=1m is not a whole number of seconds"
    );
    assert!(secs(Some("-1")).is_err());
}
