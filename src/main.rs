//! The `kaudit` binary: process start only. The command line (the native
//! commands' clap definitions, the `auditctl` and `augenrules`
//! personalities) is in [`kaudit::cli`], their errors and exit codes in
//! `kaudit::error`: 0 success; 1 bad input or a kernel refusal; 2 usage
//! error; 3 the kernel's audit configuration is locked (`-e 2`); 4 not
//! privileged; 5 (sync) the kernel was changed and its previous state could
//! not be restored.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A run killed (SIGKILL) while it had expedited RCU grace periods left
    // /sys/kernel/rcu_expedited at 1 and its old value on record.
    if nix::unistd::geteuid().is_root() {
        kaudit::expedite::recover(&kaudit::expedite::Knob::system());
    }
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    ExitCode::from(kaudit::cli::main(&argv))
}
