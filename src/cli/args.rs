//! The native command line: the clap definitions of `kaudit` and their
//! dispatch to the command modules. `kaudit generate-docs` renders the man
//! pages and completions from these definitions ([`command`]), so they never
//! disagree with `--help`.

use super::env::{conclude, Env, System};
use super::{compare, delete, docs, lint, list, load, status, sync};
use crate::error::Error;
use crate::exit;
use crate::host::Host;
use crate::output::say;
use clap::{Parser, Subcommand};
use std::ffi::OsString;

#[derive(Parser)]
#[command(
    name = "kaudit",
    version,
    about = "Load, list, sync and delete Linux audit rules (auditctl-compatible)",
    after_help = "Rules use auditctl syntax. Architectures for -F arch=: b32, b64, i386 (i486..i686), x86_64, \
ppc, ppc64, ppc64le, s390, s390x, arm (armeb, armv5tejl, armv5tel, armv6l, armv7l), aarch64 (armv8l), \
riscv32, riscv64, and loongarch64 (beyond the reference auditctl: kernel syscall table).\n\
Run as `auditctl` or `augenrules` (or `kaudit auditctl ...`, `kaudit augenrules ...`) for the drop-in interfaces.\n\
Changes take the machine lock /run/kaudit.lock (KAUDIT_LOCK_PATH; a regular file of root's, mode 0600) and wait \
for it at most KAUDIT_LOCK_TIMEOUT seconds (default 60, 0: not at all), then exit 6 (the drop-ins: 1)."
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

impl Target {
    /// `diff` or `check`: one path, `show` says what is printed.
    fn compare(&self, env: &mut Env, show: compare::Show) -> Result<u8, Error> {
        compare::run(env, &self.paths, self.scope.as_deref(), show, self.json)
    }
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
        !self.no_expedite && !crate::expedite::disabled_by_env()
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
    /// the paths (set but empty counts as unset).
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
    #[command(long_about = sync_long_about())]
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
        format: crate::lint::Format,
        /// Same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Exit 1 when a finding is at or above LEVEL.
        #[arg(long, value_enum, value_name = "LEVEL", default_value = "error")]
        deny: crate::lint::Level,
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

/// `sync --help` (and kaudit-sync(8)): the round limit is the engine's
/// [`crate::sync::MAX_ROUNDS`].
fn sync_long_about() -> String {
    format!(
        "Make the kernel match rules files or rules.d directories with the least change: kept \
         rules stay in place and are never absent; a refusal part-way restores the previous \
         rules and settings.\n\n\
         The files are the whole desired state of the scope (every rule when there is no \
         --scope): rules in scope that the files do not hold are deleted. A directory without \
         *.rules files is an error; files with no rules are refused while the kernel holds \
         rules in scope, unless they say -D or --allow-empty is given. Other writers: rules \
         outside the scope are never touched or checked; a rule another writer added or \
         deleted during the sync is re-planned around (up to {} rounds) and reported. A \
         rollback undoes only kaudit's own steps and says what it restored; exit 5 when the \
         previous state could not be restored.",
        crate::sync::MAX_ROUNDS
    )
}

/// The clap definition of the `kaudit` command line (for the man pages,
/// the completions and tests).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Runs the native command line `argv` (the program name first); the exit
/// code. Help, version and usage errors are printed as clap renders them.
pub fn run(argv: &[OsString]) -> u8 {
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        // clap's own printing panics on a closed stdout; this does not.
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(exit::TROUBLE);
            let text = e.render().to_string();
            if e.use_stderr() {
                say(text.trim_end());
                return code;
            }
            let mut out = crate::output::stdout();
            out.print(&text);
            return conclude(Ok(code), out, false);
        }
    };
    let mut out = crate::output::stdout();
    // diff, check and lint exit 2 on any error, a failed write included.
    let trouble = matches!(
        &cli.command,
        Command::Diff { .. } | Command::Check { .. } | Command::Lint { .. }
    );
    let mut env = Env {
        stdout: &mut out,
        stderr: &mut crate::output::Messages,
        kernel: &mut System,
        // The native commands speak the kernel's full language (names and
        // io_uring ops beyond the reference); the personalities do not.
        host: Host::detect().extended(),
    };
    let env = &mut env;
    let result = match cli.command {
        // Handled before clap parses ([`super::main`]); kept for help output.
        Command::Auditctl { args } => Ok(super::auditctl::main(&args)),
        Command::Augenrules { args } => Ok(super::augenrules::main("augenrules", &args)),
        Command::Load {
            dry_run,
            expedite,
            files,
        } => load::run(env, &files, dry_run, expedite.enabled()),
        Command::List {
            watches: Some(dir),
            json,
            ..
        } => list::watches(env, &dir, json),
        Command::List { key, json, .. } => list::run(env, key.as_deref(), json),
        Command::Sync {
            dry_run,
            allow_empty,
            expedite,
            target: t,
        } => sync::run(
            env,
            &t.paths,
            t.scope.as_deref(),
            sync::Options {
                dry_run,
                allow_empty,
                json: t.json,
                expedite: expedite.enabled(),
            },
        ),
        Command::Diff { target } => target.compare(env, compare::Show::Diff),
        Command::Check { target } => target.compare(env, compare::Show::Check),
        Command::Status { json } => status::run(env, json),
        Command::GenerateDocs { dir } => docs::generate(command(), &dir),
        Command::Lint {
            format,
            json,
            deny,
            arch,
            paths,
        } => {
            let format = if json {
                crate::lint::Format::Json
            } else {
                format
            };
            lint::run(env, &paths, format, deny, &arch)
        }
        Command::Delete {
            key,
            expedite,
            rule,
        } => delete::run(env, key.as_deref(), &rule, expedite.enabled()),
    };
    conclude(result, out, trouble)
}

#[cfg(test)]
mod tests {
    /// clap's own consistency checks of the definitions (conflicting or
    /// missing argument names, bad defaults), which it otherwise makes only
    /// when a command line reaches the faulty part.
    #[test]
    fn the_command_line_definitions_are_consistent() {
        let cmd = super::command();
        assert_eq!(cmd.get_name(), "kaudit");
        cmd.debug_assert();
    }
}
