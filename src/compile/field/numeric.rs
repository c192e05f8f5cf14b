//! Number fields: syscall arguments (`a0`..`a3`), the socket address family
//! (`saddr_fam`), the 64-bit audit container id (`contid`), and every other
//! field that is a plain number (`pid`, `ppid`, `pers`, `success`,
//! `devmajor`, `inode`, ...).

use super::{err, Pair};
use crate::cnum;
use crate::diag::Diagnostic;
use crate::model::{field, FilterList, Value};
use crate::tables;

/// `a0`..`a3`: digits with `strtoul`, `-N` with `strtol`, both stored in
/// 32 bits.
pub(super) fn argument(p: &Pair) -> Result<Value, Diagnostic> {
    if cnum::starts_with_digit(p.value) {
        Ok(Value::Num(cnum::ul32(p.value)))
    } else if cnum::is_negative_number(p.value) {
        Ok(Value::Num(cnum::l32(p.value)))
    } else {
        Err(p.not_a_number())
    }
}

/// `saddr_fam`: an address family number below `AF_MAX`. Any text is read
/// (text that is not a number is 0, as libaudit reads it).
pub(super) fn address_family(p: &Pair) -> Result<Value, Diagnostic> {
    let v = cnum::ul32(p.value);
    if v >= tables::AF_MAX {
        return Err(err(
            p.value_span,
            format!("value is too large for field: {}", p.name),
        )
        .with_help(format!("address families are below {}", tables::AF_MAX)));
    }
    Ok(Value::Num(v))
}

/// `contid` (exit, exclude and user lists; `=` or `!=`): a 64-bit number,
/// or `unset` for all ones, sent as 8 bytes in the string buffer.
pub(super) fn container_id(p: &Pair) -> Result<Value, Diagnostic> {
    p.only_on_saying(
        &[FilterList::Exit, FilterList::Exclude, FilterList::User],
        format!("{} must be used with exclude, user, or exit filter", p.name),
    )?;
    p.equality_only()?;
    let value = p.value;
    let id = if value == "unset" {
        u64::MAX
    } else if cnum::starts_with_digit(value) {
        let parsed = cnum::strtoul(value, 0);
        if parsed.overflow {
            return Err(p.not_a_number());
        }
        parsed.value
    } else if cnum::is_negative_number(value) {
        cnum::strtol(value, 0).value as u64
    } else {
        return Err(p.not_a_number());
    };
    Ok(Value::Bytes(id.to_ne_bytes().to_vec()))
}

/// Every other number field: digits only (`strtol`; `inode` with
/// `strtoul`). The device, inode and success fields and `ppid` only on the
/// exit list; `inode` only with `=` or `!=`.
pub(super) fn plain(p: &Pair) -> Result<Value, Diagnostic> {
    let number = p.number;
    if matches!(number, field::DEVMAJOR..=field::INODE | field::SUCCESS) {
        p.exit_only()?;
    }
    if number == field::INODE {
        p.equality_only()?;
    }
    if number == field::PPID {
        p.exit_only()?;
    }
    if !cnum::starts_with_digit(p.value) {
        return Err(p.not_a_number());
    }
    Ok(Value::Num(if number == field::INODE {
        cnum::ul32(p.value)
    } else {
        cnum::l32(p.value)
    }))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;
    use crate::model::FilterList::{Exclude, Exit, Task, User};

    #[test]
    fn arguments_take_unsigned_and_negative_numbers() {
        let arg = |t| read(t, Exit, argument);
        assert_eq!(arg("a0=0x10"), Ok(Value::Num(16)));
        assert_eq!(arg("a1&=0xffffffff"), Ok(Value::Num(u32::MAX)));
        assert_eq!(arg("a2!=-1"), Ok(Value::Num(u32::MAX)));
        assert_eq!(
            refusal(arg("a3=x")),
            ("-F value should be number for a3".into(), (3, 4))
        );
    }

    #[test]
    fn address_families_stay_below_af_max() {
        let fam = |t: &str| read(t, Exit, address_family);
        assert_eq!(fam("saddr_fam=2"), Ok(Value::Num(2)));
        assert_eq!(fam("saddr_fam=inet"), Ok(Value::Num(0)));
        let too_big = format!("saddr_fam={}", tables::AF_MAX);
        assert_eq!(
            refusal(fam(&too_big)).0,
            "value is too large for field: saddr_fam"
        );
    }

    #[test]
    fn container_ids_are_64_bit_bytes() {
        let id = |t, list| read(t, list, container_id);
        let bytes = |v: u64| Ok(Value::Bytes(v.to_ne_bytes().to_vec()));
        assert_eq!(id("contid=0x100000000", Exit), bytes(1 << 32));
        assert_eq!(id("contid!=unset", User), bytes(u64::MAX));
        assert_eq!(id("contid=-2", Exclude), bytes(-2i64 as u64));
        assert_eq!(
            refusal(id("contid=18446744073709551616", Exit)),
            ("-F value should be number for contid".into(), (7, 27))
        );
        assert_eq!(
            refusal(id("contid=abc", Exit)).0,
            "-F value should be number for contid"
        );
        assert_eq!(
            refusal(id("contid>1", Exit)).0,
            "contid only takes = or != operators"
        );
        assert_eq!(
            refusal(id("contid=1", Task)),
            (
                "contid must be used with exclude, user, or exit filter".into(),
                (0, 6)
            )
        );
    }

    #[test]
    fn plain_numbers_digits_only_and_their_lists() {
        let num = |t, list| read(t, list, plain);
        assert_eq!(num("pid=42", Task), Ok(Value::Num(42)));
        assert_eq!(num("success=1", Exit), Ok(Value::Num(1)));
        // strtol for most, strtoul for inode: past LONG_MAX they differ.
        assert_eq!(
            num("pid>=0x8000000000000000", Exit),
            Ok(Value::Num(u32::MAX))
        );
        assert_eq!(num("inode=0x8000000000000000", Exit), Ok(Value::Num(0)));
        assert_eq!(
            refusal(num("pid=-1", Exit)),
            ("-F value should be number for pid".into(), (4, 6))
        );
        for text in ["devmajor=8", "devminor=1", "inode=2", "success=0", "ppid=1"] {
            let (message, _) = refusal(num(text, User));
            assert!(
                message.ends_with("can only be used with exit filter list"),
                "{text}"
            );
        }
        assert_eq!(
            refusal(num("inode<5", Exit)).0,
            "inode only takes = or != operators"
        );
    }
}
