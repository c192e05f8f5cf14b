//! Control requests: everything on an auditctl line that is not a rule.

/// A request that changes or reads kernel settings, or asks for output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// `-D` (optionally `-D -k KEY`: only rules whose key contains KEY).
    DeleteAll {
        /// Substring filter on the key.
        key: Option<Vec<u8>>,
    },
    /// `-l` (optionally `-l -k KEY`, `-l -i`).
    List {
        /// Substring filter on the key.
        key: Option<Vec<u8>>,
        /// `-i`: interpret values.
        interpret: bool,
    },
    /// `-s` (optionally `-s -i`).
    Status {
        /// `-i`: words instead of numbers for enabled and failure.
        interpret: bool,
    },
    /// `-e N`: 0 disable, 1 enable, 2 lock until reboot.
    SetEnabled(u32),
    /// `-f N`: 0 silent, 1 printk, 2 panic.
    SetFailure(u32),
    /// `-r N`: messages per second, 0 for no limit.
    SetRateLimit(u32),
    /// `-b N`: backlog limit.
    SetBacklogLimit(u32),
    /// `--backlog_wait_time N`, in jiffies.
    SetBacklogWaitTime(u32),
    /// `--reset-lost`.
    ResetLost,
    /// `--reset_backlog_wait_time_actual`.
    ResetBacklogWaitTimeActual,
    /// `--loginuid-immutable`.
    LoginuidImmutable,
    /// `--signal SIG`: signal auditd.
    Signal(String),
    /// `-m TEXT`: send a user message.
    UserMessage(String),
    /// `-q MOUNT,SUBTREE`: make two trees equivalent for watches.
    MakeEquivalent {
        /// The mount point.
        mount: Vec<u8>,
        /// The subtree.
        subtree: Vec<u8>,
    },
    /// `-t`: trim dead subtree watches.
    Trim,
    /// `-v`: print the version.
    Version,
    /// `-h`, `--help`.
    Help,
    /// `-i` as a line of its own in a rules file: ignore errors.
    IgnoreErrors,
    /// `-c` as a line of its own in a rules file: continue after errors.
    ContinueOnErrors,
    /// `-R FILE`.
    ReadRules(String),
}
