//! `kaudit diff` and `kaudit check`: how the kernel's rules differ from
//! rules files, without changing anything. One path for both; they differ
//! only in what they print. Exit 0 when the same, 1 when different, 2 on
//! any error (as diff(1)).

use super::env::{desired_to_compare, scope_of, Env};
use crate::error::Error;
use crate::exit;
use crate::json;
use crate::sync as engine;

/// What to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Show {
    /// `diff`: a unified diff of the `-l` text (kernel `---`, files `+++`),
    /// then the settings that differ.
    Diff,
    /// `check`: one line, in sync or what drifted.
    Check,
}

/// Compares the kernel with `paths`; `scope` is `--scope`'s `key=PREFIX`.
/// Any error is [`Error::trouble`]: exit 2.
pub fn run(
    env: &mut Env,
    paths: &[String],
    scope: Option<&str>,
    show: Show,
    json: bool,
) -> Result<u8, Error> {
    let mut compare = || -> Result<u8, Error> {
        let scope = scope_of(scope)?;
        // Nothing is ever sent here: say so rather than "nothing was sent".
        let want = desired_to_compare(env, paths, &scope).map_err(|e| match e {
            Error::DesiredInput { errors } => Error::CompareInput { errors },
            e => e,
        })?;
        let mut t = env.kernel.open()?;
        let r = engine::compare(t.as_mut(), &want, &scope)?;
        let text = match (show, json) {
            (Show::Diff, true) => json::line(&json::PlanReport::new(&r, &env.host)),
            (Show::Check, true) => json::line(&json::CheckReport::new(&r)),
            (Show::Diff, false) => {
                let mut text = engine::diff_text(&r, &env.host);
                for (n, f, to) in &r.settings {
                    text.push_str(&format!("-{n} {f}\n+{n} {to}\n"));
                }
                text
            }
            (Show::Check, false) if r.in_sync() => {
                format!("in sync: {} rule(s)\n", r.after.len())
            }
            (Show::Check, false) => {
                let (adds, deletes) = r.plan.counts();
                format!(
                    "drift: {adds} rule(s) to add, {deletes} to delete, {} setting(s) differ\n",
                    r.settings.len()
                )
            }
        };
        let _ = env.stdout.write_all(text.as_bytes());
        Ok(if r.in_sync() { exit::OK } else { exit::FAILED })
    };
    compare().map_err(Error::trouble)
}
