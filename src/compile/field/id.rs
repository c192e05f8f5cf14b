//! Id fields: user ids (`uid`, `euid`, `suid`, `fsuid`, `auid`, `obj_uid`),
//! group ids (`gid`, `egid`, `sgid`, `fsgid`, `obj_gid`), both also given
//! as names looked up on the host, and the session id.
//!
//! libaudit reads a number differently for users and groups (see
//! [`Id::number`]); that difference is kept, byte for byte.

use super::Pair;
use crate::cnum;
use crate::diag::Diagnostic;
use crate::host::Host;
use crate::model::{FilterList, Value};
use crate::uapi::{AUDIT_FEATURE_BITMAP_SESSIONID_FILTER, AUDIT_UID_UNSET};

/// Which kind of id a field holds.
#[derive(Clone, Copy, Debug)]
pub(super) enum Id {
    /// A uid: a user name, or a number (see [`uid_number`]).
    User,
    /// A gid: a group name, or digits read with `strtol`.
    Group,
}

impl Id {
    /// The value as a number, if it is written as one. libaudit reads a uid
    /// as [`uid_number`] does, but a gid only when it starts with a digit,
    /// with `strtol` (so `-1` and `unset` are group names there).
    fn number(self, value: &str) -> Option<u32> {
        match self {
            Id::User => uid_number(value),
            Id::Group => cnum::starts_with_digit(value).then(|| cnum::l32(value)),
        }
    }

    /// The id of a name on the host.
    fn lookup(self, host: &Host, name: &str) -> Option<u32> {
        match self {
            Id::User => host.uid(name),
            Id::Group => host.gid(name),
        }
    }

    /// What the refusal of an unknown name calls it.
    fn noun(self) -> &'static str {
        match self {
            Id::User => "user",
            Id::Group => "group",
        }
    }
}

/// A uid or gid field's value: a number, or a name on the host.
pub(super) fn value(p: &Pair, id: Id, host: &Host) -> Result<Value, Diagnostic> {
    match id.number(p.value).or_else(|| id.lookup(host, p.value)) {
        Some(v) => Ok(Value::Num(v)),
        None => Err(
            super::err(p.value_span, format!("Unknown {}: {}", id.noun(), p.value))
                .with_help("the name is looked up on this machine when the rule is compiled"),
        ),
    }
}

/// The `sessionid` field: needs the kernel feature; not on the task or
/// filesystem lists; any text that is not a number is 0, as auditctl
/// silently stores it.
pub(super) fn session(p: &Pair, features: u32) -> Result<Value, Diagnostic> {
    p.needs_feature(features, AUDIT_FEATURE_BITMAP_SESSIONID_FILTER)?;
    p.only_on_saying(
        &[FilterList::Exit, FilterList::Exclude, FilterList::User],
        format!("{} must be used with exclude, user, or exit filter", p.name),
    )?;
    Ok(Value::Num(uid_number(p.value).unwrap_or(0)))
}

/// How auditctl reads a uid-like number (uid fields, auid, sessionid):
/// digits with `strtoul`, `-N` with `strtol`, or `unset` for 4294967295.
fn uid_number(value: &str) -> Option<u32> {
    if cnum::starts_with_digit(value) {
        Some(cnum::ul32(value))
    } else if cnum::is_negative_number(value) {
        Some(cnum::l32(value))
    } else if value == "unset" {
        Some(AUDIT_UID_UNSET)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{read, refusal};
    use super::*;
    use crate::tables::Machine;
    use crate::uapi::AUDIT_FEATURE_BITMAP_ALL;

    fn host() -> Host {
        Host::fixed(Machine::X86_64, &[("alice", 1000)], &[("staff", 50)], &[])
    }

    fn id(text: &str, kind: Id) -> Result<Value, Diagnostic> {
        read(text, FilterList::Exit, |p| value(p, kind, &host()))
    }

    #[test]
    fn user_ids_are_numbers_negative_numbers_unset_or_names() {
        assert_eq!(id("uid=0", Id::User), Ok(Value::Num(0)));
        assert_eq!(id("auid>=0x3e8", Id::User), Ok(Value::Num(1000)));
        assert_eq!(id("auid!=-1", Id::User), Ok(Value::Num(u32::MAX)));
        assert_eq!(id("auid!=unset", Id::User), Ok(Value::Num(u32::MAX)));
        assert_eq!(id("euid=alice", Id::User), Ok(Value::Num(1000)));
        // strtoul of a number past 32 bits, stored in a uint32_t.
        assert_eq!(id("uid=4294967296", Id::User), Ok(Value::Num(0)));
        assert_eq!(
            refusal(id("uid=bob", Id::User)),
            ("Unknown user: bob".into(), (4, 7))
        );
    }

    #[test]
    fn group_ids_are_digits_read_by_strtol_or_names() {
        assert_eq!(id("gid=50", Id::Group), Ok(Value::Num(50)));
        assert_eq!(id("egid=staff", Id::Group), Ok(Value::Num(50)));
        // Where uid and gid differ: past `LONG_MAX`, strtol stops at it
        // while strtoul still reads the number.
        assert_eq!(
            id("gid=0x8000000000000000", Id::Group),
            Ok(Value::Num(u32::MAX))
        );
        assert_eq!(id("uid=0x8000000000000000", Id::User), Ok(Value::Num(0)));
        // `-1` and `unset` are not numbers for a group: they are names.
        assert_eq!(
            refusal(id("gid=-1", Id::Group)),
            ("Unknown group: -1".into(), (4, 6))
        );
        assert_eq!(
            refusal(id("obj_gid=unset", Id::Group)),
            ("Unknown group: unset".into(), (8, 13))
        );
    }

    #[test]
    fn session_ids_need_the_feature_and_a_list_that_has_sessions() {
        let all = AUDIT_FEATURE_BITMAP_ALL;
        let on = |text: &str, list: FilterList, features: u32| {
            read(text, list, |p| session(p, features))
        };
        assert_eq!(on("sessionid=5", FilterList::Exit, all), Ok(Value::Num(5)));
        assert_eq!(
            on("sessionid!=unset", FilterList::User, all),
            Ok(Value::Num(u32::MAX))
        );
        assert_eq!(
            on("sessionid=abc", FilterList::Exclude, all),
            Ok(Value::Num(0))
        );
        assert_eq!(
            refusal(on("sessionid=5", FilterList::Task, all)),
            (
                "sessionid must be used with exclude, user, or exit filter".into(),
                (0, 9)
            )
        );
        assert_eq!(
            refusal(on(
                "sessionid=5",
                FilterList::Exit,
                all & !AUDIT_FEATURE_BITMAP_SESSIONID_FILTER
            )),
            (
                "Field option not supported by kernel: sessionid=5".into(),
                (0, 9)
            )
        );
    }
}
