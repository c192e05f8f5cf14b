//! Architecture coverage.
//!
//! - A 64-bit program's syscalls and a 32-bit program's syscalls on the same
//!   kernel have different numbers and different `AUDIT_ARCH` values, so a
//!   `-F arch=b64` rule does not see 32-bit programs. For every such exit
//!   rule, each of its syscalls that the 32-bit ABI also has (by the same
//!   name, or the name with `32` or `64` appended, as i386's `chown32` and
//!   `truncate64`) must be covered by an exit rule with the same action that
//!   admits the 32-bit arch, holds that syscall and whose other conditions
//!   hold whenever this rule's do. The finding names the rest.
//! - A syscall name resolves against the machine a rule is compiled for
//!   (`b64`, `b32` or no arch mean "this machine's"): a name another target
//!   machine lacks makes the line fail there (`open` on aarch64), and `b32`
//!   means nothing on a machine without a 32-bit ABI.

use super::conditions::{conds_imply, Conds};
use super::index::ImplyIndex;
use super::{option_span, Code, Finding, Findings};
use crate::model::{FilterList, Operator, SyscallMask};
use crate::rulefile::Entry;
use crate::syntax::{self, OptKind, ParsedLine, Span};
use crate::tables::{self, Machine};
use crate::uapi::field;
use std::collections::BTreeMap;

/// The 32-bit names that stand for a 64-bit syscall name.
fn twins(name: &str, m32: Machine) -> Vec<(String, u32)> {
    [name.to_string(), format!("{name}32"), format!("{name}64")]
        .into_iter()
        .filter_map(|n| tables::syscall_by_name(m32, &n).map(|k| (n, k)))
        .collect()
}

/// The `-F arch=b64` exit rules of the set without their 32-bit twins, on
/// `machine` (whose tables the entries were compiled with).
pub fn missing_twins(entries: &[Entry], machine: Machine) -> Findings {
    missing_twins_in(&super::lists(entries), machine)
}

/// [`missing_twins`] over the lists ([`super::lists`]) of the entries.
pub fn missing_twins_in(
    lists: &BTreeMap<FilterList, Vec<super::Item<'_>>>,
    machine: Machine,
) -> Findings {
    let mut out = Findings::default();
    let Some(m32) = tables::machine_bits32(machine).filter(|m| *m != machine) else {
        return out;
    };
    if tables::machine_bits64(machine) != Some(machine) {
        return out;
    }
    let (Some(arch64), Some(arch32)) = (
        tables::machine_audit_arch(machine),
        tables::machine_audit_arch(m32),
    ) else {
        return out;
    };
    let Some(exit) = lists.get(&FilterList::Exit) else {
        return out;
    };
    let conds: Vec<Conds> = exit.iter().map(|i| Conds::of(i.rule)).collect();
    // Whether rule t's arch conditions admit the 32-bit arch.
    let admits32 = |t: &crate::model::Rule| {
        t.fields
            .iter()
            .filter(|f| f.number == field::ARCH)
            .all(|f| super::conditions::comparator(arch32, f.op, f.num_value()))
    };
    // The rules that may cover another: those admitting the 32-bit arch.
    let mut index = ImplyIndex::new(&conds, Some(field::ARCH));
    for (t, c) in conds.iter().enumerate() {
        if admits32(exit[t].rule) {
            index.add(t, c);
        }
    }
    for (ri, r) in exit.iter().enumerate() {
        let arch: Vec<_> = r
            .rule
            .fields
            .iter()
            .filter(|f| f.number == field::ARCH)
            .collect();
        if arch.len() != 1 || arch[0].op != Operator::Equal || arch[0].num_value() != arch64 {
            continue;
        }
        // The rules whose action and conditions cover r's, but for the
        // syscall.
        let coverers: Vec<usize> = index.all(&conds[ri], |t| {
            exit[t].rule.action == r.rule.action
                && conds_imply(&conds[ri], &conds[t], Some(field::ARCH)).is_some()
        });
        let covers = |nr: Option<u32>| {
            coverers.iter().any(|t| match nr {
                Some(n) => exit[*t].rule.mask.contains(n),
                None => exit[*t].rule.mask == SyscallMask::ALL,
            })
        };
        let missing: Vec<String> = if r.rule.mask == SyscallMask::ALL {
            if covers(None) {
                continue;
            }
            vec!["every syscall".to_string()]
        } else {
            let mut names = Vec::new();
            for n in r.rule.mask.iter().filter(|n| *n < 2032) {
                let Some(name) = tables::syscall_name(machine, n) else {
                    continue;
                };
                for (twin, k) in twins(name, m32) {
                    if !covers(Some(k)) {
                        names.push(twin);
                    }
                }
            }
            names
        };
        if missing.is_empty() {
            continue;
        }
        out.push(Finding::at(
            Code::MissingB32Twin,
            r.entry,
            option_span(&r.entry.text, |k| matches!(k, OptKind::Syscall(_))),
            format!(
                "32-bit programs can still call {} unaudited on {}: no -F arch=b32 ({}) rule \
                 with this rule's action and conditions covers {}",
                missing.join(", "),
                tables::machine_name(machine),
                tables::machine_name(m32),
                if missing.len() == 1 { "it" } else { "them" }
            ),
        ));
    }
    out
}

/// The lines (compiled for another machine) that would fail on `machine`: syscall
/// names it lacks, `b32` without a 32-bit ABI.
pub fn missing_on_machine(entries: &[Entry], machine: Machine) -> Findings {
    let mut out = Findings::default();
    for e in entries {
        let Some((_, rule)) = super::rule_of(e) else {
            continue;
        };
        if rule.list != FilterList::Exit {
            continue;
        }
        let Ok(ParsedLine::Options(opts)) = syntax::parse_line(&e.text) else {
            continue;
        };
        let arch_word = opts.iter().find_map(|o| match &o.kind {
            OptKind::Field(fe) if fe.name.text == "arch" => fe.value.clone(),
            _ => None,
        });
        let target = match arch_word.as_ref().map(|w| w.text.as_str()) {
            None => Some(machine),
            Some("b64") => tables::machine_bits64(machine),
            Some("b32") => tables::machine_bits32(machine),
            // A named machine means the same on every host.
            Some(_) => continue,
        };
        let Some(target) = target else {
            let w = arch_word.unwrap_or_default();
            out.push(Finding::at(
                Code::ArchMissing,
                e,
                w.span,
                format!(
                    "arch={} has no meaning on {}, which has no such ABI: this line fails to \
                     load there",
                    w.text,
                    tables::machine_name(machine)
                ),
            ));
            continue;
        };
        let mut missing: Vec<(String, Span)> = Vec::new();
        for o in &opts {
            if let OptKind::Syscall(Ok(words)) = &o.kind {
                for w in words {
                    let numeric = w.text.starts_with(|c: char| c.is_ascii_digit());
                    if w.text != "all"
                        && !numeric
                        && tables::syscall_by_name(target, &w.text).is_none()
                    {
                        missing.push((w.text.clone(), w.span));
                    }
                }
            }
        }
        if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
            let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
            out.push(Finding::at(
                Code::SyscallMissingOnArch,
                e,
                Span {
                    start: first.1.start,
                    end: last.1.end,
                },
                format!(
                    "{} {} not exist on {}: this line fails to load there",
                    names.join(", "),
                    if names.len() == 1 { "does" } else { "do" },
                    tables::machine_name(target)
                ),
            ));
        }
    }
    out
}
