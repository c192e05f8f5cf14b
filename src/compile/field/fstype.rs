//! The `fstype` field (filesystem list only, `=` or `!=`): a file system's
//! magic number, or its name.

use super::{err, Pair};
use crate::cnum;
use crate::diag::Diagnostic;
use crate::model::{FilterList, Value};
use crate::tables;

/// The `fstype` field's value: digits (`strtoul`) or a file system name
/// (`debugfs`, `tracefs`, ...).
pub(super) fn value(p: &Pair) -> Result<Value, Diagnostic> {
    p.only_on_saying(
        &[FilterList::Filesystem],
        format!("{} field is not valid for the filter", p.name),
    )?;
    p.equality_only()?;
    let v = if cnum::starts_with_digit(p.value) {
        cnum::ul32(p.value)
    } else {
        tables::fstype_by_name(p.value).unwrap_or(u32::MAX)
    };
    // libaudit's "not found" is the all-ones value, also when it was written.
    if v == u32::MAX {
        return Err(err(
            p.value_span,
            format!("file system type is unknown for field: {}", p.name),
        ));
    }
    Ok(Value::Num(v))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;

    #[test]
    fn names_and_magic_numbers() {
        let fs = |t| read(t, FilterList::Filesystem, value);
        assert_eq!(fs("fstype=debugfs"), Ok(Value::Num(0x6462_6720)));
        assert_eq!(fs("fstype!=0x74726163"), Ok(Value::Num(0x7472_6163)));
        assert_eq!(
            refusal(fs("fstype=ext9")),
            (
                "file system type is unknown for field: fstype".into(),
                (7, 11)
            )
        );
        assert_eq!(
            refusal(fs("fstype=4294967295")).0,
            "file system type is unknown for field: fstype"
        );
        assert_eq!(
            refusal(fs("fstype>1")).0,
            "fstype only takes = or != operators"
        );
    }

    #[test]
    fn only_on_the_filesystem_list() {
        assert_eq!(
            refusal(read("fstype=debugfs", FilterList::Exit, value)),
            ("fstype field is not valid for the filter".into(), (0, 6))
        );
    }
}
