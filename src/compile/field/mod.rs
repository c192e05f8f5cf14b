//! libaudit's `audit_rule_fieldpair_data`: one `-F name OP value` (or the
//! rule's key, which auditctl formats as `key=KEYS` and sends through the
//! same parser) to one rule field.
//!
//! [`Pair::split`] splits the text at the operator as auditctl does and
//! finds the field; then each kind of field has a module that checks where
//! it may be used and reads its value:
//! - [`id`]: user and group ids (names looked up on the host) and the
//!   session id;
//! - [`numeric`]: plain numbers, syscall arguments, the address family and
//!   the 64-bit container id;
//! - [`string`]: paths, LSM labels, `exe` and the key;
//! - [`arch`]: the ELF audit arch, which also picks the syscall table;
//! - [`perm`]: the permission letters, which also select syscalls;
//! - [`msgtype`]: record types (exclude and user lists);
//! - [`errno`]: the `exit` field, a number or an errno name;
//! - [`filetype`] and [`fstype`]: inode and file system type names;
//! - [`compare`]: `-C`, one field compared with another.
//!
//! Written by hand to match libaudit byte for byte (see the parent module):
//! the order of the checks decides which refusal a bad line gets, so each
//! kind keeps libaudit's order, and numbers are read with C's `strtoul` and
//! `strtol` ([`crate::cnum`]).

mod arch;
mod compare;
mod errno;
mod filetype;
mod fstype;
mod id;
mod msgtype;
mod numeric;
pub(super) mod perm;
mod string;

use super::options::Builder;
use super::{err, Step, FIELD_LIMIT};
use crate::diag::Diagnostic;
use crate::model::{field, Field, FilterList, Operator, Value};
use crate::syntax::{FieldExpr, Span, Word};
use crate::tables;
use crate::uapi::AUDIT_FEATURE_BITMAP_FILTER_FS;

/// One field expression, split at its operator, with the field it names.
#[derive(Debug)]
pub(super) struct Pair<'a> {
    /// The whole text, `name OP value`.
    pub text: &'a str,
    /// The field's name as written.
    pub name: &'a str,
    /// The field's number.
    pub number: u32,
    /// The comparison.
    pub op: Operator,
    /// The value's text.
    pub value: &'a str,
    /// The value's bytes as written (not UTF-8 where the line was not).
    pub value_bytes: &'a [u8],
    /// The list of the rule the field goes into.
    pub list: u32,
    /// Where the whole expression is.
    pub span: Span,
    /// Where the name is.
    pub name_span: Span,
    /// Where the value is.
    pub value_span: Span,
}

impl<'a> Pair<'a> {
    /// auditctl's split: it searches the whole text for each operator in
    /// priority order ([`Operator::SEARCH_ORDER`]) and splits at the first
    /// one it finds; then the name must be a known field.
    pub fn split(whole: &'a Word, list: u32) -> Result<Pair<'a>, Diagnostic> {
        let text = whole.text.as_str();
        let Some((op, pos, op_len)) = Operator::SEARCH_ORDER.iter().find_map(|op| {
            let sym = op.symbol().unwrap_or("");
            text.find(sym).map(|p| (*op, p, sym.len()))
        }) else {
            return Err(err(whole.span, format!("-F missing operation for {text}"))
                .with_help("write NAME=VALUE, or use one of != > < >= <= & &="));
        };
        let name = &text[..pos];
        let value = &text[pos + op_len..];
        if name.is_empty() {
            return Err(err(
                whole.span,
                format!("-F missing field name before operator for {text}"),
            ));
        }
        if value.is_empty() {
            return Err(err(
                whole.span,
                format!("-F missing value after operation for {name}"),
            ));
        }
        let base = whole.span.start;
        let name_span = Span {
            start: base,
            end: base + pos,
        };
        let Some(number) = tables::field_by_name(name)
            .or_else(|| name.eq_ignore_ascii_case("contid").then_some(field::CONTID))
        else {
            let mut e = err(name_span, format!("-F unknown field: {name}"));
            if name.starts_with(['"', '\'']) {
                e = e.with_help("quotes are literal characters in audit rules; write -F auid>=1000 without them");
            }
            if let Some(p) = ["!=", ">=", "<=", "&="].iter().find(|o| name.contains(**o)) {
                e = e.with_help(format!(
                    "the value contains `{p}`, which auditctl reads as the operator; such values cannot be written"
                ));
            }
            return Err(e);
        };
        Ok(Pair {
            text,
            name,
            number,
            op,
            value,
            // `text` and `whole.bytes()` are the same length (see `syntax::Word`).
            value_bytes: &whole.bytes()[pos + op_len..],
            list,
            span: whole.span,
            name_span,
            value_span: Span {
                start: base + pos + op_len,
                end: base + text.len(),
            },
        })
    }

    /// The span of the value's bytes `from..to`.
    pub fn value_at(&self, from: usize, to: usize) -> Span {
        let start = self.value_span.start;
        Span {
            start: start + from.min(self.value.len()),
            end: start + to.min(self.value.len()),
        }
    }

    /// Whether the rule is on one of `lists`.
    pub fn on(&self, lists: &[FilterList]) -> bool {
        lists.iter().any(|l| l.number() == self.list)
    }

    /// Refuses the field unless the rule is on the exit list.
    pub fn exit_only(&self) -> Result<(), Diagnostic> {
        self.only_on(&[FilterList::Exit])
    }

    /// Refuses the field unless the rule is on one of `lists`, with
    /// auditctl's "can only be used with exit filter list" (its words for
    /// every such field).
    pub fn only_on(&self, lists: &[FilterList]) -> Result<(), Diagnostic> {
        if self.on(lists) {
            return Ok(());
        }
        Err(err(
            self.name_span,
            format!("{} can only be used with exit filter list", self.name),
        ))
    }

    /// Refuses the field, with exactly `message` at the name, unless the rule
    /// is on one of `lists`.
    pub fn only_on_saying(&self, lists: &[FilterList], message: String) -> Result<(), Diagnostic> {
        if self.on(lists) {
            return Ok(());
        }
        Err(err(self.name_span, message))
    }

    /// Refuses operators other than `=` and `!=`.
    pub fn equality_only(&self) -> Result<(), Diagnostic> {
        if self.op.is_equality() {
            return Ok(());
        }
        Err(err(
            self.span,
            format!("{} only takes = or != operators", self.name),
        ))
    }

    /// Refuses the field unless the kernel has `feature` (a
    /// `AUDIT_FEATURE_BITMAP_*` bit of [`crate::uapi`]).
    pub fn needs_feature(&self, features: u32, feature: u32) -> Result<(), Diagnostic> {
        if features & feature != 0 {
            return Ok(());
        }
        Err(err(
            self.name_span,
            format!("Field option not supported by kernel: {}", self.text),
        ))
    }

    /// auditctl's refusal of a value that is not a number.
    pub fn not_a_number(&self) -> Diagnostic {
        err(
            self.value_span,
            format!("-F value should be number for {}", self.name),
        )
    }
}

impl Builder<'_> {
    /// `-F`: a key (`key=...`, which joins the `-k` keys) or a field.
    pub(super) fn field_option(&mut self, expr: &FieldExpr, span: Span) -> Step {
        let Some(list) = self.list() else {
            return Err(err(span, "List must be given before field")
                .with_help("put -a always,exit (or another list and action) before -F"));
        };
        if expr.whole.text.starts_with("key=") {
            let key_span = Span {
                start: expr.whole.span.start + 4,
                end: expr.whole.span.end,
            };
            return self.append_key(&expr.whole.bytes()[4..], key_span);
        }
        self.add_field_pair(&expr.whole, list)
    }

    /// libaudit's `audit_rule_fieldpair_data` for one `name OP value` text.
    pub(super) fn add_field_pair(&mut self, whole: &Word, list: u32) -> Step {
        if self.rule.fields.len() >= FIELD_LIMIT {
            return Err(err(
                whole.span,
                format!("Too many fields in rule: {}", whole.text),
            )
            .with_help(format!(
                "a rule holds at most {FIELD_LIMIT} fields, the key included"
            )));
        }
        let p = Pair::split(whole, list)?;
        if p.on(&[FilterList::Filesystem])
            && self.host.features & AUDIT_FEATURE_BITMAP_FILTER_FS == 0
        {
            return Err(err(
                p.name_span,
                format!("{} filter is not supported by the kernel", p.name),
            ));
        }
        let host = self.host;
        let value = match p.number {
            field::UID
            | field::EUID
            | field::SUID
            | field::FSUID
            | field::LOGINUID
            | field::OBJ_UID => id::value(&p, id::Id::User, host)?,
            field::GID | field::EGID | field::SGID | field::FSGID | field::OBJ_GID => {
                id::value(&p, id::Id::Group, host)?
            }
            field::SESSIONID => id::session(&p, host.features)?,
            field::EXIT => errno::exit(&p)?,
            field::MSGTYPE => msgtype::value(&p)?,
            field::OBJ_USER..=field::OBJ_LEV_HIGH
            | field::WATCH
            | field::DIR
            | field::SUBJ_USER..=field::SUBJ_CLR
            | field::FILTERKEY
            | field::EXE => {
                let key_allowed =
                    self.syscall_added || self.perm_added || self.exe_added || self.filterfs_added;
                let value = string::value(&p, host.features, key_allowed)?;
                match p.number {
                    field::WATCH | field::DIR => self.perm_added = true,
                    field::EXE => self.exe_added = true,
                    _ => {}
                }
                value
            }
            field::ARCH => {
                let elf = arch::elf(&p, host.machine, self.syscall_added)?;
                self.elf = Some(elf);
                Value::Num(elf)
            }
            field::PERM => self.perm_field(&p)?,
            field::FILETYPE => filetype::value(&p)?,
            field::FSTYPE => {
                let value = fstype::value(&p)?;
                self.filterfs_added = true;
                value
            }
            field::ARG0..=field::ARG3 => numeric::argument(&p)?,
            field::SADDR_FAM => numeric::address_family(&p)?,
            field::CONTID => numeric::container_id(&p)?,
            _ => numeric::plain(&p)?,
        };
        self.push_field(
            Field {
                number: p.number,
                op: p.op,
                value,
            },
            p.span,
        );
        self.rule_requested = true;
        Ok(())
    }

    /// The `perm` field: its letters, each of which also selects the
    /// syscalls that exercise it, in the order written (so a letter that
    /// cannot add its syscalls is reported before a bad letter after it).
    fn perm_field(&mut self, p: &Pair) -> Result<Value, Diagnostic> {
        perm::check(p)?;
        let mut bits = 0;
        for (i, c) in p.value.chars().enumerate() {
            let Some(bit) = perm::bit(c) else {
                return Err(perm::bad_letter(p, i));
            };
            bits |= bit;
            if !self.add_perm_syscalls(bit) {
                return Err(err(
                    p.value_span,
                    "Error adding syscalls for perm filtering",
                ));
            }
        }
        self.perm_added = true;
        Ok(Value::Num(bits))
    }
}

#[cfg(test)]
pub(super) mod test_support {
    //! What the kinds' tests share: a field expression in, a [`Pair`] out.
    use super::Pair;
    use crate::diag::Diagnostic;
    use crate::model::FilterList;
    use crate::syntax::{Span, Word};

    /// `text` as the word of a `-F` at the start of a line.
    pub fn word(text: &str) -> Word {
        Word {
            text: text.to_string(),
            span: Span {
                start: 0,
                end: text.len(),
            },
            raw: None,
        }
    }

    /// Splits `text` for a rule on `list`, and runs `read` on the pair.
    pub fn read<T>(
        text: &str,
        list: FilterList,
        read: impl FnOnce(&Pair) -> Result<T, Diagnostic>,
    ) -> Result<T, Diagnostic> {
        let w = word(text);
        let p = Pair::split(&w, list.number()).expect("a known field");
        read(&p)
    }

    /// The message and span of a refusal.
    pub fn refusal<T: std::fmt::Debug>(r: Result<T, Diagnostic>) -> (String, (usize, usize)) {
        let d = r.expect_err("refused");
        (d.message, (d.span.start, d.span.end))
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{refusal, word};
    use super::*;

    fn split(text: &str) -> Result<(String, u32, Operator, String), Diagnostic> {
        let w = word(text);
        Pair::split(&w, FilterList::Exit.number())
            .map(|p| (p.name.to_string(), p.number, p.op, p.value.to_string()))
    }

    #[test]
    fn splits_at_the_first_operator_in_auditctls_search_order() {
        assert_eq!(
            split("auid>=1000").unwrap(),
            (
                "auid".into(),
                field::LOGINUID,
                Operator::GreaterOrEqual,
                "1000".into()
            )
        );
        // `!=` is searched before `=`, wherever it stands: the name takes
        // everything before it.
        assert_eq!(
            split("key=a!=b").unwrap_err().message,
            "-F unknown field: key=a"
        );
        let d = split("key=a>=b!=c").unwrap_err();
        assert_eq!(d.message, "-F unknown field: key=a>=b");
        assert!(d
            .help
            .unwrap()
            .contains("`>=`, which auditctl reads as the operator"));
        assert_eq!(
            split("a0&=0x10").unwrap(),
            ("a0".into(), field::ARG0, Operator::BitTest, "0x10".into())
        );
        assert_eq!(
            split("ContID=5").unwrap().1,
            field::CONTID,
            "contid is found in any case"
        );
    }

    #[test]
    fn refuses_what_cannot_be_split() {
        assert_eq!(
            refusal(split("uid")),
            ("-F missing operation for uid".into(), (0, 3))
        );
        assert_eq!(
            refusal(split("=0")),
            (
                "-F missing field name before operator for =0".into(),
                (0, 2)
            )
        );
        assert_eq!(
            refusal(split("uid=")),
            ("-F missing value after operation for uid".into(), (0, 4))
        );
        let d = split("\"auid\">=1000").unwrap_err();
        assert_eq!((d.span.start, d.span.end), (0, 6));
        assert!(d.help.unwrap().starts_with("quotes are literal"));
    }

    #[test]
    fn spans_point_at_the_name_and_the_value() {
        let w = Word {
            span: Span { start: 10, end: 20 },
            ..word("perm!=wxyz")
        };
        let p = Pair::split(&w, FilterList::Exit.number()).unwrap();
        assert_eq!((p.name_span.start, p.name_span.end), (10, 14));
        assert_eq!((p.value_span.start, p.value_span.end), (16, 20));
        assert_eq!(p.value_at(2, 3), Span { start: 18, end: 19 });
        assert_eq!(p.value_bytes, b"wxyz");
    }

    #[test]
    fn the_value_keeps_bytes_that_are_not_utf8() {
        let w = Word::from_bytes(b"path=/tmp/\xff", Span { start: 0, end: 11 });
        let p = Pair::split(&w, FilterList::Exit.number()).unwrap();
        assert_eq!(p.value, "/tmp/?");
        assert_eq!(p.value_bytes, b"/tmp/\xff");
    }
}
