//! Command personalities: how argv becomes work. One binary answers to
//! several names (as uutils' multicall binary does): run as `auditctl` it is
//! the auditctl drop-in, as `augenrules` the augenrules drop-in; otherwise
//! the native `kaudit` interface, where `kaudit auditctl ARGS...` and
//! `kaudit augenrules ARGS...` also reach them.
//!
//! The native command line is defined and dispatched in [`args`]; the
//! native commands each have a module here ([`load`], [`list`],
//! [`delete`], [`sync`], [`compare`] for `diff` and `check`, [`status`],
//! [`lint`], [`docs`]). They and the personalities run in an [`env::Env`]
//! (output streams, the kernel through [`env::Connect`], host), so each
//! runs against the in-memory kernel in tests. `src/main.rs` only starts
//! the process and calls [`main`].

pub mod args;
pub mod auditctl;
pub mod augenrules;
pub mod compare;
pub mod delete;
pub mod docs;
pub mod env;
pub mod lint;
pub mod list;
pub mod load;
pub mod status;
pub mod sync;

use std::ffi::OsString;

#[cfg(test)]
mod tests;

/// Which interface a process should present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Personality {
    /// `kaudit` subcommands.
    Native,
    /// The `auditctl` command line.
    Auditctl,
    /// The `augenrules` command line.
    Augenrules,
}

/// The personality for a program name and its arguments, and how many
/// leading arguments name it (`kaudit auditctl ...` consumes one).
pub fn personality(argv0: &str, args: &[String]) -> (Personality, usize) {
    let base = argv0.rsplit('/').next().unwrap_or(argv0);
    match base {
        "auditctl" => return (Personality::Auditctl, 0),
        "augenrules" => return (Personality::Augenrules, 0),
        _ => {}
    }
    match args.first().map(String::as_str) {
        Some("auditctl") => return (Personality::Auditctl, 1),
        Some("augenrules") => return (Personality::Augenrules, 1),
        _ => {}
    }
    (Personality::Native, 0)
}

/// Runs the process's command line `argv` (the program name first) in
/// the personality its name or first argument asks for; the exit code.
pub fn main(argv: &[OsString]) -> u8 {
    // Personalities are chosen by name; argv itself stays bytes (the
    // auditctl personality takes keys and paths that are not UTF-8, as
    // auditctl does).
    let lossy: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let argv0 = lossy.first().cloned().unwrap_or_default();
    let rest = lossy.get(1..).unwrap_or_default();
    match personality(&argv0, rest) {
        (Personality::Auditctl, skip) => {
            let code = auditctl::main(&argv[1 + skip..]);
            after_signal("auditctl", "the command", code)
        }
        (Personality::Augenrules, skip) => {
            let cmd = if skip == 0 {
                argv0.as_str()
            } else {
                "augenrules"
            };
            let code = augenrules::main(cmd, &lossy[1 + skip..]);
            after_signal("augenrules", "the load", code)
        }
        (Personality::Native, _) => args::run(argv),
    }
}

/// After a command that deferred SIGINT/SIGTERM/SIGHUP: if one came, say so
/// and return 128 + its number instead of `code`.
pub fn after_signal(program: &str, what: &str, code: u8) -> u8 {
    match crate::interrupt::received() {
        Some(sig) => {
            crate::output::say(&format!(
                "{program}: {} received; {what} was finished first so that no rule set is left half-applied (exit status {} had it not come); exiting {}",
                crate::interrupt::name(sig),
                code,
                crate::interrupt::exit_code(sig)
            ));
            crate::interrupt::exit_code(sig)
        }
        None => code,
    }
}
