//! auditctl's option loop for one line: the line's state (auditctl's
//! globals: list, action, what has been added so far), the rule options
//! (`-a`, `-A`, `-d`), the settings and controls that end the loop, and the
//! key (`-k`), which accumulates and becomes the rule's last field.
//!
//! Written by hand to match auditctl byte for byte (see the parent module):
//! which option may follow which, and the refusal text, are auditctl's.

use super::{err, Compiled, RuleOp, Step, KERNEL_REFUSAL_HELP};
use crate::cnum;
use crate::diag::Diagnostic;
use crate::host::Host;
use crate::kernel_rules;
use crate::model::{Action, Control, Field, FilterList, Rule, SyscallMask};
use crate::syntax::{self, Flag, Opt, OptKind, RuleLetter, Span, ValueLetter, Word};
use crate::tables;
use crate::uapi::{AUDIT_KEY_SEPARATOR, AUDIT_MAX_KEY_LEN};

/// The list auditctl keeps in its `add` or `del` variable: unset, or a
/// list number (a word that names no list is refused on the spot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ListSlot {
    Unset,
    Set(u32),
}

/// The state of one line being compiled (auditctl's globals for one line).
pub(super) struct Builder<'h> {
    /// What names, arches and features mean on the machine compiled for.
    pub(super) host: &'h Host,
    /// The list of `-a`/`-A`/`-w`.
    pub(super) add: ListSlot,
    /// `-A`: the rule goes to the head of its list.
    pub(super) prepend: bool,
    /// The list of `-d`/`-W`.
    pub(super) del: ListSlot,
    /// The rule's action, once `-a`/`-A`/`-d` or a watch gave one.
    pub(super) action: Option<u32>,
    /// How many of `-a`/`-A`/`-d` the line had (more than one is refused).
    pub(super) multiple: u32,
    /// The rule is on the exclude list (which takes no syscalls).
    pub(super) exclude: bool,
    /// The rule as built so far.
    pub(super) rule: Rule,
    /// What a key may follow (auditctl's `_audit_syscalladded`,
    /// `_audit_permadded`, `_audit_exeadded`, `_audit_filterfsadded`); a
    /// syscall also makes `arch` too late.
    pub(super) syscall_added: bool,
    pub(super) perm_added: bool,
    pub(super) exe_added: bool,
    pub(super) filterfs_added: bool,
    /// The ELF audit arch that names syscalls (`_audit_elf`): set by
    /// `-F arch`, or by the first `-S` from the host machine.
    pub(super) elf: Option<u32>,
    /// The keys so far, joined by [`KEY_SEPARATOR`]; the last field at the end.
    pub(super) key: Vec<u8>,
    /// Where the first key was written.
    pub(super) key_span: Span,
    /// Where each field of `rule.fields` was written, for kernel checks.
    pub(super) field_spans: Vec<Span>,
    /// What auditctl says without failing (on stderr).
    pub(super) warnings: Vec<Diagnostic>,
    /// Settings and requests, in the order given.
    pub(super) controls: Vec<Control>,
    /// Some option asked for a rule to be sent.
    pub(super) rule_requested: bool,
    /// The action was `possible`: auditctl skips the line.
    pub(super) deprecated: bool,
}

impl<'h> Builder<'h> {
    pub(super) fn new(host: &'h Host) -> Builder<'h> {
        Builder {
            host,
            add: ListSlot::Unset,
            prepend: false,
            del: ListSlot::Unset,
            action: None,
            multiple: 0,
            exclude: false,
            rule: Rule::new(FilterList::Exit, Action::Never),
            syscall_added: false,
            perm_added: false,
            exe_added: false,
            filterfs_added: false,
            elf: None,
            key: Vec::new(),
            key_span: Span::default(),
            field_spans: Vec::new(),
            warnings: Vec::new(),
            controls: Vec::new(),
            rule_requested: false,
            deprecated: false,
        }
    }

    pub(super) fn push_field(&mut self, f: Field, span: Span) {
        self.rule.fields.push(f);
        self.field_spans.push(span);
    }

    /// The list of the rule being built, if `-a`/`-A`/`-d`/`-w`/`-W` set one.
    pub(super) fn list(&self) -> Option<u32> {
        match (self.add, self.del) {
            (ListSlot::Set(l), _) => Some(l),
            (_, ListSlot::Set(l)) => Some(l),
            _ => None,
        }
    }

    pub(super) fn run(&mut self, opts: &[Opt]) -> Result<Compiled, Diagnostic> {
        let mut stop_at = None;
        for (i, opt) in opts.iter().enumerate() {
            // `--` ends getopt's options; anything after it is a stray word.
            if matches!(&opt.kind, OptKind::Stray(w) if w.text == "--") {
                if let Some(extra) = opts.get(i + 1) {
                    return Err(err(extra.span, "parameter passed without an option given"));
                }
                break;
            }
            // These options end auditctl's option loop ("success, no reply"):
            // anything after them is an error.
            if self.option(opt, opts, i)? {
                stop_at = Some(i);
                break;
            }
            if self.deprecated {
                return Ok(Compiled::Deprecated);
            }
        }
        if let Some(i) = stop_at {
            let consumed = self.trailing_consumed(&opts[i], &opts[i + 1..])?;
            if let Some(extra) = opts[i + 1 + consumed..].first() {
                return Err(err(extra.span, "parameter passed without an option given"));
            }
            // These options mean "done, no rule to send": a rule built by
            // options before them is dropped, as auditctl drops it.
            return Ok(Compiled::Control(std::mem::take(&mut self.controls)));
        }
        self.finish_key()?;
        if self.rule_requested {
            let op = if self.del != ListSlot::Unset && self.add == ListSlot::Unset {
                RuleOp::Delete
            } else if self.prepend {
                RuleOp::Prepend
            } else {
                RuleOp::Append
            };
            let list = self.list().unwrap_or(0);
            // A rule without -S matches every syscall, except on the task
            // list, which has no syscalls.
            if list != FilterList::Task.number() && !self.syscall_added {
                self.rule.mask = SyscallMask::ALL;
            }
            self.rule.list = FilterList::from_number(list);
            self.rule.action = Action::from_number(self.action.unwrap_or(0));
            self.rule.prepend = op == RuleOp::Prepend;
            if let Err(r) = kernel_rules::check(&self.rule) {
                let at = r
                    .field
                    .and_then(|i| self.field_spans.get(i).copied())
                    .or_else(|| opts.first().map(|o| o.span))
                    .unwrap_or_default();
                return Err(err(at, r.message).with_help(KERNEL_REFUSAL_HELP));
            }
            let rule =
                std::mem::replace(&mut self.rule, Rule::new(FilterList::Exit, Action::Never));
            let controls = std::mem::take(&mut self.controls);
            if controls.is_empty() {
                return Ok(Compiled::Rule { op, rule });
            }
            return Ok(Compiled::Mixed { controls, op, rule });
        }
        if self.syscall_added {
            let span = opts.first().map(|o| o.span).unwrap_or_default();
            return Err(err(span, "Error - no list specified")
                .with_help("add -a always,exit (or another list and action) to this rule"));
        }
        Ok(Compiled::Control(std::mem::take(&mut self.controls)))
    }

    /// Words consumed by `-l`, `-s`, `-D` after themselves (`-l -k KEY`,
    /// `-l -i`, `-s -i`, `-D -k KEY`), as auditctl inspects them by position.
    fn trailing_consumed(&mut self, opt: &Opt, rest: &[Opt]) -> Result<usize, Diagnostic> {
        // The only shapes auditctl accepts: nothing, or exactly one `-k KEY`
        // (for -l and -D) or one `-i` (for -l and -s).
        let only = match rest {
            [o] => Some(&o.kind),
            _ => None,
        };
        let key = match only {
            Some(OptKind::Key(k)) => Some(k.bytes().to_vec()),
            _ => None,
        };
        let interpret = matches!(only, Some(OptKind::Flag(Flag::Ignore)));
        let (control, allowed, complaint) = match &opt.kind {
            OptKind::Flag(Flag::List) => (
                Control::List {
                    key: key.clone(),
                    interpret,
                },
                key.is_some() || interpret,
                "Only -k or -i options are allowed",
            ),
            OptKind::Flag(Flag::Status) => (
                Control::Status { interpret },
                interpret,
                "Only -i option is allowed",
            ),
            OptKind::Flag(Flag::DeleteAll) => (
                Control::DeleteAll { key: key.clone() },
                key.is_some(),
                "Only the -k option is allowed",
            ),
            _ => return Ok(0),
        };
        let consumed = usize::from(allowed);
        if let Some(extra) = rest.get(consumed) {
            return Err(err(extra.span, complaint));
        }
        self.controls.push(control);
        Ok(consumed)
    }

    /// Handles one option; `Ok(true)` when it ends the option loop.
    fn option(&mut self, opt: &Opt, all: &[Opt], index: usize) -> Result<bool, Diagnostic> {
        match &opt.kind {
            OptKind::Rule(letter, arg) => self.rule_option(*letter, arg, opt.span).map(|_| false),
            OptKind::Syscall(arg) => self.syscall_option(arg, opt.span).map(|_| false),
            OptKind::Field(expr) => self.field_option(expr, opt.span).map(|_| false),
            OptKind::Compare(arg) => self.compare_option(arg, opt.span).map(|_| false),
            OptKind::Watch(path) => self.watch_option(path, opt.span, false).map(|_| false),
            OptKind::Unwatch(path) => self.watch_option(path, opt.span, true).map(|_| false),
            OptKind::Perm(arg) => self.perm_option(arg, opt.span).map(|_| false),
            OptKind::Key(key) => self.key_option(key, opt.span).map(|_| false),
            OptKind::Value(letter, w) => self.value_option(*letter, w, opt.span).map(|_| false),
            OptKind::BacklogWaitTime(w) => {
                let v = numeric_setting(w, opt.span, "Backlog_wait_time")?;
                self.controls.push(Control::SetBacklogWaitTime(v));
                Ok(false)
            }
            OptKind::Signal(w) => {
                self.controls.push(Control::Signal(w.text.clone()));
                Ok(true)
            }
            OptKind::Message(w) => {
                if all.len() > 1 {
                    return Err(err(
                        opt.span,
                        "The -m option must be only the only option and takes 1 parameter",
                    ));
                }
                if w.text.bytes().any(|b| b < 0x20) {
                    return Err(err(w.span, "Illegal character in audit event"));
                }
                self.controls.push(Control::UserMessage(w.text.clone()));
                Ok(true)
            }
            OptKind::Equiv(w) => {
                if self.syscall_added {
                    return Err(err(
                        opt.span,
                        "Syscall auditing requested for make equivalent",
                    ));
                }
                let mut parts = w.text.splitn(2, ',');
                let mount = parts.next().unwrap_or("");
                let subtree = parts.next().unwrap_or("");
                if subtree.is_empty() || subtree.contains(',') || !w.text.contains(',') {
                    return Err(err(w.span, "Error parsing equivalent parts"));
                }
                self.controls.push(Control::MakeEquivalent {
                    mount: mount.as_bytes().to_vec(),
                    subtree: subtree.as_bytes().to_vec(),
                });
                Ok(true)
            }
            OptKind::Read(w) => {
                // Only `auditctl -R FILE` alone is file mode; anywhere else it
                // is a nested rules file.
                if all.len() == 1 && index == 0 && !w.text.is_empty() {
                    self.controls.push(Control::ReadRules(w.text.clone()));
                    return Ok(true);
                }
                Err(err(opt.span, "Error - nested rule files not supported"))
            }
            OptKind::Flag(flag) => {
                let control = match flag {
                    Flag::Help => Control::Help,
                    Flag::Ignore => Control::IgnoreErrors,
                    Flag::Continue => Control::ContinueOnErrors,
                    Flag::Version => Control::Version,
                    Flag::Trim => Control::Trim,
                    Flag::LoginuidImmutable => Control::LoginuidImmutable,
                    Flag::ResetLost => Control::ResetLost,
                    Flag::ResetBacklogWaitTimeActual => Control::ResetBacklogWaitTimeActual,
                    // Pushed with their trailing words by trailing_consumed.
                    Flag::List | Flag::Status | Flag::DeleteAll => {
                        if index != 0 {
                            let what = match flag {
                                Flag::List => "Wrong number of options for list request",
                                Flag::Status => "Too many options for status command",
                                _ => "Wrong number of options for Delete all request",
                            };
                            return Err(err(opt.span, what));
                        }
                        return Ok(true);
                    }
                };
                self.controls.push(control);
                Ok(true)
            }
            OptKind::MissingArgument(name) => {
                Err(err(opt.span, format!("option {name} requires an argument")))
            }
            OptKind::Stray(w) => {
                if w.text.starts_with('-') && w.text.len() > 1 {
                    Err(err(w.span, format!("Option {} is invalid", w.text)))
                } else {
                    let e = err(w.span, "parameter passed without an option given");
                    Err(if w.text.starts_with('#') {
                        e.with_help("comments must be on a line of their own")
                    } else if w.text.contains('\t') {
                        e.with_help("only spaces separate words; this word contains a TAB")
                    } else {
                        e
                    })
                }
            }
        }
    }

    fn value_option(&mut self, letter: ValueLetter, w: &Word, span: Span) -> Step {
        let control = match letter {
            ValueLetter::Enabled => Control::SetEnabled(zero_one_two(w, "Enable")?),
            ValueLetter::Failure => Control::SetFailure(zero_one_two(w, "Failure")?),
            ValueLetter::Rate => Control::SetRateLimit(numeric_setting(w, span, "Rate")?),
            ValueLetter::Backlog => Control::SetBacklogLimit(numeric_setting(w, span, "Backlog")?),
        };
        self.controls.push(control);
        Ok(())
    }

    /// auditctl's `audit_rule_setup`: list and action in either order.
    fn rule_option(
        &mut self,
        letter: RuleLetter,
        arg: &Result<(Word, Word), Word>,
        span: Span,
    ) -> Step {
        let what = match letter {
            RuleLetter::Append => "Append rule",
            RuleLetter::Prepend => "Add rule",
            RuleLetter::Delete => "Delete rule",
        };
        let text = match arg {
            Ok((a, b)) => format!("{},{}", a.text, b.text),
            Err(w) => w.text.clone(),
        };
        let arg_span = match arg {
            Ok((a, b)) => Span {
                start: a.span.start,
                end: b.span.end,
            },
            Err(w) => w.span,
        };
        if letter != RuleLetter::Delete && text.contains("task") && self.syscall_added {
            return Err(err(span, "Syscall auditing requested for task list")
                .with_help("-S does not apply to the task list"));
        }
        self.multiple += 1;
        if self.multiple != 1 {
            return Err(err(
                span,
                "Multiple rule insert/delete operations are not allowed",
            ));
        }
        let bad = || {
            err(arg_span, format!("{what} - bad keyword {text}")).with_help(
                "expected a list (user, task, exit, exclude, filesystem, io_uring) and an action \
                 (always, never), separated by a comma",
            )
        };
        let (first, second) = match arg {
            Ok((a, b)) => (a.text.as_str(), b.text.as_str()),
            Err(_) => return Err(bad()),
        };
        let slot_unset = match letter {
            RuleLetter::Delete => self.del == ListSlot::Unset,
            _ => self.add == ListSlot::Unset,
        };
        let mut list = if slot_unset { None } else { self.list() };
        let mut action = self.action;
        // Try the first word as an action, then as a list.
        match lookup_action(first) {
            ActionWord::Action(a) => action = Some(a),
            ActionWord::Possible => {}
            ActionWord::Unknown => match tables::list_by_name(first) {
                Some(l) => {
                    if l == FilterList::Exclude.number() {
                        self.exclude = true;
                    }
                    list = Some(l);
                }
                None => return Err(bad()),
            },
        }
        if list.is_none() {
            match tables::list_by_name(second) {
                Some(l) => {
                    if l == FilterList::Exclude.number() {
                        self.exclude = true;
                    }
                    list = Some(l);
                }
                // auditctl 4.2 stores -1 here and sends a rule the kernel
                // refuses; reporting the bad keyword is what it means to do.
                None => return Err(bad()),
            }
            if matches!(lookup_action(first), ActionWord::Possible) {
                return Err(bad());
            }
        } else {
            match lookup_action(second) {
                ActionWord::Action(a) => action = Some(a),
                ActionWord::Possible => {
                    self.deprecated = true;
                    return Ok(());
                }
                ActionWord::Unknown => return Err(bad()),
            }
        }
        let (Some(list), Some(action)) = (list, action) else {
            return Err(bad());
        };
        match letter {
            RuleLetter::Delete => self.del = ListSlot::Set(list),
            RuleLetter::Prepend => {
                self.add = ListSlot::Set(list);
                self.prepend = true;
            }
            RuleLetter::Append => self.add = ListSlot::Set(list),
        }
        self.action = Some(action);
        self.rule_requested = true;
        Ok(())
    }

    fn key_option(&mut self, key: &Word, span: Span) -> Step {
        if !(self.syscall_added || self.perm_added || self.exe_added || self.filterfs_added)
            || (self.add == ListSlot::Unset && self.del == ListSlot::Unset)
        {
            return Err(err(
                span,
                "key option needs a watch or syscall given prior to it",
            )
            .with_help("keys go after -S, -w, or a path, dir, perm, exe or fstype field"));
        }
        if key.text.is_empty() && key.span == Span::default() {
            return Err(err(span, "key option needs a value"));
        }
        self.append_key(key.bytes(), key.span)
    }

    /// auditctl's `process_key_option`: keys accumulate, joined by 0x01.
    pub(super) fn append_key(&mut self, key: &[u8], span: Span) -> Step {
        let sep = usize::from(!self.key.is_empty());
        if key.len() + self.key.len() + sep > AUDIT_MAX_KEY_LEN {
            return Err(err(span, "key option exceeds size limit").with_help(format!(
                "all keys of a rule together, with one separator byte between keys, may be at most {AUDIT_MAX_KEY_LEN} bytes"
            )));
        }
        if key.contains(&AUDIT_KEY_SEPARATOR) {
            return Err(err(
                span,
                format!("key {} has illegal character", syntax::shadow(key)),
            ));
        }
        if !self.key.is_empty() {
            self.key.push(AUDIT_KEY_SEPARATOR);
        }
        self.key.extend_from_slice(key);
        if self.key_span == Span::default() {
            self.key_span = span;
        }
        Ok(())
    }

    /// After all options: the accumulated key becomes the last field. It
    /// goes through the same field parser as `-F` (as in auditctl, which
    /// formats `key=KEYS` and parses that), so the same checks apply: the key
    /// dependency, the field limit, and the operator search, which is why a
    /// key containing `!=`, `>=`, `<=` or `&=` cannot be written.
    fn finish_key(&mut self) -> Step {
        if self.key.is_empty()
            || self
                .controls
                .iter()
                .any(|c| matches!(c, Control::List { .. }))
        {
            return Ok(());
        }
        let list = self.list().unwrap_or(0);
        let mut whole = b"key=".to_vec();
        whole.append(&mut self.key);
        let word = Word::from_bytes(&whole, self.key_span);
        self.add_field_pair(&word, list)
    }
}

enum ActionWord {
    Action(u32),
    Possible,
    Unknown,
}

/// auditctl's `lookup_action`: case-sensitive.
fn lookup_action(s: &str) -> ActionWord {
    match s {
        "always" => ActionWord::Action(Action::Always.number()),
        "never" => ActionWord::Action(Action::Never.number()),
        "possible" => ActionWord::Possible,
        _ => ActionWord::Unknown,
    }
}

/// `-e`, `-f`: exactly `0`, `1` or `2`.
fn zero_one_two(w: &Word, what: &str) -> Result<u32, Diagnostic> {
    match w.text.as_str() {
        "0" | "1" | "2" => Ok(cnum::ul32(&w.text)),
        _ => Err(err(
            w.span,
            format!("{what} must be 0, 1, or 2 was {}", w.text),
        )),
    }
}

/// `-r`, `-b`, `--backlog_wait_time`: must start with a digit; base 0.
fn numeric_setting(w: &Word, span: Span, what: &str) -> Result<u32, Diagnostic> {
    if !cnum::starts_with_digit(&w.text) {
        let at = if w.text.is_empty() { span } else { w.span };
        return Err(err(
            at,
            format!("{what} must be a numeric value was {}", w.text),
        ));
    }
    let p = cnum::strtoul(&w.text, 0);
    if p.overflow {
        return Err(err(
            w.span,
            format!("Error converting {}", what.to_ascii_lowercase()),
        ));
    }
    Ok(p.value as u32)
}

#[cfg(test)]
mod tests {
    use super::super::compile_line;
    use super::*;
    use crate::tables::Machine;

    fn compile(text: &str) -> Result<Compiled, Diagnostic> {
        compile_line(text, &Host::fixed(Machine::X86_64, &[], &[], &[]))
    }

    fn refusal(text: &str) -> String {
        compile(text).expect_err(text).message
    }

    #[test]
    fn list_and_action_in_either_order() {
        let rule = |text| match compile(text) {
            Ok(Compiled::Rule { op, rule }) => (op, rule.list, rule.action),
            other => panic!("{text}: {other:?}"),
        };
        let want = (RuleOp::Append, FilterList::Exit, Action::Always);
        assert_eq!(rule("-a always,exit -S open"), want);
        assert_eq!(rule("-a exit,always -S open"), want);
        assert_eq!(rule("-A never,task").0, RuleOp::Prepend);
        assert_eq!(rule("-d exit,never -S all").0, RuleOp::Delete);
        assert_eq!(
            compile("-a exit,possible -S open"),
            Ok(Compiled::Deprecated)
        );
        assert_eq!(
            refusal("-a always,nowhere"),
            "Append rule - bad keyword always,nowhere"
        );
        assert_eq!(
            refusal("-a always,exit -a always,exit"),
            "Multiple rule insert/delete operations are not allowed"
        );
    }

    #[test]
    fn order_rules_between_options() {
        assert_eq!(refusal("-F uid=0"), "List must be given before field");
        assert_eq!(refusal("-S open"), "Error - no list specified");
        assert_eq!(
            refusal("-S open -a always,task"),
            "Syscall auditing requested for task list"
        );
        assert_eq!(
            refusal("-a always,exit -k k"),
            "key option needs a watch or syscall given prior to it"
        );
    }

    #[test]
    fn settings_and_controls() {
        assert_eq!(
            compile("-e 1 -b 0x40 -r 10"),
            Ok(Compiled::Control(vec![
                Control::SetEnabled(1),
                Control::SetBacklogLimit(64),
                Control::SetRateLimit(10),
            ]))
        );
        assert_eq!(refusal("-f 3"), "Failure must be 0, 1, or 2 was 3");
        assert_eq!(refusal("-e x"), "Enable must be 0, 1, or 2 was x");
        assert_eq!(refusal("-r x"), "Rate must be a numeric value was x");
        assert_eq!(
            compile("-l -k k1"),
            Ok(Compiled::Control(vec![Control::List {
                key: Some(b"k1".to_vec()),
                interpret: false,
            }]))
        );
        assert_eq!(refusal("-l -k k1 -i"), "Only -k or -i options are allowed");
        assert_eq!(refusal("-s -l"), "Only -i option is allowed");
        // A setting before a rule is applied first; the rule follows.
        assert!(matches!(
            compile("-b 64 -a always,exit -S open"),
            Ok(Compiled::Mixed { .. })
        ));
    }

    #[test]
    fn keys_accumulate_into_the_last_field() {
        let Ok(Compiled::Rule { rule, .. }) = compile("-a always,exit -S open -k a -F key=b -k c")
        else {
            panic!("not a rule");
        };
        let last = rule.fields.last().unwrap();
        assert_eq!(
            last.value,
            crate::model::Value::Bytes(b"a\x01b\x01c".to_vec())
        );
        let long = format!(
            "-a always,exit -S open -k {}",
            "k".repeat(AUDIT_MAX_KEY_LEN + 1)
        );
        assert_eq!(refusal(&long), "key option exceeds size limit");
    }
}
