//! Notes: not wrong, but worth a look.
//!
//! - an `always` rule without a key (records cannot be searched by key, and
//!   benchmarks such as the STIG and CIS require keys);
//! - a watch whose directory does not exist on this machine (the kernel
//!   refuses it at load);
//! - an exit rule with `-S all` and no condition (every syscall of every
//!   process is audited).

use super::{line_span, option_span, rule_of, Code, Finding, Findings};
use crate::compile::RuleOp;
use crate::host::Host;
use crate::model::{Action, FilterList, SyscallMask, Value};
use crate::rulefile::Entry;
use crate::syntax::OptKind;
use crate::uapi::field;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The note checks.
pub fn check(entries: &[Entry], host: &Host) -> Findings {
    let mut out = Findings::default();
    for e in entries {
        let Some((op, rule)) = rule_of(e) else {
            continue;
        };
        if op == RuleOp::Delete {
            continue;
        }
        let keyed = matches!(
            rule.list,
            FilterList::Exit | FilterList::IoUring | FilterList::Task | FilterList::User
        );
        if keyed && rule.action == Action::Always && rule.keys().is_empty() {
            out.push(Finding::at(
                Code::MissingKey,
                e,
                line_span(&e.text),
                "this rule has no key (-k): its records cannot be found by key, and many \
                 benchmarks require one",
            ));
        }
        for f in &rule.fields {
            let Value::Bytes(b) = &f.value else { continue };
            let dir: &[u8] = match f.number {
                field::WATCH => Path::new(OsStr::from_bytes(b))
                    .parent()
                    .map(|d| d.as_os_str().as_bytes())
                    .filter(|d| !d.is_empty())
                    .unwrap_or(b"/"),
                field::DIR => b,
                _ => continue,
            };
            if !host.is_dir(dir) {
                let dir = String::from_utf8_lossy(dir);
                out.push(Finding::at(
                    Code::WatchDirMissing,
                    e,
                    option_span(&e.text, |k| {
                        matches!(k, OptKind::Watch(_))
                            || matches!(k, OptKind::Field(fe) if fe.name.text == "path" || fe.name.text == "dir")
                    }),
                    format!(
                        "{dir} does not exist on this machine: the kernel refuses this watch at \
                         load here"
                    ),
                ));
            }
        }
        let conditions = rule
            .fields
            .iter()
            .filter(|f| !matches!(f.number, field::FILTERKEY | field::ARCH))
            .count();
        if rule.list == FilterList::Exit
            && rule.action == Action::Always
            && rule.mask == SyscallMask::ALL
            && conditions == 0
        {
            out.push(Finding::at(
                Code::AuditEverything,
                e,
                line_span(&e.text),
                "this rule audits every syscall of every process (-S all and no condition): \
                 expect a flood of records and a slower system",
            ));
        }
    }
    out
}
