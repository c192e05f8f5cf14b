//! Command personalities: how argv becomes work. One binary answers to
//! several names (as uutils' multicall binary does): run as `auditctl` it is
//! the auditctl drop-in, as `augenrules` the augenrules drop-in; otherwise
//! the native `kaudit` interface, where `kaudit auditctl ARGS...` and
//! `kaudit augenrules ARGS...` also reach them.

pub mod auditctl;
pub mod augenrules;

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
