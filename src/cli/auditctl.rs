//! The `auditctl` personality: kaudit run as `auditctl` (or `kaudit auditctl
//! ARGS`) takes the reference's command lines and rules files, prints the
//! same stdout and returns the same exit codes (reference 4.2.1, §1.5):
//!
//! | exit | when |
//! |---|---|
//! | 0 | success, `-l` with no rules, a `possible` rule, audit disabled in the kernel |
//! | 1 | no arguments; `-R` file problems or refused lines; immutable kernel; `--signal` failures |
//! | 2 | `--signal` when auditd is not running |
//! | 4 | not root |
//! | 255 | any other command-line failure (parse error, kernel refusal) |
//!
//! Differences, all deliberate and listed in the README: diagnostics always go
//! to stderr (the reference sends most `-R` diagnostics to syslog) and carry
//! a column and a caret; a rules file is checked whole before anything is sent
//! (unless an earlier `-i`/`-c` line asked to skip bad lines); the usage and
//! version texts are kaudit's own.

use crate::apply::{self, Outcome};
use crate::compile::{compile_line_bytes_with_warnings, Compiled};
use crate::diag::{Diagnostic, Severity};
use crate::host::Host;
use crate::lock::MachineLock;
use crate::model::Control;
use crate::netlink::socket::NetlinkTransport;
use crate::netlink::{Transport, TransportError};
use crate::rulefile::{compile_text, Entry, Origin, CRLF_WARNING};
use crate::syntax::join_argv_bytes;
use crate::uapi::AUDIT_LOCKED;
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

/// Where the personality writes, and how it reaches the kernel; tests
/// substitute a fake kernel and buffers.
pub struct Env<'a> {
    /// Standard output.
    pub stdout: &'a mut dyn Write,
    /// Standard error.
    pub stderr: &'a mut dyn Write,
    /// Whether the caller may control audit (root).
    pub privileged: bool,
    /// Opens the kernel connection when one is needed.
    pub open: &'a mut dyn FnMut() -> Result<Box<dyn Transport>, TransportError>,
    /// Takes the machine-wide lock before a change is sent (`None` where
    /// there is nothing to lock, as with the in-memory kernel); an error
    /// stops the command before anything is sent.
    pub lock: &'a mut dyn FnMut() -> std::io::Result<Option<MachineLock>>,
    /// The machine.
    pub host: Host,
}

impl Env<'_> {
    fn err(&mut self, line: &str) {
        let _ = writeln!(self.stderr, "{line}");
    }
}

/// Runs the real thing: process arguments (without the program name) against
/// the real kernel, on the real stdout and stderr.
pub fn main<S: AsRef<OsStr>>(args: &[S]) -> u8 {
    // Writes never panic: a closed stdout ends the output quietly, a failed
    // one (a full disk) is reported at the end (`crate::output`).
    let mut out = crate::output::stdout();
    let mut err = crate::output::Messages;
    // Every command that reaches the kernel finishes once started (SIGINT,
    // SIGTERM and SIGHUP are deferred) and expedites its deletes unless
    // KAUDIT_NO_EXPEDITE is set; stdout and exit codes are unchanged.
    let mut open = || {
        NetlinkTransport::open().map(|t| {
            crate::interrupt::defer();
            let expedite = !crate::expedite::disabled_by_env();
            Box::new(crate::expedite::Expedited::new(t, expedite)) as Box<dyn Transport>
        })
    };
    // Changes wait for the machine lock, as every kaudit command that
    // changes the kernel does (the reference takes none: two auditctl
    // processes may interleave, two kaudit processes do not).
    let mut lock = || MachineLock::acquire().map(Some);
    let mut env = Env {
        stdout: &mut out,
        stderr: &mut err,
        privileged: nix::unistd::geteuid().is_root(),
        open: &mut open,
        lock: &mut lock,
        host: Host::detect(),
    };
    let code = run(args, &mut env);
    match out.finish() {
        Ok(()) => code,
        Err(e) => {
            crate::output::say(&format!("auditctl: {e}"));
            code.max(e.exit_code())
        }
    }
}

/// Runs one auditctl invocation; returns the exit code.
/// Arguments are bytes, as argv is: keys and paths need not be UTF-8.
pub fn run<S: AsRef<OsStr>>(args: &[S], env: &mut Env) -> u8 {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_ref().as_bytes()).collect();
    if args.is_empty() {
        let _ = env.stdout.write_all(crate::usage::usage().as_bytes());
        return 1;
    }
    let alone = |a: &str| args.len() == 1 && args[0] == a.as_bytes();
    // Only help works unprivileged. (auditctl also lets root without
    // CAP_AUDIT_CONTROL run `-l`; kaudit treats euid 0 as privileged.)
    if !(env.privileged || alone("-h") || alone("--help")) {
        env.err("You must be root to run this program.");
        return 4;
    }
    if args.len() == 2 && args[0] == b"-R" {
        return file_mode(&String::from_utf8_lossy(args[1]), env);
    }
    command_mode(&args, env)
}

/// The machine lock for a change, or the exit code (1) after saying why it
/// could not be taken; nothing has been sent then.
fn take_lock(env: &mut Env) -> Result<Option<MachineLock>, u8> {
    (env.lock)().map_err(|e| {
        env.err(&format!(
            "cannot take the kaudit lock {}: {}; nothing was changed",
            MachineLock::default_path().display(),
            crate::output::reason(&e)
        ));
        1
    })
}

/// One line of `diag` in the reference's words, then kaudit's caret display.
fn print_diag(env: &mut Env, d: &Diagnostic) {
    env.err(&d.message);
    // The caret block and hint; the headline is replaced by auditctl's words.
    for line in d.to_string().lines().skip(1) {
        env.err(line);
    }
}

fn transport_failure(env: &mut Env, e: &TransportError, failure_code: u8) -> u8 {
    match e {
        TransportError::Disabled => {
            env.err("The audit system is disabled");
            0
        }
        TransportError::Unsupported(_) => {
            env.err("Error - audit support not in kernel");
            failure_code
        }
        TransportError::PermissionDenied(_) => {
            env.err("You must be root to run this program.");
            4
        }
        other => {
            env.err(&format!("Error talking to the kernel: {other}"));
            failure_code
        }
    }
}

fn command_mode(args: &[&[u8]], env: &mut Env) -> u8 {
    let bytes = join_argv_bytes(args);
    let line = crate::syntax::shadow(&bytes);
    let (result, warnings) = compile_line_bytes_with_warnings(&bytes, &env.host);
    for w in &warnings {
        env.err(&w.message);
    }
    let compiled = match result {
        Ok(c) => c,
        Err(d) => {
            // auditctl acts on options as it reads them: a leading -v or -h
            // has printed its text before a later word fails.
            match args[0] {
                b"-v" => {
                    let _ = env
                        .stdout
                        .write_all(crate::usage::version_line().as_bytes());
                }
                b"-h" | b"--help" => {
                    let _ = env.stdout.write_all(crate::usage::usage().as_bytes());
                }
                _ => {}
            }
            let d = d.at(None, 1, &line);
            print_diag(env, &d);
            env.err("There was an error while processing parameters");
            return 255;
        }
    };
    let controls: &[Control] = match &compiled {
        Compiled::Nothing => return 0,
        Compiled::Deprecated => {
            let verb = if args.iter().any(|a| a.starts_with(b"-d")) {
                "Delete"
            } else {
                "Append"
            };
            env.err(&format!("{verb} rule - possible is deprecated"));
            return 0;
        }
        Compiled::Control(c) => c,
        Compiled::Rule { .. } | Compiled::Mixed { .. } => &[],
    };
    // Requests answered without the kernel.
    match controls {
        [Control::Help] => {
            let _ = env.stdout.write_all(crate::usage::usage().as_bytes());
            return 0;
        }
        [Control::Version] => {
            let _ = env
                .stdout
                .write_all(crate::usage::version_line().as_bytes());
            return 0;
        }
        [Control::IgnoreErrors] | [Control::ContinueOnErrors] => return 0,
        _ => {}
    }
    // Declared before the connection so that it is dropped after it: the
    // machine lock is released only once rcu_expedited is back (as
    // `Expedited::holding` keeps it for the native commands).
    let _lock: Option<MachineLock>;
    let mut transport = match (env.open)() {
        Ok(t) => t,
        Err(e) => return transport_failure(env, &e, 255),
    };
    if matches!(compiled, Compiled::Rule { .. } | Compiled::Mixed { .. }) {
        match transport.get_status() {
            Ok(s) if s.enabled == AUDIT_LOCKED => {
                env.err("The audit system is in immutable mode, no rule changes allowed");
                return 1;
            }
            Ok(_) => {}
            Err(e) => return transport_failure(env, &e, 255),
        }
    }
    let changes = match &compiled {
        Compiled::Control(cs) => cs.iter().any(Control::is_loadable),
        _ => true,
    };
    _lock = if changes {
        match take_lock(env) {
            Ok(l) => l,
            Err(code) => return code,
        }
    } else {
        None
    };
    let entry = Entry {
        origin: Origin {
            file: "".into(),
            line: 0,
        },
        text: line.into(),
        compiled: compiled.into(),
    };
    let outcome = match apply_and_finish(env, std::slice::from_ref(&entry), transport.as_mut(), 255)
    {
        Ok(o) => o,
        Err(code) => return code,
    };
    if outcome.failures.is_empty() {
        0
    } else {
        for f in &outcome.failures {
            env.err(&f.message);
        }
        env.err("There was an error while processing parameters");
        255
    }
}

/// Sends `entries`, then writes what they printed; the outcome, or the exit
/// code when the command ends here: a transport failure (`failure_code`
/// unless the reference has its own) or an abort (its failures said).
fn apply_and_finish(
    env: &mut Env,
    entries: &[Entry],
    transport: &mut dyn Transport,
    failure_code: u8,
) -> Result<Outcome, u8> {
    let outcome = match apply::apply(entries, transport, &env.host) {
        Ok(o) => o,
        Err(e) => return Err(transport_failure(env, &e, failure_code)),
    };
    finish(env, &outcome);
    if let Some(code) = outcome.abort {
        for f in &outcome.failures {
            env.err(&f.message);
        }
        return Err(code);
    }
    Ok(outcome)
}

fn finish(env: &mut Env, outcome: &Outcome) {
    let _ = env.stdout.write_all(&outcome.stdout);
    let _ = env.stdout.flush();
    for n in &outcome.notes {
        let _ = writeln!(env.stderr, "{n}");
    }
}

fn file_mode(path: &str, env: &mut Env) -> u8 {
    // Dropped after the connection (see command_mode).
    let _lock: Option<MachineLock>;
    let mut transport = match (env.open)() {
        Ok(t) => t,
        Err(e) => return transport_failure(env, &e, 1),
    };
    match transport.get_status() {
        Ok(s) if s.enabled == AUDIT_LOCKED => {
            env.err("The audit system is in immutable mode, no rule changes allowed");
            return 1;
        }
        Ok(_) => {}
        Err(e) => return transport_failure(env, &e, 1),
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            env.err(&format!("audit rules file {path} doesn't exist"));
            return 1;
        }
        Err(e) => {
            env.err(&format!(
                "Error opening {path} ({})",
                crate::output::strerror(e.raw_os_error().unwrap_or(0))
            ));
            return 1;
        }
    };
    if !meta.is_file() {
        env.err(&format!("Error - {path} is not a regular file"));
        return 1;
    }
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o002 != 0 {
        env.err(&format!("Error - {path} is world writable"));
        return 1;
    }
    // The reference's checks came first, in its words; this read adds the
    // size limit (and a file swapped for a FIFO since the check cannot
    // hang it).
    let text = match crate::rulefile::read_rules_file(std::path::Path::new(path)) {
        Ok(b) => b,
        Err(why) => {
            env.err(&format!("Error opening {path} ({why})"));
            return 1;
        }
    };
    let (entries, diags) = compile_text(path, &text, &env.host);
    // Lines after a `-i` or `-c` line may fail without stopping the load, as
    // in auditctl; errors before any such line reject the whole file.
    let first_tolerant = entries
        .iter()
        .find(|e| {
            matches!(&*e.compiled, Compiled::Control(c)
                if c.iter().any(|c| matches!(c, Control::IgnoreErrors | Control::ContinueOnErrors)))
        })
        .map(|e| e.origin.line);
    let continue_line = entries
        .iter()
        .find(|e| matches!(&*e.compiled, Compiled::Control(c) if c.contains(&Control::ContinueOnErrors)))
        .map(|e| e.origin.line);
    let mut fatal = false;
    let mut tolerated_failure = false;
    // auditctl's own warnings go to syslog until the first rule of the file
    // has been sent (it switches its messages to stderr then); kaudit's
    // extra warnings always show.
    let first_rule_line = entries
        .iter()
        .find(|e| matches!(*e.compiled, Compiled::Rule { .. } | Compiled::Mixed { .. }))
        .map_or(usize::MAX, |e| e.origin.line);
    for d in &diags {
        if d.severity != Severity::Error {
            if d.line > first_rule_line || d.message == CRLF_WARNING {
                env.err(&d.headline());
            }
            continue;
        }
        let tolerated = first_tolerant.is_some_and(|l| d.line > l);
        let _ = write!(env.stderr, "{d}");
        env.err(&format!("There was an error in line {} of {path}", d.line));
        if tolerated {
            tolerated_failure |= continue_line.is_some_and(|l| d.line > l);
        } else {
            fatal = true;
        }
    }
    if fatal {
        env.err(&format!(
            "{path}: nothing was loaded; fix the errors above (the whole file is checked first)"
        ));
        return 1;
    }
    _lock = match take_lock(env) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let outcome = match apply_and_finish(env, &entries, transport.as_mut(), 1) {
        Ok(o) => o,
        Err(code) => return code,
    };
    for f in &outcome.failures {
        env.err(&format!(
            "{}:{}: error: {}",
            f.origin.file, f.origin.line, f.message
        ));
        env.err(&format!(
            "There was an error in line {} of {path}",
            f.origin.line
        ));
    }
    if outcome.failed || tolerated_failure {
        1
    } else {
        0
    }
}
