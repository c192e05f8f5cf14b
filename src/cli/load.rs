//! `kaudit load`: rules files into the kernel, in order. Every line of every
//! file is checked first; if any has an error, nothing is sent.

use super::env::{report, say, Env};
use crate::compile::{Compiled, RuleOp};
use crate::diag::Severity;
use crate::error::Error;
use crate::exit;
use crate::host::Host;
use crate::listing::list_text;
use crate::model::{Control, Rule};
use crate::rulefile::{compile_files_trusted, load_problems, Trust};
use std::io::Write;

/// Loads `files` (with `dry_run`, prints what would be sent instead);
/// deletes expedite RCU grace periods when `expedite` says so.
pub fn run(env: &mut Env, files: &[String], dry_run: bool, expedite: bool) -> Result<u8, Error> {
    let trust = if dry_run { Trust::Warn } else { Trust::Refuse };
    // Each file is read once, its trust checked on what was opened.
    let (entries, compiled, mut diags) = compile_files_trusted(files, &env.host, trust);
    diags.extend(compiled);
    diags.extend(load_problems(&entries));
    // In the order of the files, then of their lines.
    diags.sort_by_key(|d| {
        let file = files.iter().position(|f| d.file.as_ref() == Some(f));
        (file.unwrap_or(usize::MAX), d.line)
    });
    if report(env.stderr, &diags) {
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        return Err(Error::LoadInput { errors });
    }
    if dry_run {
        // Written as it goes (an 8 MiB file can have millions of lines);
        // identical lines share their meaning, so it is described once.
        let mut out = std::io::BufWriter::with_capacity(64 << 10, &mut *env.stdout);
        let mut last: Option<(&std::sync::Arc<Compiled>, String)> = None;
        for e in &entries {
            if !last
                .as_ref()
                .is_some_and(|(c, _)| std::sync::Arc::ptr_eq(c, &e.compiled))
            {
                last = Some((&e.compiled, describe(&e.compiled, &env.host)));
            }
            let what = last.as_ref().map_or("", |(_, d)| d.as_str());
            if writeln!(out, "{}:{}: {what}", e.origin.file, e.origin.line).is_err() {
                break;
            }
        }
        let _ = out.flush();
        return Ok(exit::OK);
    }
    let mut t = env.kernel.open_for_change(expedite)?;
    let outcome = match crate::apply::load(&entries, t.as_mut(), &env.host)? {
        Ok(outcome) => outcome,
        Err(refused) => {
            report(env.stderr, &refused);
            return Err(Error::NotLoadable);
        }
    };
    for f in &outcome.failures {
        say(
            env.stderr,
            &format!("{}:{}: error: {}", f.origin.file, f.origin.line, f.message),
        );
        say(env.stderr, &format!("  | {}", f.text));
    }
    say(
        env.stderr,
        &format!(
            "kaudit: {} rule(s) added, {} deleted, {} setting(s) changed{}",
            outcome.added,
            outcome.deleted,
            outcome.settings,
            if outcome.stopped {
                "; stopped at the first refused line"
            } else {
                ""
            }
        ),
    );
    Ok(if outcome.failed {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// One dry-run line: a rule as `append`/`prepend`/`delete` and its `-l`
/// text (the verbs of `kaudit sync --dry-run`), a setting in plain words.
fn describe(c: &Compiled, host: &Host) -> String {
    let rule_text = |op: &RuleOp, r: &Rule| {
        let verb = match op {
            RuleOp::Append => "append",
            RuleOp::Prepend => "prepend",
            RuleOp::Delete => "delete",
        };
        format!(
            "{verb} {}",
            list_text(std::slice::from_ref(&r.as_stored()), host).trim_end()
        )
    };
    let controls = |cs: &[Control]| -> Vec<String> { cs.iter().map(|c| c.describe()).collect() };
    match c {
        Compiled::Rule { op, rule } => rule_text(op, rule),
        Compiled::Mixed {
            controls: cs,
            op,
            rule,
        } => {
            let mut parts = controls(cs);
            parts.push(rule_text(op, rule));
            parts.join("; ")
        }
        Compiled::Control(cs) => controls(cs).join("; "),
        Compiled::Nothing | Compiled::Deprecated => String::new(),
    }
}
