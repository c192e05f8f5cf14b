//! `kaudit lint`: every finding, with rule sets that must be flagged and
//! near-misses that must not; exit codes; JSON shape.

use crate::scratch::{self, Scratch};
use kaudit::host::Host;
use kaudit::lint::{lint_paths, Code, Options, Report};
use kaudit::tables::Machine;

fn host() -> Host {
    Host::fixed(
        Machine::X86_64,
        &[("root", 0)],
        &[("root", 0)],
        &["/", "/etc", "/etc/audit", "/var/log"],
    )
    .extended()
}

fn tmpdir() -> Scratch {
    scratch::dir("lint")
}

fn lint_on(text: &str, machines: &[Machine]) -> Report {
    let d = tmpdir();
    let f = d.join("t.rules");
    std::fs::write(&f, text).unwrap();
    let r = lint_paths(
        &[f.to_string_lossy().into_owned()],
        &host(),
        &Options {
            machines: machines.to_vec(),
        },
    );
    r
}

fn lint(text: &str) -> Report {
    lint_on(text, &[])
}

/// The (code, line) pairs of the findings of one code.
fn found(r: &Report, code: Code) -> Vec<usize> {
    r.findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.line)
        .collect()
}

fn message(r: &Report, code: Code) -> String {
    r.findings
        .iter()
        .find(|f| f.code == code)
        .map(|f| f.message.clone())
        .unwrap_or_else(|| panic!("no {code:?} in {:#?}", r.findings))
}

const K: &str = "-k k";

#[test]
fn codes_are_stable_and_unique() {
    let ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
    assert_eq!(Code::UnreachableRule.id(), "KL110");
    assert_eq!(Code::UnreachableRule.name(), "unreachable-rule");
    assert_eq!(Code::DuplicateRule.id(), "KL102");
    assert_eq!(Code::MissingB32Twin.id(), "KL220");
}

#[test]
fn compile_errors_and_kernel_refusals() {
    let r = lint("-a always,exit -F bogus=1\n-a always,exit -F arch=b64 -S open -F uid&1 -k x\n-a always,exit -F arch=b64 -S open -k ok\n");
    assert_eq!(found(&r, Code::CompileError), [1]);
    assert_eq!(found(&r, Code::KernelRefuses), [2]);
    let f = r
        .findings
        .iter()
        .find(|f| f.code == Code::CompileError)
        .unwrap();
    assert_eq!((f.column, f.end_column), (19, 24));
    assert!(f.render().contains("^^^^^"), "{}", f.render());
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 1);
}

#[test]
fn unparsable_and_unreadable_input_is_exit_2() {
    let r = lint("-a always,exit -F arch=b64 -S open -k x\ngarbage\n");
    assert_eq!(found(&r, Code::SyntaxError), [2]);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 2);
    let r = lint_paths(
        &["/nonexistent/kaudit-lint.rules".to_string()],
        &host(),
        &Options { machines: vec![] },
    );
    assert_eq!(found(&r, Code::UnreadableInput).len(), 1);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 2);
    // A *.rules entry of a directory that is not a regular file.
    let d = tmpdir();
    std::fs::create_dir_all(d.join("b.rules")).unwrap();
    let r = lint_paths(
        &[d.to_string_lossy().into_owned()],
        &host(),
        &Options { machines: vec![] },
    );
    assert_eq!(found(&r, Code::UnreadableInput).len(), 1);
    // A directory without *.rules files: the reason is said once, as it is.
    let d = tmpdir();
    std::fs::create_dir_all(&d).unwrap();
    let r = lint_paths(
        &[d.to_string_lossy().into_owned()],
        &host(),
        &Options { machines: vec![] },
    );
    let messages: Vec<&str> = r.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "no *.rules files in this directory (only files named *.rules are read); \
          refusing to treat it as an empty rule set"
        ]
    );
}

#[test]
fn duplicates() {
    let rule = "-a always,exit -F arch=b64 -S open -k a";
    let r = lint(&format!("{rule}\n-w /etc/passwd -p wa -k id\n{rule}\n"));
    assert_eq!(found(&r, Code::DuplicateRule), [3]);
    assert!(message(&r, Code::DuplicateRule).contains(":1"));
    // Near misses: another key; deleted before it comes again.
    let r = lint(&format!(
        "{rule}\n-a always,exit -F arch=b64 -S open -k b\n"
    ));
    assert!(found(&r, Code::DuplicateRule).is_empty());
    let r = lint(&format!(
        "{rule}\n-d always,exit -F arch=b64 -S open -k a\n{rule}\n"
    ));
    assert!(found(&r, Code::DuplicateRule).is_empty());
    assert!(found(&r, Code::DeleteMissing).is_empty());
}

#[test]
fn delete_without_add() {
    let r = lint("-d always,exit -F arch=b64 -S open -k a\n");
    assert_eq!(found(&r, Code::DeleteMissing), [1]);
}

#[test]
fn lock_before_rules() {
    let r = lint("-e 2\n-a always,exit -F arch=b64 -S open -k a\n");
    assert_eq!(found(&r, Code::LockBeforeRules), [1]);
    let r = lint("-a always,exit -F arch=b64 -S open -k a\n-e 2\n");
    assert!(found(&r, Code::LockBeforeRules).is_empty());
    // -e 1 before rules locks nothing.
    let r = lint("-e 1\n-a always,exit -F arch=b64 -S open -k a\n");
    assert!(found(&r, Code::LockBeforeRules).is_empty());
}

#[test]
fn settings_and_order() {
    let rule = "-a always,exit -F arch=b64 -S open -k a";
    let r = lint(&format!(
        "{rule}\n-D\n-b 100\n--backlog_wait_time 10\n-f 1\n-r 5\n"
    ));
    assert_eq!(found(&r, Code::DeleteAllAfterRules), [2]);
    assert_eq!(found(&r, Code::SettingAfterRules), [3, 4, 5]);
    let r = lint(&format!(
        "-D\n-b 100\n-f 1\n--backlog_wait_time 10\n{rule}\n"
    ));
    assert!(found(&r, Code::DeleteAllAfterRules).is_empty());
    assert!(found(&r, Code::SettingAfterRules).is_empty());
    let r = lint("-b 100\n-b 200\n-f 1\n-f 1\n");
    assert_eq!(found(&r, Code::SettingOverridden), [1]);
    assert!(message(&r, Code::SettingOverridden).contains("-b 200"));
}

#[test]
fn unreachable_rules_and_their_reason() {
    let a = "-a always,exit -F arch=b64 -S open,openat -F auid>=1000 -F auid!=unset -k wide";
    let r = lint(&format!(
        "{a}\n-a always,exit -F arch=b64 -S open -F auid>=1500 -F auid!=unset -k narrow\n"
    ));
    assert_eq!(found(&r, Code::UnreachableRule), [2]);
    let m = message(&r, Code::UnreachableRule);
    assert!(m.contains("t.rules:1"), "{m}");
    assert!(m.contains("auid>=1000 holds whenever auid>=1500"), "{m}");
    assert!(m.contains("key wide"), "{m}");
    // auid=2000 implies auid>=1000 and auid!=unset.
    let r = lint(&format!(
        "{a}\n-a always,exit -F arch=b64 -S openat -F auid=2000 -k n\n"
    ));
    assert_eq!(found(&r, Code::UnreachableRule), [2]);
    // A never rule with no condition hides everything after it on its arch.
    let r = lint("-a never,exit -F arch=b64 -S all\n-a always,exit -F arch=b64 -S open -k n\n");
    assert!(message(&r, Code::UnreachableRule).contains("never recorded"));
    // Watches: -p w is inside -p wa on the same path.
    let r = lint("-w /etc/passwd -p wa -k a\n-w /etc/passwd -p w -k b\n");
    assert_eq!(found(&r, Code::UnreachableRule), [2]);
    // Bit tests: a0=1 has a bit of 3.
    let r = lint("-a always,exit -F arch=b64 -S ptrace -F a0&3 -k a\n-a always,exit -F arch=b64 -S ptrace -F a0=1 -k b\n");
    assert_eq!(found(&r, Code::UnreachableRule), [2]);
    // The exclude list: the first matching rule drops the record.
    let r = lint("-a always,exclude -F msgtype>=1300\n-a always,exclude -F msgtype=CWD\n");
    assert_eq!(found(&r, Code::UnreachableRule), [2]);
}

#[test]
fn reachable_near_misses() {
    let a = "-a always,exit -F arch=b64 -S open,openat -F auid>=1000 -k wide";
    for b in [
        // another architecture
        "-a always,exit -F arch=b32 -S open -F auid>=1500 -k n",
        // syscalls the earlier rule lacks
        "-a always,exit -F arch=b64 -S open,creat -F auid>=1500 -k n",
        // a wider range than the earlier rule's
        "-a always,exit -F arch=b64 -S open -F auid>=500 -k n",
        // no condition on auid at all
        "-a always,exit -F arch=b64 -S open -k n",
        // no arch: 32-bit calls too
        "-a always,exit -S open -F auid>=1500 -k n",
        // another list
        "-a always,exclude -F auid>=1500",
    ] {
        let r = lint(&format!("{a}\n{b}\n"));
        assert!(
            found(&r, Code::UnreachableRule).is_empty(),
            "{b}: {:#?}",
            r.findings
        );
    }
    // != does not imply a range, and a range does not imply !=.
    let r = lint("-a always,exit -F arch=b64 -S open -F uid!=5 -k a\n-a always,exit -F arch=b64 -S open -F uid>=1 -k b\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
    // The narrower rule first is fine.
    let r = lint("-a always,exit -F arch=b64 -S open -F auid>=1500 -k n\n-a always,exit -F arch=b64 -S open,openat -F auid>=1000 -k w\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
    // -A puts the later line first.
    let r = lint("-a always,exit -F arch=b64 -S open,openat -k w\n-A always,exit -F arch=b64 -S open -F uid=0 -k n\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
    // Watch perms: r is not inside wa; another path.
    let r = lint("-w /etc/passwd -p wa -k a\n-w /etc/passwd -p r -k b\n-w /etc/shadow -p w -k c\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
    // a0=4 has no bit of 3.
    let r = lint("-a always,exit -F arch=b64 -S ptrace -F a0&3 -k a\n-a always,exit -F arch=b64 -S ptrace -F a0=4 -k b\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
    // exit= may be absent: a condition on it is never implied by none.
    let r = lint("-a always,exit -F arch=b64 -S open -F exit!=0 -k a\n-a always,exit -F arch=b64 -S open -k b\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
    // On the exclude list the kernel stops at a field it does not evaluate
    // there (euid), so no claim is made.
    let r = lint("-a always,exclude -F msgtype>=1300 -F euid=0\n-a always,exclude -F msgtype=CWD -F euid=0\n");
    assert!(found(&r, Code::UnreachableRule).is_empty());
}

#[test]
fn rules_that_match_nothing() {
    let r = lint("-a always,exit -F arch=b64 -S open -F auid>=1000 -F auid<500 -k a\n");
    assert_eq!(found(&r, Code::NeverMatches), [1]);
    let r = lint("-a always,exit -F arch=b64 -S open -F auid>=500 -F auid<1000 -k a\n");
    assert!(found(&r, Code::NeverMatches).is_empty());
}

#[test]
fn keys_shadowed_by_an_earlier_rule() {
    let r = lint("-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S chmod -F auid>=1000 -k perm\n");
    assert_eq!(found(&r, Code::KeyShadowed), [2]);
    assert!(message(&r, Code::KeyShadowed).contains("key identity"));
    // Near misses: no syscall of a kind perm=wa accepts; the same key.
    let r =
        lint("-w /etc/passwd -p wa -k identity\n-a always,exit -F arch=b64 -S adjtimex -k time\n");
    assert!(found(&r, Code::KeyShadowed).is_empty());
    let r = lint("-w /etc/passwd -p wa -k perm\n-a always,exit -F arch=b64 -S chmod -k perm\n");
    assert!(found(&r, Code::KeyShadowed).is_empty());
    // Disjoint ranges.
    let r = lint("-a always,exit -F arch=b64 -S open -F auid<1000 -k a\n-a always,exit -F arch=b64 -S open -F auid>=1000 -k b\n");
    assert!(found(&r, Code::KeyShadowed).is_empty());
}

#[test]
fn never_after_always() {
    let r = lint("-a always,exit -F arch=b64 -S open -k a\n-a never,exit -F arch=b64 -S open,openat -F uid=0\n");
    assert_eq!(found(&r, Code::NeverAfterAlways), [2]);
    let r = lint("-a never,exit -F arch=b64 -S open,openat -F uid=0\n-a always,exit -F arch=b64 -S open -k a\n");
    assert!(found(&r, Code::NeverAfterAlways).is_empty());
    let r = lint(
        "-a always,exit -F arch=b64 -S open -k a\n-a never,exit -F arch=b64 -S openat -F uid=0\n",
    );
    assert!(found(&r, Code::NeverAfterAlways).is_empty());
}

#[test]
fn b32_twins() {
    let b64 = "-a always,exit -F arch=b64 -S chown,fchown -F auid>=1000 -k own";
    let r = lint(&format!("{b64}\n"));
    assert_eq!(found(&r, Code::MissingB32Twin), [1]);
    let m = message(&r, Code::MissingB32Twin);
    assert!(m.contains("chown, chown32, fchown, fchown32"), "{m}");
    // A full twin.
    let r = lint(&format!(
        "{b64}\n-a always,exit -F arch=b32 -S chown,chown32,fchown,fchown32 -F auid>=1000 -k own\n"
    ));
    assert!(
        found(&r, Code::MissingB32Twin).is_empty(),
        "{:#?}",
        r.findings
    );
    // A twin with a narrower condition does not cover.
    let r = lint(&format!(
        "{b64}\n-a always,exit -F arch=b32 -S chown,chown32,fchown,fchown32 -F auid>=2000 -k own\n"
    ));
    assert_eq!(found(&r, Code::MissingB32Twin), [1]);
    // A rule without an arch covers every arch's numbers it holds.
    let r = lint(&format!("{b64}\n-a always,exit -S all -k all\n"));
    assert!(found(&r, Code::MissingB32Twin).is_empty());
    // A syscall the 32-bit ABI lacks needs no twin.
    let r = lint("-a always,exit -F arch=b64 -S newfstatat -k s\n");
    assert!(found(&r, Code::MissingB32Twin).is_empty());
}

#[test]
fn other_machines() {
    let r = lint_on(
        "-a always,exit -F arch=b64 -S open,openat,creat -k o\n-a always,exit -F arch=b32 -S openat -k o\n",
        &[Machine::X86_64, Machine::Aarch64],
    );
    assert_eq!(found(&r, Code::SyscallMissingOnArch), [1]);
    let m = message(&r, Code::SyscallMissingOnArch);
    assert!(m.contains("open, creat do not exist on aarch64"), "{m}");
    let f = r
        .findings
        .iter()
        .find(|f| f.code == Code::SyscallMissingOnArch)
        .unwrap();
    assert_eq!(f.column, 31);
    let r = lint_on(
        "-a always,exit -F arch=b64 -S openat -k o\n",
        &[Machine::X86_64, Machine::Aarch64],
    );
    assert!(found(&r, Code::SyscallMissingOnArch).is_empty());
    let r = lint_on(
        "-a always,exit -F arch=b32 -S openat -k o\n",
        &[Machine::X86_64, Machine::Ppc64le],
    );
    assert_eq!(found(&r, Code::ArchMissing), [1]);
    // Only this machine: no cross-machine finding.
    let r = lint("-a always,exit -F arch=b64 -S open -k o\n");
    assert!(found(&r, Code::SyscallMissingOnArch).is_empty());
}

#[test]
fn notes() {
    let r = lint("-a always,exit -F arch=b64 -S open\n-a never,exit -F arch=b64 -S open\n-a always,exit -F arch=b64 -S openat -k k\n");
    assert_eq!(found(&r, Code::MissingKey), [1]);
    let r = lint("-w /nonexistent-kaudit/x -p wa -k a\n-w /etc/x -p wa -k b\n");
    assert_eq!(found(&r, Code::WatchDirMissing), [1]);
    let r = lint(&format!(
        "-a always,exit -S all {K}\n-a always,exit -S all -F uid=0 {K}\n"
    ));
    assert_eq!(found(&r, Code::AuditEverything), [1]);
}

#[test]
fn numbers_the_kernel_gets_otherwise() {
    // Byte-identical with the reference on purpose; lint says what is sent.
    let r = lint(&format!(
        "-a always,exit -F arch=b64 -S openat -F uid=4294967296 {K}\n\
         -a always,exit -F arch=b64 -S openat -F exit=4294967298 {K}\n\
         -a always,exit -F arch=b64 -S openat -F sessionid=abc {K}\n\
         -a always,exit -F arch=b64 -S openat -F a0=0x100000005 -F a1=-4294967297 {K}\n\
         -a always,exit -F arch=b64 -S openat -F auid>=1000 -F auid<=99999999999 {K}\n"
    ));
    assert_eq!(found(&r, Code::NumberWraps), [1, 2, 3, 4, 4, 5]);
    let messages: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code == Code::NumberWraps)
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        messages[0].starts_with("4294967296 does not fit in 32 bits; the kernel gets uid=0"),
        "{messages:?}"
    );
    assert!(messages[1].starts_with("4294967298 does not fit in 32 bits; the kernel gets exit=2"));
    assert!(messages[2].starts_with("abc is not a number; the kernel gets sessionid=0"));
    assert!(messages[3].starts_with("0x100000005 does not fit in 32 bits; the kernel gets a0=5"));
    assert!(messages[4]
        .starts_with("-4294967297 does not fit in 32 bits; the kernel gets a1=4294967295"));
    // The second auid condition, not the first.
    assert!(messages[5]
        .starts_with("99999999999 does not fit in 32 bits; the kernel gets auid=1215752191"));
    let f = r
        .findings
        .iter()
        .find(|f| f.code == Code::NumberWraps)
        .unwrap();
    assert_eq!(f.severity(), kaudit::diag::Severity::Warning);
    assert_eq!((f.column, f.end_column), (45, 55), "{}", f.render());
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 0);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Warning), 1);
    // Near misses: numbers that fit (u32 and i32 forms), names, `unset`,
    // long digits outside number fields.
    let r = lint(&format!(
        "-a always,exit -F arch=b64 -S openat -F uid=4294967295 -F exit=-2147483648 {K}\n\
         -a always,exit -F arch=b64 -S openat -F a0=-1 -F a1=0xffffffff -F uid=root {K}\n\
         -a always,exit -F arch=b64 -S openat -F sessionid=unset -F auid=unset {K}\n\
         -a always,exit -F arch=b64 -S openat -F sessionid=12 -F path=/x/12345678901 -k 12345678901\n\
         -w /var/12345678901 -p wa -k 99999999999\n"
    ));
    assert!(found(&r, Code::NumberWraps).is_empty(), "{:#?}", r.findings);
}

#[test]
fn findings_beyond_the_limit_of_a_code_are_counted_not_kept() {
    use kaudit::lint::MAX_PER_CODE;
    let copies = MAX_PER_CODE + 5;
    let r = lint(&"-w /etc/passwd -p wa -k p\n".repeat(copies));
    // copies - 1 duplicates: the first MAX_PER_CODE kept, 4 counted.
    assert_eq!(found(&r, Code::DuplicateRule).len(), MAX_PER_CODE);
    assert_eq!(found(&r, Code::DuplicateRule)[..2], [2, 3]);
    assert_eq!(r.omitted.get(&Code::DuplicateRule), Some(&4));
    assert_eq!(r.counts()[&Code::DuplicateRule], copies - 1);
    assert_eq!(r.count(kaudit::diag::Severity::Error), copies - 1);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 1);
    let text = kaudit::lint::output::text(&r);
    assert!(
        text.contains(&format!(
            "lint: 4 more KL102 duplicate-rule finding(s) not shown (at most {MAX_PER_CODE} of a code are)\n"
        )),
        "{}",
        &text[text.len() - 400..]
    );
    assert!(text.ends_with(&format!(
        "{} error(s), 0 warning(s), 0 note(s)\n",
        copies - 1
    )));
    let v: serde_json::Value = serde_json::from_str(&kaudit::lint::output::json(&r)).unwrap();
    assert_eq!(v["counts"]["error"], copies - 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), MAX_PER_CODE);
    assert_eq!(v["omitted"][0]["code"], "KL102");
    assert_eq!(v["omitted"][0]["count"], 4);
    let v: serde_json::Value = serde_json::from_str(&kaudit::lint::output::sarif(&r)).unwrap();
    assert_eq!(v["runs"][0]["properties"]["omitted"][0]["count"], 4);
    // Below the limit nothing is left out, and the key is absent.
    let r = lint("-w /etc/passwd -p wa -k p\n-w /etc/passwd -p wa -k p\n");
    assert!(r.omitted.is_empty());
    let v: serde_json::Value = serde_json::from_str(&kaudit::lint::output::json(&r)).unwrap();
    assert!(v.get("omitted").is_none());
}

#[test]
fn clean_sets_exit_0_and_deny_levels() {
    let r = lint("-w /etc/passwd -p wa -k identity\n");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Note), 0);
    let r = lint("-a always,exit -F arch=b64 -S newfstatat\n");
    assert_eq!(found(&r, Code::MissingKey), [1]);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 0);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Warning), 0);
    assert_eq!(r.exit_code(kaudit::diag::Severity::Note), 1);
}

#[test]
fn the_binary_prints_text_json_and_sarif() {
    let d = tmpdir();
    let f = d.join("x.rules");
    std::fs::write(&f, "-w /etc/passwd -p wa -k a\n-w /etc/passwd -p wa -k a\n").unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .arg("lint")
            .args(args)
            .arg(&f)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("x.rules:2:1: error: the same rule is already at"),
        "{text}"
    );
    assert!(text.contains("[KL102]"));
    let out = run(&["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["error"], 1);
    assert_eq!(v["findings"][0]["code"], "KL102");
    assert_eq!(v["findings"][0]["name"], "duplicate-rule");
    assert_eq!(v["findings"][0]["line"], 2);
    assert_eq!(v["findings"][0]["related"][0]["line"], 1);
    let out = run(&["--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "KL102");
    assert_eq!(
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let out = run(&["--arch", "vax"]);
    assert_eq!(out.status.code(), Some(2));
    // A closed stdout is no crash.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .args(["lint", "--format", "sarif"])
        .arg(&f)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.code().is_some(), "killed by a signal: {status:?}");
    // A full disk is an error the user sees: exit 2 and a message.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["lint", "--json"])
            .arg(&f)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("standard output"),
            "{out:?}"
        );
    }
}

#[test]
fn man_page_and_completions_come_from_clap() {
    let d = tmpdir();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaudit"))
        .arg("generate-docs")
        .arg(&d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let man = std::fs::read_to_string(d.join("man8/kaudit-lint.8")).unwrap();
    for word in ["deny", "sarif", "arch"] {
        assert!(man.contains(word), "man page lacks {word}");
    }
    let bash = std::fs::read_to_string(d.join("completions/kaudit.bash")).unwrap();
    assert!(bash.contains("lint") && bash.contains("--deny"));
}

#[test]
fn fields_that_stop_the_user_and_exclude_filters() {
    let r = lint("-a always,exclude -F msgtype=CWD -F euid=0\n-a never,user -F uid=0 -F exe=/usr/bin/x -k k\n");
    assert_eq!(found(&r, Code::FieldStopsFilter), [1, 2]);
    assert!(message(&r, Code::FieldStopsFilter).contains("euid=0"));
    // Fields audit_filter evaluates.
    let r = lint("-a always,exclude -F msgtype=CWD -F auid=0 -F uid=0 -F gid=0 -F pid=1\n-a never,user -F exe=/usr/bin/x\n");
    assert!(found(&r, Code::FieldStopsFilter).is_empty());
}

#[test]
fn files_others_could_change() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmpdir();
    let f = d.join("w.rules");
    std::fs::write(&f, "-w /etc/passwd -p wa -k id\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = lint_paths(
        &[f.to_string_lossy().into_owned()],
        &host(),
        &Options { machines: vec![] },
    );
    assert_eq!(found(&r, Code::UntrustedFile).len(), 1, "{:#?}", r.findings);
    assert!(message(&r, Code::UntrustedFile).contains("world-writable"));
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 0);
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = lint_paths(
        &[f.to_string_lossy().into_owned()],
        &host(),
        &Options { machines: vec![] },
    );
    assert!(found(&r, Code::UntrustedFile).is_empty());
}

/// The identity lint keeps for every rule of a set (duplicates, deletes,
/// the lists) is a few dozen bytes, also for a watch, whose mask is every
/// syscall (256 bytes of 0xff), and it still tells rules apart whenever
/// their stored bytes differ.
#[test]
fn rule_keys_are_short_and_exact() {
    use kaudit::compile::{compile_line, Compiled};
    use kaudit::lint::rule_key;
    let rule = |line: &str| match compile_line(line, &host()).unwrap() {
        Compiled::Rule { rule, .. } => rule,
        other => panic!("{other:?}"),
    };
    let watch = rule("-w /x123456");
    let key = rule_key(&watch);
    assert!(key.len() < 64, "{} bytes", key.len());
    assert_eq!(key.capacity(), key.len());
    let mut fewer = watch.clone();
    fewer.mask.words_mut()[0] &= !1;
    let mut bytes = watch.clone();
    if let kaudit::model::Value::Bytes(b) = &mut bytes.fields[0].value {
        b.push(0xff);
    }
    let keys = [
        key,
        rule_key(&fewer),
        rule_key(&bytes),
        rule_key(&rule("-w /x12345")),
    ];
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            assert_ne!(a, b);
        }
    }
    assert_eq!(keys[0], rule_key(&rule("-w /x123456")));
}
