//! `kaudit sync`: make the kernel match rules files or rules.d directories
//! with the least change (the engine is [`crate::sync`]); `--dry-run`
//! prints the plan.

use super::env::{desired, desired_to_compare, report, say, scope_of, Env};
use crate::error::Error;
use crate::exit;
use crate::json;
use crate::rulefile::Trust;
use crate::sync::{self as engine, Scope};
use std::io::Write;

/// `kaudit sync`'s options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Files with no rules (and no `-D`) may delete every rule in scope.
    pub allow_empty: bool,
    /// Machine-readable output.
    pub json: bool,
    /// Expedite RCU grace periods while deleting.
    pub expedite: bool,
}

/// Syncs the kernel with `paths`; `scope` is `--scope`'s `key=PREFIX`.
pub fn run(env: &mut Env, paths: &[String], scope: Option<&str>, o: Options) -> Result<u8, Error> {
    let scope = scope_of(scope)?;
    if !o.dry_run {
        return apply(env, paths, &scope, o);
    }
    let mut want = desired_to_compare(env, paths, &scope)?;
    want.allow_empty = o.allow_empty;
    let mut t = env.kernel.open()?;
    let r = engine::compare(t.as_mut(), &want, &scope)?;
    engine::empty_guard(&r, &want)?;
    if o.json {
        let _ = env
            .stdout
            .write_all(json::line(&json::PlanReport::new(&r, &env.host)).as_bytes());
    } else {
        let _ = env
            .stdout
            .write_all(engine::plan_text(&r, &env.host).as_bytes());
        let (adds, deletes) = r.plan.counts();
        say(
            env.stderr,
            &format!(
                "kaudit: plan: {adds} add(s), {deletes} delete(s), {} kept, {} setting(s)",
                r.plan.kept,
                r.settings.len()
            ),
        );
    }
    Ok(exit::OK)
}

/// `kaudit sync` for real: the files compile while the kernel's state is
/// read (independent work, and at 10,000 rules each takes about as long as
/// the other), then the plan is applied.
fn apply(env: &mut Env, paths: &[String], scope: &Scope, o: Options) -> Result<u8, Error> {
    let Env {
        stdout,
        stderr,
        kernel,
        host,
    } = env;
    let host = &*host;
    let ((want, blocks), opened) = std::thread::scope(|s| {
        let compiler = s.spawn(|| desired(paths, scope, host, Trust::Refuse));
        let opened = kernel.open_for_change(o.expedite).and_then(|mut t| {
            let state = engine::read_state(t.as_mut())?;
            Ok((t, state))
        });
        let want = compiler
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (want, opened)
    });
    for b in &blocks {
        report(*stderr, b);
    }
    // Bad input is exit 2 even when the kernel could not be opened.
    let mut want = want?;
    want.allow_empty = o.allow_empty;
    let (mut t, state) = opened?;
    test_pause(*stderr);
    match engine::apply_state(t.as_mut(), state, &want, scope, host) {
        Ok(r) => {
            if o.json {
                let _ = stdout.write_all(json::line(&json::PlanReport::new(&r, host)).as_bytes());
            }
            let (adds, deletes) = r.plan.counts();
            say(
                *stderr,
                &format!(
                    "kaudit: sync: {adds} add(s), {deletes} delete(s), {} kept in place, {} setting(s) changed",
                    r.plan.kept,
                    r.settings.len()
                ),
            );
            if !r.foreign.is_empty() {
                say(
                    *stderr,
                    &format!(
                        "{}kaudit: {} round(s) of apply and read-back; the rules in scope now match the files",
                        engine::foreign_text(&r.foreign),
                        r.rounds
                    ),
                );
            }
            Ok(exit::OK)
        }
        Err(e) => {
            if o.json {
                let _ = stdout.write_all(json::line(&json::SyncFailure::new(&e)).as_bytes());
            }
            Err(e.into())
        }
    }
}

/// A test hook (tests/suite/sync_safety.rs): with `KAUDIT_TEST_PAUSE_FILE` set,
/// a sync stops after reading the kernel's state and before changing it,
/// says so on stderr, and goes on once that file exists (or after 30 s), so
/// a test can play another writer at exactly that moment.
fn test_pause(err: &mut dyn Write) {
    let Some(path) = std::env::var_os("KAUDIT_TEST_PAUSE_FILE") else {
        return;
    };
    say(err, "kaudit: test pause: the kernel's state is read");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::path::Path::new(&path).exists() && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
