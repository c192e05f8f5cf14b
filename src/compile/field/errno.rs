//! The `exit` field (exit list only): a syscall's return value, as a number
//! or as an errno name, `-EPERM` style names being negative.

use super::{err, Pair};
use crate::cnum;
use crate::diag::Diagnostic;
use crate::model::Value;
use crate::tables;

/// The `exit` field's value: a number (`strtol`), or an errno name with an
/// optional `-`.
pub(super) fn exit(p: &Pair) -> Result<Value, Diagnostic> {
    p.exit_only()?;
    let value = p.value;
    if cnum::starts_with_digit(value) || cnum::is_negative_number(value) {
        return Ok(Value::Num(cnum::l32(value)));
    }
    let (sign, bare) = match value.strip_prefix('-') {
        Some(b) => (-1i32, b),
        None => (1, value),
    };
    match tables::errno_by_name(bare) {
        Some(e) if e != 0 => Ok(Value::Num((e * sign) as u32)),
        _ => Err(err(p.value_span, format!("-F unknown errno - {}", p.name))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;
    use crate::model::FilterList;

    #[test]
    fn numbers_and_errno_names_with_their_sign() {
        let on_exit = |t| read(t, FilterList::Exit, exit);
        assert_eq!(on_exit("exit=0"), Ok(Value::Num(0)));
        assert_eq!(on_exit("exit=-13"), Ok(Value::Num(-13i32 as u32)));
        assert_eq!(on_exit("exit=-EACCES"), Ok(Value::Num(-13i32 as u32)));
        assert_eq!(on_exit("exit!=EPERM"), Ok(Value::Num(1)));
        assert_eq!(
            refusal(on_exit("exit=-ENOPE")),
            ("-F unknown errno - exit".into(), (5, 11))
        );
    }

    #[test]
    fn only_on_the_exit_list() {
        assert_eq!(
            refusal(read("exit=0", FilterList::User, exit)),
            ("exit can only be used with exit filter list".into(), (0, 4))
        );
    }
}
