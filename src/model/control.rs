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

impl Control {
    /// The request in auditctl's words, as a user would write it (`-b 8192`,
    /// `-D -k KEY`, `--signal TERM`). Bytes that are not UTF-8 show as U+FFFD.
    pub fn auditctl_text(&self) -> String {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Control::DeleteAll { key: None } => "-D".into(),
            Control::DeleteAll { key: Some(k) } => format!("-D -k {}", text(k)),
            Control::List { key, interpret } => {
                let mut s = String::from("-l");
                if let Some(k) = key {
                    s.push_str(&format!(" -k {}", text(k)));
                }
                if *interpret {
                    s.push_str(" -i");
                }
                s
            }
            Control::Status { interpret: false } => "-s".into(),
            Control::Status { interpret: true } => "-s -i".into(),
            Control::SetEnabled(v) => format!("-e {v}"),
            Control::SetFailure(v) => format!("-f {v}"),
            Control::SetRateLimit(v) => format!("-r {v}"),
            Control::SetBacklogLimit(v) => format!("-b {v}"),
            Control::SetBacklogWaitTime(v) => format!("--backlog_wait_time {v}"),
            Control::ResetLost => "--reset-lost".into(),
            Control::ResetBacklogWaitTimeActual => "--reset_backlog_wait_time_actual".into(),
            Control::LoginuidImmutable => "--loginuid-immutable".into(),
            Control::Signal(s) => format!("--signal {s}"),
            Control::UserMessage(m) => format!("-m {m}"),
            Control::MakeEquivalent { mount, subtree } => {
                format!("-q {},{}", text(mount), text(subtree))
            }
            Control::Trim => "-t".into(),
            Control::Version => "-v".into(),
            Control::Help => "-h".into(),
            Control::IgnoreErrors => "-i".into(),
            Control::ContinueOnErrors => "-c".into(),
            Control::ReadRules(f) => format!("-R {f}"),
        }
    }

    /// What the request does, in a few plain words, for dry runs: `set
    /// backlog_limit 8192`, `delete every rule`.
    pub fn describe(&self) -> String {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Control::DeleteAll { key: None } => "delete every rule".into(),
            Control::DeleteAll { key: Some(k) } => {
                format!("delete every rule whose key contains {}", text(k))
            }
            Control::SetEnabled(2) => "set enabled 2 (lock the configuration until reboot)".into(),
            Control::SetEnabled(v) => format!("set enabled {v}"),
            Control::SetFailure(v) => format!("set failure {v}"),
            Control::SetRateLimit(v) => format!("set rate_limit {v}"),
            Control::SetBacklogLimit(v) => format!("set backlog_limit {v}"),
            Control::SetBacklogWaitTime(v) => format!("set backlog_wait_time {v}"),
            Control::ResetLost => "reset lost to 0".into(),
            Control::ResetBacklogWaitTimeActual => "reset backlog_wait_time_actual to 0".into(),
            Control::LoginuidImmutable => "set loginuid_immutable 1 (locked)".into(),
            Control::MakeEquivalent { mount, subtree } => format!(
                "make {} equivalent to {} for watches",
                text(subtree),
                text(mount)
            ),
            Control::Trim => "trim dead subtree watches".into(),
            Control::IgnoreErrors => "from here on, report refused lines and go on".into(),
            Control::ContinueOnErrors => {
                "from here on, report refused lines, go on, and fail at the end".into()
            }
            Control::List { .. } => "list the rules".into(),
            Control::Status { .. } => "show the status".into(),
            Control::Signal(s) => format!("send signal {s} to auditd"),
            Control::UserMessage(_) => "send a user message to the audit log".into(),
            Control::Version => "print the version".into(),
            Control::Help => "print help".into(),
            Control::ReadRules(f) => format!("read rules from {f}"),
        }
    }

    /// Whether the request is part of loading rules and settings (what
    /// `kaudit load` and sync accept) rather than a query or an action on
    /// something else (`-l`, `-s`, `-m`, `--signal`, `-v`, `-h`, `-R`).
    pub fn is_loadable(&self) -> bool {
        !matches!(
            self,
            Control::List { .. }
                | Control::Status { .. }
                | Control::Signal(_)
                | Control::UserMessage(_)
                | Control::Version
                | Control::Help
                | Control::ReadRules(_)
        )
    }
}
