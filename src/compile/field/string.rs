//! String fields: the bytes of the value go into the rule's string buffer.
//! Paths (`path`, `dir`; exit list), LSM labels (`subj_*`, `obj_*`), the
//! executable (`exe`) and the key (`key`, from `-k` and `-F key=`).

use super::{err, Pair};
use crate::diag::Diagnostic;
use crate::model::{field, Value};
use crate::syntax::Span;
use crate::uapi::AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH;
use crate::uapi::{AUDIT_MAX_KEY_LEN, PATH_MAX};

/// A string field's value: the value's bytes as written.
///
/// `key_allowed`: whether the rule already has what a key needs (a syscall,
/// a watch or perm field, an exe or an fstype field).
pub(super) fn value(p: &Pair, features: u32, key_allowed: bool) -> Result<Value, Diagnostic> {
    let number = p.number;
    if matches!(
        number,
        field::OBJ_USER..=field::OBJ_LEV_HIGH | field::WATCH | field::DIR
    ) {
        p.exit_only()?;
    }
    if number == field::EXE {
        p.needs_feature(features, AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH)?;
        p.equality_only()?;
    }
    if number == field::FILTERKEY && !key_allowed {
        return Err(key_dependency(p.span));
    }
    let limit = if number == field::FILTERKEY {
        AUDIT_MAX_KEY_LEN
    } else {
        PATH_MAX
    };
    if p.value.len() > limit {
        return Err(err(p.value_span, "String value too long")
            .with_help(format!("{} bytes; at most {limit}", p.value.len())));
    }
    Ok(Value::Bytes(p.value_bytes.to_vec()))
}

fn key_dependency(span: Span) -> Diagnostic {
    err(
        span,
        "Key field needs a watch, syscall or exe path given prior to it",
    )
    .with_help(
        "on the user, task and exclude lists a key needs an exe field; elsewhere add -S or a path",
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;
    use crate::model::FilterList;
    use crate::uapi::AUDIT_FEATURE_BITMAP_ALL;

    fn on(text: &str, list: FilterList, key_allowed: bool) -> Result<Value, Diagnostic> {
        read(text, list, |p| {
            value(p, AUDIT_FEATURE_BITMAP_ALL, key_allowed)
        })
    }

    fn bytes(b: &[u8]) -> Result<Value, Diagnostic> {
        Ok(Value::Bytes(b.to_vec()))
    }

    #[test]
    fn the_value_bytes_as_written() {
        let exit = FilterList::Exit;
        assert_eq!(on("path=/etc/passwd", exit, false), bytes(b"/etc/passwd"));
        assert_eq!(on("dir!=/etc/", exit, false), bytes(b"/etc/"));
        assert_eq!(
            on("subj_type=sshd_t", FilterList::User, false),
            bytes(b"sshd_t")
        );
        assert_eq!(
            on("exe=/usr/bin/su", FilterList::Task, false),
            bytes(b"/usr/bin/su")
        );
        assert_eq!(on("key=k1", exit, true), bytes(b"k1"));
    }

    #[test]
    fn paths_and_object_labels_only_on_the_exit_list() {
        for text in ["path=/x", "dir=/x", "obj_user=u", "obj_lev_high=s0"] {
            let (message, _) = refusal(on(text, FilterList::User, true));
            assert!(
                message.ends_with("can only be used with exit filter list"),
                "{text}"
            );
        }
    }

    #[test]
    fn exe_needs_the_feature_and_an_equality() {
        assert_eq!(
            refusal(on("exe>/bin/x", FilterList::Exit, false)),
            ("exe only takes = or != operators".into(), (0, 10))
        );
        let without = read("exe=/bin/x", FilterList::Exit, |p| {
            value(
                p,
                AUDIT_FEATURE_BITMAP_ALL & !AUDIT_FEATURE_BITMAP_EXECUTABLE_PATH,
                false,
            )
        });
        assert_eq!(
            refusal(without),
            (
                "Field option not supported by kernel: exe=/bin/x".into(),
                (0, 3)
            )
        );
    }

    #[test]
    fn a_key_needs_something_before_it_and_fits_the_key_limit() {
        assert_eq!(
            refusal(on("key=k", FilterList::Exit, false)),
            (
                "Key field needs a watch, syscall or exe path given prior to it".into(),
                (0, 5)
            )
        );
        let long = format!("key={}", "k".repeat(AUDIT_MAX_KEY_LEN + 1));
        assert_eq!(
            refusal(on(&long, FilterList::Exit, true)),
            ("String value too long".into(), (4, long.len()))
        );
        let path = format!("path=/{}", "p".repeat(PATH_MAX));
        assert_eq!(
            refusal(on(&path, FilterList::Exit, true)).0,
            "String value too long"
        );
    }
}
