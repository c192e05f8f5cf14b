//! The auditctl personality's usage and version text (kaudit's own words;
//! the options are auditctl's).

/// The usage text (`-h`, and no arguments).
pub fn usage() -> &'static str {
    "usage: auditctl [options]   (kaudit's auditctl-compatible interface)\n\
     Rules:\n\
     \x20   -a <list,action>          append a rule to the end of a list\n\
     \x20   -A <list,action>          insert a rule at the head of a list\n\
     \x20   -d <list,action>          delete the identical rule\n\
     \x20   -S <syscall[,...]|all>    match syscalls (io_uring ops on the io_uring list)\n\
     \x20   -F <field><op><value>     match a field; ops: = != < > <= >= & &=\n\
     \x20   -C <field><op><field>     compare two fields (= or !=)\n\
     \x20   -w <path> / -W <path>     add / remove a watch\n\
     \x20   -p <r|w|x|a>              watch permissions\n\
     \x20   -k <key>                  tag the rule with a key\n\
     \x20   lists: user task exit exclude filesystem io_uring; actions: always never\n\
     Listing and deleting:\n\
     \x20   -l [-k key | -i]          list rules\n\
     \x20   -D [-k key]               delete all rules (with that key)\n\
     \x20   -s [-i]                   status\n\
     Settings:\n\
     \x20   -e <0|1|2>                disable, enable, or lock until reboot\n\
     \x20   -f <0|1|2>                failure mode: silent, printk, panic\n\
     \x20   -r <n>                    rate limit (messages/s)\n\
     \x20   -b <n>                    backlog limit\n\
     \x20   --backlog_wait_time <n>   backlog wait time (jiffies)\n\
     \x20   --reset-lost, --reset_backlog_wait_time_actual, --loginuid-immutable\n\
     Other:\n\
     \x20   -R <file>                 load a rules file (alone)\n\
     \x20   -i, -c                    in a rules file: ignore errors / continue and fail at the end\n\
     \x20   -m <text>                 send a user message\n\
     \x20   -q <mount,subtree>        make two trees equivalent for watches\n\
     \x20   -t                        trim dead subtree watches\n\
     \x20   --signal <sig>            signal auditd (TERM HUP USR1 USR2 CONT or stop reload rotate resume state)\n\
     \x20   -v, -h, --help            version, this help\n"
}

/// `-v`. kaudit reports itself, and the auditctl release whose behaviour it
/// reproduces.
pub fn version_line() -> String {
    format!(
        "auditctl version {} (kaudit {})\n",
        crate::REFERENCE_VERSION,
        env!("CARGO_PKG_VERSION")
    )
}
