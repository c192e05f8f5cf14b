//! The `augenrules` personality: merge `/etc/audit/rules.d/*.rules` into
//! `/etc/audit/audit.rules` exactly as the reference script does, and with
//! `--load`, apply the result through the sync engine.
//!
//! The merge (reference 4.2.1 `augenrules`): files in natural order, comment
//! and blank lines dropped, one trailing CR stripped, the last `-D` (alone),
//! `-b` and `-f` lines hoisted to the top in that order, the last `-e` line
//! moved to the end, absent ones left as empty lines, under a header line.
//! Exit codes, the reference's (written as numbers here, as in
//! [`super::auditctl`]: they are the drop-in's table, not [`crate::exit`]'s):
//!
//! | exit | when |
//! |---|---|
//! | 0 | merged (and with `--load`, loaded); no change; `--check`; a locked kernel (nothing changed) |
//! | 1 | a usage error; no rules directory; a file that cannot be merged, read or written; with `--load`, files anyone could write, or a load that did not complete (the kernel as it was before) |
//! | 5 | `--load` changed the kernel and could not restore its previous state ([`crate::exit::NOT_RESTORED`], as `kaudit sync`; the reference leaves a half-load) |
//!
//! The same output file contents, messages and exit codes, except where the
//! reference has a known flaw, each listed in the README:
//! - a file without a final newline is not joined to the next file's first
//!   line (the reference's `cat` joins them);
//! - indentation before `#`, `-D`, `-b`, `-f`, `-e` is any spaces and tabs
//!   (the reference's `\s` is a literal `s` under Debian's default awk, so
//!   indented comments stay and indented directives are not hoisted);
//! - `--load` changes the kernel through `kaudit sync`, with the meaning of
//!   `auditctl -R audit.rules`: with a `-D` line the file replaces the table
//!   (no flush, no gap), without one its rules are added and every other
//!   rule kept (no "Rule exists" failures); the previous rules and settings
//!   come back if the kernel refuses a line, instead of a half-load;
//! - `audit.rules` and `.prev` are written atomically ([`crate::atomic_file`]),
//!   never through a symlink;
//! - `--check` also says whether the kernel's rules match the files.

use super::env::{Connect, Env, LockOrder, System};
use crate::diag::{Diagnostic, Severity};
use crate::error::Error;
use crate::exit;
use crate::host::Host;
use crate::rulefile::{
    compile_text, directory_problems, file_problems, merge_problems, read_trusted,
    rules_file_names, Entry, Trust, LIMIT_TEXT, MAX_FILE_BYTES,
};
use crate::sync::{self, Scope};
use crate::uapi::AUDIT_LOCKED;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Where augenrules reads and writes; overridable for tests with
/// `KAUDIT_AUGENRULES_DIR` and `KAUDIT_AUGENRULES_OUTPUT` (set and empty is
/// unset: an empty path is never used).
#[derive(Clone, Debug)]
pub struct Paths {
    /// The rules directory (`/etc/audit/rules.d`).
    pub rules_dir: PathBuf,
    /// The merged file (`/etc/audit/audit.rules`).
    pub output: PathBuf,
}

impl Paths {
    /// The standard paths, or the environment's overrides.
    pub fn from_env() -> Paths {
        Paths::from_vars(|name| std::env::var_os(name))
    }

    /// [`Paths::from_env`] with the variables looked up by `var`.
    fn from_vars(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Paths {
        let path = |name: &str, default: &str| {
            var(name)
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        Paths {
            rules_dir: path("KAUDIT_AUGENRULES_DIR", "/etc/audit/rules.d"),
            output: path("KAUDIT_AUGENRULES_OUTPUT", "/etc/audit/audit.rules"),
        }
    }
}

/// `line` without its leading spaces and tabs.
fn indented(line: &[u8]) -> &[u8] {
    let n = line
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'))
        .count();
    &line[n..]
}

/// Whether `line` is `^[ \t]*` followed by `prefix`.
fn starts(line: &[u8], prefix: &[u8]) -> bool {
    indented(line).starts_with(prefix)
}

/// The merged rules file for a directory (see the module docs). Bytes:
/// file names and lines are taken as they are, UTF-8 or not, as the
/// reference's `ls`, `cat` and `awk` take them.
pub fn merge(dir: &Path) -> std::io::Result<Vec<u8>> {
    merge_with_origins(dir).map(|(text, _)| text)
}

/// The merged file, the origins of its lines ([`merge_with_origins`]) and
/// the trust problems of the files read, each checked on what was opened
/// ([`read_trusted`]). Under [`Trust::Refuse`] the text must not be used
/// when there is a problem.
type Merged = (Vec<u8>, Vec<LineOrigin>, Vec<Diagnostic>);

/// Where a line of the merged file came from: (rules file, line number).
pub type LineOrigin = Option<(String, usize)>;

/// [`merge`], and for each line of the result (index = line number - 1)
/// the rules.d file and line it came from (`None` for the header and the
/// empty placeholder lines).
pub fn merge_with_origins(dir: &Path) -> std::io::Result<(Vec<u8>, Vec<LineOrigin>)> {
    merge_checked(dir, Trust::Warn).map(|(text, origins, _)| (text, origins))
}

/// [`merge_with_origins`], each file read once and its trust checked.
fn merge_checked(dir: &Path, trust: Trust) -> std::io::Result<Merged> {
    let names = rules_file_names(dir)?;
    let mut problems = Vec::new();
    type Slot = (Vec<u8>, LineOrigin);
    let (mut minus_d, mut minus_b, mut minus_f, mut minus_e): (Slot, Slot, Slot, Slot) =
        Default::default();
    let mut rules: Vec<Slot> = Vec::new();
    for n in &names {
        let path = dir.join(n);
        // A regular file of bounded size, or an error that says what it is:
        // a FIFO named x.rules must not hang the boot.
        let (text, found) = read_trusted(&path, trust)
            .map_err(|why| std::io::Error::other(format!("{}: {why}", path.display())))?;
        problems = merge_problems(problems, found);
        for (i, raw) in text.split(|c| *c == b'\n').enumerate() {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.is_empty() || starts(line, b"#") {
                continue;
            }
            let slot = (line.to_vec(), Some((path.display().to_string(), i + 1)));
            if starts(line, b"-e") {
                minus_e = slot;
            } else if starts(line, b"-D")
                && indented(line)[2..]
                    .iter()
                    .all(|c| matches!(c, b' ' | b'\t'))
            {
                minus_d = slot;
            } else if starts(line, b"-f") {
                minus_f = slot;
            } else if starts(line, b"-b") {
                minus_b = slot;
            } else {
                rules.push(slot);
            }
        }
    }
    let mut out = b"## This file is automatically generated from ".to_vec();
    out.extend_from_slice(dir.as_os_str().as_bytes());
    out.push(b'\n');
    let mut origins = vec![None];
    for (line, origin) in [minus_d, minus_b, minus_f]
        .into_iter()
        .chain(rules)
        .chain([minus_e])
    {
        out.extend_from_slice(&line);
        out.push(b'\n');
        origins.push(origin);
    }
    Ok((out, origins, problems))
}

fn say(out: &mut dyn Write, cmd: &str, text: &str) {
    let _ = writeln!(out, "{cmd}: {text}");
}

/// Runs augenrules with `args`; `cmd` is the name it was called by (used
/// in messages, as the reference uses `$0`). The kernel is `env.kernel`:
/// asked whether it is locked, and for `--check` and `--load` its rules
/// and settings; `--load` changes it under the machine lock, taken before
/// the connection is opened ([`LockOrder::First`]).
pub fn run(cmd: &str, args: &[String], paths: &Paths, env: &mut Env) -> u8 {
    let out: &mut dyn Write = &mut *env.stdout;
    let err: &mut dyn Write = &mut *env.stderr;
    let kernel: &mut dyn Connect = &mut *env.kernel;
    let host = &env.host;
    let (mut check, mut load) = (false, false);
    for a in args {
        match a.as_str() {
            "--check" => check = true,
            "--load" => load = true,
            _ => {
                let _ = writeln!(out, "Usage: {cmd} [--check|--load]");
                return 1;
            }
        }
    }
    // Files anyone could write decide what is audited: refused for --load,
    // a warning otherwise (the merged file is written 0640 by root). The
    // rules directory (every *.rules file in it is merged) and the file
    // replaced are checked here, each rules file as the merge reads it.
    let trust = if load { Trust::Refuse } else { Trust::Warn };
    let refused = |err: &mut dyn Write, problems: &[Diagnostic]| {
        for d in problems {
            let _ = write!(err, "{d}");
        }
        let refused = problems.iter().any(|d| d.severity == Severity::Error);
        if refused {
            let _ = writeln!(err, "{cmd}: nothing was loaded; the kernel was not changed");
        }
        refused
    };
    let problems = merge_problems(
        directory_problems(&[&paths.rules_dir], trust),
        file_problems(&paths.output, trust),
    );
    if refused(err, &problems) {
        return 1;
    }
    if !paths.rules_dir.is_dir() {
        say(
            out,
            cmd,
            &format!("No rules directory - {}", paths.rules_dir.display()),
        );
        if load {
            load_file(&paths.output, host, kernel, err);
        }
        return 1;
    }
    // A file that cannot be merged, read or written: named, and exit 1.
    let failed = |err: &mut dyn Write, what: &str, path: &Path, e: &std::io::Error| {
        let _ = writeln!(
            err,
            "{cmd}: {what} {}: {}",
            path.display(),
            crate::output::reason(e)
        );
        1
    };
    // A locked kernel takes no change: said, and the reference exits 0.
    let locked = |out: &mut dyn Write, kernel: &mut dyn Connect| {
        let locked = immutable(kernel);
        if locked {
            say(
                out,
                cmd,
                "Audit system is in immutable mode - exiting with no changes",
            );
        }
        locked
    };
    let (merged, origins, problems) = match merge_checked(&paths.rules_dir, trust) {
        Ok(m) => m,
        Err(e) => return failed(err, "error: cannot merge", &paths.rules_dir, &e),
    };
    if refused(err, &problems) {
        return 1;
    }
    // A merged file kaudit could not load is not written (nor the old one
    // moved to .prev).
    if merged.len() as u64 > MAX_FILE_BYTES {
        let _ = writeln!(
            err,
            "{cmd}: error: the files of {} merge into {} bytes, more than kaudit loads ({LIMIT_TEXT}); {} was not changed and nothing was loaded",
            paths.rules_dir.display(),
            merged.len(),
            paths.output.display()
        );
        return 1;
    }
    // Once the merged file is current: loaded when --load asks for it, from
    // the bytes just merged (which the file holds), not read back.
    let load_merged = |err: &mut dyn Write, kernel: &mut dyn Connect| {
        if load {
            load_text(&paths.output, &merged, &origins, host, kernel, err)
        } else {
            0
        }
    };
    let current = match crate::atomic_file::read_no_follow(&paths.output) {
        Ok(c) => c,
        Err(e) => return failed(err, "cannot use", &paths.output, &e),
    };
    if current.as_deref() == Some(&merged[..]) {
        say(out, cmd, "No change");
        if locked(out, kernel) {
            return 0;
        }
        if check {
            report_kernel(&paths.output, &merged, host, kernel, out);
        }
        return load_merged(err, kernel);
    }
    if check {
        say(out, cmd, "Rules have changed and should be updated");
        return 0;
    }
    if locked(out, kernel) {
        return 0;
    }
    if let Err(e) = install(&paths.output, &merged) {
        return failed(err, "cannot write", &paths.output, &e);
    }
    load_merged(err, kernel)
}

/// Writes the merged file as the reference does (the old one kept as
/// `.prev`, mode 0640, SELinux label restored when restorecon exists), but
/// each through [`crate::atomic_file::write`]: a temporary file in the same
/// directory, synced and renamed, so a full disk or a crash leaves the old
/// file whole, and a symlink at either path is refused, not followed.
fn install(output: &Path, merged: &[u8]) -> std::io::Result<()> {
    if let Some(old) = crate::atomic_file::read_no_follow(output)? {
        let mut prev = output.as_os_str().to_owned();
        prev.push(".prev");
        crate::atomic_file::write(&PathBuf::from(prev), &old)?;
    }
    crate::atomic_file::write(output, merged)?;
    let restorecon = Path::new("/usr/sbin/restorecon");
    if restorecon.is_file() {
        let _ = std::process::Command::new(restorecon)
            .arg("-F")
            .arg(output)
            .status();
    }
    Ok(())
}

/// Whether the kernel's configuration is locked (`-e 2`); a kernel that
/// cannot be asked is not.
fn immutable(kernel: &mut dyn Connect) -> bool {
    kernel
        .open()
        .and_then(|mut t| Ok(t.get_status()?))
        .is_ok_and(|s| s.enabled == AUDIT_LOCKED)
}

/// The scope `--load` and `--check` manage: every rule, or, for tests on a
/// shared kernel, `KAUDIT_AUGENRULES_SCOPE=key=PREFIX`.
fn scope_from_env() -> Result<Scope, sync::ScopeError> {
    match std::env::var("KAUDIT_AUGENRULES_SCOPE") {
        Ok(v) if !v.is_empty() => Scope::parse(&v),
        _ => Ok(Scope::All),
    }
}

/// What `--load` of the merged file means, as with the reference (whose
/// `--load` is `auditctl -R audit.rules`): with a `-D` line, the file is
/// the whole table (replaced through sync, kept rules never absent); without
/// one, the file's rules are added to what the kernel holds, and every
/// other rule is kept.
fn desired_of(
    entries: &[Entry],
    state: &sync::KernelState,
    scope: &Scope,
) -> Result<(sync::Desired, bool), Vec<crate::diag::Diagnostic>> {
    let replace = sync::says_delete_all(entries);
    let mut errors = Vec::new();
    let desired = if replace {
        sync::desired_from_entries(entries, scope, &mut errors)
    } else {
        sync::desired_additive(entries, &state.table, scope, &mut errors)
    };
    if errors.is_empty() {
        Ok((desired, replace))
    } else {
        Err(errors)
    }
}

/// `--check`'s extra line: whether the kernel holds what the file (its
/// bytes `text`) says.
fn report_kernel(
    file: &Path,
    text: &[u8],
    host: &Host,
    kernel: &mut dyn Connect,
    out: &mut dyn Write,
) {
    let (Ok(entries), Ok(scope)) = (compiled(file, text, host), scope_from_env()) else {
        return;
    };
    let Ok(state) = kernel
        .open()
        .and_then(|mut t| Ok(sync::read_state(&mut *t)?))
    else {
        return;
    };
    let Ok((desired, _)) = desired_of(&entries, &state, &scope) else {
        return;
    };
    let r = sync::compare_state(state, &desired, &scope);
    let (adds, deletes) = r.plan.counts();
    if r.in_sync() {
        let _ = writeln!(
            out,
            "kaudit: the kernel's rules and settings match {}",
            file.display()
        );
    } else {
        let _ = writeln!(
            out,
            "kaudit: the kernel differs from {}: {adds} rule(s) to add, {deletes} to delete, {} setting(s)",
            file.display(),
            r.settings.len()
        );
    }
}

/// The entries of `text`, the bytes of `file`, or its errors.
fn compiled(file: &Path, text: &[u8], host: &Host) -> Result<Vec<Entry>, Vec<Diagnostic>> {
    let (entries, diags) = compile_text(&file.to_string_lossy(), text, host);
    let errors: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

/// Says the diagnostics of `file` and that nothing was changed; exit 1.
fn report_errors(err: &mut dyn Write, file: &Path, diags: &[Diagnostic]) -> u8 {
    for d in diags {
        let _ = write!(err, "{d}");
    }
    let _ = writeln!(
        err,
        "kaudit: {} error(s) in {}; the kernel was not changed",
        diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        file.display()
    );
    1
}

/// Loads the file (no rules directory: the merged file as it is, read once
/// and its trust checked) through the sync engine; the exit code.
fn load_file(file: &Path, host: &Host, kernel: &mut dyn Connect, err: &mut dyn Write) -> u8 {
    let paths = [file.to_string_lossy().into_owned()];
    match sync::entries_from_paths(&paths, host, Trust::Refuse) {
        Ok((entries, _)) => load_entries(file, &entries, None, host, kernel, err),
        Err(diags) => report_errors(err, file, &diags),
    }
}

/// Loads the merged text, which `file` holds, through the sync engine; a
/// refused line is named in its rules.d file too (`origins`, from the
/// merge). The exit code.
fn load_text(
    file: &Path,
    text: &[u8],
    origins: &[LineOrigin],
    host: &Host,
    kernel: &mut dyn Connect,
    err: &mut dyn Write,
) -> u8 {
    match compiled(file, text, host) {
        Ok(entries) => load_entries(file, &entries, Some(origins), host, kernel, err),
        Err(diags) => report_errors(err, file, &diags),
    }
}

/// Loads `entries`, the lines of `file`, through the sync engine (with
/// `origins`, where each line of `file` came from); the exit code.
fn load_entries(
    file: &Path,
    entries: &[Entry],
    origins: Option<&[LineOrigin]>,
    host: &Host,
    kernel: &mut dyn Connect,
    err: &mut dyn Write,
) -> u8 {
    let scope = match scope_from_env() {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "kaudit: KAUDIT_AUGENRULES_SCOPE: {e}");
            return 1;
        }
    };
    // The machine lock, then the kernel; a locked kernel was refused above,
    // in the reference's words, and the sync refuses one that became locked
    // since.
    let expedite = !crate::expedite::disabled_by_env();
    let mut t = match kernel.connect(LockOrder::First, expedite) {
        Ok(t) => t,
        Err(Error::Lock(e)) => {
            // Exit 1 also when the wait ran out: augenrules' own table.
            let _ = writeln!(
                err,
                "kaudit: cannot take the kaudit lock: {}; the kernel was not changed",
                crate::output::reason(&e)
            );
            return 1;
        }
        Err(e) => {
            let _ = writeln!(err, "kaudit: {e}");
            return 1;
        }
    };
    let state = match sync::read_state(&mut t) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "kaudit: {e}");
            return 1;
        }
    };
    let (desired, replace) = match desired_of(entries, &state, &scope) {
        Ok(d) => d,
        Err(diags) => return report_errors(err, file, &diags),
    };
    match sync::apply_state(&mut t, state, &desired, &scope, host) {
        Ok(r) => {
            let (adds, deletes) = r.plan.counts();
            // On stderr, like `kaudit sync`'s summary: it survives a closed
            // stdout, and says what changed in the kernel.
            let _ = writeln!(
                err,
                "kaudit: loaded {} ({}): {adds} rule(s) added, {deletes} deleted, {} kept in place, {} setting(s) changed",
                file.display(),
                if replace {
                    "its -D replaces the rule table"
                } else {
                    "no -D: added to the rules already loaded"
                },
                r.plan.kept,
                r.settings.len()
            );
            let _ = write!(err, "{}", sync::foreign_text(&r.foreign));
            0
        }
        Err(e) => {
            let _ = writeln!(err, "{e}");
            // Name the rules.d line the refused rule came from.
            if let (
                sync::SyncError::Refused {
                    origin: Some(o), ..
                },
                Some(origins),
            ) = (&e, origins)
            {
                if let Some(Some((f, l))) = origins.get(o.line.wrapping_sub(1)) {
                    let _ = writeln!(err, "  (line {} of {} is {f}:{l})", o.line, o.file);
                }
            }
            // As for `kaudit sync` when the previous state is not back;
            // otherwise the reference's 1.
            if e.exit_code() == exit::NOT_RESTORED {
                exit::NOT_RESTORED
            } else {
                1
            }
        }
    }
}

/// The real thing: process arguments (without the program name).
pub fn main(cmd: &str, args: &[String]) -> u8 {
    // Writes never panic (`crate::output`); a failed stdout is reported.
    let mut out = crate::output::stdout();
    let mut env = Env {
        stdout: &mut out,
        stderr: &mut crate::output::Messages,
        kernel: &mut System,
        host: Host::detect(),
    };
    let code = run(cmd, args, &Paths::from_env(), &mut env);
    match out.finish() {
        Ok(()) => code,
        Err(e) => {
            crate::output::say(&format!("{cmd}: {e}"));
            code.max(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::fake::FakeKernel;
    use crate::netlink::Transport;
    use crate::tables::Machine;
    use crate::uapi::{AUDIT_ADD_RULE, AUDIT_DEL_RULE};

    /// What `augenrules ARGS` returned and printed.
    struct Ran {
        code: u8,
        stdout: String,
        stderr: String,
    }

    /// `augenrules ARGS` on `DIR/rules.d` and `DIR/audit.rules`, against
    /// the in-memory `kernel`.
    fn augenrules_on(kernel: &mut FakeKernel, dir: &Path, args: &[&str]) -> Ran {
        let paths = Paths {
            rules_dir: dir.join("rules.d"),
            output: dir.join("audit.rules"),
        };
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut env = Env {
            stdout: &mut out,
            stderr: &mut err,
            kernel,
            host: Host::fixed(Machine::X86_64, &[], &[], &["/tmp"]),
        };
        let code = run("augenrules", &args, &paths, &mut env);
        Ran {
            code,
            stdout: String::from_utf8(out).unwrap(),
            stderr: String::from_utf8(err).unwrap(),
        }
    }

    /// A scratch directory whose `rules.d` holds `10-k.rules` with `text`.
    fn rules_d(name: &str, text: &str) -> PathBuf {
        let dir = scratch(name);
        std::fs::create_dir_all(dir.join("rules.d")).unwrap();
        set_rules(&dir, text);
        dir
    }

    fn set_rules(dir: &Path, text: &str) {
        std::fs::write(dir.join("rules.d/10-k.rules"), text).unwrap();
    }

    /// Every rule the kernel holds, in its stored form, list by list.
    fn table(kernel: &mut FakeKernel) -> Vec<Vec<u8>> {
        kernel.list_rules().unwrap()
    }

    const TWO: &str = "-D\n-a always,exit -F arch=b64 -S open -k augk-a\n\
                       -a always,exit -F arch=b64 -S unlink -k augk-b\n";
    /// TWO and two rules more.
    const FOUR: &str = "-D\n-a always,exit -F arch=b64 -S open -k augk-a\n\
                        -a always,exit -F arch=b64 -S unlink -k augk-b\n\
                        -a always,exit -F arch=b64 -S rename -k augk-c\n\
                        -a always,exit -F arch=b64 -S chmod -k augk-d\n";

    /// Issue 21 item 4: `augenrules --load` reaches the kernel it is given
    /// (here the in-memory one), for the lock check, the load and `--check`.
    #[test]
    fn load_goes_to_the_given_kernel() {
        let dir = rules_d("augen-load", TWO);
        let mut kernel = FakeKernel::new();
        let r = augenrules_on(&mut kernel, &dir, &["--load"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.stdout, "");
        assert_eq!(
            r.stderr,
            format!(
                "kaudit: loaded {} (its -D replaces the rule table): 2 rule(s) added, 0 \
                 deleted, 0 kept in place, 0 setting(s) changed\n",
                dir.join("audit.rules").display()
            )
        );
        assert_eq!(kernel.rule_count(), 2);
        // The merged file was written, and --check compares the same kernel.
        assert!(dir.join("audit.rules").is_file());
        let r = augenrules_on(&mut kernel, &dir, &["--check"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            r.stdout,
            format!(
                "augenrules: No change\nkaudit: the kernel's rules and settings match {}\n",
                dir.join("audit.rules").display()
            )
        );
        // Loading again changes nothing.
        let before = table(&mut kernel);
        let r = augenrules_on(&mut kernel, &dir, &["--load"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stderr.contains("0 rule(s) added, 0 deleted, 2 kept"),
            "{}",
            r.stderr
        );
        assert_eq!(table(&mut kernel), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A rule the kernel refuses: named in audit.rules and in its rules.d
    /// file, and the previous rules are back (exit 1, the reference's).
    #[test]
    fn a_refused_rule_rolls_the_load_back() {
        let dir = rules_d("augen-refused", TWO);
        let mut kernel = FakeKernel::new();
        assert_eq!(augenrules_on(&mut kernel, &dir, &["--load"]).code, 0);
        let before = table(&mut kernel);
        set_rules(&dir, FOUR);
        kernel.refuse_nth(AUDIT_ADD_RULE, 2, libc::EINVAL);
        let r = augenrules_on(&mut kernel, &dir, &["--load"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let file = dir.join("rules.d/10-k.rules");
        assert!(
            r.stderr.contains(&format!(
                "(line 8 of {} is {}:5)",
                dir.join("audit.rules").display(),
                file.display()
            )),
            "{}",
            r.stderr
        );
        assert_eq!(table(&mut kernel), before, "{}", r.stderr);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A refusal whose rollback is refused too: exit 5, as `kaudit sync`.
    #[test]
    fn a_load_not_rolled_back_exits_5() {
        let dir = rules_d("augen-not-restored", TWO);
        let mut kernel = FakeKernel::new();
        assert_eq!(augenrules_on(&mut kernel, &dir, &["--load"]).code, 0);
        set_rules(&dir, FOUR);
        kernel.refuse_nth(AUDIT_ADD_RULE, 2, libc::EINVAL);
        kernel.set_refusal(Some(Box::new(|r| {
            (r.msg_type == AUDIT_DEL_RULE).then_some(libc::EPERM)
        })));
        let r = augenrules_on(&mut kernel, &dir, &["--load"]);
        assert_eq!(r.code, exit::NOT_RESTORED, "{}", r.stderr);
        assert_eq!(kernel.rule_count(), 3, "{}", r.stderr);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A locked kernel (`-e 2`): the reference's words on stdout, exit 0,
    /// neither the kernel nor audit.rules changed.
    #[test]
    fn a_locked_kernel_is_left_alone() {
        let dir = rules_d("augen-locked", TWO);
        let mut kernel = FakeKernel::new();
        kernel.status_mut().enabled = AUDIT_LOCKED;
        let r = augenrules_on(&mut kernel, &dir, &["--load"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            r.stdout,
            "augenrules: Audit system is in immutable mode - exiting with no changes\n"
        );
        assert_eq!(r.stderr, "");
        assert_eq!(kernel.rule_count(), 0);
        assert!(!dir.join("audit.rules").exists());
        assert_eq!(kernel.stats().requests_sent, 1, "only the status was asked");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// An empty directory of this test process's own.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kaudit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn merge_hoists_and_fixes_the_known_quirks() {
        let dir = scratch("augen");
        std::fs::write(
            dir.join("10-b.rules"),
            "-b 100\n-D\n-a always,exit -S open -k x",
        )
        .unwrap();
        std::fs::write(
            dir.join("2-a.rules"),
            "-e 1\n  # indented\n\t-f 1\r\n\n-D -k foo\n",
        )
        .unwrap();
        std::fs::write(dir.join("99-e.rules"), "-e 2\n").unwrap();
        std::fs::write(dir.join(".hidden.rules"), "-a never,task\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "-a never,task\n").unwrap();
        let m = String::from_utf8(merge(&dir).unwrap()).unwrap();
        assert_eq!(
            m,
            format!(
                "## This file is automatically generated from {}\n-D\n-b 100\n\t-f 1\n-D -k foo\n-a always,exit -S open -k x\n-e 2\n",
                dir.display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn merged_lines_map_back_to_their_files() {
        let dir = scratch("augen-origin");
        std::fs::write(dir.join("10-a.rules"), "# c\n-w /etc/hosts -p wa\n-b 9\n").unwrap();
        std::fs::write(dir.join("20-b.rules"), "\n-w /etc/passwd -p wa\n").unwrap();
        let (text, origins) = merge_with_origins(&dir).unwrap();
        let text = String::from_utf8(text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), origins.len());
        let at = |needle: &str| {
            origins[lines.iter().position(|l| *l == needle).unwrap()]
                .clone()
                .unwrap()
        };
        assert_eq!(
            at("-w /etc/passwd -p wa"),
            (dir.join("20-b.rules").display().to_string(), 2)
        );
        assert_eq!(
            at("-b 9"),
            (dir.join("10-a.rules").display().to_string(), 3)
        );
        assert_eq!(origins[0], None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_directory_gives_header_and_four_empty_lines() {
        let dir = scratch("augen-empty");
        let m = String::from_utf8(merge(&dir).unwrap()).unwrap();
        assert_eq!(m.lines().count(), 5);
        assert!(m.ends_with("\n\n\n\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_empty_path_variable_is_unset() {
        let vars = |dir: &'static str, output: &'static str| {
            move |name: &str| match name {
                "KAUDIT_AUGENRULES_DIR" => Some(dir.into()),
                "KAUDIT_AUGENRULES_OUTPUT" => Some(output.into()),
                _ => None,
            }
        };
        let p = Paths::from_vars(vars("", ""));
        assert_eq!(p.rules_dir, Path::new("/etc/audit/rules.d"));
        assert_eq!(p.output, Path::new("/etc/audit/audit.rules"));
        let p = Paths::from_vars(vars("/x/rules.d", "/x/audit.rules"));
        assert_eq!(p.rules_dir, Path::new("/x/rules.d"));
        assert_eq!(p.output, Path::new("/x/audit.rules"));
        let p = Paths::from_vars(|_| None);
        assert_eq!(p.output, Path::new("/etc/audit/audit.rules"));
    }

    /// Issue 20 item 11: rules.d files that merge into more than a rules
    /// file may hold are refused before anything is written: audit.rules
    /// and its .prev stay as they were.
    #[test]
    fn a_merged_file_too_large_to_load_is_not_written() {
        let dir = scratch("augen-big");
        let rules = dir.join("rules.d");
        std::fs::create_dir_all(&rules).unwrap();
        // Two files of 5 MiB each: each can be read, the merge cannot.
        let line = "-w /etc/kaudit-big-file-watch -p wa -k kaudit-big-merge-test\n";
        let text = line.repeat((5 << 20) / line.len());
        for n in ["10-a.rules", "20-b.rules"] {
            std::fs::write(rules.join(n), &text).unwrap();
        }
        let output = dir.join("audit.rules");
        std::fs::write(&output, b"old\n").unwrap();
        let paths = Paths {
            rules_dir: rules.clone(),
            output: output.clone(),
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut env = Env {
            stdout: &mut out,
            stderr: &mut err,
            kernel: &mut crate::netlink::fake::FakeKernel::new(),
            host: Host::detect(),
        };
        let code = run("augenrules", &[], &paths, &mut env);
        let err = String::from_utf8_lossy(&err);
        assert_eq!(code, 1, "{err}");
        let expected = format!(
            "augenrules: error: the files of {} merge into {} bytes, more than kaudit loads \
             (a rules file may have at most 8 MiB (8388608 bytes)); {} was not changed and \
             nothing was loaded\n",
            rules.display(),
            merge(&rules).unwrap().len(),
            output.display()
        );
        assert_eq!(err, expected);
        assert_eq!(std::fs::read(&output).unwrap(), b"old\n");
        assert!(!dir.join("audit.rules.prev").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
