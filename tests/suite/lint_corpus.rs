//! `kaudit lint` over every file of the shared corpus and the starter
//! rules.d: the counts by finding are the README's table; the starter set's
//! remaining findings are exactly the explained ones; SARIF output validates
//! against the SARIF 2.1.0 schema with a JSON Schema validator from PyPI
//! (scripts/sarif-validator.sh installs it; scripts/validate-sarif.py runs it).

use crate::paths;
use crate::scratch;
use kaudit::host::Host;
use kaudit::lint::{lint_paths, Code, Options, Report};
use kaudit::tables::Machine;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = paths::corpus();
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).ok()? {
            let p = e.ok()?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rules") {
                files.push(p);
            }
        }
    }
    files.sort();
    (!files.is_empty()).then_some(files)
}

fn require_corpus() -> Vec<PathBuf> {
    match corpus_files() {
        Some(f) => f,
        None if std::env::var_os("CI").is_some() => panic!("no corpus at ../shared/corpus"),
        None => {
            eprintln!("\n**** lint_corpus: SKIPPED: no corpus at ../shared/corpus ****\n");
            Vec::new()
        }
    }
}

/// A fixed host, so that the counts do not depend on this machine's users
/// and directories: x86_64, only root, the directories of a typical server.
fn reference_host() -> Host {
    Host::fixed(
        Machine::X86_64,
        &[("root", 0)],
        &[("root", 0)],
        &[
            "/",
            "/etc",
            "/etc/audit",
            "/etc/sudoers.d",
            "/etc/ssh",
            "/etc/pam.d",
            "/etc/security",
            "/etc/cron.d",
            "/etc/systemd",
            "/var/log",
            "/var/log/audit",
            "/var/spool/cron",
            "/usr",
            "/usr/bin",
            "/usr/sbin",
            "/usr/lib",
            "/bin",
            "/sbin",
            "/lib",
            "/boot",
            "/root",
            "/tmp",
        ],
    )
    .extended()
}

fn lint(paths: &[&Path], host: &Host) -> Report {
    let p: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    lint_paths(&p, host, &Options { machines: vec![] })
}

fn table(corpus: &BTreeMap<Code, usize>, starter: &BTreeMap<Code, usize>, files: usize) -> String {
    let mut t = format!(
        "| code | finding | severity | corpus ({files} files, each alone) | starter rules.d |\n|---|---|---|---:|---:|\n"
    );
    for c in Code::ALL {
        let (a, b) = (
            corpus.get(&c).copied().unwrap_or(0),
            starter.get(&c).copied().unwrap_or(0),
        );
        let sev = match c.severity() {
            kaudit::diag::Severity::Error => "error",
            kaudit::diag::Severity::Warning => "warning",
            kaudit::diag::Severity::Note => "note",
        };
        t.push_str(&format!(
            "| {} | {} | {sev} | {a} | {b} |\n",
            c.id(),
            c.name()
        ));
    }
    t
}

#[test]
fn corpus_and_starter_counts_are_the_readmes() {
    let files = require_corpus();
    if files.is_empty() {
        return;
    }
    let host = reference_host();
    let mut corpus: BTreeMap<Code, usize> = BTreeMap::new();
    let mut by_file = Vec::new();
    for f in &files {
        let r = lint(&[f], &host);
        by_file.push((f.clone(), r.findings.len()));
        for (c, n) in r.counts() {
            *corpus.entry(c).or_insert(0) += n;
        }
    }
    let starter = lint(&[&paths::repo().join("rules.d")], &host).counts();
    let got = table(&corpus, &starter, files.len());
    eprintln!("lint over the corpus and the starter set:\n{got}");
    for (f, n) in &by_file {
        eprintln!("  {n:4} {}", f.display());
    }
    let readme = std::fs::read_to_string(paths::repo().join("README.md")).unwrap();
    let begin = "<!-- lint-counts:begin -->\n";
    let end = "<!-- lint-counts:end -->";
    let start = readme.find(begin).expect("README has no lint-counts table") + begin.len();
    let stop = readme[start..].find(end).unwrap() + start;
    assert_eq!(
        readme[start..stop].trim(),
        got.trim(),
        "the README's lint table is not current; the table above is"
    );
}

#[test]
fn known_corpus_findings() {
    let files = require_corpus();
    let Some(inj) = files.iter().find(|f| f.ends_with("42-injection.rules")) else {
        return;
    };
    let r = lint(&[inj], &reference_host());
    // `-a always,exit -F arch=b64 -S ptrace -F key=tracing` comes before the
    // a0-specific ptrace rules of the same arch: they never decide.
    let text = std::fs::read_to_string(inj).unwrap();
    let tracing = text
        .lines()
        .position(|l| l.contains("arch=b64 -S ptrace -F key=tracing"))
        .unwrap()
        + 1;
    let unreachable: Vec<&kaudit::lint::Finding> = r
        .findings
        .iter()
        .filter(|f| f.code == Code::UnreachableRule)
        .collect();
    assert!(!unreachable.is_empty());
    for f in &unreachable {
        let line = text.lines().nth(f.line - 1).unwrap();
        assert!(line.contains("-S ptrace -F a0="), "{line}");
        assert!(
            f.related[0].line == tracing || line.contains("arch=b32"),
            "{f:?}"
        );
    }
}

#[test]
fn starter_set_findings_are_the_explained_ones() {
    let r = lint(
        &[&paths::repo().join("rules.d")],
        &Host::detect().extended(),
    );
    let got: Vec<(Code, usize)> = r.findings.iter().map(|f| (f.code, f.line)).collect();
    // The README explains these: a user's chmod/chown or refused open of a
    // watched identity file is recorded once, with the watch's key.
    let expected: Vec<(Code, usize)> = [37, 38, 41, 42, 43, 44]
        .into_iter()
        .map(|l| (Code::KeyShadowed, l))
        .collect();
    assert_eq!(
        got,
        expected,
        "{}",
        r.findings.iter().map(|f| f.render()).collect::<String>()
    );
    assert_eq!(r.exit_code(kaudit::diag::Severity::Error), 0);
}

fn validator() -> Option<PathBuf> {
    let py = paths::repo().join(".cache/sarif-venv/bin/python");
    if py.exists() {
        return Some(py);
    }
    if std::env::var_os("CI").is_some() || std::env::var_os("KAUDIT_REQUIRE_KERNEL").is_some() {
        panic!("no SARIF validator: run scripts/sarif-validator.sh (scripts/setup.sh does)");
    }
    eprintln!(
        "\n**** lint_corpus: SARIF validation SKIPPED: run scripts/sarif-validator.sh ****\n"
    );
    None
}

#[test]
fn sarif_validates_against_the_schema() {
    let Some(py) = validator() else { return };
    let dir = scratch::dir("lint-sarif");
    let mut inputs: Vec<Vec<String>> = require_corpus()
        .iter()
        .map(|f| vec![f.to_string_lossy().into_owned()])
        .collect();
    inputs.push(vec![paths::repo()
        .join("rules.d")
        .to_string_lossy()
        .into_owned()]);
    // Findings of every kind that has no region (an unreadable path) and
    // related locations (duplicates), across machines.
    let dup = dir.join("dup rules.rules");
    std::fs::write(
        &dup,
        "-w /etc/passwd -p wa -k a\n-w /etc/passwd -p wa -k a\n-b 1\n-b 2\n",
    )
    .unwrap();
    inputs.push(vec![
        "/nonexistent/kaudit.rules".to_string(),
        dup.to_string_lossy().into_owned(),
        "--arch".to_string(),
        "x86_64,aarch64".to_string(),
    ]);
    let mut outputs = Vec::new();
    for (i, args) in inputs.iter().enumerate() {
        let out = Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["lint", "--format", "sarif"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{args:?}: {out:?}"
        );
        let path = dir.join(format!("{i}.sarif"));
        std::fs::write(&path, &out.stdout).unwrap();
        outputs.push(path);
    }
    let run = |files: &[PathBuf]| {
        Command::new(&py)
            .arg(paths::repo().join("scripts/validate-sarif.py"))
            .args(files)
            .output()
            .unwrap()
    };
    let out = run(&outputs);
    eprintln!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "SARIF output does not validate");
    // The validator rejects a document that breaks the schema.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&outputs[0]).unwrap()).unwrap();
    doc["runs"][0]["results"] = serde_json::json!([{"message": {"text": "x"}, "level": "fatal"}]);
    let broken = dir.join("broken.sarif");
    std::fs::write(&broken, serde_json::to_vec(&doc).unwrap()).unwrap();
    assert_eq!(
        run(&[broken]).status.code(),
        Some(1),
        "the validator accepts anything"
    );
}
