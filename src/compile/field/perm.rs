//! The `perm` field (exit and exclude lists, `=` only): up to four of the
//! letters `rwxa`. Each letter also selects the syscalls that exercise it
//! (the builder adds them, see `syscalls`); `-p` on a watch uses the same
//! letters.

use super::{err, Pair};
use crate::diag::Diagnostic;
use crate::model::{perm, FilterList, Operator};

/// The permission bit of one letter, in either case.
pub(in crate::compile) fn bit(letter: char) -> Option<u32> {
    match letter.to_ascii_lowercase() {
        'r' => Some(perm::READ),
        'w' => Some(perm::WRITE),
        'x' => Some(perm::EXEC),
        'a' => Some(perm::ATTR),
        _ => None,
    }
}

/// What libaudit checks before it reads the letters: the list, the
/// operator and the length.
pub(super) fn check(p: &Pair) -> Result<(), Diagnostic> {
    p.only_on(&[FilterList::Exit, FilterList::Exclude])?;
    if p.op != Operator::Equal {
        return Err(err(p.span, format!("{} only takes = operator", p.name)));
    }
    if p.value.len() > 4 {
        return Err(
            err(p.value_span, "String value too long").with_help("perm takes at most 4 letters")
        );
    }
    Ok(())
}

/// The refusal of the letter at `index` (in characters) of the value.
pub(super) fn bad_letter(p: &Pair, index: usize) -> Diagnostic {
    err(
        p.value_at(index, index + 1),
        "Permission can only contain  'rwxa'",
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;

    #[test]
    fn letters_in_either_case() {
        let bits: Vec<_> = "rwxaRWXA".chars().map(bit).collect();
        let lower = [perm::READ, perm::WRITE, perm::EXEC, perm::ATTR].map(Some);
        assert_eq!(bits[..4], lower);
        assert_eq!(bits[4..], lower);
        assert_eq!(bit('z'), None);
    }

    #[test]
    fn checks_list_operator_and_length() {
        assert_eq!(read("perm=wa", FilterList::Exit, check), Ok(()));
        assert_eq!(read("perm=rwxa", FilterList::Exclude, check), Ok(()));
        assert_eq!(
            refusal(read("perm=r", FilterList::Task, check)),
            ("perm can only be used with exit filter list".into(), (0, 4))
        );
        assert_eq!(
            refusal(read("perm!=r", FilterList::Exit, check)),
            ("perm only takes = operator".into(), (0, 7))
        );
        assert_eq!(
            refusal(read("perm=rwxar", FilterList::Exit, check)),
            ("String value too long".into(), (5, 10))
        );
    }

    #[test]
    fn a_bad_letter_is_pointed_at() {
        let d = read("perm=rz", FilterList::Exit, |p| {
            Ok::<_, Diagnostic>(bad_letter(p, 1))
        });
        let d = d.unwrap();
        assert_eq!(d.message, "Permission can only contain  'rwxa'");
        assert_eq!((d.span.start, d.span.end), (6, 7));
    }
}
