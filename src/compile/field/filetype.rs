//! The `filetype` field (exit list): the type of the inode a syscall
//! touches, by name.

use super::{err, Pair};
use crate::diag::Diagnostic;
use crate::model::Value;
use crate::tables;

/// The `filetype` field's value: `socket`, `link`, `file`, `block`, `dir`,
/// `character` or `fifo`, as its `S_IF*` bits.
pub(super) fn value(p: &Pair) -> Result<Value, Diagnostic> {
    p.exit_only()?;
    match tables::filetype_by_name(p.value) {
        Some(t) => Ok(Value::Num(t)),
        None => Err(
            err(p.value_span, format!("-F unknown file type - {}", p.name))
                .with_help("use socket, link, file, block, dir, character or fifo"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;
    use crate::model::FilterList;

    #[test]
    fn names_to_mode_bits() {
        let on_exit = |t| read(t, FilterList::Exit, value);
        assert_eq!(on_exit("filetype=dir"), Ok(Value::Num(0o040000)));
        assert_eq!(on_exit("filetype!=file"), Ok(Value::Num(0o100000)));
        assert_eq!(
            refusal(on_exit("filetype=pipe")),
            ("-F unknown file type - filetype".into(), (9, 13))
        );
        assert_eq!(
            refusal(read("filetype=dir", FilterList::User, value)).0,
            "filetype can only be used with exit filter list"
        );
    }
}
