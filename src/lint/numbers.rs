//! Numbers the kernel gets other than as written.
//!
//! auditctl reads a field's number with C's `strtoul`/`strtol` and stores it
//! in a 32-bit word, so `uid=4294967296` is sent as uid 0 and
//! `exit=4294967298` as exit 2; `sessionid` and `saddr_fam` take any text,
//! and text that is not a number is 0. kaudit sends the same bytes, on
//! purpose (a rules file means what it meant to auditctl), and lint says what
//! the kernel gets.

use super::{rule_of, Code, Finding, Findings};
use crate::model::Value;
use crate::rulefile::Entry;
use crate::syntax::{self, OptKind, ParsedLine};
use crate::tables;
use crate::uapi::field;

/// The number C reads at the start of `text` (base 0, an optional sign), as
/// a mathematical value (clamped far outside 32 bits), or `None` when `text`
/// starts with no number.
fn written_number(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if !crate::cnum::starts_with_digit(digits) {
        return None;
    }
    let p = crate::cnum::strtoul(digits, 0);
    let magnitude = if p.overflow {
        u64::MAX as i128 + 1
    } else {
        p.value as i128
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// What the kernel gets, as `-l` would show the field's number.
fn shown(number: u32, v: u32) -> String {
    if number == field::EXIT {
        (v as i32).to_string()
    } else {
        v.to_string()
    }
}

/// The number fields whose value does not fit in 32 bits, or is text that
/// the reference reads as 0.
pub fn check(entries: &[Entry]) -> Findings {
    let mut out = Findings::default();
    for e in entries {
        let Some((_, rule)) = rule_of(e) else {
            continue;
        };
        // Cheap test first: most lines have no long number and no such field.
        let digits_run = e
            .text
            .as_bytes()
            .split(|b| !b.is_ascii_digit())
            .any(|run| run.len() >= 10);
        if !digits_run && !e.text.contains("sessionid") && !e.text.contains("saddr_fam") {
            continue;
        }
        let Ok(ParsedLine::Options(opts)) = syntax::parse_line(&e.text) else {
            continue;
        };
        // The k-th -F of a field number is the k-th field of that number in
        // the rule (fields keep the line's order).
        let mut seen: Vec<u32> = Vec::new();
        for o in &opts {
            let OptKind::Field(fe) = &o.kind else {
                continue;
            };
            let Some(number) = tables::field_by_name(&fe.name.text) else {
                continue;
            };
            let nth = seen.iter().filter(|n| **n == number).count();
            seen.push(number);
            let Some(value) = &fe.value else { continue };
            let Some(Value::Num(got)) = rule
                .fields
                .iter()
                .filter(|f| f.number == number)
                .nth(nth)
                .map(|f| &f.value)
            else {
                continue;
            };
            let message = match written_number(&value.text) {
                Some(n) if n > u32::MAX as i128 || n < i32::MIN as i128 => format!(
                    "{} does not fit in 32 bits; the kernel gets {}={} (auditctl stores the \
                     number in 32 bits without a word)",
                    value.text,
                    fe.name.text,
                    shown(number, *got)
                ),
                Some(_) => continue,
                None if matches!(number, field::SESSIONID | field::SADDR_FAM)
                    && value.text != "unset" =>
                {
                    format!(
                        "{} is not a number; the kernel gets {}={} (auditctl reads text that \
                         is not a number as 0)",
                        value.text,
                        fe.name.text,
                        shown(number, *got)
                    )
                }
                None => continue,
            };
            out.push(Finding::at(Code::NumberWraps, e, value.span, message));
        }
    }
    out
}
