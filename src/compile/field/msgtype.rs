//! The `msgtype` field (exclude and user lists): a record type, as a number
//! or a name.

use super::{err, Pair};
use crate::cnum;
use crate::diag::Diagnostic;
use crate::model::{FilterList, Value};
use crate::tables;

/// The `msgtype` field's value: digits (`strtol`), a record type name, one
/// of the audit container ID patches' names, or the reference's own
/// `UNKNOWN[N]` spelling.
pub(super) fn value(p: &Pair) -> Result<Value, Diagnostic> {
    p.only_on_saying(
        &[FilterList::Exclude, FilterList::User],
        "msgtype field can only be used with exclude or user filter list".to_string(),
    )?;
    let value = p.value;
    let number = if cnum::starts_with_digit(value) {
        Some(cnum::l32(value))
    } else if let Some(t) = tables::msgtype_by_name(value) {
        Some(t.number)
    } else if let Some((_, n)) = tables::GHAK90_MSGTYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(value))
    {
        Some(*n)
    } else {
        unknown_msgtype(value)
    };
    match number {
        Some(n) => Ok(Value::Num(n)),
        None => Err(err(
            p.value_span,
            format!("-F unknown message type - {}", p.name),
        )),
    }
}

/// `UNKNOWN[1425]`, the reference's spelling of a type it has no name for.
fn unknown_msgtype(s: &str) -> Option<u32> {
    let digits = s.strip_prefix("UNKNOWN[")?.strip_suffix(']')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;

    #[test]
    fn numbers_names_and_unknown_spellings() {
        let ex = |t| read(t, FilterList::Exclude, value);
        assert_eq!(ex("msgtype=1300"), Ok(Value::Num(1300)));
        assert_eq!(ex("msgtype=0x514"), Ok(Value::Num(1300)));
        assert_eq!(ex("msgtype=SYSCALL"), Ok(Value::Num(1300)));
        assert_eq!(ex("msgtype=UNKNOWN[1425]"), Ok(Value::Num(1425)));
        assert_eq!(
            refusal(ex("msgtype=UNKNOWN[]")),
            ("-F unknown message type - msgtype".into(), (8, 17))
        );
        assert_eq!(
            refusal(ex("msgtype=NOPE")),
            ("-F unknown message type - msgtype".into(), (8, 12))
        );
    }

    #[test]
    fn only_on_the_exclude_and_user_lists() {
        assert_eq!(
            read("msgtype=1300", FilterList::User, value),
            Ok(Value::Num(1300))
        );
        assert_eq!(
            refusal(read("msgtype=1300", FilterList::Exit, value)),
            (
                "msgtype field can only be used with exclude or user filter list".into(),
                (0, 7)
            )
        );
    }
}
