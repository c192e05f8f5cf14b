//! Differential command-line test of the `auditctl` personality (issue 3),
//! on the live kernel.
//!
//! Every step of `cli_auditctl/script.rs` (command lines and `-R` rule files
//! from `cli_auditctl/files/`) runs once with the reference auditctl and once
//! with kaudit run as `auditctl` (a symlink to the kaudit binary; some steps
//! as `kaudit auditctl ...`). Between the two runs the kernel rule table is
//! put back as it was before the step, deleting what the step added by its
//! exact bytes. Compared after each run: stdout byte for byte, the exit code,
//! whether stderr is empty, and the whole kernel rule table. A difference
//! fails the test unless a `[[cli]]` entry of `tests/known-diffs.toml` or
//! `tests/cli_auditctl/known-diffs.toml` lists it. The counts and every difference are written to stderr.
//!
//! Every step holds the machine lock (`kaudit::lock::MachineLock`); settings
//! are only ever set to their current values, checked after each run and
//! restored if they moved; the table and the settings must end as they began.
//! Skips loudly without root, kernel audit support or the reference cache
//! (`scripts/fetch-reference.sh`); with KAUDIT_REQUIRE_KERNEL=1 those panic.
//! KAUDIT_CLI_FILTER=TEXT runs only the steps whose line contains TEXT.

mod edges;
mod known;
use crate::paths;
use crate::reference;
use crate::scratch;
mod script;

use kaudit::lock::MachineLock;
use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::{AuditStatus, Request, Transport};
use kaudit::uapi::{
    AUDIT_STATUS_BACKLOG_LIMIT, AUDIT_STATUS_BACKLOG_WAIT_TIME, AUDIT_STATUS_ENABLED,
    AUDIT_STATUS_FAILURE, AUDIT_STATUS_RATE_LIMIT,
};
use script::{Step, Values};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a single auditctl run may take. The reference's `-D -k` of the
/// 2,172 rules of `interpreted_arguments_match_the_reference` waits an RCU
/// grace period per rule: about 25 s on a quiet host, over 30 s when the
/// suite's other tests share the CPUs (a killed delete leaves its rules).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

fn skip(reason: &str) {
    if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("cli_auditctl: KAUDIT_REQUIRE_KERNEL=1 but: {reason}");
    }
    let mut e = std::io::stderr();
    let _ = writeln!(e, "\n**************************************************");
    let _ = writeln!(e, "SKIP (cli_auditctl): {reason}");
    let _ = writeln!(e, "**************************************************\n");
}

/// The kernel, through the library's transport.
struct Kernel(NetlinkTransport);

impl Kernel {
    fn list(&mut self) -> Vec<Vec<u8>> {
        self.0
            .list_rules()
            .expect("AUDIT_LIST_RULES")
            .into_iter()
            .map(|mut p| {
                if p.len() >= 1040 {
                    let buflen = u32::from_ne_bytes(p[1036..1040].try_into().unwrap()) as usize;
                    p.truncate((1040 + buflen).min(p.len()));
                }
                p
            })
            .collect()
    }

    fn status(&mut self) -> AuditStatus {
        self.0.get_status().expect("AUDIT_GET")
    }

    /// Sends one request; the errno of a NACK (0 when acknowledged).
    fn one(&mut self, req: Request) -> i32 {
        match self.0.execute(&[req]).expect("netlink").first() {
            Some(Ok(_)) => 0,
            Some(Err(e)) => *e,
            None => panic!("no acknowledgement"),
        }
    }
}

/// The settings a step could change, as (name, mask bit, value).
fn settings(s: &AuditStatus) -> [(&'static str, u32, u32); 5] {
    [
        ("enabled", AUDIT_STATUS_ENABLED, s.enabled),
        ("failure", AUDIT_STATUS_FAILURE, s.failure),
        ("rate_limit", AUDIT_STATUS_RATE_LIMIT, s.rate_limit),
        ("backlog_limit", AUDIT_STATUS_BACKLOG_LIMIT, s.backlog_limit),
        (
            "backlog_wait_time",
            AUDIT_STATUS_BACKLOG_WAIT_TIME,
            s.backlog_wait_time,
        ),
    ]
}

/// Puts back any setting that differs from `start` (never `enabled` 2, which
/// cannot be undone, and which no step sends); returns what had moved.
fn restore_settings(k: &mut Kernel, start: &AuditStatus) -> Vec<String> {
    let now = k.status();
    let mut moved = Vec::new();
    let mut fix = now;
    fix.mask = 0;
    for ((name, bit, want), (_, _, got)) in settings(start).into_iter().zip(settings(&now)) {
        if want != got {
            moved.push(format!("{name} {want} -> {got}"));
            fix.mask |= bit;
        }
    }
    if fix.mask != 0 {
        fix.enabled = start.enabled;
        fix.failure = start.failure;
        fix.rate_limit = start.rate_limit;
        fix.backlog_limit = start.backlog_limit;
        fix.backlog_wait_time = start.backlog_wait_time;
        let e = k.one(Request::set_status(&fix));
        if e != 0 {
            moved.push(format!("restoring them failed: errno {e}"));
        }
    }
    moved
}

/// Restores the settings at the end even when the test panics.
struct SettingsGuard {
    start: AuditStatus,
}

impl Drop for SettingsGuard {
    fn drop(&mut self) {
        if let Ok(t) = NetlinkTransport::open() {
            let _lock = MachineLock::acquire();
            let moved = restore_settings(&mut Kernel(t), &self.start);
            if !moved.is_empty() {
                let _ = writeln!(std::io::stderr(), "cli_auditctl: restored {moved:?}");
            }
        }
    }
}

/// Rules of `after` not matched in `before` (multiset of bytes), and rules of
/// `before` missing from `after`.
fn diff(before: &[Vec<u8>], after: &[Vec<u8>]) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut left: Vec<Option<&Vec<u8>>> = before.iter().map(Some).collect();
    let mut added = Vec::new();
    for r in after {
        match left.iter().position(|b| *b == Some(r)) {
            Some(p) => left[p] = None,
            None => added.push(r.clone()),
        }
    }
    (added, left.into_iter().flatten().cloned().collect())
}

/// One rule as kaudit's `-l` line (for reports).
fn show(rule: &[u8], host: &kaudit::host::Host) -> String {
    match kaudit::codec::decode(rule) {
        Ok(r) => kaudit::listing::list_text(&[r], host)
            .trim_end()
            .to_string(),
        Err(e) => format!("<undecodable rule, {} bytes: {e:?}>", rule.len()),
    }
}

/// What one run did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    table: Vec<Vec<u8>>,
    millis: u128,
}

/// Runs a program with its output in files (so a hang can be timed out).
/// Arguments may be any bytes (a file name need not be UTF-8).
fn run_program<S: AsRef<std::ffi::OsStr>>(
    program: &Path,
    args: &[S],
    dir: &Path,
    tag: &str,
) -> (i32, Vec<u8>, Vec<u8>) {
    let out_path = dir.join(format!(".{tag}.stdout"));
    let err_path = dir.join(format!(".{tag}.stderr"));
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        // The test holds the machine lock; kaudit's changes take a lock of
        // their own, which must not be that one (the reference takes none).
        .env("KAUDIT_LOCK_PATH", dir.join(".child.lock"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    let start = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code().unwrap_or(-1);
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break -2;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = std::fs::read(&out_path).unwrap_or_default();
    let mut stderr = std::fs::read(&err_path).unwrap_or_default();
    if code == -2 {
        stderr.extend_from_slice(b"<cli_auditctl: killed after the timeout>");
    }
    (code, stdout, stderr)
}

struct Harness {
    kernel: Kernel,
    host: kaudit::host::Host,
    reference: PathBuf,
    kaudit: PathBuf,
    symlink: PathBuf,
    dir: PathBuf,
    start: AuditStatus,
    values: Values,
    /// Things that went wrong in the harness itself (must stay empty).
    problems: Vec<String>,
}

impl Harness {
    /// The step's arguments with fixtures and values filled in.
    fn args(&self, step: &Step) -> Vec<String> {
        step.args
            .iter()
            .map(|a| {
                let a = self.values.fill(a);
                match a.strip_prefix('@') {
                    Some(name) => self.dir.join(name).to_string_lossy().into_owned(),
                    None => a,
                }
            })
            .collect()
    }

    /// Brings the table back to `base` followed by `setup` (in order).
    fn reset(&mut self, base: &[Vec<u8>], setup: &[Vec<u8>], step: &str) {
        let now = self.kernel.list();
        let (added, removed) = diff(base, &now);
        for r in &added {
            let e = self.kernel.one(Request::del_rule(r.clone()));
            if e != 0 {
                self.problems.push(format!(
                    "{step}: delete failed (errno {e}): {}",
                    show(r, &self.host)
                ));
            }
        }
        for r in removed.iter().chain(setup) {
            let e = self.kernel.one(Request::add_rule(r.clone()));
            if e != 0 {
                self.problems.push(format!(
                    "{step}: re-add failed (errno {e}): {}",
                    show(r, &self.host)
                ));
            }
        }
        if !removed.is_empty() {
            self.problems.push(format!(
                "{step}: {} rule(s) from before the step were removed and re-added at the end",
                removed.len()
            ));
        }
        let want: Vec<Vec<u8>> = base.iter().chain(setup).cloned().collect();
        if self.kernel.list() != want {
            self.problems
                .push(format!("{step}: the table could not be put back"));
        }
    }

    fn run_side(&mut self, step: &Step, kaudit_side: bool) -> Run {
        let args = self.args(step);
        let start = Instant::now();
        let (code, stdout, stderr) = if !kaudit_side {
            run_program(&self.reference.clone(), &args, &self.dir.clone(), "ref")
        } else if step.via_kaudit {
            let mut a = vec!["auditctl".to_string()];
            a.extend(args);
            run_program(&self.kaudit.clone(), &a, &self.dir.clone(), "kaudit")
        } else {
            run_program(&self.symlink.clone(), &args, &self.dir.clone(), "kaudit")
        };
        let millis = start.elapsed().as_millis();
        let table = self.kernel.list();
        let moved = restore_settings(&mut self.kernel, &self.start);
        if !moved.is_empty() {
            self.problems.push(format!(
                "{}: {} changed settings: {}",
                step.name,
                if kaudit_side {
                    "kaudit"
                } else {
                    "the reference"
                },
                moved.join(", ")
            ));
        }
        Run {
            code,
            stdout,
            stderr,
            table,
            millis,
        }
    }

    /// Loads the step's setup rules with the reference; their kernel bytes.
    fn setup(&mut self, step: &Step, base: &[Vec<u8>]) -> Vec<Vec<u8>> {
        if step.setup.is_empty() {
            return Vec::new();
        }
        let file = self.dir.join(".setup.rules");
        let text: String = step
            .setup
            .iter()
            .map(|l| self.values.fill(l) + "\n")
            .collect();
        std::fs::write(&file, text).expect("write setup file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (code, _, err) = run_program(
            &self.reference.clone(),
            &["-R".to_string(), file.to_string_lossy().into_owned()],
            &self.dir.clone(),
            "setup",
        );
        let now = self.kernel.list();
        let (added, removed) = diff(base, &now);
        if code != 0 || added.len() != step.setup.len() || !removed.is_empty() {
            self.problems.push(format!(
                "{}: setup did not load its {} rule(s) (exit {code}, {} added): {}",
                step.name,
                step.setup.len(),
                added.len(),
                String::from_utf8_lossy(&err).trim()
            ));
        }
        now[base.len().min(now.len())..].to_vec()
    }
}

/// Which comparisons differ between the two runs.
fn compare(r: &Run, k: &Run) -> Vec<&'static str> {
    let mut d = Vec::new();
    if r.stdout != k.stdout {
        d.push("stdout");
    }
    if r.code != k.code {
        d.push("exit");
    }
    if r.stderr.is_empty() != k.stderr.is_empty() {
        d.push("stderr");
    }
    if r.table != k.table {
        d.push("table");
    }
    d
}

fn indent(b: &[u8]) -> String {
    let t = String::from_utf8_lossy(b);
    if t.is_empty() {
        return "      (empty)".to_string();
    }
    t.lines()
        .map(|l| format!("      |{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn report(step: &Step, aspects: &[&str], r: &Run, k: &Run, host: &kaudit::host::Host) -> String {
    let mut s = format!(
        "  step: {}\n    differs in: {}\n",
        step.name,
        aspects.join(", ")
    );
    s += &format!("    exit: reference {}, kaudit {}\n", r.code, k.code);
    s += &format!("    reference stdout:\n{}\n", indent(&r.stdout));
    s += &format!("    kaudit stdout:\n{}\n", indent(&k.stdout));
    s += &format!("    reference stderr:\n{}\n", indent(&r.stderr));
    s += &format!("    kaudit stderr:\n{}\n", indent(&k.stderr));
    if r.table != k.table {
        let (only_k, only_r) = diff(&r.table, &k.table);
        if only_k.is_empty() && only_r.is_empty() {
            s += "    table: same rules, different order\n";
        }
        for x in &only_r {
            s += &format!("    table: only after the reference: {}\n", show(x, host));
        }
        for x in &only_k {
            s += &format!("    table: only after kaudit:        {}\n", show(x, host));
        }
    }
    s
}

/// Copies the fixtures into `dir` (values filled, mode 0600) and makes the
/// special ones.
fn make_fixtures(dir: &Path, values: &Values) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli_auditctl/files");
    let mut n = 0;
    for e in std::fs::read_dir(&src).expect("read fixtures") {
        let e = e.unwrap();
        let bytes = std::fs::read(e.path()).unwrap();
        // Fill placeholders without touching other bytes (CR, TAB, ...).
        let text = String::from_utf8(bytes).expect("fixtures are UTF-8");
        let dst = dir.join(e.file_name());
        std::fs::write(&dst, values.fill(&text)).unwrap();
        std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o600)).unwrap();
        n += 1;
    }
    assert!(n >= 20, "at least 20 rule files, found {n}");
    let ww = dir.join("world-writable.rules");
    std::fs::copy(dir.join("01-good.rules"), &ww).unwrap();
    std::fs::set_permissions(&ww, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::create_dir(dir.join("dir.rules")).unwrap();
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn auditctl_personality_matches_reference() {
    let mut err = std::io::stderr();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root");
    }
    let reference = reference::cache().join("auditctl");
    if !reference.is_file() {
        return skip(&format!(
            "no reference auditctl at {} (run scripts/fetch-reference.sh)",
            reference.display()
        ));
    }
    let transport = match NetlinkTransport::open() {
        Ok(t) => t,
        Err(e) => return skip(&format!("no kernel audit support: {e:?}")),
    };
    let mut kernel = Kernel(transport);
    if let Err(e) = kernel.0.list_rules() {
        return skip(&format!("cannot list the kernel's rules: {e:?}"));
    }

    let dir = scratch::dir("cli");
    let symdir = dir.join("bin");
    std::fs::create_dir(&symdir).unwrap();
    let symlink = symdir.join("auditctl");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &symlink).unwrap();

    let (start_table, start) = {
        let _lock = MachineLock::acquire().expect("machine lock");
        (kernel.list(), kernel.status())
    };
    let _guard = SettingsGuard { start };
    if start.enabled == 2 {
        return skip("the kernel's audit configuration is immutable (enabled 2)");
    }
    let values = Values {
        backlog: start.backlog_limit,
        rate: start.rate_limit,
        bwt: start.backlog_wait_time,
        failure: start.failure,
        enabled: start.enabled,
        lost: start.lost,
    };
    make_fixtures(&dir, &values);

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut known = known::load(&root.join("tests/known-diffs.toml"));
    for (step, k) in known::load(&root.join("tests/cli_auditctl/known-diffs.toml")) {
        assert!(
            known.insert(step.clone(), k).is_none(),
            "known diffs: {step:?} is listed twice"
        );
    }
    let filter = std::env::var("KAUDIT_CLI_FILTER").ok();
    let steps: Vec<Step> = script::steps()
        .into_iter()
        .filter(|s| filter.as_deref().is_none_or(|f| s.name.contains(f)))
        .collect();
    if filter.is_none() {
        assert!(
            steps.len() >= 150,
            "at least 150 steps, have {}",
            steps.len()
        );
    }
    let mut h = Harness {
        kernel,
        host: kaudit::host::Host::detect(),
        reference,
        kaudit: PathBuf::from(env!("CARGO_BIN_EXE_kaudit")),
        symlink,
        dir: dir.to_path_buf(),
        start,
        values,
        problems: Vec::new(),
    };

    let t0 = Instant::now();
    let (mut identical, mut known_n, mut differing) = (0, 0, 0);
    let mut known_report = String::new();
    let mut diff_report = String::new();
    let (mut ref_ms, mut k_ms) = (0u128, 0u128);
    for step in &steps {
        let lock = MachineLock::acquire().expect("machine lock");
        let base = h.kernel.list();
        let setup = h.setup(step, &base);
        let r = h.run_side(step, false);
        h.reset(&base, &setup, &step.name);
        let k = h.run_side(step, true);
        h.reset(&base, &[], &step.name);
        drop(lock);
        ref_ms += r.millis;
        k_ms += k.millis;
        let aspects = compare(&r, &k);
        if aspects.is_empty() {
            identical += 1;
            if known.contains_key(&step.name) {
                h.problems.push(format!(
                    "{}: listed in known-diffs.toml but now identical (remove the entry)",
                    step.name
                ));
            }
            continue;
        }
        match known.get(&step.name) {
            Some(kn) if aspects.iter().all(|a| kn.differs.iter().any(|d| d == a)) => {
                known_n += 1;
                known_report += &format!(
                    "  known: {} [{}]: {}\n",
                    step.name,
                    aspects.join(", "),
                    kn.reason
                );
            }
            _ => {
                differing += 1;
                diff_report += &report(step, &aspects, &r, &k, &h.host);
            }
        }
    }

    let (end_table, end) = {
        let _lock = MachineLock::acquire().expect("machine lock");
        (h.kernel.list(), h.kernel.status())
    };
    drop(dir);

    let _ = writeln!(
        err,
        "\ncli_auditctl: {} steps in {:.1} s (reference {:.1} s, kaudit {:.1} s of runs): \
         {identical} identical, {known_n} known, {differing} differing",
        steps.len(),
        t0.elapsed().as_secs_f64(),
        ref_ms as f64 / 1000.0,
        k_ms as f64 / 1000.0,
    );
    if !known_report.is_empty() {
        let _ = write!(err, "cli_auditctl: known differences:\n{known_report}");
    }
    if !diff_report.is_empty() {
        let _ = write!(err, "cli_auditctl: differences:\n{diff_report}");
    }
    for p in &h.problems {
        let _ = writeln!(err, "cli_auditctl: harness problem: {p}");
    }
    assert_eq!(end_table, start_table, "the kernel rule table changed");
    for ((name, _, a), (_, _, b)) in settings(&h.start).into_iter().zip(settings(&end)) {
        assert_eq!(a, b, "setting {name} changed");
    }
    assert!(h.problems.is_empty(), "harness problems (see stderr)");
    assert_eq!(differing, 0, "differences from the reference (see stderr)");
}

/// The reference's own sample workflow: `auditctl -R` on each file of the
/// corpus's `upstream-samples/`, once with the reference and once with kaudit
/// symlinked as `auditctl`, from the same starting table and settings. The
/// stdout, exit code, resulting table and resulting settings must agree.
///
/// The samples change settings (`-b 8192`, `--backlog_wait_time 60000`) and
/// start with `-D`; both are undone after each run. A sample with
/// `--loginuid-immutable` (irreversible until reboot) or an active `-e 2` is
/// never run on this machine's kernel. `-D` deletes every rule, so the test
/// runs the samples only when the table holds no rule but its own.
#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn upstream_sample_workflow() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root");
    }
    let reference = reference::cache().join("auditctl");
    let corpus = paths::corpus();
    let samples = corpus.join("upstream-samples");
    if !reference.is_file() || !samples.is_dir() {
        return skip(&format!(
            "no reference ({}) or no samples ({})",
            reference.display(),
            samples.display()
        ));
    }
    let Ok(transport) = NetlinkTransport::open() else {
        return skip("no kernel audit support");
    };
    let mut kernel = Kernel(transport);
    let dir = scratch::dir("samples");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let symlink = dir.join("bin/auditctl");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &symlink).unwrap();

    let mut files: Vec<PathBuf> = std::fs::read_dir(&samples)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .collect();
    files.sort();
    // Declared before the lock so that it is dropped after it (locals drop
    // in reverse order): the guard takes the machine lock itself, and
    // taking it while this process still holds it would wait for ever.
    let _guard: SettingsGuard;
    let lock = MachineLock::acquire().expect("machine lock");
    let start = kernel.status();
    if start.enabled == 2 {
        return skip("the kernel's audit configuration is immutable");
    }
    if !kernel.list().is_empty() {
        return skip("the kernel has rules of others; the samples' -D would delete them");
    }
    _guard = SettingsGuard { start };
    let mut err = std::io::stderr();
    let (mut same, mut skipped, mut differing) = (0, Vec::new(), Vec::new());
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        let active = |opt: &str| text.lines().any(|l| l.trim_start().starts_with(opt));
        if active("--loginuid-immutable") || active("-e 2") || active("-f 2") {
            skipped.push(format!("{name} (irreversible setting; VM only)"));
            continue;
        }
        // A private copy: auditctl refuses world-writable files, and the
        // checkout's permissions are not ours to trust.
        let copy = dir.join(&name);
        std::fs::copy(file, &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o640)).unwrap();
        let args = vec!["-R".to_string(), copy.to_string_lossy().into_owned()];
        let side = |program: &Path, kernel: &mut Kernel| {
            let (code, stdout, _) = run_program(program, &args, &dir, "sample");
            let table = kernel.list();
            let status = kernel.status();
            for r in &table {
                assert_eq!(
                    kernel.one(Request::del_rule(r.clone())),
                    0,
                    "cleanup of {name}"
                );
            }
            restore_settings(kernel, &start);
            (
                code,
                stdout,
                table,
                settings(&status).map(|(n, _, v)| (n, v)),
            )
        };
        let r = side(&reference, &mut kernel);
        let k = side(&symlink, &mut kernel);
        if r == k {
            same += 1;
        } else {
            differing.push(format!(
                "{name}: exit {} vs {}; stdout {:?} vs {:?}; {} vs {} rules; settings {:?} vs {:?}",
                r.0,
                k.0,
                String::from_utf8_lossy(&r.1),
                String::from_utf8_lossy(&k.1),
                r.2.len(),
                k.2.len(),
                r.3,
                k.3
            ));
        }
    }
    drop(lock);
    let _ = writeln!(
        err,
        "upstream samples: {} files, {same} identical, {} differing, {} skipped: {}",
        files.len(),
        differing.len(),
        skipped.len(),
        skipped.join(", ")
    );
    for d in &differing {
        let _ = writeln!(err, "  DIFFERS {d}");
    }
    drop(dir);
    assert!(
        differing.is_empty(),
        "{} sample files differ",
        differing.len()
    );
}

/// `-l -i` decodes a0..a3 of single-syscall rules as the reference does
/// (auparse's printers): for every syscall of the b64 and b32 tables whose
/// arguments kaudit decodes (`tables::interprets`), rules with each of a set
/// of values in every decoded argument, rules whose a1 or a2 printer depends
/// on the a0 or a1 before it (prctl, fcntl, open, mq_open, setsockopt; and
/// a1 written before a0, which auditctl prints without that context), plus
/// rules whose arguments auparse prints in lower-case hex (an undecoded
/// argument, no arch field) and in upper-case hex (two syscalls), loaded
/// with the reference's `-R` and listed by both; the listings must be
/// byte-identical. (`tests/suite/interpret.rs` covers every machine and many more
/// values against the reference's ausearch, without a kernel.)
#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn interpreted_arguments_match_the_reference() {
    use kaudit::tables::{interprets, syscall_name, Machine};
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("not root");
    }
    let reference = reference::cache().join("auditctl");
    if !reference.is_file() {
        return skip("no reference auditctl");
    }
    let Ok(transport) = NetlinkTransport::open() else {
        return skip("no kernel audit support");
    };
    let mut kernel = Kernel(transport);
    let key = format!("i11b-interp-{}", std::process::id());
    const VALUES: [&str; 13] = [
        "0", "1", "2", "9", "0x41", "0x1ed", "0x3e8", "0x5401", "-100", "-1", "0x80801", "0x40008",
        "99",
    ];
    let mut lines = Vec::new();
    let mut decoded = 0;
    for (arch, machine) in [("b64", Machine::X86_64), ("b32", Machine::X86)] {
        for nr in 0..2048 {
            let Some(name) = syscall_name(machine, nr) else {
                continue;
            };
            let args: Vec<u8> = (0..4).filter(|a| interprets(name, *a)).collect();
            if args.is_empty() {
                continue;
            }
            decoded += args.len();
            for v in VALUES {
                let fields: String = args.iter().map(|a| format!(" -F a{a}={v}")).collect();
                lines.push(format!(
                    "-a always,exit -F arch={arch} -S {name}{fields} -k {key}"
                ));
            }
        }
    }
    let mut fallbacks = vec![
        "-F arch=b64 -S write -F a0=0x1A -F a2=26".to_string(),
        "-S kill -F a1=9".to_string(),
        "-F arch=b64 -S open,openat -F a1=0x41".to_string(),
        "-F arch=b64 -S all -F a0=0xAB".to_string(),
    ];
    // Printers that read the a0 or a1 printed before them.
    for arch in ["b64", "b32"] {
        for (call, context, args) in [
            ("prctl", "-F a0=23", "-F a1=21"),
            ("prctl", "-F a0=24", "-F a1=99"),
            ("prctl", "-F a0=1", "-F a1=9"),
            ("prctl", "-F a0=2", "-F a1=9"),
            ("prctl", "", "-F a1=21 -F a0=23"),
            ("fcntl", "-F a1=8", "-F a2=0x3e8"),
            ("fcntl", "-F a1=2", "-F a2=1"),
            ("fcntl", "-F a1=2", "-F a2=3"),
            ("open", "-F a1=0x41", "-F a2=0x1a4"),
            ("open", "-F a1=1", "-F a2=0x1a4"),
            ("mq_open", "-F a1=0x42", "-F a2=0x180"),
            ("setsockopt", "-F a1=0", "-F a2=1"),
            ("setsockopt", "-F a1=1", "-F a2=2"),
            ("setsockopt", "-F a1=6", "-F a2=1"),
            ("setsockopt", "-F a1=17", "-F a2=100"),
            ("setsockopt", "-F a1=41", "-F a2=26"),
            ("setsockopt", "-F a1=263", "-F a2=1"),
            ("setsockopt", "-F a1=99", "-F a2=1"),
        ] {
            let fields = [context, args].join(" ");
            fallbacks.push(format!("-F arch={arch} -S {call} {}", fields.trim()));
        }
    }
    for fallback in &fallbacks {
        lines.push(format!("-a always,exit {fallback} -k {key}"));
    }
    let dir = scratch::dir("interp");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let ours = dir.join("bin/auditctl");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kaudit"), &ours).unwrap();
    let file = dir.join("interp.rules");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let lock = MachineLock::acquire().expect("machine lock");
    let before = kernel.list();
    let start = Instant::now();
    let loaded = run_program(
        &reference,
        &args(&["-R", file.to_str().unwrap()]),
        &dir,
        "load",
    );
    // auditctl takes -l with -k or with -i, not both: list everything, keep ours.
    let by_reference = run_program(&reference, &args(&["-l", "-i"]), &dir, "ref");
    let by_kaudit = run_program(&ours, &args(&["-l", "-i"]), &dir, "ours");
    let plain = run_program(&ours, &args(&["-l", "-k", &key]), &dir, "plain");
    let plain_ref = run_program(&reference, &args(&["-l", "-k", &key]), &dir, "plainref");
    let removed = run_program(&reference, &args(&["-D", "-k", &key]), &dir, "delete");
    let after = kernel.list();
    drop(lock);
    assert_eq!(removed.0, 0, "{}", String::from_utf8_lossy(&removed.2));
    assert_eq!(after, before, "the rule table changed");
    assert_eq!(loaded.0, 0, "{}", String::from_utf8_lossy(&loaded.2));
    let mine = |out: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .filter(|l| l.ends_with(&format!(" -F key={key}")))
            .map(str::to_string)
            .collect()
    };
    let (r, k) = (mine(&by_reference.1), mine(&by_kaudit.1));
    let listed = r.len();
    assert_eq!(
        listed,
        lines.len(),
        "the reference loaded and listed every rule"
    );
    let differing: Vec<(&String, &String)> = r.iter().zip(&k).filter(|(a, b)| a != b).collect();
    assert!(
        differing.is_empty() && r.len() == k.len(),
        "{} of {} -l -i lines differ, first: {:?}",
        differing.len(),
        listed,
        differing.first()
    );
    assert_eq!(plain.1, plain_ref.1, "-l without -i differs");
    let _ = writeln!(
        std::io::stderr(),
        "cli_auditctl -l -i: {listed} rules ({decoded} decoded syscall arguments, {} values each, plus {} context and hex cases) identical to the reference, {:.1} s",
        VALUES.len(),
        fallbacks.len(),
        start.elapsed().as_secs_f64()
    );
}
