//! The auditctl personality against an in-memory kernel: the option state
//! machine's outcomes, output and exit codes, and the exact requests sent —
//! including the ones that must never reach this machine's kernel (`-e 2`
//! locks audit until reboot, `-f 2` panics on failure).

use crate::fake_kernel;
use crate::scratch;

use fake_kernel::{Run, SharedKernel};
use kaudit::codec::decode;
use kaudit::host::Host;
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::{AuditStatus, Transport};
use kaudit::tables::Machine;
use kaudit::uapi::AUDIT_SET;

fn auditctl(shared: &SharedKernel, args: &[&str]) -> Run {
    let host = Host::fixed(
        Machine::X86_64,
        &[("root", 0)],
        &[("root", 0)],
        &["/etc", "/tmp"],
    );
    fake_kernel::auditctl(shared, host, args)
}

/// A rules file `name` holding `text`, in a fresh directory (`tag`),
/// removed when the returned directory is dropped.
fn rules_file(tag: &str, name: &str, text: &str) -> (scratch::Scratch, std::path::PathBuf) {
    let dir = scratch::dir(&format!("cli-fake{tag}"));
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn kernel() -> SharedKernel {
    SharedKernel::new(FakeKernel::new())
}

fn sets(shared: &SharedKernel) -> Vec<AuditStatus> {
    shared
        .log
        .borrow()
        .iter()
        .filter(|r| r.msg_type == AUDIT_SET)
        .map(|r| AuditStatus::from_bytes(&r.payload).unwrap())
        .collect()
}

#[test]
fn lock_and_panic_settings_send_exactly_one_set_each() {
    let k = kernel();
    let r = auditctl(&k, &["-e", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = sets(&k);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].mask, s[0].enabled), (0x1, 2));
    assert!(r.stdout.starts_with("enabled 2\nfailure "), "{}", r.stdout);
    // Locked: rule changes are refused before anything is sent.
    let before = k.log.borrow().len();
    let r = auditctl(&k, &["-a", "always,exit", "-S", "open"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("immutable"));
    assert_eq!(k.log.borrow().len(), before);

    let k = kernel();
    let r = auditctl(&k, &["-f", "2"]);
    assert_eq!(r.code, 0);
    let s = sets(&k);
    assert_eq!((s[0].mask, s[0].failure), (0x2, 2));
    assert!(r.stdout.contains("failure 2\n"));
}

#[test]
fn settings_print_one_block_and_bad_values_are_refused() {
    let k = kernel();
    let r = auditctl(&k, &["-b", "128", "-r", "5"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.matches("enabled ").count(), 1);
    // The block is the status after the first setting.
    assert!(
        r.stdout.contains("backlog_limit 128\n") && r.stdout.contains("rate_limit 0\n"),
        "{}",
        r.stdout
    );
    for bad in [["-e", "3"], ["-f", "x"], ["-b", "-1"], ["-r", "abc"]] {
        let r = auditctl(&k, &bad);
        assert_eq!(r.code, 255, "{bad:?}");
        assert!(!r.stderr.is_empty());
    }
}

/// A rule added, then added again (a duplicate) in the test below.
const RULE_T1: &[&str] = &[
    "-a",
    "always,exit",
    "-F",
    "arch=b64",
    "-S",
    "openat",
    "-k",
    "t1",
];

#[test]
fn rules_are_added_listed_and_deleted() {
    let k = kernel();
    assert_eq!(auditctl(&k, RULE_T1).code, 0);
    assert_eq!(
        auditctl(&k, &["-w", "/etc/hosts", "-p", "wa", "-k", "t2"]).code,
        0
    );
    let l = auditctl(&k, &["-l"]);
    assert_eq!(
        l.stdout,
        "-a always,exit -F arch=b64 -S openat -F key=t1\n-w /etc/hosts -p wa -k t2\n"
    );
    assert_eq!(
        auditctl(&k, &["-l", "-k", "t2"]).stdout,
        "-w /etc/hosts -p wa -k t2\n"
    );
    assert_eq!(auditctl(&k, &["-l", "-k", "zzz"]).stdout, "");
    // A duplicate is refused by the kernel: 255 and a message.
    let r = auditctl(&k, RULE_T1);
    assert_eq!(r.code, 255);
    assert!(r.stderr.contains("Rule exists"), "{}", r.stderr);
    assert_eq!(
        auditctl(&k, &["-W", "/etc/hosts", "-p", "wa", "-k", "t2"]).code,
        0
    );
    let r = auditctl(&k, &["-D", "-k", "t1"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "No rules\n"));
    let rules = k.kernel.borrow_mut().list_rules().unwrap();
    assert!(rules.iter().all(|b| decode(b).is_ok()) && rules.is_empty());
}

#[test]
fn option_state_machine_outcomes() {
    let k = kernel();
    let cases: &[(&[&str], u8)] = &[
        (&[], 1),
        (&["-F", "uid=0"], 255),
        (&["-a", "always,exit", "-l"], 255),
        (&["-l", "-s"], 255),
        (&["-s", "-i"], 0),
        (&["-a", "exit,possible"], 0),
        (&["-a", "always,exit", "-a", "always,exit"], 255),
        (&["-Fuid=0", "-aalways,exit"], 255),
        (&["-aalways,exit", "-Fuid=0", "-kkey"], 255),
        (&["-aalways,exit", "-Fuid=0", "-Fexe=/bin/ls", "-kkey"], 0),
        (&["-S", "openat", "-a", "always,exit", "-k", "x"], 0),
        (&["-R", "/nonexistent.rules"], 1),
        (&["-c", "-R", "/nonexistent.rules"], 255),
        (&["--signal", "BOGUS"], 1),
        (&["--signal", "HUP"], 2),
        (&["-m", "hello", "-l"], 255),
        (&["-v"], 0),
        (&["-h"], 0),
        (&["--reset"], 255),
    ];
    for (args, code) in cases {
        let r = auditctl(&k, args);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
    }
}

#[test]
fn rules_file_is_checked_whole_before_anything_is_sent() {
    let (dir, bad) = rules_file(
        "",
        "bad.rules",
        "-a always,exit -S open -k a\n-a always,exit -F bogus=1\n",
    );
    let k = kernel();
    let r = auditctl(&k, &["-R", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("bad.rules:2:19: error: -F unknown field: bogus"),
        "{}",
        r.stderr
    );
    assert!(k.kernel.borrow_mut().list_rules().unwrap().is_empty());

    // After -i, a bad line is reported and skipped, and the load succeeds.
    let ignore = dir.join("ignore.rules");
    std::fs::write(
        &ignore,
        "-i\n-a always,exit -F bogus=1\n-a always,exit -S open -k a\n-b 32\n",
    )
    .unwrap();
    let r = auditctl(&k, &["-R", ignore.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(k.kernel.borrow_mut().list_rules().unwrap().len(), 1);
    assert!(r.stdout.contains("backlog_limit 32\n"));

    // After -c, the same, but the load fails at the end.
    let cont = dir.join("cont.rules");
    std::fs::write(
        &cont,
        "-c\n-a always,exit -F bogus=1\n-a always,exit -S close -k a\n",
    )
    .unwrap();
    let r = auditctl(&k, &["-R", cont.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert_eq!(k.kernel.borrow_mut().list_rules().unwrap().len(), 2);
}

/// A connection that notes, when it is closed (and with it, for the real
/// kernel, `rcu_expedited` restored), whether the machine lock is still held.
struct NotingClose {
    kernel: SharedKernel,
    lock: std::path::PathBuf,
    held_at_close: std::rc::Rc<std::cell::Cell<Option<bool>>>,
}

impl Transport for NotingClose {
    fn execute(
        &mut self,
        requests: &[kaudit::netlink::Request],
    ) -> Result<Vec<kaudit::netlink::Ack>, kaudit::netlink::TransportError> {
        self.kernel.execute(requests)
    }
    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, kaudit::netlink::TransportError> {
        self.kernel.list_rules()
    }
    fn get_status(&mut self) -> Result<AuditStatus, kaudit::netlink::TransportError> {
        self.kernel.get_status()
    }
    fn get_features(
        &mut self,
    ) -> Result<kaudit::netlink::AuditFeatures, kaudit::netlink::TransportError> {
        self.kernel.get_features()
    }
}

impl Drop for NotingClose {
    fn drop(&mut self) {
        let free = kaudit::lock::MachineLock::try_acquire_at(&self.lock).unwrap();
        self.held_at_close.set(Some(free.is_none()));
    }
}

#[test]
fn the_machine_lock_outlives_the_connection() {
    // The lock is released only after the connection is closed, so a
    // second writer never starts while this one's rcu_expedited is set.
    let (dir, rules) = rules_file("-lock", "one.rules", "-w /tmp -p w -k n-err-lock\n");
    let lock = dir.join("kaudit.lock");
    for args in [
        &["-w", "/tmp", "-p", "w", "-k", "n-err-lock"][..],
        &["-R", rules.to_str().unwrap()][..],
    ] {
        let held_at_close = std::rc::Rc::new(std::cell::Cell::new(None));
        let shared = kernel();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (k, l, h) = (shared.clone(), lock.clone(), held_at_close.clone());
        let lock_path = lock.clone();
        let mut kernel = fake_kernel::Scripted {
            open: move || {
                Box::new(NotingClose {
                    kernel: k.clone(),
                    lock: l.clone(),
                    held_at_close: h.clone(),
                }) as Box<dyn Transport>
            },
            lock: move || kaudit::lock::MachineLock::acquire_at(&lock_path).map(Some),
        };
        let mut env = kaudit::cli::env::Env {
            stdout: &mut out,
            stderr: &mut err,
            kernel: &mut kernel,
            host: Host::fixed(Machine::X86_64, &[], &[], &["/tmp"]),
        };
        let code = kaudit::cli::auditctl::run(args, &mut env);
        assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&err));
        assert_eq!(shared.kernel.borrow_mut().list_rules().unwrap().len(), 1);
        assert_eq!(held_at_close.get(), Some(true), "{args:?}");
    }
}
