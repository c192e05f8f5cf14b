//! The auditctl personality against the in-memory kernel, for tests that run
//! `cli::auditctl::run` without root: one [`FakeKernel`] shared by every
//! connection an invocation opens (recording every request sent), and the
//! [`Connect`] ([`Scripted`]) that points the personality's [`Env`] at it.

use std::cell::RefCell;
use std::rc::Rc;

use kaudit::cli::auditctl::run;
use kaudit::cli::env::{Connect, Connection, Env, LockOrder};
use kaudit::error::Error;
use kaudit::host::Host;
use kaudit::lock::MachineLock;
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::{Ack, AuditFeatures, AuditStatus, Request, Transport, TransportError};

/// A fake kernel shared across the connections one invocation opens, that
/// records every request.
#[derive(Clone)]
pub struct SharedKernel {
    pub kernel: Rc<RefCell<FakeKernel>>,
    pub log: Rc<RefCell<Vec<Request>>>,
}

impl SharedKernel {
    pub fn new(kernel: FakeKernel) -> SharedKernel {
        SharedKernel {
            kernel: Rc::new(RefCell::new(kernel)),
            log: Rc::new(RefCell::new(Vec::new())),
        }
    }
}

impl Transport for SharedKernel {
    fn execute(&mut self, requests: &[Request]) -> Result<Vec<Ack>, TransportError> {
        self.log.borrow_mut().extend(requests.iter().cloned());
        self.kernel.borrow_mut().execute(requests)
    }
    fn list_rules(&mut self) -> Result<Vec<Vec<u8>>, TransportError> {
        self.kernel.borrow_mut().list_rules()
    }
    fn get_status(&mut self) -> Result<AuditStatus, TransportError> {
        self.kernel.borrow_mut().get_status()
    }
    fn get_features(&mut self) -> Result<AuditFeatures, TransportError> {
        self.kernel.borrow_mut().get_features()
    }
}

/// A kernel whose connections `open` makes and whose machine lock `lock`
/// takes (`None`: nothing to lock), for a privileged caller.
pub struct Scripted<O, L> {
    pub open: O,
    pub lock: L,
}

impl<O, L> Connect for Scripted<O, L>
where
    O: FnMut() -> Box<dyn Transport>,
    L: FnMut() -> std::io::Result<Option<MachineLock>>,
{
    fn privileged(&self) -> bool {
        true
    }
    fn open(&mut self) -> Result<Box<dyn Transport + '_>, Error> {
        Ok((self.open)())
    }
    fn open_for_change(&mut self, _: bool) -> Result<Box<dyn Transport + '_>, Error> {
        Ok((self.open)())
    }
    fn connect(&mut self, order: LockOrder, _: bool) -> Result<Connection<'_>, Error> {
        let held = match order {
            LockOrder::First => (self.lock)().map_err(Error::Lock)?,
            LockOrder::WhenAsked => None,
        };
        let transport = (self.open)();
        let lock = &mut self.lock;
        Ok(Connection::new(transport, Box::new(lock)).holding(held))
    }
}

/// What one invocation of the personality returned and printed.
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// `auditctl ARGS` as root on `host`, against `kernel`. The in-memory
/// kernel is the test's own: nothing to lock.
pub fn auditctl(kernel: &SharedKernel, host: Host, args: &[&str]) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let k = kernel.clone();
    let mut kernel = Scripted {
        open: move || Box::new(k.clone()) as Box<dyn Transport>,
        lock: || Ok(None),
    };
    let mut env = Env {
        stdout: &mut out,
        stderr: &mut err,
        kernel: &mut kernel,
        host,
    };
    let code = run(args, &mut env);
    Run {
        code,
        stdout: String::from_utf8(out).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err).expect("stderr is UTF-8"),
    }
}
