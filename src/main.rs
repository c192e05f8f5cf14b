//! The `kaudit` binary: the native command-line interface.
//!
//! Only this file touches argv, stdout, stderr and exit codes. Exit codes:
//! 0 success; 1 bad input or a kernel refusal; 2 usage error (from clap);
//! 4 not privileged; 3 the kernel's audit configuration is locked (`-e 2`);
//! 5 (sync) the kernel was changed and its previous state could not be
//! restored.

use clap::{Parser, Subcommand};
use kaudit::apply::{self, contains};
use kaudit::compile::{compile_args, Compiled, RuleOp};
use kaudit::diag::{Diagnostic, Severity};
use kaudit::error::{exit, Error};
use kaudit::expedite::Expedited;
use kaudit::host::Host;
use kaudit::interrupt;
use kaudit::json;
use kaudit::listing::{list_bytes, list_text};
use kaudit::lock::MachineLock;
use kaudit::model::Rule;
use kaudit::netlink::select::Kernel;
use kaudit::netlink::{Request, Transport};
use kaudit::output::{say, Stdout};
use kaudit::rulefile::{compile_files, trust_problems, Trust};
use kaudit::sync::{self as ksync, Scope};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kaudit",
    version,
    about = "Load, list, sync and delete Linux audit rules (auditctl-compatible)",
    after_help = "Rules use auditctl syntax. Architectures for -F arch=: b32, b64, i386 (i486..i686), x86_64, \
ppc, ppc64, ppc64le, s390, s390x, arm (armeb, armv5tejl, armv5tel, armv6l, armv7l), aarch64 (armv8l), \
riscv32, riscv64, and loongarch64 (beyond the reference auditctl: kernel syscall table).\n\
Run as `auditctl` or `augenrules` (or `kaudit auditctl ...`, `kaudit augenrules ...`) for the drop-in interfaces."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What sync, diff and check compare the kernel with.
#[derive(clap::Args)]
struct Target {
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    /// Manage only rules whose key starts with PREFIX: key=PREFIX.
    #[arg(long, value_name = "key=PREFIX")]
    scope: Option<String>,
    /// Rules files or directories (their *.rules files, in natural order).
    #[arg(required = true)]
    paths: Vec<String>,
}

/// The switch for expedited RCU grace periods during deletes.
#[derive(clap::Args, Clone, Copy)]
struct NoExpedite {
    /// Do not set /sys/kernel/rcu_expedited to 1 while deleting rules
    /// (by default kaudit does, and puts the old value back afterwards:
    /// each delete then takes microseconds instead of a ~12 ms RCU grace
    /// period, at the cost of inter-processor interrupts on the other CPUs
    /// for the duration of the burst). KAUDIT_NO_EXPEDITE=1 does the same.
    #[arg(long)]
    no_expedite: bool,
}

impl NoExpedite {
    fn enabled(self) -> bool {
        !self.no_expedite && !kaudit::expedite::disabled_by_env()
    }
}

#[derive(Subcommand)]
enum Command {
    /// The auditctl-compatible interface: `kaudit auditctl ARGS...` is
    /// `auditctl ARGS...` (also reached by running kaudit as `auditctl`).
    Auditctl {
        /// auditctl's arguments.
        #[arg(allow_hyphen_values = true, num_args = 0.., trailing_var_arg = true)]
        args: Vec<String>,
    },
    /// Load rules files (auditctl syntax) into the kernel, in order.
    ///
    /// Every line of every file is checked first; if any has an error,
    /// nothing is sent. Lines the kernel refuses stop the load, unless a
    /// `-i` or `-c` line came before them (as with `auditctl -R`).
    Load {
        /// Check and show what would be sent, without touching the kernel.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        expedite: NoExpedite,
        /// Rules files.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// List the kernel's rules, exactly as `auditctl -l` prints them.
    List {
        /// Only rules whose key contains this text.
        #[arg(short, long)]
        key: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// List the path and dir watches instead (never-watches too): path,
        /// kind, permissions, list and action, keys. With DIR, only the
        /// watches on DIR itself and directly under it.
        #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "")]
        watches: Option<String>,
    },
    /// The augenrules-compatible interface: merge /etc/audit/rules.d into
    /// /etc/audit/audit.rules (`--check`, `--load`); loading goes through
    /// sync. `KAUDIT_AUGENRULES_DIR` and `KAUDIT_AUGENRULES_OUTPUT` override
    /// the paths.
    ///
    /// `--load` means what the reference's does: a merged file with a -D
    /// line replaces the whole rule table (with no gap for kept rules);
    /// without -D, its rules are added to those already loaded and every
    /// other rule is kept. audit.rules and .prev are replaced atomically
    /// (mode 0640; a symlink at either path is refused); no machine lock, no
    /// change to the kernel.
    Augenrules {
        /// augenrules's arguments.
        #[arg(allow_hyphen_values = true, num_args = 0.., trailing_var_arg = true)]
        args: Vec<String>,
    },
    /// Make the kernel match rules files or rules.d directories with the
    /// least change: kept rules stay in place and are never absent; a refusal
    /// part-way restores the previous rules and settings.
    ///
    /// The files are the whole desired state of the scope (every rule when
    /// there is no --scope): rules in scope that the files do not hold are
    /// deleted. A directory without *.rules files is an error; files with no
    /// rules are refused while the kernel holds rules in scope, unless they
    /// say -D or --allow-empty is given. Other writers: rules outside the
    /// scope are never touched or checked; a rule another writer added or
    /// deleted during the sync is re-planned around (up to 3 rounds) and
    /// reported. A rollback undoes only kaudit's own steps and says what it
    /// restored; exit 5 when the previous state could not be restored.
    Sync {
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Allow files with no rules (and no -D) to delete every rule in
        /// scope.
        #[arg(long)]
        allow_empty: bool,
        #[command(flatten)]
        expedite: NoExpedite,
        #[command(flatten)]
        target: Target,
    },
    /// Show how the kernel's rules differ from the files: a unified diff of
    /// the `-l` text. Exit 0 when the same, 1 when different, 2 on error.
    Diff {
        #[command(flatten)]
        target: Target,
    },
    /// Exit 0 when the kernel matches the files, 1 on drift, 2 on error.
    Check {
        #[command(flatten)]
        target: Target,
    },
    /// The kernel's audit status (as `auditctl -s`).
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Check rules files or rules.d directories for mistakes, without a
    /// kernel: what the kernel or auditctl would refuse, rules an earlier rule
    /// always decides for, 32/64-bit and cross-machine gaps, order and
    /// settings, and notes. Exit 0 when clean, 1 when a finding is at or
    /// above --deny, 2 when the input cannot be read or parsed.
    Lint {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: kaudit::lint::Format,
        /// Same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Exit 1 when a finding is at or above LEVEL.
        #[arg(long, value_enum, value_name = "LEVEL", default_value = "error")]
        deny: kaudit::lint::Level,
        /// Machines to check for (x86_64, aarch64, ppc64le, s390x, riscv64,
        /// loongarch64, ...; comma-separated or repeated). The first compiles
        /// the set; default: this machine.
        #[arg(long, value_name = "MACHINE", value_delimiter = ',')]
        arch: Vec<String>,
        /// Rules files or directories (their *.rules files, in natural order).
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Write man pages and shell completions into DIR (used by
    /// scripts/install.sh).
    #[command(hide = true)]
    GenerateDocs {
        /// Output directory: man8/ and completions/ are made in it.
        dir: std::path::PathBuf,
    },
    /// Delete rules: by rule text (`kaudit delete -- -a always,exit -S open`)
    /// or by key (`kaudit delete --key KEY`, rules with exactly that key).
    Delete {
        /// Delete every rule that has this key (one of its keys, exactly).
        #[arg(short, long, conflicts_with = "rule")]
        key: Option<String>,
        #[command(flatten)]
        expedite: NoExpedite,
        /// The rule, in auditctl syntax (`-a`/`-w` forms are accepted and
        /// mean the same rule).
        #[arg(allow_hyphen_values = true, num_args = 0.., trailing_var_arg = true)]
        rule: Vec<String>,
    },
}

/// After a command that deferred SIGINT/SIGTERM/SIGHUP: if one came, say so
/// and exit with 128 + its number instead of `code`.
fn after_signal(program: &str, what: &str, code: u8) -> u8 {
    match interrupt::received() {
        Some(sig) => {
            say(&format!(
                "{program}: {} received; {what} was finished first so that no rule set is left half-applied (exit status {} had it not come); exiting {}",
                interrupt::name(sig),
                code,
                interrupt::exit_code(sig)
            ));
            interrupt::exit_code(sig)
        }
        None => code,
    }
}

fn main() -> ExitCode {
    // argv is bytes: the auditctl personality takes keys and paths that are
    // not UTF-8, as auditctl does.
    let argv_os: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let argv: Vec<String> = argv_os
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // A run killed (SIGKILL) while it had expedited RCU grace periods left
    // /sys/kernel/rcu_expedited at 1 and its old value on record.
    if nix::unistd::geteuid().is_root() {
        kaudit::expedite::recover(&kaudit::expedite::Knob::system());
    }
    let argv0 = argv.first().cloned().unwrap_or_default();
    let (personality, skip) = kaudit::cli::personality(&argv0, &argv[1..]);
    match personality {
        kaudit::cli::Personality::Auditctl => {
            let code = kaudit::cli::auditctl::main(&argv_os[1 + skip..]);
            return ExitCode::from(after_signal("auditctl", "the command", code));
        }
        kaudit::cli::Personality::Augenrules => {
            let cmd = if skip == 0 {
                argv0.as_str()
            } else {
                "augenrules"
            };
            let code = kaudit::cli::augenrules::main(cmd, &argv[1 + skip..]);
            return ExitCode::from(after_signal("augenrules", "the load", code));
        }
        kaudit::cli::Personality::Native => {}
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap's own printing panics on a closed stdout; this does not.
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(exit::TROUBLE);
            let text = e.render().to_string();
            if e.use_stderr() {
                kaudit::output::say(text.trim_end());
            } else {
                let mut out = kaudit::output::stdout();
                out.print(&text);
                return ExitCode::from(match out.finish() {
                    Ok(()) => code,
                    Err(e) => {
                        say(&format!("kaudit: {e}"));
                        e.exit_code()
                    }
                });
            }
            return ExitCode::from(code);
        }
    };
    // The native commands speak the kernel's full language (names and
    // io_uring ops beyond the reference); the personalities do not.
    let host = Host::detect().extended();
    let mut out = kaudit::output::stdout();
    // diff, check and lint exit 2 on any error, a failed write included.
    let trouble = matches!(
        &cli.command,
        Command::Diff { .. } | Command::Check { .. } | Command::Lint { .. }
    );
    let result = match cli.command {
        // Handled before clap parses (see above); kept for help output.
        Command::Auditctl { args } => Ok(kaudit::cli::auditctl::main(&args)),
        Command::Augenrules { args } => Ok(kaudit::cli::augenrules::main("augenrules", &args)),
        Command::Load {
            dry_run,
            expedite,
            files,
        } => load(&files, dry_run, expedite.enabled(), &host, &mut out),
        Command::List {
            watches: Some(dir),
            json,
            ..
        } => watches(&dir, json, &mut out),
        Command::List { key, json, .. } => list(key.as_deref(), json, &host, &mut out),
        Command::Sync {
            dry_run,
            allow_empty,
            expedite,
            target: t,
        } => sync(
            &t.paths,
            t.scope.as_deref(),
            dry_run,
            allow_empty,
            t.json,
            expedite.enabled(),
            &host,
            &mut out,
        ),
        Command::Diff { target: t } => compare(
            &t.paths,
            t.scope.as_deref(),
            Compare::Diff,
            t.json,
            &host,
            &mut out,
        ),
        Command::Check { target: t } => compare(
            &t.paths,
            t.scope.as_deref(),
            Compare::Check,
            t.json,
            &host,
            &mut out,
        ),
        Command::Status { json } => status(json, &mut out),
        Command::GenerateDocs { dir } => generate_docs(&dir),
        Command::Lint {
            format,
            json,
            deny,
            arch,
            paths,
        } => lint(&paths, format, json, deny, &arch, &host, &mut out),
        Command::Delete {
            key,
            expedite,
            rule,
        } => delete(key.as_deref(), &rule, expedite.enabled(), &host),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            say(&format!("kaudit: {e}"));
            e.exit_code()
        }
    };
    let code = after_signal("kaudit", "the change", code);
    match out.finish() {
        Ok(()) => ExitCode::from(code),
        Err(e) => {
            let e = if trouble { e.trouble() } else { e };
            say(&format!("kaudit: {e}"));
            ExitCode::from(code.max(e.exit_code()))
        }
    }
}

type Failure = Error;

fn report(diags: &[Diagnostic]) -> bool {
    let mut errors = false;
    let mut text = String::new();
    for d in diags.iter().filter(|d| d.severity != Severity::Note) {
        errors |= d.severity == Severity::Error;
        text.push_str(&d.to_string());
    }
    if !text.is_empty() {
        say(text.trim_end_matches('\n'));
    }
    errors
}

/// A kernel connection for a change: it holds the machine lock, and
/// expedites RCU grace periods while it deletes (unless turned off).
type Changer = Expedited<Kernel>;

/// Opens the kernel connection for a change: privilege, the machine lock,
/// and the immutable check, before anything is sent. From here on SIGINT,
/// SIGTERM and SIGHUP are deferred until the change is finished.
fn open_for_change(expedite: bool) -> Result<Changer, Failure> {
    let mut t = Kernel::open()?;
    // The test-only fake kernel (KAUDIT_FAKE_KERNEL) is a file: no privilege,
    // machine lock or RCU expediting applies to it.
    if t.is_fake() {
        immutable_check(&mut t)?;
        return Ok(Expedited::new(t, false));
    }
    if !nix::unistd::geteuid().is_root() {
        return Err(Error::NotRoot);
    }
    let lock = MachineLock::acquire().map_err(Error::Lock)?;
    immutable_check(&mut t)?;
    interrupt::defer();
    Ok(Expedited::new(t, expedite).holding(lock))
}

fn immutable_check(t: &mut Kernel) -> Result<(), Failure> {
    if t.get_status()?.enabled == 2 {
        return Err(Error::Immutable);
    }
    Ok(())
}

fn load(
    files: &[String],
    dry_run: bool,
    expedite: bool,
    host: &Host,
    out: &mut Stdout,
) -> Result<u8, Failure> {
    let trust = if dry_run { Trust::Warn } else { Trust::Refuse };
    let mut diags = trust_problems(files, trust);
    let (entries, compiled) = compile_files(files, host);
    diags.extend(compiled);
    diags.extend(kaudit::rulefile::load_problems(&entries));
    // In the order of the files, then of their lines.
    diags.sort_by_key(|d| {
        let file = files.iter().position(|f| d.file.as_ref() == Some(f));
        (file.unwrap_or(usize::MAX), d.line)
    });
    if report(&diags) {
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        return Err(Error::LoadInput { errors });
    }
    if dry_run {
        let mut text = String::new();
        for e in &entries {
            text.push_str(&format!(
                "{}:{}: {}\n",
                e.origin.file,
                e.origin.line,
                describe(&e.compiled, host)
            ));
        }
        out.print(&text);
        return Ok(0);
    }
    let mut t = open_for_change(expedite)?;
    let outcome = match apply::load(&entries, &mut t, host)? {
        Ok(outcome) => outcome,
        Err(refused) => {
            report(&refused);
            return Err(Error::NotLoadable);
        }
    };
    for f in &outcome.failures {
        say(&format!(
            "{}:{}: error: {}",
            f.origin.file, f.origin.line, f.message
        ));
        say(&format!("  | {}", f.text));
    }
    say(&format!(
        "kaudit: {} rule(s) added, {} deleted, {} setting(s) changed{}",
        outcome.added,
        outcome.deleted,
        outcome.settings,
        if outcome.stopped {
            "; stopped at the first refused line"
        } else {
            ""
        }
    ));
    Ok(if outcome.failed { 1 } else { 0 })
}

/// One dry-run line: a rule as `append`/`prepend`/`delete` and its `-l`
/// text (the verbs of `kaudit sync --dry-run`), a setting in plain words.
fn describe(c: &Compiled, host: &Host) -> String {
    let rule_text = |op: &RuleOp, r: &Rule| {
        let verb = match op {
            RuleOp::Append => "append",
            RuleOp::Prepend => "prepend",
            RuleOp::Delete => "delete",
        };
        format!(
            "{verb} {}",
            list_text(std::slice::from_ref(&r.as_stored()), host).trim_end()
        )
    };
    let controls = |cs: &[kaudit::model::Control]| -> Vec<String> {
        cs.iter().map(|c| c.describe()).collect()
    };
    match c {
        Compiled::Rule { op, rule } => rule_text(op, rule),
        Compiled::Mixed {
            controls: cs,
            op,
            rule,
        } => {
            let mut parts = controls(cs);
            parts.push(rule_text(op, rule));
            parts.join("; ")
        }
        Compiled::Control(cs) => controls(cs).join("; "),
        Compiled::Nothing | Compiled::Deprecated => String::new(),
    }
}

/// The kernel's rules with their bytes. A rule kaudit cannot fully decode
/// is kept (read as far as its layout allows, with a warning), so it is
/// listed and can be deleted by its bytes.
fn kernel_rules(t: &mut dyn Transport) -> Result<Vec<(Vec<u8>, Rule)>, Failure> {
    let mut notes = Vec::new();
    let rules = apply::kernel_rules(t, &mut notes)?;
    for n in notes {
        say(&format!("kaudit: {n}"));
    }
    Ok(rules)
}

fn list(key: Option<&str>, json: bool, host: &Host, out: &mut Stdout) -> Result<u8, Failure> {
    let mut t = Kernel::open()?;
    let rules: Vec<Rule> = kernel_rules(&mut t)?.into_iter().map(|(_, r)| r).collect();
    if json {
        let items: Vec<json::ListedRule> = rules
            .iter()
            .filter(|r| {
                key.is_none_or(|k| r.key_bytes().is_some_and(|rk| contains(rk, k.as_bytes())))
            })
            .map(|r| json::ListedRule::new(r, host))
            .collect();
        out.print(&json::line(&items));
        return Ok(0);
    }
    let text = match key {
        // auditctl prints nothing (not "No rules") when rules exist but none match.
        Some(k) if !rules.is_empty() => {
            let shown: Vec<Rule> = rules
                .into_iter()
                .filter(|r| r.key_bytes().is_some_and(|rk| contains(rk, k.as_bytes())))
                .collect();
            if shown.is_empty() {
                Vec::new()
            } else {
                list_bytes(&shown, host)
            }
        }
        _ => list_bytes(&rules, host),
    };
    out.bytes(&text);
    Ok(0)
}

fn delete(key: Option<&str>, rule: &[String], expedite: bool, host: &Host) -> Result<u8, Failure> {
    let requests: Vec<Request> = if let Some(k) = key {
        let mut t = open_for_change(expedite)?;
        let doomed: Vec<Request> = kernel_rules(&mut t)?
            .into_iter()
            .filter(|(_, r)| r.keys().contains(&k.as_bytes()))
            .map(|(b, _)| Request::del_rule(b))
            .collect();
        return run_deletes(&mut t, doomed, &format!("with key {k}"));
    } else {
        if rule.is_empty() {
            return Err(Error::NothingToDelete);
        }
        match compile_args(rule, host) {
            Ok(Compiled::Rule { rule, .. }) => {
                vec![Request::del_rule(kaudit::codec::encode(&rule.as_stored()))]
            }
            Ok(_) => return Err(Error::NotARule),
            Err(d) => {
                report(&[d.at(None, 1, &kaudit::syntax::join_argv(rule))]);
                return Err(Error::BadRule);
            }
        }
    };
    let mut t = open_for_change(expedite)?;
    run_deletes(&mut t, requests, "matching that text")
}

fn run_deletes(t: &mut dyn Transport, requests: Vec<Request>, what: &str) -> Result<u8, Failure> {
    if requests.is_empty() {
        return Err(Error::NoSuchRule(what.to_string()));
    }
    let acks = t.execute(&requests)?;
    let mut code = 0;
    for a in &acks {
        if let Err(e) = a {
            say(&format!(
                "kaudit: Error sending delete rule data request ({})",
                apply::strerror(*e)
            ));
            code = 1;
        }
    }
    let n = acks.iter().filter(|a| a.is_ok()).count();
    say(&format!("kaudit: {n} rule(s) deleted"));
    Ok(code)
}

fn scope_of(scope: Option<&str>) -> Result<Scope, Failure> {
    match scope {
        None => Ok(Scope::All),
        Some(s) => Scope::parse(s).map_err(Error::Scope),
    }
}

/// Compiles the paths into the desired state; errors are reported and map to
/// exit 2 (nothing was sent).
fn desired(
    paths: &[String],
    scope: &Scope,
    host: &Host,
    trust: Trust,
) -> Result<ksync::Desired, Failure> {
    let problems = trust_problems(paths, trust);
    let refused = problems
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    report(&problems);
    let nothing_sent = |errors: usize| Error::DesiredInput { errors };
    let want = ksync::desired_from_paths(paths, host, scope).map_err(|diags| {
        report(&diags);
        nothing_sent(refused + diags.len())
    })?;
    if refused > 0 {
        return Err(nothing_sent(refused));
    }
    Ok(want)
}

#[allow(clippy::too_many_arguments)] // one per command-line option of `kaudit sync`
fn sync(
    paths: &[String],
    scope: Option<&str>,
    dry_run: bool,
    allow_empty: bool,
    json: bool,
    expedite: bool,
    host: &Host,
    out: &mut Stdout,
) -> Result<u8, Failure> {
    let scope = scope_of(scope)?;
    if !dry_run {
        return sync_apply(paths, &scope, allow_empty, json, expedite, host, out);
    }
    let mut want = desired(paths, &scope, host, Trust::Warn)?;
    want.allow_empty = allow_empty;
    {
        let mut t = Kernel::open()?;
        let r = ksync::compare(&mut t, &want, &scope)?;
        ksync::empty_guard(&r, &want)?;
        if json {
            out.print(&json::line(&json::PlanReport::new(&r, host)));
        } else {
            out.print(&ksync::plan_text(&r, host));
            let (adds, deletes) = r.plan.counts();
            say(&format!(
                "kaudit: plan: {adds} add(s), {deletes} delete(s), {} kept, {} setting(s)",
                r.plan.kept,
                r.settings.len()
            ));
        }
        Ok(0)
    }
}

/// `kaudit sync` for real: the files compile while the kernel's state is
/// read (independent work, and at 10,000 rules each takes about as long as
/// the other), then the plan is applied.
fn sync_apply(
    paths: &[String],
    scope: &Scope,
    allow_empty: bool,
    json: bool,
    expedite: bool,
    host: &Host,
    out: &mut Stdout,
) -> Result<u8, Failure> {
    let (want, opened) = std::thread::scope(|s| {
        let opener = s.spawn(|| -> Result<_, Failure> {
            let mut t = open_for_change(expedite)?;
            let state = ksync::read_state(&mut t)?;
            Ok((t, state))
        });
        let want = desired(paths, scope, host, Trust::Refuse);
        let opened = opener
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (want, opened)
    });
    // Bad input is exit 2 even when the kernel could not be opened.
    let mut want = want?;
    want.allow_empty = allow_empty;
    let (mut t, state) = opened?;
    test_pause();
    match ksync::apply_state(&mut t, state, &want, scope, host) {
        Ok(r) => {
            if json {
                out.print(&json::line(&json::PlanReport::new(&r, host)));
            }
            let (adds, deletes) = r.plan.counts();
            say(&format!(
                "kaudit: sync: {adds} add(s), {deletes} delete(s), {} kept in place, {} setting(s) changed",
                r.plan.kept,
                r.settings.len()
            ));
            if !r.foreign.is_empty() {
                say(&format!(
                    "{}kaudit: {} round(s) of apply and read-back; the rules in scope now match the files",
                    ksync::foreign_text(&r.foreign),
                    r.rounds
                ));
            }
            Ok(0)
        }
        Err(e) => {
            if json {
                out.print(&json::line(&json::SyncFailure::new(&e)));
            }
            Err(e.into())
        }
    }
}

/// A test hook (tests/sync_safety.rs): with `KAUDIT_TEST_PAUSE_FILE` set,
/// a sync stops after reading the kernel's state and before changing it,
/// says so on stderr, and goes on once that file exists (or after 30 s), so
/// a test can play another writer at exactly that moment.
fn test_pause() {
    let Some(path) = std::env::var_os("KAUDIT_TEST_PAUSE_FILE") else {
        return;
    };
    say("kaudit: test pause: the kernel's state is read");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::path::Path::new(&path).exists() && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    Diff,
    Check,
}

fn compare(
    paths: &[String],
    scope: Option<&str>,
    mode: Compare,
    json: bool,
    host: &Host,
    out: &mut Stdout,
) -> Result<u8, Failure> {
    // diff(1) and check exit 2 on any error.
    let as_two = Error::trouble;
    let scope = scope_of(scope).map_err(as_two)?;
    let want = desired(paths, &scope, host, Trust::Warn).map_err(as_two)?;
    let mut t = Kernel::open().map_err(|e| as_two(e.into()))?;
    let r = ksync::compare(&mut t, &want, &scope).map_err(|e| as_two(e.into()))?;
    let (adds, deletes) = r.plan.counts();
    if json {
        match mode {
            Compare::Diff => out.print(&json::line(&json::PlanReport::new(&r, host))),
            Compare::Check => out.print(&json::line(&json::CheckReport::new(&r))),
        }
    } else {
        match mode {
            Compare::Diff => {
                out.print(&ksync::diff_text(&r, host));
                for (n, f, to) in &r.settings {
                    out.line(&format!("-{n} {f}\n+{n} {to}"));
                }
            }
            Compare::Check if r.in_sync() => {
                out.line(&format!("in sync: {} rule(s)", r.after.len()))
            }
            Compare::Check => out.line(&format!(
                "drift: {adds} rule(s) to add, {deletes} to delete, {} setting(s) differ",
                r.settings.len()
            )),
        }
    }
    Ok(if r.in_sync() { 0 } else { 1 })
}

fn status(json: bool, out: &mut Stdout) -> Result<u8, Failure> {
    let mut t = Kernel::open()?;
    let s = t.get_status()?;
    if json {
        out.print(&json::line(&json::Status::from(&s)));
    } else {
        out.print(&kaudit::apply::status_report(&mut t, false)?);
    }
    Ok(0)
}

/// Man pages (kaudit.8 and one per subcommand) and completions, all from the
/// clap definitions above, so they never disagree with `--help`.
fn generate_docs(dir: &std::path::Path) -> Result<u8, Failure> {
    use clap::CommandFactory;
    let io = Error::Docs;
    let man = dir.join("man8");
    let comp = dir.join("completions");
    std::fs::create_dir_all(&man).map_err(io)?;
    std::fs::create_dir_all(&comp).map_err(io)?;
    let mut cmd = Cli::command();
    cmd.build();
    let page = |c: &clap::Command, name: &str| -> Result<(), Failure> {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c.clone())
            .title(name.to_uppercase())
            .section("8")
            .render(&mut buf)
            .map_err(io)?;
        std::fs::write(man.join(format!("{name}.8")), buf).map_err(io)
    };
    page(&cmd, "kaudit")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page(sub, &format!("kaudit-{}", sub.get_name()))?;
    }
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
    ] {
        clap_complete::generate_to(shell, &mut cmd, "kaudit", &comp).map_err(io)?;
    }
    Ok(0)
}

/// `kaudit lint`: the report on stdout, through the output layer (a closed
/// stdout drops the rest; a failed write is exit 2).
fn lint(
    paths: &[String],
    format: kaudit::lint::Format,
    json: bool,
    deny: kaudit::lint::Level,
    arch: &[String],
    host: &Host,
    out: &mut Stdout,
) -> Result<u8, Failure> {
    let format = if json {
        kaudit::lint::Format::Json
    } else {
        format
    };
    let (text, code) =
        kaudit::lint::run(paths, format, deny, arch, host).map_err(Error::trouble)?;
    out.print(&text);
    Ok(code)
}

/// `kaudit list --watches [DIR]`.
fn watches(dir: &str, json: bool, out: &mut Stdout) -> Result<u8, Failure> {
    use kaudit::model::{field, perm, Value};
    let mut t = Kernel::open()?;
    let dir = dir.trim_end_matches('/');
    let mut rows = Vec::new();
    for (_, r) in kernel_rules(&mut t)? {
        let Some((kind, path)) = r.fields.iter().find_map(|f| match (&f.value, f.number) {
            (Value::Bytes(b), field::WATCH) => Some(("path", b.clone())),
            (Value::Bytes(b), field::DIR) => Some(("dir", b.clone())),
            _ => None,
        }) else {
            continue;
        };
        // DIR itself, or an entry directly in it.
        let under = |p: &[u8]| {
            dir.is_empty()
                || p == dir.as_bytes()
                || p.strip_prefix(dir.as_bytes())
                    .and_then(|rest| rest.strip_prefix(b"/"))
                    .is_some_and(|rest| !rest.contains(&b'/'))
        };
        if !under(&path) {
            continue;
        }
        let perms = r
            .fields
            .iter()
            .find(|f| f.number == field::PERM)
            .map_or_else(
                || "-".to_string(),
                |f| perm::letters(f.num_value() & perm::ALL),
            );
        rows.push(json::Watch {
            path: json::Text(path),
            kind,
            perms,
            list: kaudit::tables::list_name(r.list.number()).unwrap_or("?"),
            action: kaudit::tables::action_name(r.action.number()).unwrap_or("?"),
            keys: r.keys().into_iter().map(json::Text::from).collect(),
        });
    }
    if json {
        out.print(&json::line(&rows));
    } else {
        // Tab-separated columns; the path and keys as the bytes they are.
        for w in &rows {
            let mut row = w.path.0.clone();
            row.extend_from_slice(
                format!("\t{}\t{}\t{},{}\t", w.kind, w.perms, w.action, w.list).as_bytes(),
            );
            let keys: Vec<&[u8]> = w.keys.iter().map(|k| &k.0[..]).collect();
            row.extend_from_slice(&keys.join(&b","[..]));
            row.push(b'\n');
            out.bytes(&row);
        }
    }
    Ok(0)
}
