//! `kaudit status`: the kernel's audit status, as `auditctl -s` prints it
//! (or as JSON).

use super::env::Env;
use crate::error::Error;
use crate::exit;

/// Prints the kernel's audit status.
pub fn run(env: &mut Env, json: bool) -> Result<u8, Error> {
    let mut t = env.kernel.open()?;
    let s = t.get_status()?;
    let text = if json {
        crate::json::line(&crate::json::Status::from(&s))
    } else {
        crate::status::status_report(t.as_mut(), false)?
    };
    let _ = env.stdout.write_all(text.as_bytes());
    Ok(exit::OK)
}
