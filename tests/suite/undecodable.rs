//! Kernel rules kaudit cannot decode (issue 12 item 6), on the in-memory
//! kernel: one behaviour everywhere. They are listed (the fields that can be
//! read, the rest as numbers, with a warning), deleted by their bytes, and
//! managed by sync like any other rule.

use crate::fake_kernel;
use crate::scratch;

use fake_kernel::{Run, SharedKernel};
use kaudit::host::Host;
use kaudit::listing;
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::Transport;
use kaudit::rulefile::compile_text;
use kaudit::sync::{self, Scope};
use kaudit::tables::Machine;

fn host() -> Host {
    Host::fixed(Machine::X86_64, &[("root", 0)], &[("root", 0)], &["/tmp"])
}

fn desired(text: &str) -> sync::Desired {
    let (entries, diags) = compile_text("t.rules", text, &host());
    assert!(diags.is_empty(), "{diags:?}");
    let mut errors = Vec::new();
    let d = sync::desired_from_entries(&entries, &Scope::All, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    d
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes(b[off..off + 4].try_into().unwrap())
}

const GOOD: &str = "-a always,exit -F arch=b64 -S read -k i12-undec-good\n";

/// A fake holding a good rule and two the codec refuses: one whose key's
/// length runs past the string buffer (the key cannot be read), one whose
/// `buflen` promises more bytes than the message has (the key can be read).
fn kernel() -> SharedKernel {
    let mut k = FakeKernel::new();
    let good = desired(GOOD).rules.remove(0).0.bytes().to_vec();
    let mut overrun = desired("-a always,exit -F arch=b64 -S open -F uid=1 -k i12-undec-a\n")
        .rules
        .remove(0)
        .0
        .bytes()
        .to_vec();
    let count = u32_at(&overrun, 8) as usize;
    let key = (0..count)
        .find(|i| u32_at(&overrun, 268 + 4 * i) == 210)
        .unwrap();
    overrun[524 + 4 * key..528 + 4 * key].copy_from_slice(&100u32.to_ne_bytes());
    let mut truncated = desired("-a always,exit -F arch=b64 -S close -k i12-undec-b\n")
        .rules
        .remove(0)
        .0
        .bytes()
        .to_vec();
    let buflen = u32_at(&truncated, 1036) + 8;
    truncated[1036..1040].copy_from_slice(&buflen.to_ne_bytes());
    for b in [&good, &overrun, &truncated] {
        assert!(k.insert_rule(b));
    }
    assert!(kaudit::codec::decode(&overrun).is_err());
    assert!(kaudit::codec::decode(&truncated).is_err());
    SharedKernel::new(k)
}

fn auditctl(k: &SharedKernel, args: &[&str]) -> Run {
    fake_kernel::auditctl(k, host(), args)
}

#[test]
fn listed_with_what_can_be_read_and_a_warning() {
    let mut k = kernel();
    // The native commands (`kaudit list`, `list --json`, `delete --key`,
    // `list --watches`) read the kernel through listing::kernel_rules.
    let mut notes = Vec::new();
    let rules = listing::kernel_rules(&mut k, &mut notes).unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("cannot fully decode"), "{notes:?}");
    let text = String::from_utf8(listing::listing(&mut k, &host(), None, false).unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "-a always,exit -F arch=b64 -S read -F key=i12-undec-good"
    );
    // The key whose length runs past the buffer: its length, as a number.
    assert!(
        lines[1].starts_with("-a always,exit -F arch=b64 -S open -F uid=1 -F key=100"),
        "{text}"
    );
    assert_eq!(
        lines[2],
        "-a always,exit -F arch=b64 -S close -F key=i12-undec-b"
    );
    // The auditctl personality: the same lines, the warnings on stderr.
    let Run {
        code,
        stdout,
        stderr,
    } = auditctl(&k, &["-l"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, text);
    assert_eq!(stderr.matches("cannot fully decode").count(), 2, "{stderr}");
    // -l -k filters on the key it can read.
    let Run { stdout, .. } = auditctl(&k, &["-l", "-k", "i12-undec-b"]);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
}

#[test]
fn deleted_by_their_bytes() {
    let k = kernel();
    let Run { code, stdout, .. } = auditctl(&k, &["-D", "-k", "i12-undec-b"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(k.kernel.borrow().rule_count(), 2);
    let Run {
        code,
        stdout,
        stderr,
    } = auditctl(&k, &["-D"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "No rules\n");
    assert_eq!(
        k.kernel.borrow().rule_count(),
        0,
        "-D left an undecodable rule"
    );
}

#[test]
fn managed_by_sync_like_any_other_rule() {
    // Without a scope: the table becomes the files; both go.
    let mut k = kernel();
    let want = desired(GOOD);
    let r = sync::compare(&mut k, &want, &Scope::All).unwrap();
    assert_eq!(r.plan.counts(), (0, 2));
    let text = sync::plan_text(&r, &host());
    assert!(
        text.contains("delete  -a always,exit -F arch=b64 -S open -F uid=1 -F key=100"),
        "{text}"
    );
    sync::apply(&mut k, &want, &Scope::All, &host()).unwrap();
    assert_eq!(k.kernel.borrow().rule_count(), 1);
    // With a key scope: the rule whose key can be read is managed (and
    // deleted, as the files do not hold it); the one whose key cannot be
    // read is outside any key scope and stays.
    let mut k = kernel();
    let scope = Scope::KeyPrefix("i12-undec-".into());
    sync::apply(&mut k, &want, &scope, &host()).unwrap();
    let left: Vec<String> = listing::kernel_rules(&mut k, &mut Vec::new())
        .unwrap()
        .into_iter()
        .map(|(_, r)| kaudit::listing::list_text(&[r], &host()))
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[1].contains("key=100"), "{left:?}");
}

/// The native commands, run as the binary against the same three rules in
/// the test-only fake kernel file (`KAUDIT_FAKE_KERNEL`).
#[test]
fn the_native_commands_list_delete_and_sync_them() {
    let dir = scratch::dir("undecodable");
    let state = dir.join("kernel");
    let mut text = String::new();
    for b in kernel().kernel.borrow_mut().list_rules().unwrap() {
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        text.push_str(&format!("rule {hex}\n"));
    }
    std::fs::write(&state, text).unwrap();
    let kaudit = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(args)
            .env("KAUDIT_FAKE_KERNEL", &state)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, out, err) = kaudit(&["list"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("-F uid=1 -F key=100"), "{out}");
    assert_eq!(err.matches("cannot fully decode").count(), 2, "{err}");
    let (code, out, _) = kaudit(&["list", "--json"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.matches("\"rule\":").count(), 3, "{out}");
    let (code, _, err) = kaudit(&["delete", "--key", "i12-undec-b"]);
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = kaudit(&["list"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    let files = dir.join("good.rules");
    std::fs::write(&files, GOOD).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (code, _, err) = kaudit(&["sync", files.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = kaudit(&["list"]);
    assert_eq!(
        out,
        "-a always,exit -F arch=b64 -S read -F key=i12-undec-good\n"
    );
}
