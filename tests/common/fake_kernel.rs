//! The auditctl personality against the in-memory kernel, for tests that run
//! `cli::auditctl::run` without root: one [`FakeKernel`] shared by every
//! connection an invocation opens (recording every request sent), and the
//! [`Env`] that points the personality at it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use kaudit::cli::auditctl::{run, Env};
use kaudit::host::Host;
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
    let mut open = move || Ok(Box::new(k.clone()) as Box<dyn Transport>);
    let mut env = Env {
        stdout: &mut out,
        stderr: &mut err,
        privileged: true,
        open: &mut open,
        lock: &mut || Ok(None),
        host,
    };
    let code = run(args, &mut env);
    Run {
        code,
        stdout: String::from_utf8(out).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err).expect("stderr is UTF-8"),
    }
}
