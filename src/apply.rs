//! Compiled lines to kernel requests, in order, through a [`Transport`].
//!
//! Consecutive rule lines go to the kernel together (many requests per
//! datagram); each acknowledgement is matched to its line. Error handling
//! follows auditctl's rules files: by default the first refused line stops
//! the load; after a `-i` line, refusals are reported and skipped; after a
//! `-c` line, they are skipped but the load fails at the end.
//!
//! Because a batch is processed by the kernel as a whole, a refusal in the
//! middle of a batch in stop mode is followed by undoing the requests of the
//! same batch that came after it, so the kernel ends as if the load had
//! stopped at the refused line, exactly as a line-by-line load would.
//!
//! Pure apart from what it is given: the kernel is the [`Transport`], and
//! the machine (the sender a `-m` message names) is the [`Host`]; signalling
//! auditd for `--signal` is [`crate::signal`]'s, listings are
//! [`crate::listing`]'s, status text is [`crate::status`]'s.

use crate::codec::encode;
use crate::compile::{Compiled, RuleOp};
use crate::host::{Host, Sender};
use crate::listing::{contains, kernel_rules, listing_noting};
use crate::model::{Control, Rule};
use crate::netlink::{AuditStatus, Request, Transport, TransportError};
use crate::output::strerror;
use crate::rulefile::{Entry, Origin};
use crate::status::status_block;
use crate::uapi::{
    field, AUDIT_MAKE_EQUIV, AUDIT_STATUS_BACKLOG_LIMIT, AUDIT_STATUS_BACKLOG_WAIT_TIME,
    AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL, AUDIT_STATUS_ENABLED, AUDIT_STATUS_FAILURE,
    AUDIT_STATUS_LOST, AUDIT_STATUS_RATE_LIMIT, AUDIT_TRIM, AUDIT_USER,
};

/// What to do when the kernel refuses a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorMode {
    /// Stop at the first refusal (the default).
    Stop,
    /// Report and go on; succeed (`-i`).
    Ignore,
    /// Report and go on; fail at the end (`-c`).
    Continue,
}

/// A line the kernel (or the loader) refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedLine {
    /// Where the line came from.
    pub origin: Origin,
    /// The line.
    pub text: String,
    /// Why, in auditctl's words.
    pub message: String,
}

/// The result of applying a set of lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Rules added.
    pub added: usize,
    /// Rules deleted.
    pub deleted: usize,
    /// Settings changed.
    pub settings: usize,
    /// Refused lines.
    pub failures: Vec<RefusedLine>,
    /// Whether the load stopped early (stop mode).
    pub stopped: bool,
    /// Whether the load counts as failed (stop mode refusal, or `-c`).
    pub failed: bool,
    /// What auditctl prints on stdout for these lines: status blocks after
    /// settings, listings for `-l` and after `-D`, `-s`, `-v`. Bytes: a
    /// listing prints keys and paths as the bytes they are.
    pub stdout: Vec<u8>,
    /// Informational messages (auditctl prints them on stderr): `lost: N`.
    pub notes: Vec<String>,
    /// A line that ends the whole run at once with this exit code, whatever
    /// `-i`/`-c` say (auditctl exits from inside `--signal`).
    pub abort: Option<u8>,
}

fn rule_request(op: RuleOp, rule: &Rule) -> Request {
    match op {
        RuleOp::Delete => Request::del_rule(encode(&rule.as_stored())),
        _ => Request::add_rule(encode(rule)),
    }
}

fn refusal_message(op: RuleOp, errno: i32) -> String {
    match op {
        RuleOp::Delete => format!(
            "Error sending delete rule data request ({})",
            strerror(errno)
        ),
        _ if errno == libc::EEXIST => {
            "Error sending add rule data request (Rule exists)".to_string()
        }
        _ => format!("Error sending add rule data request ({})", strerror(errno)),
    }
}

/// `kaudit load`: refuses the whole set, sending nothing, when a line is
/// not a rule or a setting ([`crate::rulefile::load_problems`]); otherwise
/// applies it in order. The outer error is the transport's; the inner one
/// the refused lines.
pub fn load(
    entries: &[Entry],
    transport: &mut dyn Transport,
    host: &Host,
) -> Result<Result<Outcome, Vec<crate::diag::Diagnostic>>, TransportError> {
    let refused = crate::rulefile::load_problems(entries);
    if !refused.is_empty() {
        return Ok(Err(refused));
    }
    apply(entries, transport, host).map(Ok)
}

/// Applies compiled lines in order.
pub fn apply(
    entries: &[Entry],
    transport: &mut dyn Transport,
    host: &Host,
) -> Result<Outcome, TransportError> {
    let mut out = Outcome::default();
    let mut mode = ErrorMode::Stop;
    // Rules that need kernel features are refused before anything is sent.
    let rules: Vec<(&Entry, &Rule)> = entries
        .iter()
        .filter_map(|e| match &*e.compiled {
            Compiled::Rule { rule, .. } | Compiled::Mixed { rule, .. } => Some((e, rule)),
            _ => None,
        })
        .collect();
    if rules
        .iter()
        .any(|(_, r)| r.fields.iter().any(|f| f.number == field::CONTID))
    {
        let bitmap = transport.get_status()?.feature_bitmap;
        if let Some((e, why)) = rules
            .iter()
            .find_map(|(e, r)| crate::kernel_rules::missing_support(r, bitmap).map(|w| (*e, w)))
        {
            out.abort = Some(1);
            record_failure(&mut out, ErrorMode::Stop, e, why);
            return Ok(out);
        }
    }
    let mut i = 0;
    while i < entries.len() {
        // A run of consecutive rule lines goes as one batch.
        let run_end = entries[i..]
            .iter()
            .position(|e| !matches!(*e.compiled, Compiled::Rule { .. }))
            .map_or(entries.len(), |p| i + p);
        if run_end > i {
            let run = &entries[i..run_end];
            if !apply_rules(run, transport, mode, &mut out)? {
                return Ok(out);
            }
            i = run_end;
            continue;
        }
        let entry = &entries[i];
        let (controls, rule) = match &*entry.compiled {
            Compiled::Control(c) => (c.as_slice(), None),
            Compiled::Mixed { controls, op, rule } => (controls.as_slice(), Some((*op, rule))),
            _ => (&[][..], None),
        };
        // auditctl prints one status block per line however many settings
        // it changes: the reply to the first setting's status request.
        let mut block: Option<String> = None;
        for c in controls {
            match control(c, transport, host, &mut out)? {
                ControlResult::Mode(m) => mode = m,
                ControlResult::Done => {}
                ControlResult::Set(b) => {
                    block.get_or_insert(b);
                }
                ControlResult::Refused(message) => {
                    if let Some(b) = block.take() {
                        out.stdout.extend_from_slice(b.as_bytes());
                    }
                    if !record_failure(&mut out, mode, entry, message) {
                        return Ok(out);
                    }
                }
                ControlResult::Abort(code, message) => {
                    record_failure(&mut out, ErrorMode::Stop, entry, message);
                    out.abort = Some(code);
                    return Ok(out);
                }
            }
        }
        if let Some(b) = block {
            out.stdout.extend_from_slice(b.as_bytes());
        }
        if let Some((op, rule)) = rule {
            let single = Entry {
                compiled: std::sync::Arc::new(Compiled::Rule {
                    op,
                    rule: rule.clone(),
                }),
                ..entry.clone()
            };
            if !apply_rules(std::slice::from_ref(&single), transport, mode, &mut out)? {
                return Ok(out);
            }
        }
        i += 1;
    }
    if mode == ErrorMode::Continue && !out.failures.is_empty() {
        out.failed = true;
    }
    Ok(out)
}

/// Records a refusal; false when the load must stop.
fn record_failure(out: &mut Outcome, mode: ErrorMode, entry: &Entry, message: String) -> bool {
    out.failures.push(RefusedLine {
        origin: entry.origin.clone(),
        text: entry.text.to_string(),
        message,
    });
    if mode == ErrorMode::Stop {
        out.stopped = true;
        out.failed = true;
        return false;
    }
    true
}

/// Sends a run of rule lines as one batch; false when the load must stop.
fn apply_rules(
    run: &[Entry],
    transport: &mut dyn Transport,
    mode: ErrorMode,
    out: &mut Outcome,
) -> Result<bool, TransportError> {
    let rules: Vec<(RuleOp, &Rule)> = run
        .iter()
        .filter_map(|e| match &*e.compiled {
            Compiled::Rule { op, rule } => Some((*op, rule)),
            _ => None,
        })
        .collect();
    let requests: Vec<Request> = rules.iter().map(|(op, r)| rule_request(*op, r)).collect();
    let mut acks = transport.execute(&requests)?;
    // auditctl retries a refused `dir` watch as a `path` watch (for kernels
    // that predate dir watches).
    for (k, (op, rule)) in rules.iter().enumerate() {
        if acks[k] == Err(libc::EINVAL)
            && rule.fields.first().is_some_and(|f| f.number == field::DIR)
        {
            let mut retry = (*rule).clone();
            retry.fields[0].number = field::WATCH;
            acks[k] = transport.execute(&[rule_request(*op, &retry)])?[0];
        }
    }
    for (k, ack) in acks.iter().enumerate() {
        let (op, rule) = rules[k];
        match ack {
            Ok(_) => match op {
                RuleOp::Delete => out.deleted += 1,
                _ => out.added += 1,
            },
            Err(errno) => {
                let mut message = refusal_message(op, *errno);
                if *errno == libc::ENOENT && op != RuleOp::Delete {
                    if let Some(path) = watched_path(rule) {
                        message.push_str(&format!(
                            ": the kernel watches {path} through its directory, which does not exist"
                        ));
                    }
                }
                if !record_failure(out, mode, &run[k], message) {
                    undo_after(&rules[k + 1..], &acks[k + 1..], transport, out)?;
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}

/// Undoes the requests of a batch that the kernel applied after a refusal.
fn undo_after(
    rules: &[(RuleOp, &Rule)],
    acks: &[Result<u32, i32>],
    transport: &mut dyn Transport,
    out: &mut Outcome,
) -> Result<(), TransportError> {
    let mut undo = Vec::new();
    for ((op, rule), ack) in rules.iter().zip(acks).rev() {
        if ack.is_ok() {
            undo.push(match op {
                RuleOp::Delete => Request::add_rule(encode(&rule.as_stored())),
                _ => Request::del_rule(encode(&rule.as_stored())),
            });
        }
    }
    if !undo.is_empty() {
        transport.execute(&undo)?;
        out.added = out.added.saturating_sub(undo.len());
    }
    Ok(())
}

enum ControlResult {
    Done,
    Mode(ErrorMode),
    /// A setting changed; the status block auditctl prints for it.
    Set(String),
    Refused(String),
    /// End the run now with this exit code.
    Abort(u8, String),
}

fn set_status(
    transport: &mut dyn Transport,
    mask: u32,
    fill: impl FnOnce(&mut AuditStatus),
) -> Result<Result<u32, i32>, TransportError> {
    let mut s = AuditStatus {
        mask,
        ..AuditStatus::default()
    };
    fill(&mut s);
    Ok(transport.execute(&[Request::set_status(&s)])?[0])
}

fn control(
    c: &Control,
    transport: &mut dyn Transport,
    host: &Host,
    out: &mut Outcome,
) -> Result<ControlResult, TransportError> {
    let ack = match c {
        Control::IgnoreErrors => return Ok(ControlResult::Mode(ErrorMode::Ignore)),
        Control::ContinueOnErrors => return Ok(ControlResult::Mode(ErrorMode::Continue)),
        Control::DeleteAll { key } => {
            let mut requests = Vec::new();
            // A rule kaudit cannot fully decode is deleted by its bytes
            // too (its key, if readable, decides under -D -k).
            for (bytes, rule) in kernel_rules(transport, &mut Vec::new())? {
                let matches = match key {
                    None => true,
                    Some(k) => rule.key_bytes().is_some_and(|rk| contains(rk, k)),
                };
                if matches {
                    requests.push(Request::del_rule(bytes));
                }
            }
            let acks = transport.execute(&requests)?;
            out.deleted += acks.iter().filter(|a| a.is_ok()).count();
            if let Some(e) = acks.iter().find_map(|a| a.err()) {
                return Ok(ControlResult::Refused(format!(
                    "Error deleting rule ({})",
                    strerror(e)
                )));
            }
            // auditctl lists again after deleting.
            let mut notes = Vec::new();
            out.stdout.extend(listing_noting(
                transport,
                host,
                key.as_deref(),
                false,
                &mut notes,
            )?);
            out.notes.extend(notes);
            return Ok(ControlResult::Done);
        }
        Control::List { key, interpret } => {
            let mut notes = Vec::new();
            out.stdout.extend(listing_noting(
                transport,
                host,
                key.as_deref(),
                *interpret,
                &mut notes,
            )?);
            out.notes.extend(notes);
            return Ok(ControlResult::Done);
        }
        Control::Status { interpret } => {
            out.stdout
                .extend_from_slice(crate::status::status_report(transport, *interpret)?.as_bytes());
            return Ok(ControlResult::Done);
        }
        Control::Version => {
            out.stdout
                .extend_from_slice(crate::usage::version_line().as_bytes());
            return Ok(ControlResult::Done);
        }
        Control::Help => {
            out.stdout
                .extend_from_slice(crate::usage::usage().as_bytes());
            return Ok(ControlResult::Done);
        }
        Control::Signal(name) => return Ok(signal(name, transport)),
        Control::SetEnabled(v) => set_status(transport, AUDIT_STATUS_ENABLED, |s| s.enabled = *v)?,
        Control::SetFailure(v) => set_status(transport, AUDIT_STATUS_FAILURE, |s| s.failure = *v)?,
        Control::SetRateLimit(v) => {
            set_status(transport, AUDIT_STATUS_RATE_LIMIT, |s| s.rate_limit = *v)?
        }
        Control::SetBacklogLimit(v) => set_status(transport, AUDIT_STATUS_BACKLOG_LIMIT, |s| {
            s.backlog_limit = *v
        })?,
        Control::SetBacklogWaitTime(v) => {
            set_status(transport, AUDIT_STATUS_BACKLOG_WAIT_TIME, |s| {
                s.backlog_wait_time = *v
            })?
        }
        Control::ResetLost | Control::ResetBacklogWaitTimeActual => {
            let (mask, label) = match c {
                Control::ResetLost => (AUDIT_STATUS_LOST, "lost"),
                _ => (
                    AUDIT_STATUS_BACKLOG_WAIT_TIME_ACTUAL,
                    "backlog_wait_time_actual",
                ),
            };
            // The kernel answers with the old counter in the ack.
            return Ok(match set_status(transport, mask, |_| {})? {
                Ok(old) => {
                    out.notes.push(format!("{label}: {old}"));
                    out.settings += 1;
                    ControlResult::Done
                }
                Err(e) => refused(c, e),
            });
        }
        Control::LoginuidImmutable => {
            let ack = transport.execute(&[Request::lock_loginuid_immutable()])?[0];
            return Ok(match ack {
                Ok(_) => {
                    out.settings += 1;
                    ControlResult::Done
                }
                Err(e) => refused(c, e),
            });
        }
        Control::UserMessage(text) => {
            transport.execute(&[Request::new(AUDIT_USER, user_message(text, &host.sender()))])?[0]
        }
        Control::MakeEquivalent { mount, subtree } => {
            let mut payload = Vec::with_capacity(8 + mount.len() + subtree.len());
            payload.extend_from_slice(&(mount.len() as u32).to_ne_bytes());
            payload.extend_from_slice(&(subtree.len() as u32).to_ne_bytes());
            payload.extend_from_slice(mount);
            payload.extend_from_slice(subtree);
            transport.execute(&[Request::new(AUDIT_MAKE_EQUIV, payload)])?[0]
        }
        Control::Trim => transport.execute(&[Request::new(AUDIT_TRIM, Vec::new())])?[0],
        other => {
            return Ok(ControlResult::Refused(format!(
                "{} is not supported in a rules file",
                describe(other)
            )))
        }
    };
    Ok(match ack {
        Err(e) => refused(c, e),
        Ok(_)
            if matches!(
                c,
                Control::SetEnabled(_)
                    | Control::SetFailure(_)
                    | Control::SetRateLimit(_)
                    | Control::SetBacklogLimit(_)
                    | Control::SetBacklogWaitTime(_)
            ) =>
        {
            out.settings += 1;
            ControlResult::Set(status_block(&transport.get_status()?, false))
        }
        Ok(_) => ControlResult::Done,
    })
}

/// The kernel refused control `c` with `errno`, in auditctl's words.
fn refused(c: &Control, errno: i32) -> ControlResult {
    ControlResult::Refused(format!(
        "Error sending {} request ({})",
        describe(c),
        strerror(errno)
    ))
}

fn describe(c: &Control) -> &'static str {
    match c {
        Control::SetEnabled(_) => "enable",
        Control::SetFailure(_) => "failure",
        Control::SetRateLimit(_) => "rate limit",
        Control::SetBacklogLimit(_) => "backlog limit",
        Control::SetBacklogWaitTime(_) => "backlog_wait_time",
        Control::ResetLost => "reset lost",
        Control::ResetBacklogWaitTimeActual => "reset backlog_wait_time_actual",
        Control::LoginuidImmutable => "loginuid immutable",
        Control::List { .. } => "-l",
        Control::Status { .. } => "-s",
        Control::Signal(_) => "--signal",
        Control::UserMessage(_) => "-m",
        Control::MakeEquivalent { .. } => "-q",
        Control::Trim => "-t",
        Control::Version => "-v",
        Control::Help => "-h",
        Control::ReadRules(_) => "-R",
        Control::DeleteAll { .. } => "-D",
        Control::IgnoreErrors => "-i",
        Control::ContinueOnErrors => "-c",
    }
}

/// The path of a rule's path or dir field.
fn watched_path(rule: &Rule) -> Option<String> {
    rule.fields.iter().find_map(|f| match (&f.value, f.number) {
        (crate::model::Value::Bytes(b), field::WATCH | field::DIR) => {
            Some(String::from_utf8_lossy(b).into_owned())
        }
        _ => None,
    })
}

/// `--signal`: find auditd through AUDIT_GET and signal it
/// ([`crate::signal`]). Failures end the run (auditctl exits from here): 1,
/// or 2 when auditd is not running.
fn signal(name: &str, transport: &mut dyn Transport) -> ControlResult {
    let Some(sig) = crate::signal::by_name(name) else {
        return ControlResult::Abort(1, format!("{name} is an unsupported signal"));
    };
    let status = match transport.get_status() {
        Ok(s) => s,
        Err(TransportError::Disabled) => {
            return ControlResult::Abort(1, "The audit system is disabled".into())
        }
        Err(e) => return ControlResult::Abort(1, format!("Error talking to the kernel: {e}")),
    };
    if status.pid == 0 {
        return ControlResult::Abort(2, "Auditd is not running".into());
    }
    match crate::signal::send(status.pid as i32, sig) {
        Ok(()) => ControlResult::Done,
        Err(e) => ControlResult::Abort(1, format!("Failed sending signal to auditd ({e})")),
    }
}

/// The text of an `AUDIT_USER` message for `-m`, with the fields libaudit's
/// user-message helper adds about the sender.
fn user_message(text: &str, sender: &Sender) -> Vec<u8> {
    let Sender {
        exe,
        hostname,
        terminal,
    } = sender;
    format!("text={text} exe=\"{exe}\" hostname={hostname} addr=? terminal={terminal} res=success")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::fake::FakeKernel;
    use crate::tables::Machine;

    #[test]
    fn a_user_message_names_its_sender_as_libaudit_does() {
        let sender = Sender {
            exe: "/usr/sbin/kaudit".into(),
            hostname: "box".into(),
            terminal: "pts/0".into(),
        };
        assert_eq!(
            user_message("hello world", &sender),
            b"text=hello world exe=\"/usr/sbin/kaudit\" hostname=box addr=? terminal=pts/0 res=success"
        );
        // A fixed host knows no sender; the message still goes out.
        let host = Host::fixed(Machine::X86_64, &[], &[], &[]);
        let entries = crate::rulefile::compile_text("t.rules", "-m hi\n", &host).0;
        let out = apply(&entries, &mut FakeKernel::new(), &host).unwrap();
        assert!(out.failures.is_empty() && !out.failed, "{out:?}");
    }

    #[test]
    fn an_unknown_signal_name_ends_the_run() {
        let host = Host::fixed(Machine::X86_64, &[], &[], &[]);
        let entries = crate::rulefile::compile_text("t.rules", "--signal kill\n", &host).0;
        let out = apply(&entries, &mut FakeKernel::new(), &host).unwrap();
        assert_eq!(out.abort, Some(1));
        assert_eq!(out.failures[0].message, "kill is an unsupported signal");
        // The fake kernel has no auditd registered: exit 2, nothing sent.
        let entries = crate::rulefile::compile_text("t.rules", "--signal hup\n", &host).0;
        let out = apply(&entries, &mut FakeKernel::new(), &host).unwrap();
        assert_eq!(out.abort, Some(2));
        assert_eq!(out.failures[0].message, "Auditd is not running");
    }
}
