//! `kaudit lint`: what is wrong with a rule set as a whole, before it reaches
//! a kernel. Nothing here talks to a kernel.
//!
//! The files are read and compiled by the same path `load` and `sync` use
//! (`sync::rule_files` for the natural order of a rules.d directory,
//! `rulefile::compile_files` for the lines), so every compile error kaudit
//! reports elsewhere is a finding here too. The checks, one family a file:
//!
//! - [`order`]: duplicates, deletes, `-e 2` before rules, `-D` and settings
//!   after rules, settings given twice;
//! - [`reach`]: rules an earlier rule of the same list always decides for
//!   (the kernel's first match wins), keys never recorded, `never` rules
//!   after the `always` rules they were meant to exclude, rules that match
//!   nothing (built on [`conditions`]);
//! - [`arch`]: `b64` rules without their `b32` twin, syscalls other
//!   machines lack;
//! - [`numbers`]: numbers the kernel gets other than as written (past 32
//!   bits, text read as 0);
//! - [`notes`]: rules without keys, watches of missing directories, rules
//!   that audit every syscall.
//!
//! [`output`] renders findings as text (with carets), JSON and SARIF 2.1.0.

pub mod arch;
pub mod conditions;
pub mod index;
pub mod notes;
pub mod numbers;
pub mod order;
pub mod output;
pub mod reach;

use crate::compile::{Compiled, RuleOp};
use crate::diag::{Diagnostic, Severity};
use crate::exit;
use crate::host::Host;
use crate::model::{FilterList, Rule};
use crate::rulefile::Entry;
use crate::syntax::{self, OptKind, ParsedLine, Span};
use crate::tables::Machine;
use std::collections::{BTreeMap, HashMap};

/// A kind of finding: a stable code, a name, a default severity and what it
/// means. Codes never change meaning; new checks get new codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// A line that is not in the rule language.
    SyntaxError,
    /// A file or directory that cannot be read.
    UnreadableInput,
    /// A line kaudit's compiler rejects.
    CompileError,
    /// A rule the kernel would refuse (EINVAL).
    KernelRefuses,
    /// The same rule twice: the kernel refuses the second (EEXIST).
    DuplicateRule,
    /// `-e 2` before rules or settings, which the locked kernel refuses.
    LockBeforeRules,
    /// A warning of the compiler (CRLF, 32/64-bit mismatch, relative watch).
    CompileWarning,
    /// An earlier rule of the same list matches every event this one does.
    UnreachableRule,
    /// A number the kernel gets other than as written (past 32 bits, or
    /// text read as 0).
    NumberWraps,
    /// A rule whose conditions contradict each other.
    NeverMatches,
    /// An earlier rule decides some of this rule's events, with another key.
    KeyShadowed,
    /// A `never` rule after an `always` rule that decides some of its events.
    NeverAfterAlways,
    /// A user or exclude rule with a field that stops the kernel's filter.
    FieldStopsFilter,
    /// A `b64` syscall rule without a `b32` twin.
    MissingB32Twin,
    /// A syscall another target machine does not have.
    SyscallMissingOnArch,
    /// `-F arch=b32` on a machine without a 32-bit ABI.
    ArchMissing,
    /// `-D` after rules.
    DeleteAllAfterRules,
    /// `-b`, `-f` or `--backlog_wait_time` after rules.
    SettingAfterRules,
    /// A setting given again with another value.
    SettingOverridden,
    /// `-d`/`-W` of a rule no earlier line adds.
    DeleteMissing,
    /// A rules file or directory someone other than root could change.
    UntrustedFile,
    /// A rule without a key.
    MissingKey,
    /// A watch whose directory does not exist on this machine.
    WatchDirMissing,
    /// An exit rule that audits every syscall of every process.
    AuditEverything,
}

impl Code {
    /// Every code, in code order.
    pub const ALL: [Code; 24] = [
        Code::SyntaxError,
        Code::UnreadableInput,
        Code::CompileError,
        Code::KernelRefuses,
        Code::DuplicateRule,
        Code::LockBeforeRules,
        Code::UnreachableRule,
        Code::NeverMatches,
        Code::CompileWarning,
        Code::NumberWraps,
        Code::KeyShadowed,
        Code::NeverAfterAlways,
        Code::FieldStopsFilter,
        Code::MissingB32Twin,
        Code::SyscallMissingOnArch,
        Code::ArchMissing,
        Code::DeleteAllAfterRules,
        Code::SettingAfterRules,
        Code::SettingOverridden,
        Code::DeleteMissing,
        Code::UntrustedFile,
        Code::MissingKey,
        Code::WatchDirMissing,
        Code::AuditEverything,
    ];

    /// (id, name, severity, description).
    fn info(self) -> (&'static str, &'static str, Severity, &'static str) {
        use Severity::*;
        match self {
            Code::SyntaxError => ("KL001", "syntax-error", Error, "A line that is not in the auditctl rule language."),
            Code::UnreadableInput => ("KL002", "unreadable-input", Error, "A path that cannot be read: missing, not a regular file, refused."),
            Code::CompileError => ("KL100", "compile-error", Error, "A line kaudit (and auditctl) rejects: unknown field, bad value, option order."),
            Code::KernelRefuses => ("KL101", "kernel-refuses", Error, "A rule auditctl would send and the kernel would refuse with EINVAL."),
            Code::DuplicateRule => ("KL102", "duplicate-rule", Error, "The same rule twice: the kernel refuses the second copy, and auditctl -R stops there."),
            Code::LockBeforeRules => ("KL103", "lock-before-rules", Error, "-e 2 locks the configuration; every rule and setting after it is refused."),
            Code::UnreachableRule => ("KL110", "unreachable-rule", Error, "An earlier rule of the same list matches every event this rule matches, so this rule never decides (the first match wins)."),
            Code::NeverMatches => ("KL111", "never-matches", Error, "The rule's conditions contradict each other: it matches no event."),
            Code::CompileWarning => ("KL200", "compile-warning", Warning, "A line kaudit accepts but that is probably not what was meant."),
            Code::NumberWraps => ("KL201", "number-wraps", Warning, "A number that does not fit in 32 bits (or text a number field reads as 0): auditctl and kaudit store it cut to 32 bits without a word, so the kernel gets another value than the one written."),
            Code::KeyShadowed => ("KL210", "key-shadowed", Warning, "An earlier always rule with another key matches some of this rule's events first, so they are recorded without this rule's key."),
            Code::NeverAfterAlways => ("KL211", "never-after-always", Warning, "A never rule after an always rule that matches some of its events first: those events are still recorded."),
            Code::FieldStopsFilter => ("KL212", "field-stops-filter", Warning, "A user or exclude rule with a field the kernel's audit_filter does not evaluate: when the fields before it match, the filter stops there, undecided, and later rules are not tried."),
            Code::MissingB32Twin => ("KL220", "missing-b32-twin", Warning, "A -F arch=b64 syscall rule without a matching b32 rule: 32-bit programs make the same calls unaudited."),
            Code::SyscallMissingOnArch => ("KL221", "syscall-missing-on-arch", Warning, "A syscall name another target machine lacks: the line fails to load there."),
            Code::ArchMissing => ("KL222", "arch-missing", Warning, "-F arch=b32 on a target machine without a 32-bit ABI: the line fails to load there."),
            Code::DeleteAllAfterRules => ("KL230", "delete-all-after-rules", Warning, "-D after rules: loaded with auditctl -R it deletes the rules before it."),
            Code::SettingAfterRules => ("KL231", "setting-after-rules", Warning, "-b, -f or --backlog_wait_time after rules: the rules before it load under the old setting."),
            Code::SettingOverridden => ("KL232", "setting-overridden", Warning, "A setting given again with another value: the last one wins."),
            Code::DeleteMissing => ("KL233", "delete-missing", Warning, "-d or -W of a rule that no earlier line adds: the kernel answers ENOENT."),
            Code::UntrustedFile => ("KL234", "untrusted-file", Warning, "A rules file or directory that someone other than root could change (world-writable, or not owned by root): kaudit load and sync refuse it."),
            Code::MissingKey => ("KL300", "missing-key", Note, "An always rule without a key (-k): its records cannot be searched by key, and many benchmarks require keys."),
            Code::WatchDirMissing => ("KL301", "watch-dir-missing", Note, "A watch whose directory does not exist on this machine: the kernel refuses it at load."),
            Code::AuditEverything => ("KL302", "audit-everything", Note, "An exit rule with -S all and no condition: every syscall of every process is audited."),
        }
    }

    /// The stable code, `KL` and three digits.
    pub fn id(self) -> &'static str {
        self.info().0
    }

    /// The stable name.
    pub fn name(self) -> &'static str {
        self.info().1
    }

    /// The severity of every finding of this code.
    pub fn severity(self) -> Severity {
        self.info().2
    }

    /// What the code means, in one sentence.
    pub fn description(self) -> &'static str {
        self.info().3
    }
}

/// Another place a finding refers to (the earlier rule that hides this one,
/// the first copy of a duplicate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is there.
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What kind.
    pub code: Code,
    /// The file (empty for a path that is not a file).
    pub file: String,
    /// 1-based line; 0 when the finding is about a whole file.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// 1-based column one past the span's end, in characters.
    pub end_column: usize,
    /// The byte span in the line.
    pub span: Span,
    /// The line, for the caret.
    pub source: Option<String>,
    /// One sentence.
    pub message: String,
    /// Places it refers to.
    pub related: Vec<Related>,
}

impl Finding {
    /// A finding at `span` of an entry's line.
    pub fn at(code: Code, entry: &Entry, span: Span, message: impl Into<String>) -> Finding {
        Finding::in_line(
            code,
            &entry.origin.file,
            entry.origin.line,
            &entry.text,
            span,
            message,
        )
    }

    /// A finding at `span` of line `line` (text `source`) of `file`.
    pub fn in_line(
        code: Code,
        file: &str,
        line: usize,
        source: &str,
        span: Span,
        message: impl Into<String>,
    ) -> Finding {
        let cols = |b: usize| {
            let b = b.min(source.len());
            source.get(..b).map_or(b, |s| s.chars().count()) + 1
        };
        Finding {
            code,
            file: file.to_string(),
            line,
            column: cols(span.start),
            end_column: cols(span.end).max(cols(span.start) + 1),
            span,
            source: Some(source.to_string()),
            message: message.into(),
            related: Vec::new(),
        }
    }

    /// Adds a related place.
    pub fn with_related(mut self, entry: &Entry, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            file: entry.origin.file.to_string(),
            line: entry.origin.line,
            message: message.into(),
        });
        self
    }

    /// Its severity.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// The compiler-style rendering: headline, source, caret, related places.
    pub fn render(&self) -> String {
        let mut d = Diagnostic::error(self.span, format!("{} [{}]", self.message, self.code.id()));
        d.severity = self.severity();
        d.file = (!self.file.is_empty()).then(|| self.file.clone());
        d.line = self.line;
        d.column = self.column;
        d.source = self.source.clone();
        let mut out = d.to_string();
        for r in &self.related {
            out.push_str(&format!("  = {}:{}: {}\n", r.file, r.line, r.message));
        }
        out
    }
}

/// At most this many findings of one code are kept and shown; the rest are
/// only counted. A CI gate must stay bounded: an 8 MiB file of one rule
/// repeated has 1.4 million duplicates, and a report of them all would be
/// half a gigabyte of text.
pub const MAX_PER_CODE: usize = 10_000;

/// Findings as a check collects them: the first [`MAX_PER_CODE`] of each
/// code, and how many more of each there were.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    kept: Vec<Finding>,
    per_code: BTreeMap<Code, usize>,
    omitted: BTreeMap<Code, usize>,
}

impl Findings {
    /// Adds a finding, or counts it when its code has enough.
    pub fn push(&mut self, f: Finding) {
        let n = self.per_code.entry(f.code).or_insert(0);
        if *n < MAX_PER_CODE {
            *n += 1;
            self.kept.push(f);
        } else {
            *self.omitted.entry(f.code).or_insert(0) += 1;
        }
    }

    /// Adds another check's findings.
    pub fn extend(&mut self, other: Findings) {
        for f in other.kept {
            self.push(f);
        }
        for (c, n) in other.omitted {
            *self.omitted.entry(c).or_insert(0) += n;
        }
    }

    /// The kept findings.
    pub fn iter(&self) -> std::slice::Iter<'_, Finding> {
        self.kept.iter()
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The kept findings, and how many of each code were left out.
    pub fn into_parts(self) -> (Vec<Finding>, BTreeMap<Code, usize>) {
        (self.kept, self.omitted)
    }
}

/// The span of a line's text without leading blanks and a trailing CR.
pub fn line_span(text: &str) -> Span {
    let end = text.trim_end_matches(['\r', ' ', '\t']).len();
    let start = text.len() - text.trim_start_matches([' ', '\t']).len();
    Span {
        start: start.min(end),
        end,
    }
}

/// The span from the first to the last option of a line that `pick` selects,
/// or the whole line when none does.
pub fn option_span(text: &str, pick: impl Fn(&OptKind) -> bool) -> Span {
    if let Ok(ParsedLine::Options(opts)) = syntax::parse_line(text) {
        let spans: Vec<Span> = opts
            .iter()
            .filter(|o| pick(&o.kind))
            .map(|o| o.span)
            .collect();
        if let (Some(f), Some(l)) = (spans.first(), spans.last()) {
            return Span {
                start: f.start,
                end: l.end,
            };
        }
    }
    line_span(text)
}

/// A rule of the set, with the line it came from.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    /// The line.
    pub entry: &'a Entry,
    /// The rule.
    pub rule: &'a Rule,
}

impl Item<'_> {
    /// `file:line`.
    pub fn place(&self) -> String {
        format!("{}:{}", self.entry.origin.file, self.entry.origin.line)
    }
}

/// The rule and its operation on a line, if the line has one.
pub fn rule_of(e: &Entry) -> Option<(RuleOp, &Rule)> {
    match &*e.compiled {
        Compiled::Rule { op, rule } | Compiled::Mixed { op, rule, .. } => Some((*op, rule)),
        _ => None,
    }
}

/// A rule's identity as the kernel compares it (the stored rule bytes,
/// [`crate::stored_rule::stored_bytes`]), packed: each run of zero bytes
/// becomes a zero and the run's length (LEB128), each run of 0xff bytes
/// (a mask of every syscall) a 0xff and the run's length. The packing can
/// be undone, so two keys are equal exactly when the bytes are; a stored
/// rule is mostly zeros (a kilobyte of fixed arrays) and its mask mostly
/// zeros or ones, so the key is a few dozen bytes, held without spare room
/// (one for each rule of the set).
pub fn rule_key(rule: &Rule) -> Vec<u8> {
    let bytes = crate::stored_rule::stored_bytes(rule);
    let mut out = Vec::with_capacity(128);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != 0 && b != 0xff {
            out.push(b);
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b {
            i += 1;
        }
        out.push(b);
        let mut run = i - start;
        loop {
            let low = (run & 0x7f) as u8;
            run >>= 7;
            if run == 0 {
                out.push(low);
                break;
            }
            out.push(low | 0x80);
        }
    }
    out.shrink_to_fit();
    out
}

/// The filter lists as the kernel would hold them after loading the set in
/// order: `-A` at the head of its list, `-d`/`-W` removing the identical
/// rule, duplicates dropped (the kernel refuses them). `-D` does not empty
/// them: augenrules hoists it, and sync replaces the table.
pub fn lists<'a>(entries: &'a [Entry]) -> BTreeMap<FilterList, Vec<Item<'a>>> {
    // Per list: the rules by place (prepends get places below zero, appends
    // above), and the place of each rule by its stored bytes.
    type Places<'a> = (BTreeMap<i64, Item<'a>>, HashMap<Vec<u8>, i64>, i64, i64);
    let mut lists: BTreeMap<FilterList, Places<'a>> = BTreeMap::new();
    for e in entries {
        let Some((op, rule)) = rule_of(e) else {
            continue;
        };
        let key = rule_key(rule);
        let (order, at, head, tail) = lists.entry(rule.list).or_default();
        match (op, at.get(&key).copied()) {
            (RuleOp::Delete, Some(p)) => {
                order.remove(&p);
                at.remove(&key);
            }
            (RuleOp::Delete, None) | (_, Some(_)) => {}
            (RuleOp::Append, None) => {
                *tail += 1;
                order.insert(*tail, Item { entry: e, rule });
                at.insert(key, *tail);
            }
            (RuleOp::Prepend, None) => {
                *head -= 1;
                order.insert(*head, Item { entry: e, rule });
                at.insert(key, *head);
            }
        }
    }
    lists
        .into_iter()
        .map(|(l, (order, ..))| (l, order.into_values().collect()))
        .collect()
}

/// What lint was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// The machines to check for; the first compiles the set for every
    /// check, the others for the architecture checks. Empty: this machine.
    pub machines: Vec<Machine>,
}

/// The result of a lint run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The files read, in order.
    pub files: Vec<String>,
    /// How many rule lines compiled.
    pub rules: usize,
    /// The machines checked for.
    pub machines: Vec<Machine>,
    /// Every finding, by file and line (at most [`MAX_PER_CODE`] of a code).
    pub findings: Vec<Finding>,
    /// How many findings of each code were left out (beyond
    /// [`MAX_PER_CODE`]).
    pub omitted: BTreeMap<Code, usize>,
}

impl Report {
    /// Whether some input could not be read or parsed (exit 2).
    pub fn input_error(&self) -> bool {
        self.findings
            .iter()
            .any(|f| matches!(f.code, Code::SyntaxError | Code::UnreadableInput))
    }

    /// The exit code: [`exit::TROUBLE`] for unreadable or unparsable input,
    /// [`exit::FAILED`] when a finding is at or above `deny`, else
    /// [`exit::OK`].
    pub fn exit_code(&self, deny: Severity) -> u8 {
        if self.input_error() {
            exit::TROUBLE
        } else if self
            .findings
            .iter()
            .any(|f| rank(f.severity()) >= rank(deny))
        {
            exit::FAILED
        } else {
            exit::OK
        }
    }

    /// How many findings of each code (the ones left out included).
    pub fn counts(&self) -> BTreeMap<Code, usize> {
        let mut m = self.omitted.clone();
        for f in &self.findings {
            *m.entry(f.code).or_insert(0) += 1;
        }
        m
    }

    /// How many findings of a severity (the ones left out included).
    pub fn count(&self, s: Severity) -> usize {
        self.counts()
            .into_iter()
            .filter(|(c, _)| c.severity() == s)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Error 2, warning 1, note 0.
pub fn rank(s: Severity) -> u8 {
    match s {
        Severity::Error => 2,
        Severity::Warning => 1,
        Severity::Note => 0,
    }
}

/// The help text the compiler attaches to a rule the kernel would refuse.
fn is_kernel_refusal(d: &Diagnostic) -> bool {
    d.help.as_deref() == Some(crate::compile::KERNEL_REFUSAL_HELP)
}

/// Whether a line is outside the rule language's structure: the grammar
/// fails, or a word stands where no option takes it, or an option lacks its
/// argument.
fn unparsable(text: &str) -> bool {
    match syntax::parse_line(text) {
        Err(_) => true,
        Ok(ParsedLine::Options(opts)) => opts
            .iter()
            .any(|o| matches!(o.kind, OptKind::Stray(_) | OptKind::MissingArgument(_))),
        Ok(_) => false,
    }
}

/// Compiler diagnostics as findings. A diagnostic without a source line is
/// about a whole file (unreadable, not a regular file).
fn diag_findings(diags: &[Diagnostic]) -> Findings {
    let mut out = Findings::default();
    for d in diags {
        let file = d.file.clone().unwrap_or_default();
        let Some(src) = &d.source else {
            // Whole-file errors are unreadable input; whole-file warnings
            // are the trust checks.
            let code = match d.severity {
                Severity::Error => Code::UnreadableInput,
                _ => Code::UntrustedFile,
            };
            let message = match &d.help {
                Some(h) => format!("{} ({h})", d.message),
                None => d.message.clone(),
            };
            out.push(Finding {
                code,
                file,
                line: d.line,
                column: 1,
                end_column: 2,
                span: Span::default(),
                source: None,
                message,
                related: Vec::new(),
            });
            continue;
        };
        let code = match d.severity {
            Severity::Note => continue,
            Severity::Warning => Code::CompileWarning,
            Severity::Error if unparsable(src) => Code::SyntaxError,
            Severity::Error if is_kernel_refusal(d) => Code::KernelRefuses,
            Severity::Error => Code::CompileError,
        };
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message = format!("{message} ({h})");
        }
        out.push(Finding::in_line(code, &file, d.line, src, d.span, message));
    }
    out
}

/// Lints files and rules.d directories.
pub fn lint_paths(paths: &[String], host: &Host, opts: &Options) -> Report {
    let machines = if opts.machines.is_empty() {
        vec![host.machine]
    } else {
        opts.machines.clone()
    };
    let mut report = Report {
        machines: machines.clone(),
        ..Report::default()
    };
    let files = match crate::sync::rule_files(paths) {
        Ok(f) => f,
        Err(e) => {
            report.findings.push(Finding {
                code: Code::UnreadableInput,
                file: e.dir().to_string(),
                line: 0,
                column: 1,
                end_column: 2,
                span: Span::default(),
                source: None,
                message: e.to_string(),
                related: Vec::new(),
            });
            return report;
        }
    };
    let on = |m: Machine| {
        let mut h = host.clone();
        h.machine = m;
        h
    };
    let primary = on(machines[0]);
    let warn = crate::rulefile::Trust::Warn;
    let (entries, diags, trust) = crate::rulefile::compile_files_trusted(&files, &primary, warn);
    report.files = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    report.rules = entries.iter().filter(|e| rule_of(e).is_some()).count();
    let trust =
        crate::rulefile::merge_problems(crate::rulefile::directory_problems(paths, warn), trust);
    let mut findings = diag_findings(&trust);
    findings.extend(diag_findings(&diags));
    findings.extend(lint_entries(&entries, &primary));
    for m in &machines[1..] {
        let other = on(*m);
        findings.extend(arch::missing_on_machine(&entries, *m));
        let (e2, _) = crate::rulefile::compile_files(&files, &other);
        findings.extend(arch::missing_twins(&e2, *m));
    }
    let (mut findings, omitted) = findings.into_parts();
    // One finding per place and message (two machines can find the same).
    findings.sort_by(|a, b| {
        (file_rank(&report.files, &a.file), a.line, a.column, a.code).cmp(&(
            file_rank(&report.files, &b.file),
            b.line,
            b.column,
            b.code,
        ))
    });
    findings.dedup_by(|a, b| {
        a.code == b.code && a.file == b.file && a.line == b.line && a.message == b.message
    });
    report.findings = findings;
    report.omitted = omitted;
    report
}

fn file_rank(files: &[String], f: &str) -> usize {
    files.iter().position(|x| x == f).unwrap_or(usize::MAX)
}

/// Every check on compiled lines, for the machine `host` describes.
pub fn lint_entries(entries: &[Entry], host: &Host) -> Findings {
    let mut out = order::check(entries);
    let lists = lists(entries);
    out.extend(reach::check(&lists, host.machine));
    out.extend(arch::missing_twins_in(&lists, host.machine));
    out.extend(numbers::check(entries));
    out.extend(notes::check(entries, host));
    out
}

/// How `kaudit lint` prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style lines with carets, then a summary.
    Text,
    /// One JSON object.
    Json,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
}

/// A finding level for `--deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Every finding.
    Note,
}

impl Level {
    /// The severity.
    pub fn severity(self) -> Severity {
        match self {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Note => Severity::Note,
        }
    }
}

/// `kaudit lint`: the report in `format` and the exit code, or a usage
/// error (an unknown machine name).
pub fn run(
    paths: &[String],
    format: Format,
    deny: Level,
    machines: &[String],
    host: &Host,
) -> Result<(String, u8), crate::error::Error> {
    let mut list = Vec::new();
    for name in machines {
        let m = crate::tables::machine_by_name(name)
            .filter(|m| *m != Machine::IoUring)
            .ok_or_else(|| crate::error::Error::UnknownMachine(name.clone()))?;
        if !list.contains(&m) {
            list.push(m);
        }
    }
    let report = lint_paths(paths, host, &Options { machines: list });
    let text = match format {
        Format::Text => output::text(&report),
        Format::Json => output::json(&report),
        Format::Sarif => output::sarif(&report),
    };
    Ok((text, report.exit_code(deny.severity())))
}
