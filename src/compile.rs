//! Tokens to meaning: one auditctl line ([`crate::syntax::Opt`]s) to a
//! [`Compiled`] rule or control request.
//!
//! This reproduces the option state machine of auditctl and the rule building
//! of libaudit (reference 4.2.1): the order rules (list before `-F`, `arch`
//! before `-S`, keys last), field and list restrictions, value parsing with C
//! semantics, default masks, and the perm-driven syscall narrowing. A line the
//! reference accepts compiles to the rule the reference would send; a line it
//! rejects is rejected here with the reference's reason, plus a span.
//!
//! The first error on a line wins, as in auditctl, whose option loop stops at
//! the first failure.

// A diagnostic is a few hundred bytes and there is at most one per line, so
// returning it by value costs nothing worth an allocation.
#![allow(clippy::result_large_err)]

use crate::cnum;
use crate::diag::Diagnostic;
use crate::host::{feature, Host};
use crate::kernel_rules;
use crate::model::{
    field, perm, Action, Control, Field, FilterList, Operator, Rule, SyscallMask, Value,
};
use crate::model::{KEY_SEPARATOR, MAX_FIELDS, MAX_KEY_LEN};
use crate::syntax::{
    self, FieldExpr, Flag, Opt, OptKind, ParsedLine, RuleLetter, Span, ValueLetter, Word,
};
use crate::tables::{self, Machine};

/// What a rule line asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleOp {
    /// `-a`, `-w`: add at the end of the list.
    Append,
    /// `-A`: add at the head of the list.
    Prepend,
    /// `-d`, `-W`: delete the identical rule.
    Delete,
}

/// The meaning of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compiled {
    /// A blank or comment line.
    Nothing,
    /// A rule using the deprecated `possible` action: auditctl skips it
    /// without error.
    Deprecated,
    /// A rule to add or delete.
    Rule {
        /// Add, prepend or delete.
        op: RuleOp,
        /// The rule, exactly as it is to be sent.
        rule: Rule,
    },
    /// Control requests only.
    Control(Vec<Control>),
    /// Settings followed by a rule on the same line (`-b 64 -a ...`): the
    /// settings are applied first, as auditctl applies them while parsing.
    Mixed {
        /// The settings, in order.
        controls: Vec<Control>,
        /// Add, prepend or delete.
        op: RuleOp,
        /// The rule.
        rule: Rule,
    },
}

/// The hint on a rule that the kernel's own checks ([`kernel_rules`]) refuse.
pub const KERNEL_REFUSAL_HELP: &str =
    "auditctl would send this rule and the kernel would refuse it (EINVAL)";

/// `PATH_MAX`: the longest string value the kernel takes.
const PATH_MAX: usize = 4096;
/// `NAME_MAX`: the longest last component of a watched path.
const NAME_MAX: usize = 255;
/// auditctl keeps one field free (`AUDIT_MAX_FIELDS - 1`).
const FIELD_LIMIT: usize = MAX_FIELDS - 1;

/// Compiles one line of the rule language (a rules-file line, or a command
/// line joined with [`syntax::join_argv`]).
pub fn compile_line(text: &str, host: &Host) -> Result<Compiled, Diagnostic> {
    compile_line_with_warnings(text, host).0
}

/// [`compile_line`], plus the warnings auditctl prints for the line (32/64-bit
/// syscall mismatch, old-style watch, relative or wildcard watch paths).
pub fn compile_line_with_warnings(
    text: &str,
    host: &Host,
) -> (Result<Compiled, Diagnostic>, Vec<Diagnostic>) {
    compile_parsed(syntax::parse_line(text), host)
}

/// [`compile_line_with_warnings`] for a line given as bytes: keys, paths and
/// other string values keep bytes that are not UTF-8, as auditctl keeps them.
/// Diagnostics point into the line's [`syntax::shadow`].
pub fn compile_line_bytes_with_warnings(
    line: &[u8],
    host: &Host,
) -> (Result<Compiled, Diagnostic>, Vec<Diagnostic>) {
    compile_parsed(syntax::parse_line_bytes(line), host)
}

fn compile_parsed(
    parsed: Result<ParsedLine, syntax::SyntaxError>,
    host: &Host,
) -> (Result<Compiled, Diagnostic>, Vec<Diagnostic>) {
    match parsed {
        Err(e) => (Err(Diagnostic::error(e.span, e.message)), Vec::new()),
        Ok(ParsedLine::Blank) | Ok(ParsedLine::Comment) => (Ok(Compiled::Nothing), Vec::new()),
        Ok(ParsedLine::Options(opts)) => {
            let mut b = Builder::new(host);
            let result = b.run(&opts);
            (result, b.warnings)
        }
    }
}

fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
    let mut d = Diagnostic::error(span, message);
    d.severity = crate::diag::Severity::Warning;
    d
}

/// Compiles a command line given as arguments (without the program name).
pub fn compile_args<S: AsRef<str>>(args: &[S], host: &Host) -> Result<Compiled, Diagnostic> {
    compile_line(&syntax::join_argv(args), host)
}

type Step = Result<(), Diagnostic>;

fn err(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(span, message)
}

/// The list state auditctl keeps in its `add`/`del` variables: unset, a
/// known list, or a list word that did not resolve (reported as bad keyword).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListSlot {
    Unset,
    Set(u32),
}

/// The state of one line being compiled (auditctl's globals for one line).
struct Builder<'h> {
    host: &'h Host,
    add: ListSlot,
    prepend: bool,
    del: ListSlot,
    action: Option<u32>,
    multiple: u32,
    exclude: bool,
    rule: Rule,
    syscall_added: bool,
    perm_added: bool,
    exe_added: bool,
    filterfs_added: bool,
    /// The ELF audit arch that names syscalls (`_audit_elf`): set by
    /// `-F arch`, or by the first `-S` from the host machine.
    elf: Option<u32>,
    key: Vec<u8>,
    key_span: Span,
    /// Where each field of `rule.fields` was written, for kernel checks.
    field_spans: Vec<Span>,
    /// What auditctl says without failing (on stderr).
    warnings: Vec<Diagnostic>,
    controls: Vec<Control>,
    rule_requested: bool,
    deprecated: bool,
}

impl<'h> Builder<'h> {
    fn new(host: &'h Host) -> Builder<'h> {
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

    fn push_field(&mut self, f: Field, span: Span) {
        self.rule.fields.push(f);
        self.field_spans.push(span);
    }

    /// The list of the rule being built, if `-a`/`-A`/`-d`/`-w`/`-W` set one.
    fn list(&self) -> Option<u32> {
        match (self.add, self.del) {
            (ListSlot::Set(l), _) => Some(l),
            (_, ListSlot::Set(l)) => Some(l),
            _ => None,
        }
    }

    fn run(&mut self, opts: &[Opt]) -> Result<Compiled, Diagnostic> {
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
            ValueLetter::Enabled => match w.text.as_str() {
                "0" | "1" | "2" => Control::SetEnabled(cnum::ul32(&w.text)),
                _ => {
                    return Err(err(
                        w.span,
                        format!("Enable must be 0, 1, or 2 was {}", w.text),
                    ))
                }
            },
            ValueLetter::Failure => match w.text.as_str() {
                "0" | "1" | "2" => Control::SetFailure(cnum::ul32(&w.text)),
                _ => {
                    return Err(err(
                        w.span,
                        format!("Failure must be 0, 1, or 2 was {}", w.text),
                    ))
                }
            },
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

    fn syscall_option(&mut self, arg: &Result<Vec<Word>, Word>, span: Span) -> Step {
        let items = match arg {
            Ok(items) => items,
            Err(w) => return Err(err(w.span, format!("Syscall name unknown: {}", w.text))),
        };
        let whole: String = items
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let list = self.list();
        if list == Some(FilterList::IoUring.number()) {
            if items.is_empty() {
                return Err(err(span, format!("io_uring op unknown: {whole}")));
            }
            for item in items {
                if !self.add_uring_op(&item.text) {
                    return Err(err(item.span, format!("io_uring op unknown: {whole}")));
                }
            }
            self.syscall_added = true;
            self.rule_requested |= list.is_some();
            return Ok(());
        }
        let refuse = |what: &str| err(span, what.to_string());
        match list.map(FilterList::from_number) {
            Some(FilterList::Task) => {
                return Err(refuse("Error: syscall auditing being added to task list"))
            }
            Some(FilterList::User) => {
                return Err(refuse("Error: syscall auditing being added to user list"))
            }
            Some(FilterList::Filesystem) => {
                return Err(refuse(
                    "Error: syscall auditing being added to filesystem list",
                ))
            }
            _ if self.exclude => {
                return Err(refuse(
                    "Error: syscall auditing cannot be put on exclude list",
                ))
            }
            _ => {}
        }
        let unknown_arch = self.elf.is_none();
        if unknown_arch {
            self.elf = tables::machine_audit_arch(self.host.machine);
        }
        // `-S ,` (only separators): strtok finds no item, so auditctl adds
        // no syscall and still counts -S as given.
        for item in items {
            if !self.add_syscall(&item.text) {
                let machine = self
                    .machine()
                    .map(tables::machine_name)
                    .unwrap_or("this machine");
                return Err(
                    err(item.span, format!("Syscall name unknown: {}", item.text))
                        .with_help(format!("not in the {machine} syscall table")),
                );
            }
        }
        self.syscall_added = true;
        if unknown_arch && self.add != ListSlot::Unset {
            self.check_mismatch(items, span);
        }
        Ok(())
    }

    /// auditctl's `check_rule_mismatch`: without an arch, on a 64-bit machine
    /// with a 32-bit ABI, warn when the names mean other syscalls there.
    fn check_mismatch(&mut self, items: &[Word], span: Span) {
        let m32 = match self.host.machine {
            Machine::X86_64 => Machine::X86,
            Machine::Ppc64 => Machine::Ppc,
            Machine::S390x => Machine::S390,
            _ => return,
        };
        let mut other = SyscallMask::EMPTY;
        for item in items {
            if item.text == "all" {
                other = SyscallMask::ALL;
                continue;
            }
            let nr = tables::syscall_by_name(m32, &item.text)
                .map(|n| n as i64)
                .or_else(|| {
                    cnum::starts_with_digit(&item.text).then(|| cnum::strtol(&item.text, 0).value)
                });
            if let Some(n) = nr.filter(|n| (0..2048).contains(n)) {
                other.set(n as u32);
            }
        }
        if other != self.rule.mask {
            self.warnings.push(warning(
                span,
                "WARNING - 32/64 bit syscall mismatch, you should specify an arch",
            ));
        }
    }

    /// The machine whose syscall table names syscalls now.
    fn machine(&self) -> Option<Machine> {
        match self.elf {
            Some(elf) => tables::machine_by_audit_arch(elf),
            None => Some(self.host.machine),
        }
    }

    /// libaudit's `audit_rule_syscallbyname_data`.
    fn add_syscall(&mut self, name: &str) -> bool {
        if name == "all" {
            self.rule.mask = SyscallMask::ALL;
            return true;
        }
        let Some(machine) = self.machine() else {
            return false;
        };
        let nr = tables::syscall_by_name(machine, name)
            .map(|n| n as i64)
            .or_else(|| cnum::starts_with_digit(name).then(|| cnum::strtol(name, 0).value));
        match nr {
            Some(n) if (0..2048).contains(&n) => self.rule.mask.set(n as u32),
            _ => false,
        }
    }

    /// libaudit's `audit_rule_io_uringbyname_data`.
    fn add_uring_op(&mut self, name: &str) -> bool {
        if name == "all" {
            if self.host.extended {
                for op in tables::URING_OPS_AUDITED {
                    self.rule.mask.set(*op);
                }
                return true;
            }
            for op in 0..tables::IO_URING_OP_LAST_REFERENCE {
                if tables::syscall_name(Machine::IoUring, op).is_some() {
                    self.rule.mask.set(op);
                }
            }
            return true;
        }
        let by_name = if self.host.extended {
            tables::uring_op_by_name_kernel(name)
        } else {
            tables::syscall_by_name(Machine::IoUring, name)
        };
        let nr = by_name
            .map(|n| n as i64)
            .or_else(|| cnum::starts_with_digit(name).then(|| cnum::strtol(name, 0).value));
        match nr {
            Some(n) if (0..2048).contains(&n) => self.rule.mask.set(n as u32),
            _ => false,
        }
    }

    fn field_option(&mut self, expr: &FieldExpr, span: Span) -> Step {
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
    fn add_field_pair(&mut self, whole: &Word, list: u32) -> Step {
        let text = whole.text.as_str();
        let base = whole.span.start;
        let at = |from: usize, to: usize| Span {
            start: base + from.min(text.len()),
            end: base + to.min(text.len()),
        };
        if self.rule.fields.len() >= FIELD_LIMIT {
            return Err(
                err(whole.span, format!("Too many fields in rule: {text}")).with_help(format!(
                    "a rule holds at most {FIELD_LIMIT} fields, the key included"
                )),
            );
        }
        // auditctl searches the whole text for each operator in priority
        // order and splits at the first one it finds.
        let Some((op, pos, op_len)) = Operator::SEARCH_ORDER.iter().find_map(|op| {
            let sym = op.symbol().unwrap_or("");
            text.find(sym).map(|p| (*op, p, sym.len()))
        }) else {
            return Err(err(whole.span, format!("-F missing operation for {text}"))
                .with_help("write NAME=VALUE, or use one of != > < >= <= & &="));
        };
        let name = &text[..pos];
        let value = &text[pos + op_len..];
        let name_span = at(0, pos);
        let value_span = at(pos + op_len, text.len());
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
        let exit_only = |what: &str| {
            err(
                name_span,
                format!("{what} can only be used with exit filter list"),
            )
        };
        let eq_only = |what: &str| err(whole.span, format!("{what} only takes = or != operators"));
        let exit = FilterList::Exit.number();
        if list == FilterList::Filesystem.number() && self.host.features & feature::FILTER_FS == 0 {
            return Err(err(
                name_span,
                format!("{name} filter is not supported by the kernel"),
            ));
        }
        let value_of = |v: u32| Value::Num(v);
        let val: Value = match number {
            field::UID
            | field::EUID
            | field::SUID
            | field::FSUID
            | field::LOGINUID
            | field::OBJ_UID => {
                if let Some(v) = id_number(value) {
                    value_of(v)
                } else {
                    match self.host.uid(value) {
                        Some(u) => value_of(u),
                        None => {
                            return Err(err(value_span, format!("Unknown user: {value}"))
                                .with_help(
                                "the name is looked up on this machine when the rule is compiled",
                            ))
                        }
                    }
                }
            }
            field::GID | field::EGID | field::SGID | field::FSGID | field::OBJ_GID => {
                if cnum::starts_with_digit(value) {
                    value_of(cnum::l32(value))
                } else {
                    match self.host.gid(value) {
                        Some(g) => value_of(g),
                        None => {
                            return Err(err(value_span, format!("Unknown group: {value}"))
                                .with_help(
                                "the name is looked up on this machine when the rule is compiled",
                            ))
                        }
                    }
                }
            }
            field::EXIT => {
                if list != exit {
                    return Err(exit_only(name));
                }
                if cnum::starts_with_digit(value) || cnum::is_negative_number(value) {
                    value_of(cnum::l32(value))
                } else {
                    let (sign, bare) = match value.strip_prefix('-') {
                        Some(b) => (-1i32, b),
                        None => (1, value),
                    };
                    match tables::errno_by_name(bare) {
                        Some(e) if e != 0 => value_of((e * sign) as u32),
                        _ => return Err(err(value_span, format!("-F unknown errno - {name}"))),
                    }
                }
            }
            field::MSGTYPE => {
                if list != FilterList::Exclude.number() && list != FilterList::User.number() {
                    return Err(err(
                        name_span,
                        "msgtype field can only be used with exclude or user filter list",
                    ));
                }
                if cnum::starts_with_digit(value) {
                    value_of(cnum::l32(value))
                } else if let Some(t) = tables::msgtype_by_name(value) {
                    value_of(t.number)
                } else if let Some((_, n)) = tables::GHAK90_MSGTYPES
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(value))
                {
                    value_of(*n)
                } else if let Some(n) = unknown_msgtype(value) {
                    value_of(n)
                } else {
                    return Err(err(value_span, format!("-F unknown message type - {name}")));
                }
            }
            field::OBJ_USER..=field::OBJ_LEV_HIGH
            | field::WATCH
            | field::DIR
            | field::SUBJ_USER..=field::SUBJ_CLR
            | field::FILTERKEY
            | field::EXE => {
                if matches!(
                    number,
                    field::OBJ_USER..=field::OBJ_LEV_HIGH | field::WATCH | field::DIR
                ) {
                    if list != exit {
                        return Err(exit_only(name));
                    }
                    if number == field::WATCH || number == field::DIR {
                        self.perm_added = true;
                    }
                }
                if number == field::EXE {
                    if self.host.features & feature::EXECUTABLE_PATH == 0 {
                        return Err(err(
                            name_span,
                            format!("Field option not supported by kernel: {text}"),
                        ));
                    }
                    if !op.is_equality() {
                        return Err(eq_only(name));
                    }
                    self.exe_added = true;
                }
                if number == field::FILTERKEY
                    && !(self.syscall_added
                        || self.perm_added
                        || self.exe_added
                        || self.filterfs_added)
                {
                    return Err(key_dependency(whole.span));
                }
                let limit = if number == field::FILTERKEY {
                    MAX_KEY_LEN
                } else {
                    PATH_MAX
                };
                if value.len() > limit {
                    return Err(err(value_span, "String value too long")
                        .with_help(format!("{} bytes; at most {limit}", value.len())));
                }
                // The value's bytes as written: `text` and `whole.bytes()` are
                // the same length (see `syntax::Word`).
                Value::Bytes(whole.bytes()[pos + op_len..].to_vec())
            }
            field::ARCH => {
                if self.syscall_added {
                    return Err(
                        err(name_span, format!("{name} must be before -S")).with_help(
                            "-S names syscalls in the arch's table, so the arch must come first",
                        ),
                    );
                }
                if !op.is_equality() {
                    return Err(eq_only(name));
                }
                let elf = if cnum::starts_with_digit(value) {
                    let p = cnum::strtoul(value, 0);
                    let elf = p.value as u32;
                    if p.overflow || tables::machine_by_audit_arch(elf).is_none() {
                        return Err(elf_unknown(name, value_span));
                    }
                    elf
                } else {
                    match determine_machine(value, self.host.machine)
                        .and_then(tables::machine_audit_arch)
                    {
                        Some(elf) => elf,
                        None => return Err(elf_unknown(name, value_span)),
                    }
                };
                self.elf = Some(elf);
                value_of(elf)
            }
            field::PERM => {
                if list != exit && list != FilterList::Exclude.number() {
                    return Err(exit_only(name));
                }
                if op != Operator::Equal {
                    return Err(err(whole.span, format!("{name} only takes = operator")));
                }
                if value.len() > 4 {
                    return Err(err(value_span, "String value too long")
                        .with_help("perm takes at most 4 letters"));
                }
                let mut bits = 0;
                for (i, c) in value.chars().enumerate() {
                    let bit = match c.to_ascii_lowercase() {
                        'r' => perm::READ,
                        'w' => perm::WRITE,
                        'x' => perm::EXEC,
                        'a' => perm::ATTR,
                        _ => {
                            return Err(err(
                                at(pos + op_len + i, pos + op_len + i + 1),
                                "Permission can only contain  'rwxa'",
                            ))
                        }
                    };
                    bits |= bit;
                    if !self.add_perm_syscalls(bit) {
                        return Err(err(value_span, "Error adding syscalls for perm filtering"));
                    }
                }
                self.perm_added = true;
                value_of(bits)
            }
            field::FILETYPE => {
                if list != exit {
                    return Err(exit_only(name));
                }
                match tables::filetype_by_name(value) {
                    Some(t) => value_of(t),
                    None => {
                        return Err(err(value_span, format!("-F unknown file type - {name}"))
                            .with_help("use socket, link, file, block, dir, character or fifo"))
                    }
                }
            }
            field::FSTYPE => {
                if list != FilterList::Filesystem.number() {
                    return Err(err(
                        name_span,
                        format!("{name} field is not valid for the filter"),
                    ));
                }
                if !op.is_equality() {
                    return Err(eq_only(name));
                }
                let v = if cnum::starts_with_digit(value) {
                    cnum::ul32(value)
                } else {
                    tables::fstype_by_name(value).unwrap_or(u32::MAX)
                };
                if v == u32::MAX {
                    return Err(err(
                        value_span,
                        format!("file system type is unknown for field: {name}"),
                    ));
                }
                self.filterfs_added = true;
                value_of(v)
            }
            field::ARG0..=field::ARG3 => {
                if cnum::starts_with_digit(value) {
                    value_of(cnum::ul32(value))
                } else if cnum::is_negative_number(value) {
                    value_of(cnum::l32(value))
                } else {
                    return Err(err(
                        value_span,
                        format!("-F value should be number for {name}"),
                    ));
                }
            }
            field::SESSIONID => {
                if self.host.features & feature::SESSIONID_FILTER == 0 {
                    return Err(err(
                        name_span,
                        format!("Field option not supported by kernel: {text}"),
                    ));
                }
                if list != exit
                    && list != FilterList::Exclude.number()
                    && list != FilterList::User.number()
                {
                    return Err(err(
                        name_span,
                        format!("{name} must be used with exclude, user, or exit filter"),
                    ));
                }
                // auditctl silently stores 0 for any other text.
                value_of(id_number(value).unwrap_or(0))
            }
            field::SADDR_FAM => {
                let v = cnum::ul32(value);
                if v >= tables::AF_MAX {
                    return Err(
                        err(value_span, format!("value is too large for field: {name}"))
                            .with_help(format!("address families are below {}", tables::AF_MAX)),
                    );
                }
                value_of(v)
            }
            field::CONTID => {
                if list != exit
                    && list != FilterList::Exclude.number()
                    && list != FilterList::User.number()
                {
                    return Err(err(
                        name_span,
                        format!("{name} must be used with exclude, user, or exit filter"),
                    ));
                }
                if !op.is_equality() {
                    return Err(eq_only(name));
                }
                let id = if value == "unset" {
                    u64::MAX
                } else if cnum::starts_with_digit(value) {
                    let p = cnum::strtoul(value, 0);
                    if p.overflow {
                        return Err(err(
                            value_span,
                            format!("-F value should be number for {name}"),
                        ));
                    }
                    p.value
                } else if cnum::is_negative_number(value) {
                    cnum::strtol(value, 0).value as u64
                } else {
                    return Err(err(
                        value_span,
                        format!("-F value should be number for {name}"),
                    ));
                };
                Value::Bytes(id.to_ne_bytes().to_vec())
            }
            _ => {
                if matches!(number, field::DEVMAJOR..=field::INODE | field::SUCCESS) && list != exit
                {
                    return Err(exit_only(name));
                }
                if number == field::INODE && !op.is_equality() {
                    return Err(eq_only(name));
                }
                if number == field::PPID && list != exit {
                    return Err(exit_only(name));
                }
                if !cnum::starts_with_digit(value) {
                    return Err(err(
                        value_span,
                        format!("-F value should be number for {name}"),
                    ));
                }
                if number == field::INODE {
                    value_of(cnum::ul32(value))
                } else {
                    value_of(cnum::l32(value))
                }
            }
        };
        self.push_field(
            Field {
                number,
                op,
                value: val,
            },
            whole.span,
        );
        self.rule_requested = true;
        Ok(())
    }

    /// libaudit's `audit_add_perm_syscalls`: with an arch known, a perm field
    /// also selects the syscalls that can exercise that permission.
    fn add_perm_syscalls(&mut self, bit: u32) -> bool {
        let Some(machine) = self.elf.and_then(tables::machine_by_audit_arch) else {
            return true;
        };
        let all = tables::perm_syscalls(bit);
        let supported: Vec<&str> = all
            .iter()
            .copied()
            .filter(|s| tables::syscall_by_name(machine, s).is_some())
            .collect();
        let names = if supported.is_empty() {
            all.to_vec()
        } else {
            supported
        };
        for name in names {
            if !self.add_syscall(name) {
                return false;
            }
        }
        self.syscall_added = true;
        true
    }

    fn compare_option(&mut self, arg: &Result<syntax::CompareExpr, Word>, span: Span) -> Step {
        let list = self.list();
        let expr = match arg {
            Ok(e) => e,
            Err(w) => {
                return Err(err(
                    w.span,
                    format!("-C missing field name before operator for {}", w.text),
                ))
            }
        };
        if self.rule.fields.len() >= FIELD_LIMIT {
            return Err(err(
                span,
                format!("Too many fields in rule: {}", expr.whole.text),
            ));
        }
        // The grammar already split at `!=` before `=`, as auditctl does.
        let Some((op, _)) = expr.op else {
            return Err(err(
                expr.whole.span,
                format!("{} only takes = or != operators", expr.whole.text),
            ));
        };
        let left = &expr.left;
        if left.text.is_empty() {
            return Err(err(
                expr.whole.span,
                format!(
                    "-C missing field name before operator for {}",
                    expr.whole.text
                ),
            ));
        }
        let Some(right) = expr.right.as_ref().filter(|r| !r.text.is_empty()) else {
            return Err(err(
                expr.whole.span,
                format!("-C missing value after operation for {}", left.text),
            ));
        };
        let Some(f1) = tables::field_by_name(&left.text) else {
            return Err(err(left.span, format!("-C unknown field: {}", left.text)));
        };
        let Some(f2) = tables::field_by_name(&right.text) else {
            return Err(err(
                right.span,
                format!(
                    "-C unknown right hand value for comparison with: {}",
                    right.text
                ),
            ));
        };
        if list != Some(FilterList::Exit.number()) {
            return Err(err(
                span,
                format!("{} can only be used with exit filter list", left.text),
            ));
        }
        let Some(code) = tables::compare_code(f1, f2) else {
            return Err(err(
                expr.whole.span,
                format!("-C incompatible comparison {}", left.text),
            )
            .with_help(
                "compare uid-type fields with each other, or gid-type fields with each other",
            ));
        };
        self.push_field(Field::num(field::FIELD_COMPARE, op, code), expr.whole.span);
        self.rule_requested = true;
        Ok(())
    }

    fn watch_option(&mut self, path: &Word, span: Span, remove: bool) -> Step {
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

    fn perm_option(&mut self, arg: &Result<Word, Word>, span: Span) -> Step {
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
            bits |= match c.to_ascii_lowercase() {
                'r' => perm::READ,
                'w' => perm::WRITE,
                'x' => perm::EXEC,
                _ => perm::ATTR,
            };
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
    fn append_key(&mut self, key: &[u8], span: Span) -> Step {
        let sep = usize::from(!self.key.is_empty());
        if key.len() + self.key.len() + sep > MAX_KEY_LEN {
            return Err(err(span, "key option exceeds size limit").with_help(format!(
                "all keys of a rule together, with one separator byte between keys, may be at most {MAX_KEY_LEN} bytes"
            )));
        }
        if key.contains(&KEY_SEPARATOR) {
            return Err(err(
                span,
                format!("key {} has illegal character", syntax::shadow(key)),
            ));
        }
        if !self.key.is_empty() {
            self.key.push(KEY_SEPARATOR);
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

/// How auditctl reads a uid-like number (uid fields, auid, sessionid):
/// digits with `strtoul`, `-N` with `strtol`, or `unset` for 4294967295.
fn id_number(value: &str) -> Option<u32> {
    if cnum::starts_with_digit(value) {
        Some(cnum::ul32(value))
    } else if cnum::is_negative_number(value) {
        Some(cnum::l32(value))
    } else if value == "unset" {
        Some(u32::MAX)
    } else {
        None
    }
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

fn elf_unknown(name: &str, span: Span) -> Diagnostic {
    err(span, format!("{name} elf mapping not found")).with_help(
        "use b32, b64, a machine name (x86_64, i386, aarch64, arm, ppc64, ppc64le, ppc, s390x, s390, \
         riscv64, riscv32) or an AUDIT_ARCH number",
    )
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

/// `UNKNOWN[1425]`, the reference's spelling of a type it has no name for.
fn unknown_msgtype(s: &str) -> Option<u32> {
    let digits = s.strip_prefix("UNKNOWN[")?.strip_suffix(']')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// libaudit's `audit_determine_machine` for a non-numeric arch value.
fn determine_machine(arch: &str, host: Machine) -> Option<Machine> {
    #[derive(PartialEq)]
    enum Bits {
        Any,
        B32,
        B64,
    }
    let (machine, bits) = if arch.eq_ignore_ascii_case("b64") {
        (host, Bits::B64)
    } else if arch.eq_ignore_ascii_case("b32") {
        (host, Bits::B32)
    } else {
        let m = tables::machine_by_name(arch).or_else(|| {
            let p = cnum::strtoul(arch, 16);
            if p.overflow {
                None
            } else {
                tables::machine_by_audit_arch(p.value as u32)
            }
        })?;
        (m, Bits::Any)
    };
    let machine = if bits == Bits::B32 {
        match machine {
            Machine::X86_64 => Machine::X86,
            Machine::Ppc64 => Machine::Ppc,
            Machine::S390x => Machine::S390,
            Machine::Aarch64 => Machine::Arm,
            Machine::Riscv64 => Machine::Riscv32,
            m => m,
        }
    } else {
        machine
    };
    let ok = match machine {
        Machine::X86 | Machine::Ppc | Machine::S390 | Machine::Arm | Machine::Riscv32 => {
            bits != Bits::B64
        }
        Machine::Aarch64 | Machine::Ppc64le | Machine::Loongarch64 => bits != Bits::B32,
        Machine::X86_64 | Machine::Ppc64 | Machine::S390x | Machine::Riscv64 | Machine::IoUring => {
            true
        }
    };
    ok.then_some(machine)
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
