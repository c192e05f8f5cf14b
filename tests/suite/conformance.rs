//! Differential conformance against the reference `auditctl` on the live
//! kernel (issue 2).
//!
//! For every rule line of the corpus (`../shared/corpus` or $KAUDIT_CORPUS)
//! and a generated matrix, under the machine-wide lock:
//! 1. the reference loads the line (`auditctl -R` on a one-line file); the
//!    test reads the kernel table, finds the added rule by diffing against a
//!    snapshot, takes its `auditctl -l` line, and deletes it by its exact bytes;
//! 2. kaudit compiles the same line, the test adds the encoded rule, reads it
//!    back, takes kaudit's listing line for it, and deletes it.
//!
//! The listed bytes must be identical, the `-l` lines must be identical, and
//! a line the reference rejects must be rejected by kaudit (when compiling or
//! by the kernel). Control lines (-b, -f, -e, -r, -D, long options) are only
//! compiled by kaudit, never executed.
//!
//! Skips loudly without root, audit support or the reference cache
//! (`scripts/fetch-reference.sh`); with KAUDIT_REQUIRE_KERNEL=1 those panic.
//! KAUDIT_CONFORMANCE_FILTER=TEXT runs only the cases containing TEXT.

mod cases;
mod decode;
pub mod golden;
pub mod kaudit_side;
pub mod known;
mod lock;
mod nl;
mod oracle;
use crate::reference;

use cases::{Case, Kind};
use kaudit_side::{Compiled, Kaudit};
use nl::AuditSocket;
use oracle::Reference;
use std::fmt::Write as _;
use std::io::Write;
use std::time::Instant;

/// What one side did with one line.
#[derive(Clone, Debug)]
enum Outcome {
    /// One rule appeared: its listed bytes, its `-l` line, and its position
    /// in the kernel table (of `of` rules).
    Added {
        bytes: Vec<u8>,
        line: String,
        index: usize,
        of: usize,
    },
    /// One rule disappeared (delete lines): its listed bytes.
    Removed { bytes: Vec<u8> },
    /// Nothing changed in the kernel; why.
    Nothing { why: String },
    /// Something that should never happen (several rules added, ...).
    Odd { what: String },
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Outcome::Added {
                bytes,
                line,
                index,
                of,
            } => format!(
                "added (rule {} of {of}): {line}\n        bytes: {}",
                index + 1,
                decode::short(bytes)
            ),
            Outcome::Removed { bytes } => format!("removed: {}", decode::short(bytes)),
            Outcome::Nothing { why } => format!("no rule: {why}"),
            Outcome::Odd { what } => format!("odd: {what}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Identical,
    RejectedByBoth,
    Differing,
    Known,
    /// The kaudit side could not run (library API not available).
    ReferenceOnly,
}

fn skip(reason: &str) {
    if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("conformance: KAUDIT_REQUIRE_KERNEL=1 but: {reason}");
    }
    eprintln!("\n**************************************************");
    eprintln!("SKIP (conformance): {reason}");
    eprintln!("**************************************************\n");
    println!("SKIP (conformance): {reason}");
}

fn errno_text(e: i32) -> String {
    format!("{} (errno {e})", std::io::Error::from_raw_os_error(e))
}

/// A rule's listed bytes.
type RuleBytes = Vec<u8>;

/// Rules in `after` that are not in `before` (with their index in `after`),
/// and rules of `before` missing from `after`; compared as multisets of bytes.
fn diff(before: &[RuleBytes], after: &[RuleBytes]) -> (Vec<(usize, RuleBytes)>, Vec<RuleBytes>) {
    let mut left: Vec<Option<&Vec<u8>>> = before.iter().map(Some).collect();
    let mut added = Vec::new();
    for (i, r) in after.iter().enumerate() {
        match left.iter().position(|b| *b == Some(r)) {
            Some(p) => left[p] = None,
            None => added.push((i, r.clone())),
        }
    }
    (added, left.into_iter().flatten().cloned().collect())
}

struct Harness {
    sock: AuditSocket,
    reference: Reference,
    kaudit: Option<Kaudit>,
    /// Problems restoring the table (must stay empty).
    restore_failures: Vec<String>,
    /// The table as the last `observe` saw it.
    last_table: Vec<RuleBytes>,
    /// What the reference did with each case whose table started empty, for
    /// the golden file (cases run beside other rules depend on them).
    golden: Vec<golden::Record>,
}

impl Harness {
    fn list(&mut self) -> Vec<Vec<u8>> {
        self.sock.list_rules().expect("AUDIT_LIST_RULES")
    }

    /// Brings the kernel table back to `snap`: deletes what was added (by its
    /// exact listed bytes) and re-adds what went missing.
    fn restore(&mut self, snap: &[Vec<u8>], case: &Case) {
        let now = self.list();
        let (added, removed) = diff(snap, &now);
        for (_, r) in &added {
            let e = self.sock.del_rule(r).expect("AUDIT_DEL_RULE");
            if e != 0 {
                self.restore_failures.push(format!(
                    "{}: delete failed: {}: {}",
                    case.text,
                    errno_text(e),
                    decode::short(r)
                ));
            }
        }
        for r in &removed {
            let e = self.sock.add_rule(r).expect("AUDIT_ADD_RULE");
            if e != 0 {
                self.restore_failures.push(format!(
                    "{}: re-add failed: {}: {}",
                    case.text,
                    errno_text(e),
                    decode::short(r)
                ));
            }
        }
        let after = self.list();
        let (a, r) = diff(snap, &after);
        if !a.is_empty() || !r.is_empty() {
            self.restore_failures.push(format!(
                "{}: table not restored ({} extra, {} missing)",
                case.text,
                a.len(),
                r.len()
            ));
        }
    }

    /// What changed between `base` and now, as seen by one side.
    fn observe(
        &mut self,
        base: &[Vec<u8>],
        why_nothing: String,
        lines: impl FnOnce(&mut Self, &[Vec<u8>]) -> Result<Vec<String>, String>,
    ) -> Outcome {
        let now = self.list();
        self.last_table = now.clone();
        let (added, removed) = diff(base, &now);
        match (added.len(), removed.len()) {
            (0, 0) => Outcome::Nothing { why: why_nothing },
            (1, 0) => {
                let (idx, bytes) = added.into_iter().next().unwrap();
                let line = match lines(self, &now) {
                    Ok(l) if l.len() == now.len() => l[idx].clone(),
                    Ok(l) => format!(
                        "<listing has {} lines for {} rules: {:?}>",
                        l.len(),
                        now.len(),
                        l
                    ),
                    Err(e) => format!("<listing failed: {e}>"),
                };
                Outcome::Added {
                    bytes,
                    line,
                    index: idx,
                    of: now.len(),
                }
            }
            (0, 1) => Outcome::Removed {
                bytes: removed.into_iter().next().unwrap(),
            },
            (a, r) => Outcome::Odd {
                what: format!("{a} rules added and {r} removed ({why_nothing})"),
            },
        }
    }

    fn reference_load(&mut self, base: &[Vec<u8>], text: &str) -> Outcome {
        let run = self.reference.load_line(text);
        // The temporary file's name changes from run to run.
        let output = run
            .output
            .replace(&*self.reference.tmp_path().to_string_lossy(), "FILE");
        let why = format!("exit {}: {}", run.code, output.replace('\n', " / "));
        self.observe(base, why, |h, _| h.reference.list())
    }

    fn kaudit_load(&mut self, base: &[Vec<u8>], text: &str) -> Option<Outcome> {
        let compiled = self.kaudit.as_ref()?.compile(text);
        let (bytes, delete) = match compiled {
            Err(diag) => {
                return Some(Outcome::Nothing {
                    why: format!("compile error {diag}"),
                })
            }
            Ok(Compiled::NoRule(w)) => {
                return Some(Outcome::Nothing {
                    why: format!("compiled to no rule: {w}"),
                })
            }
            Ok(Compiled::Add(b)) => (b, false),
            Ok(Compiled::Delete(b)) => (b, true),
        };
        let e = if delete {
            self.sock.del_rule(&bytes)
        } else {
            self.sock.add_rule(&bytes)
        }
        .expect("netlink");
        let why = if e == 0 {
            "kernel accepted but nothing changed".to_string()
        } else {
            format!(
                "kernel refused: {} (sent {})",
                errno_text(e),
                decode::short(&bytes)
            )
        };
        Some(self.observe(base, why, |h, table| {
            h.kaudit.as_ref().unwrap().list_lines(table)
        }))
    }

    /// The add form of a delete line: -W becomes -w, -d becomes -a.
    fn add_form(text: &str) -> String {
        text.split(' ')
            .map(|t| {
                if let Some(rest) = t.strip_prefix("-W") {
                    format!("-w{rest}")
                } else if let Some(rest) = t.strip_prefix("-d") {
                    format!("-a{rest}")
                } else {
                    t.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs one case on both sides, under the lock; the table ends as it began.
    fn run_case(&mut self, case: &Case) -> (Option<Outcome>, Option<Outcome>) {
        let guard = lock::acquire().expect("take the machine-wide lock");
        let snap = self.list();
        let result = match case.kind {
            Kind::Control => {
                let k = self.kaudit.as_ref().map(|k| match k.compile(&case.text) {
                    Err(d) => Outcome::Nothing {
                        why: format!("compile error {d}"),
                    },
                    Ok(Compiled::NoRule(w)) => Outcome::Nothing {
                        why: format!("control: {w}"),
                    },
                    Ok(_) => Outcome::Nothing {
                        why: "control line with a rule: parsed, not executed".to_string(),
                    },
                });
                if snap.is_empty() {
                    self.golden.push(golden::Record {
                        origin: case.origin.clone(),
                        kind: "control".to_string(),
                        text: case.text.clone(),
                        setup: None,
                        reference: None,
                    });
                }
                (None, k)
            }
            Kind::Add => {
                // The table both sides start from: the snapshot, plus the
                // case's fixture rule if it has one.
                if let Some(setup) = &case.setup {
                    let run = self.reference.load_line(setup);
                    assert_eq!(run.code, 0, "fixture {setup:?} failed: {}", run.output);
                }
                let base = self.list();
                let r = self.reference_load(&base, &case.text);
                self.record_golden(case, &snap, &base, &r);
                self.restore(&base, case);
                let k = self.kaudit_load(&base, &case.text);
                self.restore(&snap, case);
                (Some(r), k)
            }
            Kind::Delete => {
                // Add the rule the line deletes (with the reference), then
                // let each side delete it from that same table.
                let _ = self.reference.load_line(&Self::add_form(&case.text));
                let base = self.list();
                let r = self.reference_load(&base, &case.text);
                self.record_golden(case, &snap, &snap, &r);
                self.restore(&base, case);
                let k = self.kaudit_load(&base, &case.text);
                self.restore(&snap, case);
                (Some(r), k)
            }
        };
        guard.release();
        result
    }
}

impl Harness {
    /// Keeps what the reference did with `case` for the golden file, when
    /// the table held nothing but the case's own rules (`snap` is the table
    /// before the case, `base` after its fixture).
    fn record_golden(&mut self, case: &Case, snap: &[RuleBytes], base: &[RuleBytes], r: &Outcome) {
        if !snap.is_empty() {
            return;
        }
        let (fixture, _) = diff(snap, base);
        let reference = match r {
            Outcome::Added {
                bytes, line, index, ..
            } => {
                // Its index among the case's own rules (the fixture and it).
                let (own, _) = diff(snap, &self.last_table);
                let position = own.iter().position(|(i, _)| i == index).unwrap_or(*index);
                golden::Reference::Added {
                    position,
                    bytes: golden::hex(bytes),
                    line: line.clone(),
                }
            }
            Outcome::Removed { bytes } => golden::Reference::Removed {
                bytes: golden::hex(bytes),
            },
            Outcome::Nothing { why } => golden::Reference::Refused {
                message: why.clone(),
            },
            Outcome::Odd { what } => golden::Reference::Odd { what: what.clone() },
        };
        self.golden.push(golden::Record {
            origin: case.origin.clone(),
            kind: match case.kind {
                Kind::Add => "add",
                Kind::Delete => "delete",
                Kind::Control => "control",
            }
            .to_string(),
            text: case.text.clone(),
            setup: fixture.first().map(|(_, b)| golden::hex(b)),
            reference: Some(reference),
        });
    }
}

/// Writes the golden file (KAUDIT_RECORD_GOLDEN=1), or checks that the
/// committed one says what the reference did in this run. Returns the
/// problems found.
fn golden_file(records: &[golden::Record], cases: &[Case], reference_version: &str) -> Vec<String> {
    let path = golden::path();
    let filtered = std::env::var("KAUDIT_CONFORMANCE_FILTER").is_ok();
    if std::env::var("KAUDIT_RECORD_GOLDEN").as_deref() == Ok("1") {
        assert!(!filtered, "record the golden file without a filter");
        assert_eq!(
            records.len(),
            cases.len(),
            "recording needs an empty rule table for every case ({} of {} cases ran beside other rules)",
            cases.len() - records.len(),
            cases.len()
        );
        let uname = nix::sys::utsname::uname().expect("uname");
        let texts: Vec<&str> = cases
            .iter()
            .flat_map(|c| std::iter::once(c.text.as_str()).chain(c.setup.as_deref()))
            .collect();
        let (users, groups, dirs) = golden::host_facts(&texts);
        let header = golden::Header {
            golden: "kaudit conformance: what the reference auditctl did with every case".into(),
            reference: reference_version.to_string(),
            reference_package: std::fs::read_to_string(reference::cache().join("versions"))
                .unwrap_or_default()
                .lines()
                .find(|l| l.starts_with("auditd "))
                .unwrap_or("auditd (version unknown)")
                .to_string(),
            kernel: uname.release().to_string_lossy().into_owned(),
            machine: uname.machine().to_string_lossy().into_owned(),
            recorded_by: "scripts/record-golden.sh".into(),
            users,
            groups,
            dirs,
        };
        golden::write(&path, &header, records).expect("write the golden file");
        eprintln!(
            "conformance: recorded {} cases into {}",
            records.len(),
            path.display()
        );
        return Vec::new();
    }
    let (header, committed) = match golden::read(&path) {
        Ok(g) => g,
        Err(e) => {
            return vec![format!(
                "golden file unreadable ({e}): run scripts/record-golden.sh"
            )]
        }
    };
    let mut problems = Vec::new();
    if header.reference != reference_version {
        problems.push(format!(
            "golden file recorded with {:?}, reference here is {:?}",
            header.reference, reference_version
        ));
    }
    let by_case: std::collections::HashMap<(&str, &str), &golden::Record> = committed
        .iter()
        .map(|r| ((r.origin.as_str(), r.text.as_str()), r))
        .collect();
    for r in records {
        match by_case.get(&(r.origin.as_str(), r.text.as_str())) {
            None => problems.push(format!("not in the golden file: {} {}", r.origin, r.text)),
            Some(g) if *g != r => problems.push(format!(
                "golden file differs for {} {}:
    golden: {:?}
    now:    {:?}",
                r.origin, r.text, g.reference, r.reference
            )),
            Some(_) => {}
        }
    }
    if !filtered && committed.len() != cases.len() {
        problems.push(format!(
            "the golden file has {} cases, the test {}",
            committed.len(),
            cases.len()
        ));
    }
    eprintln!(
        "conformance: golden file checked against this run: {} cases compared, {} problems",
        records.len(),
        problems.len()
    );
    problems
}

fn verdict(case: &Case, r: &Option<Outcome>, k: &Option<Outcome>) -> Verdict {
    let Some(k) = k else {
        return Verdict::ReferenceOnly;
    };
    match (r, k) {
        // Control lines: kaudit must accept them (the reference loads them in
        // real rule files); they are never executed.
        (None, Outcome::Nothing { why }) if !why.starts_with("compile error") => Verdict::Identical,
        (None, _) => Verdict::Differing,
        (
            Some(Outcome::Added {
                bytes: rb,
                line: rl,
                index: ri,
                ..
            }),
            Outcome::Added {
                bytes: kb,
                line: kl,
                index: ki,
                ..
            },
        ) => {
            if rb == kb && rl == kl && ri == ki {
                Verdict::Identical
            } else {
                Verdict::Differing
            }
        }
        (Some(Outcome::Removed { bytes: rb }), Outcome::Removed { bytes: kb }) if rb == kb => {
            Verdict::Identical
        }
        (Some(Outcome::Nothing { .. }), Outcome::Nothing { .. }) => {
            let _ = case;
            Verdict::RejectedByBoth
        }
        _ => Verdict::Differing,
    }
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn conformance_against_reference_auditctl() {
    let start = Instant::now();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root (the test loads rules into the kernel)");
    }
    let Some(reference) = Reference::find() else {
        return skip(&format!(
            "no reference auditctl in {} (run scripts/fetch-reference.sh)",
            reference::cache().display()
        ));
    };
    let mut sock = match AuditSocket::open() {
        Ok(s) => s,
        Err(e) => return skip(&format!("no kernel audit support: {e}")),
    };
    let enabled_before = match sock.enabled() {
        Ok(v) => v,
        Err(e) => return skip(&format!("AUDIT_GET failed: {e}")),
    };
    if enabled_before == 2 {
        return skip("the kernel's audit configuration is immutable (enabled 2)");
    }
    let Some(corpus_dir) = cases::corpus_dir() else {
        return skip("no corpus (../shared/corpus or KAUDIT_CORPUS)");
    };
    let kaudit = match Kaudit::new() {
        Ok(k) => Some(k),
        Err(why) => {
            eprintln!("\n**** conformance: kaudit side NOT RUN: {why}; running the reference side only ****\n");
            None
        }
    };

    let mut all: Vec<Case> = cases::corpus(&corpus_dir);
    let n_corpus = all.len();
    assert!(
        n_corpus > 0,
        "the corpus at {} has no rule lines",
        corpus_dir.display()
    );
    all.extend(cases::matrix());
    if let Ok(f) = std::env::var("KAUDIT_CONFORMANCE_FILTER") {
        all.retain(|c| c.text.contains(&f) || c.origin.contains(&f));
    }
    let known = known::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/known-diffs.toml"),
    );

    let initial = {
        let _g = lock::acquire().expect("lock");
        sock.list_rules().expect("AUDIT_LIST_RULES")
    };
    println!(
        "conformance: reference {}; {} cases ({} from the corpus); table has {} rules",
        reference.version,
        all.len(),
        n_corpus,
        initial.len()
    );

    let mut h = Harness {
        sock,
        reference,
        kaudit,
        restore_failures: Vec::new(),
        last_table: Vec::new(),
        golden: Vec::new(),
    };
    let mut report = String::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut differences = Vec::new();
    let mut ref_accepted = 0usize;
    let mut ref_rejected = 0usize;
    // How kaudit rejected what both rejected: with a diagnostic, or not at
    // compile time (the kernel refused, or the line compiled to no rule).
    let mut rejected_compile = 0usize;
    let mut rejected_other = 0usize;
    for case in &all {
        let (r, k) = h.run_case(case);
        match &r {
            Some(Outcome::Added { .. }) | Some(Outcome::Removed { .. }) => ref_accepted += 1,
            Some(_) => ref_rejected += 1,
            None => {}
        }
        let mut v = verdict(case, &r, &k);
        if v == Verdict::RejectedByBoth {
            match &k {
                Some(Outcome::Nothing { why }) if why.starts_with("compile error") => {
                    rejected_compile += 1
                }
                _ => rejected_other += 1,
            }
        }
        if v == Verdict::Differing && known.contains_key(&known::normalize(&case.text)) {
            v = Verdict::Known;
        }
        *counts
            .entry(match v {
                Verdict::Identical => "identical",
                Verdict::RejectedByBoth => "rejected by both",
                Verdict::Differing => "differing",
                Verdict::Known => "known",
                Verdict::ReferenceOnly => "reference only",
            })
            .or_default() += 1;
        let mut entry = format!(
            "[{v:?}] {} ({:?})\n    case: {}\n",
            case.origin, case.kind, case.text
        );
        match &r {
            Some(o) => writeln!(entry, "    reference: {}", o.describe()).unwrap(),
            None => writeln!(entry, "    reference: (control line, not executed)").unwrap(),
        }
        match &k {
            Some(o) => writeln!(entry, "    kaudit:    {}", o.describe()).unwrap(),
            None => writeln!(entry, "    kaudit:    (not run)").unwrap(),
        }
        if let Some(reason) = known
            .get(&known::normalize(&case.text))
            .filter(|_| v == Verdict::Known)
        {
            writeln!(entry, "    known: {reason}").unwrap();
        }
        if matches!(v, Verdict::Differing | Verdict::Known) {
            differences.push(entry.clone());
        }
        report.push_str(&entry);
    }

    let final_table = {
        let _g = lock::acquire().expect("lock");
        h.sock.list_rules().expect("AUDIT_LIST_RULES")
    };
    let enabled_after = h.sock.enabled().expect("AUDIT_GET");
    let report_path =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-report.txt");
    std::fs::write(&report_path, &report).expect("write the report");

    for d in &differences {
        println!("{d}");
    }
    let elapsed = start.elapsed();
    let get = |k: &str| counts.get(k).copied().unwrap_or(0);
    // Written to the process's stderr directly: libtest captures print!
    // output of passing tests, and these counts belong in every CI log.
    let _ = writeln!(
        std::io::stderr(),
        "conformance: identical {}, differing {}, rejected by both {} (kaudit: {rejected_compile} \
         with a diagnostic, {rejected_other} by the kernel or as no rule), known {}, reference only {} \
         (reference accepted {ref_accepted}, rejected {ref_rejected}); {} cases in {:.1} s; \
         full report {}",
        get("identical"),
        get("differing"),
        get("rejected by both"),
        get("known"),
        get("reference only"),
        all.len(),
        elapsed.as_secs_f64(),
        report_path.display()
    );

    let golden_problems = golden_file(&h.golden, &all, &h.reference.version);
    assert!(
        golden_problems.is_empty(),
        "the golden file is not current (scripts/record-golden.sh re-records it):\n{}",
        golden_problems.join("\n")
    );
    assert!(
        h.restore_failures.is_empty(),
        "kernel table not restored:\n{}",
        h.restore_failures.join("\n")
    );
    assert_eq!(
        enabled_before, enabled_after,
        "audit 'enabled' changed during the run"
    );
    let (extra, missing) = diff(&initial, &final_table);
    assert!(
        extra.is_empty() && missing.is_empty(),
        "the kernel table differs from before the run"
    );
    if std::env::var("KAUDIT_CONFORMANCE_FILTER").is_err() {
        assert!(
            ref_accepted > 500,
            "the reference accepted only {ref_accepted} lines: is the oracle working?"
        );
        assert!(
            ref_rejected > 50,
            "the reference rejected only {ref_rejected} lines: is the matrix working?"
        );
    }
    assert_eq!(
        get("differing"),
        0,
        "{} differences from the reference (see above)",
        get("differing")
    );
}
