//! What every command runs in: where it writes, how it reaches the kernel,
//! and the machine it compiles for ([`Env`]), with the few steps several
//! native commands share (reporting diagnostics, reading the kernel's
//! rules, building the desired state of a sync).
//!
//! The kernel is reached through [`Connect`], by the native commands and
//! the `auditctl` and `augenrules` personalities alike: [`System`] is the
//! running kernel (netlink, with root, the machine-wide lock and deferred
//! signals for a change), or the test-only file-backed fake of
//! [`crate::netlink::select`]; [`FakeKernel`] itself is a [`Connect`], so
//! every command runs against the in-memory kernel in tests.

use crate::diag::{Diagnostic, Severity};
use crate::error::Error;
use crate::expedite::Expedited;
use crate::host::Host;
use crate::lock::MachineLock;
use crate::model::Rule;
use crate::netlink::fake::FakeKernel;
use crate::netlink::select::Kernel;
use crate::netlink::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError};
use crate::output::Output;
use crate::rulefile::Trust;
use crate::sync::{self, Scope};
use crate::uapi::AUDIT_LOCKED;
use std::io::Write;

/// Where a command writes, how it reaches the kernel, and the machine;
/// tests substitute buffers and an in-memory kernel.
pub struct Env<'a> {
    /// Standard output (results).
    pub stdout: &'a mut dyn Write,
    /// Standard error (messages, diagnostics, summaries).
    pub stderr: &'a mut dyn Write,
    /// The kernel.
    pub kernel: &'a mut dyn Connect,
    /// The machine rules are compiled for and listed on.
    pub host: Host,
}

/// How a command reaches the kernel.
pub trait Connect {
    /// Whether the caller may control audit (euid 0; always, for the
    /// in-memory kernels, which need no privilege). The `auditctl`
    /// personality asks this before anything else, as the reference does;
    /// [`Connect::open_for_change`] refuses an unprivileged caller itself.
    fn privileged(&self) -> bool;

    /// A connection to read the kernel's rules and status.
    fn open(&mut self) -> Result<Box<dyn Transport + '_>, Error>;

    /// A connection for a change, refused before anything is sent when the
    /// caller is not privileged, the machine lock cannot be taken or the
    /// kernel's configuration is locked ([`Error::Immutable`]). From then on
    /// SIGINT, SIGTERM and SIGHUP wait for the change to finish, and
    /// deletes expedite RCU grace periods when `expedite` says so.
    fn open_for_change(&mut self, expedite: bool) -> Result<Box<dyn Transport + '_>, Error>;

    /// The personalities' way to the kernel, whose checks come in the
    /// reference's order and are said in its words by the caller: no
    /// privilege or locked-kernel check here. With [`LockOrder::First`]
    /// (`augenrules --load`) the machine lock is taken before the
    /// connection is opened ([`Error::Lock`] when it cannot be); with
    /// [`LockOrder::WhenAsked`] (the `auditctl` personality, which asks the
    /// kernel before it knows whether the command changes anything) only
    /// when [`Connection::lock`] is called. From the opening on, SIGINT,
    /// SIGTERM and SIGHUP wait for the command to finish, and deletes
    /// expedite RCU grace periods when `expedite` says so.
    fn connect(&mut self, order: LockOrder, expedite: bool) -> Result<Connection<'_>, Error>;
}

/// When [`Connect::connect`] takes the machine lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOrder {
    /// Before the connection is opened.
    First,
    /// When the caller asks ([`Connection::lock`]).
    WhenAsked,
}

/// How a [`Connection`] takes the machine lock (`None`: nothing to lock, as
/// for the in-memory kernel).
pub type Locker<'a> = Box<dyn FnMut() -> std::io::Result<Option<MachineLock>> + 'a>;

/// A connection of [`Connect::connect`], and the machine lock it holds or
/// may take. The lock is released after the connection is dropped (and
/// with it, the `rcu_expedited` knob restored).
pub struct Connection<'a> {
    transport: Box<dyn Transport + 'a>,
    locker: Locker<'a>,
    // Declared last: dropped after the transport.
    held: Option<MachineLock>,
}

impl<'a> Connection<'a> {
    /// `transport`, whose lock `locker` takes when asked.
    pub fn new(transport: Box<dyn Transport + 'a>, locker: Locker<'a>) -> Self {
        Connection {
            transport,
            locker,
            held: None,
        }
    }

    /// Keeps `lock` (taken before the connection was opened) until the
    /// connection is dropped.
    pub fn holding(mut self, lock: Option<MachineLock>) -> Self {
        self.held = lock;
        self
    }

    /// Takes the machine lock for a change, waiting for it; nothing has
    /// been sent by this call when it fails. A lock already held is kept.
    pub fn lock(&mut self) -> std::io::Result<()> {
        if self.held.is_none() {
            self.held = (self.locker)()?;
        }
        Ok(())
    }

    /// The connection, as a transport.
    pub fn transport(&mut self) -> &mut dyn Transport {
        &mut *self.transport
    }
}

impl Transport for Connection<'_> {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        self.transport.execute(requests)
    }
    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        self.transport.list_rules()
    }
    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        self.transport.get_status()
    }
    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        self.transport.get_features()
    }
}

/// The running kernel (or the test-only fake named by
/// [`crate::netlink::select::FAKE_KERNEL_ENV`]).
pub struct System;

impl Connect for System {
    fn privileged(&self) -> bool {
        // The test-only fake kernel needs no privilege.
        crate::netlink::select::fake_selected() || nix::unistd::geteuid().is_root()
    }

    fn open(&mut self) -> Result<Box<dyn Transport + '_>, Error> {
        Ok(Box::new(Kernel::open()?))
    }

    fn open_for_change(&mut self, expedite: bool) -> Result<Box<dyn Transport + '_>, Error> {
        let mut t = Kernel::open()?;
        // The test-only fake kernel (KAUDIT_FAKE_KERNEL) is a file: no
        // privilege, machine lock or RCU expediting applies to it.
        if t.is_fake() {
            refuse_if_immutable(&mut t)?;
            return Ok(Box::new(t));
        }
        if !nix::unistd::geteuid().is_root() {
            return Err(Error::NotRoot);
        }
        Ok(Box::new(open_for_change(|| Ok(t), true, expedite)?))
    }

    fn connect(&mut self, order: LockOrder, expedite: bool) -> Result<Connection<'_>, Error> {
        // The test-only fake kernel is a file: nothing to lock or expedite.
        let fake = crate::netlink::select::fake_selected();
        let mut locker: Locker = if fake {
            Box::new(|| Ok(None))
        } else {
            Box::new(|| MachineLock::acquire_for_change().map(Some))
        };
        let held = match order {
            LockOrder::First => locker().map_err(Error::Lock)?,
            LockOrder::WhenAsked => None,
        };
        let t = Kernel::open()?;
        crate::interrupt::defer();
        let t = Expedited::new(t, expedite && !fake);
        Ok(Connection::new(Box::new(t), locker).holding(held))
    }
}

/// How the native commands open the real kernel for a change (through
/// [`System`]): the machine lock first, waiting for it; then `open`'s
/// connection (opened under the lock, or already open when the caller
/// needed it to decide whether a change applies at all), refused when
/// `refuse_immutable` and the kernel's configuration is locked; from then
/// on SIGINT, SIGTERM and SIGHUP wait for the change to finish, and deletes
/// expedite RCU grace periods when `expedite` says so. The lock is released
/// after the connection is dropped and the knob restored
/// ([`Expedited::holding`]).
///
/// The failures are typed ([`Error::Lock`], [`Error::Transport`],
/// [`Error::Immutable`]) and nothing was sent when one comes.
fn open_for_change<T: Transport>(
    open: impl FnOnce() -> Result<T, TransportError>,
    refuse_immutable: bool,
    expedite: bool,
) -> Result<Expedited<T>, Error> {
    let lock = MachineLock::acquire_for_change().map_err(Error::Lock)?;
    let mut t = open()?;
    if refuse_immutable {
        refuse_if_immutable(&mut t)?;
    }
    crate::interrupt::defer();
    Ok(Expedited::new(t, expedite).holding(lock))
}

/// The in-memory kernel, for tests: nothing to lock, no privilege needed,
/// no signal handlers installed.
impl Connect for FakeKernel {
    fn privileged(&self) -> bool {
        true
    }

    fn open(&mut self) -> Result<Box<dyn Transport + '_>, Error> {
        Ok(Box::new(Lent(self)))
    }

    fn open_for_change(&mut self, _expedite: bool) -> Result<Box<dyn Transport + '_>, Error> {
        refuse_if_immutable(self)?;
        Ok(Box::new(Lent(self)))
    }

    fn connect(&mut self, _order: LockOrder, _expedite: bool) -> Result<Connection<'_>, Error> {
        Ok(Connection::new(Box::new(Lent(self)), Box::new(|| Ok(None))))
    }
}

/// A borrowed transport, so a connection can be handed out while its
/// kernel lives on for the next command.
struct Lent<'a, T: Transport>(&'a mut T);

impl<T: Transport> Transport for Lent<'_, T> {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        self.0.execute(requests)
    }
    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        self.0.list_rules()
    }
    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        self.0.get_status()
    }
    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        self.0.get_features()
    }
}

/// [`Error::Immutable`] when the kernel's configuration is locked (`-e 2`).
pub fn refuse_if_immutable(t: &mut dyn Transport) -> Result<(), Error> {
    if t.get_status()?.enabled == AUDIT_LOCKED {
        return Err(Error::Immutable);
    }
    Ok(())
}

/// One line on `err` (a failed write is ignored: there is nowhere left to
/// say anything).
pub(crate) fn say(err: &mut dyn Write, text: &str) {
    // One write: a line is not split between two writers.
    let _ = err.write_all(format!("{text}\n").as_bytes());
}

/// Writes the diagnostics that are not notes on `err`, as one block;
/// whether any was an error.
pub(crate) fn report(err: &mut dyn Write, diags: &[Diagnostic]) -> bool {
    let mut errors = false;
    let mut text = String::new();
    for d in diags.iter().filter(|d| d.severity != Severity::Note) {
        errors |= d.severity == Severity::Error;
        text.push_str(&d.to_string());
    }
    if !text.is_empty() {
        say(err, text.trim_end_matches('\n'));
    }
    errors
}

/// The kernel's rules with their bytes. A rule kaudit cannot fully decode
/// is kept (read as far as its layout allows, with a warning on `err`), so
/// it is listed and can be deleted by its bytes.
pub(crate) fn kernel_rules(
    t: &mut dyn Transport,
    err: &mut dyn Write,
) -> Result<Vec<(Vec<u8>, Rule)>, Error> {
    let mut notes = Vec::new();
    let rules = crate::listing::kernel_rules(t, &mut notes)?;
    for n in notes {
        say(err, &format!("kaudit: {n}"));
    }
    Ok(rules)
}

/// `--scope`: every rule when absent.
pub(crate) fn scope_of(scope: Option<&str>) -> Result<Scope, Error> {
    match scope {
        None => Ok(Scope::All),
        Some(s) => Ok(Scope::parse(s)?),
    }
}

/// The desired state of `paths` for a sync, diff or check, and the
/// diagnostics to report (files and directories others could write first,
/// then the files' errors), each a block for [`report`]; `trust` is what to
/// do with files others could write (each file is checked as it is read:
/// [`crate::rulefile::read_trusted`]). Writes nothing itself, so it can run
/// beside the kernel read.
pub(crate) fn desired(
    paths: &[String],
    scope: &Scope,
    host: &Host,
    trust: Trust,
) -> (Result<sync::Desired, Error>, Vec<Vec<Diagnostic>>) {
    match sync::desired_from_paths(paths, host, scope, trust) {
        Ok((want, warnings)) => (Ok(want), vec![warnings]),
        Err(diags) => {
            let errors = diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            (Err(Error::DesiredInput { errors }), vec![diags])
        }
    }
}

/// [`desired`] for a command that changes nothing (`diff`, `check`,
/// `sync --dry-run`): files others could write are a warning; the
/// diagnostics are reported on the Env's standard error.
pub(crate) fn desired_to_compare(
    env: &mut Env,
    paths: &[String],
    scope: &Scope,
) -> Result<sync::Desired, Error> {
    let (want, blocks) = desired(paths, scope, &env.host, Trust::Warn);
    for b in &blocks {
        report(env.stderr, b);
    }
    want
}

/// A command's exit code: its own, or its error's after saying the error on
/// `err` (`kaudit: ` and the message).
pub fn exit_code(result: Result<u8, Error>, err: &mut dyn Write) -> u8 {
    match result {
        Ok(code) => code,
        Err(e) => {
            say(err, &format!("kaudit: {e}"));
            e.exit_code()
        }
    }
}

/// The exit code of a native command that wrote on `out`: its error said on
/// standard error, a signal that came meanwhile (see [`super::after_signal`]),
/// then `out` flushed. With `trouble` (`diff`, `check`, `lint`), a failed
/// write exits 2, as their other errors do.
pub fn conclude<W: Write>(result: Result<u8, Error>, out: Output<W>, trouble: bool) -> u8 {
    let code = exit_code(result, &mut crate::output::Messages);
    let code = super::after_signal("kaudit", "the change", code);
    match out.finish() {
        Ok(()) => code,
        Err(e) => {
            let e = if trouble { e.trouble() } else { e };
            crate::output::say(&format!("kaudit: {e}"));
            code.max(e.exit_code())
        }
    }
}
