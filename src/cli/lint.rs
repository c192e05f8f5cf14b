//! `kaudit lint`: the report of [`crate::lint`] on standard output. Exit 0
//! when clean, 1 when a finding is at or above `--deny`, 2 on any error.

use super::env::Env;
use crate::error::Error;
use crate::lint::{Format, Level};

/// Lints `paths` for the machines `arch` (this machine when empty).
pub fn run(
    env: &mut Env,
    paths: &[String],
    format: Format,
    deny: Level,
    arch: &[String],
) -> Result<u8, Error> {
    let (text, code) =
        crate::lint::run(paths, format, deny, arch, &env.host).map_err(Error::trouble)?;
    let _ = env.stdout.write_all(text.as_bytes());
    Ok(code)
}
