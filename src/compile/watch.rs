//! The old-style watch: `-w PATH` and `-W PATH` (a `path` or `dir` field and
//! a `perm` field on the exit list, every syscall) and `-p`, which sets the
//! watch's permissions.
//!
//! Written by hand to match auditctl byte for byte (see the parent module):
//! the path checks, the trailing-slash trimming and the warnings are
//! auditctl's.

use super::options::{Builder, ListSlot};
use super::{err, warning, Step, FIELD_LIMIT};
use crate::model::{field, perm, Action, Field, FilterList, Operator, SyscallMask, Value};
use crate::syntax::{Span, Word};
use crate::uapi::{NAME_MAX, PATH_MAX};

impl Builder<'_> {
    pub(super) fn watch_option(&mut self, path: &Word, span: Span, remove: bool) -> Step {
        if !remove && (self.add != ListSlot::Unset || self.del != ListSlot::Unset) {
            return Err(err(span, "watch option can't be given with a syscall")
                .with_help("write either -w PATH, or -a always,exit -F path=PATH"));
        }
        if path.text.is_empty() {
            return Err(err(span, "watch option needs a path"));
        }
        let exit = ListSlot::Set(FilterList::Exit.number());
        if remove {
            self.del = exit;
        } else {
            self.add = exit;
        }
        self.action = Some(Action::Always.number());
        self.syscall_added = true;
        let mut p = path.bytes().to_vec();
        if p.len() >= PATH_MAX {
            return Err(err(path.span, "The path passed for the watch is too big"));
        }
        if !p.starts_with(b"/") {
            return Err(err(path.span, "The path must start with '/'"));
        }
        let trimmed = p.len() - p.iter().rev().take_while(|c| **c == b'/').count();
        let base_len = p[..trimmed]
            .rsplit(|c| *c == b'/')
            .next()
            .map_or(0, <[u8]>::len);
        if base_len > NAME_MAX {
            return Err(err(path.span, "The base name of the path is too big"));
        }
        if p.windows(2).any(|w| w == b"..") {
            self.warnings.push(warning(
                path.span,
                "Warning - relative path notation is not supported",
            ));
        }
        if p.iter().any(|c| matches!(c, b'*' | b'?')) {
            self.warnings.push(warning(
                path.span,
                "Warning - wildcard notation is not supported",
            ));
        }
        if p.len() > 2 && p.ends_with(b"/") {
            while p.len() > 1 && p.ends_with(b"/") {
                p.pop();
            }
        }
        let kind = if self.host.is_dir(&p) {
            field::DIR
        } else {
            field::WATCH
        };
        if !self.rule.fields.is_empty() || !self.rule.mask.is_empty() {
            return Err(err(span, "Watches may not include fields or actions"));
        }
        self.rule.mask = SyscallMask::ALL;
        self.push_field(Field::bytes(kind, Operator::Equal, p), path.span);
        self.push_field(Field::num(field::PERM, Operator::Equal, perm::ALL), span);
        self.perm_added = true;
        self.rule_requested = true;
        if !remove {
            // Information, not a warning: auditctl prints it for every -w.
            let mut note = warning(span, "Old style watch rules are slower");
            note.severity = crate::diag::Severity::Note;
            self.warnings.push(note);
        }
        Ok(())
    }

    pub(super) fn perm_option(&mut self, arg: &Result<Word, Word>, span: Span) -> Step {
        if self.add == ListSlot::Unset && self.del == ListSlot::Unset {
            return Err(err(
                span,
                "permission option needs a watch given prior to it",
            ));
        }
        let letters = match arg {
            Ok(w) => w,
            Err(w) => {
                let bad = w.text.chars().find(|c| !"rwxaRWXA".contains(*c));
                return Err(match bad {
                    Some(c) => err(w.span, format!("Permission {c} isn't supported"))
                        .with_help("permissions are r, w, x and a"),
                    None => err(span, "permission option needs a filter"),
                });
            }
        };
        if letters.text.len() > 4 {
            return Err(err(
                letters.span,
                format!("permission {} is too long", letters.text),
            ));
        }
        let mut bits = 0;
        for c in letters.text.chars() {
            // The grammar let only `rwxa` through (either case).
            bits |= super::field::perm::bit(c).unwrap_or(perm::ATTR);
        }
        if self.rule.fields.is_empty() {
            return Err(err(span, "Permissions should be preceded by other fields"));
        }
        let mut updated = false;
        for f in self
            .rule
            .fields
            .iter_mut()
            .filter(|f| f.number == field::PERM)
        {
            f.value = Value::Num(bits);
            updated = true;
        }
        if !updated {
            if self.rule.fields.len() >= FIELD_LIMIT {
                return Err(err(span, "Too many fields when adding permissions"));
            }
            self.push_field(Field::num(field::PERM, Operator::Equal, bits), span);
        }
        self.perm_added = true;
        self.rule_requested = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{compile_line, Compiled};
    use crate::diag::Diagnostic;
    use crate::host::Host;
    use crate::model::{field, perm, Field, FilterList, Operator, SyscallMask};
    use crate::tables::Machine;

    fn compile(text: &str) -> Result<Compiled, Diagnostic> {
        compile_line(text, &Host::fixed(Machine::X86_64, &[], &[], &["/etc"]))
    }

    fn fields(text: &str) -> Vec<Field> {
        match compile(text) {
            Ok(Compiled::Rule { rule, .. }) => {
                assert_eq!(rule.list, FilterList::Exit);
                assert_eq!(rule.mask, SyscallMask::ALL);
                rule.fields
            }
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn a_watch_is_a_path_or_dir_field_and_its_permissions() {
        assert_eq!(
            fields("-w /etc/passwd -p wa"),
            vec![
                Field::bytes(field::WATCH, Operator::Equal, b"/etc/passwd".to_vec()),
                Field::num(field::PERM, Operator::Equal, perm::WRITE | perm::ATTR),
            ]
        );
        // A directory on the host becomes a dir field; trailing slashes go.
        assert_eq!(
            fields("-w /etc/// -p R")[..1],
            [Field::bytes(field::DIR, Operator::Equal, b"/etc".to_vec())]
        );
        // Without -p, every permission.
        assert_eq!(fields("-W /x")[1].num_value(), perm::ALL);
    }

    #[test]
    fn watch_refusals() {
        let refusal = |t: &str| compile(t).expect_err(t).message;
        assert_eq!(refusal("-w etc"), "The path must start with '/'");
        assert_eq!(
            refusal("-a always,exit -w /etc"),
            "watch option can't be given with a syscall"
        );
        assert_eq!(
            refusal(&format!("-w /{}", "n".repeat(256))),
            "The base name of the path is too big"
        );
        assert_eq!(
            refusal("-p r"),
            "permission option needs a watch given prior to it"
        );
        assert_eq!(refusal("-w /x -p rwxaw"), "permission rwxaw is too long");
    }
}
