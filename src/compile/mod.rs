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
//! All of it is written by hand, to match libaudit byte for byte: what a line
//! means is defined only by the reference's C code (which words it takes, in
//! which order, how `strtoul` reads a number, which field numbers and masks
//! it writes, and its exact refusal text), so no crate can do this job. The
//! golden replay (`tests/suite/golden.rs`) and the live conformance test hold it to
//! the reference's bytes.
//!
//! The first error on a line wins, as in auditctl, whose option loop stops at
//! the first failure.
//!
//! The modules, one job each:
//! - `options`: auditctl's option loop, the state of one line (list, action,
//!   what has been added so far), the rule options (`-a`, `-A`, `-d`), the
//!   settings, the controls, and the key (`-k`);
//! - `watch`: the old-style watch (`-w`, `-W`, `-p`);
//! - `syscalls`: the syscall mask (`-S`, io_uring ops, the syscalls a `perm`
//!   field implies, the 32/64-bit mismatch warning);
//! - `field`: libaudit's `audit_rule_fieldpair_data` for `-F` (and the key,
//!   which auditctl sends through it), split at the operator as auditctl
//!   splits it, then by kind of field: ids, numbers, strings, arch, perm,
//!   message types, exit codes, file and file system types, and the `-C`
//!   comparison.

// A diagnostic is a few hundred bytes and there is at most one per line, so
// returning it by value costs nothing worth an allocation.
#![allow(clippy::result_large_err)]

mod field;
mod options;
mod syscalls;
mod watch;

use crate::diag::Diagnostic;
use crate::host::Host;
use crate::model::{Control, Rule};
use crate::syntax::{self, ParsedLine, Span};
use crate::uapi::AUDIT_MAX_FIELDS;
use options::Builder;

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

/// The hint on a rule that the kernel's own checks ([`crate::kernel_rules`]) refuse.
pub const KERNEL_REFUSAL_HELP: &str =
    "auditctl would send this rule and the kernel would refuse it (EINVAL)";

/// auditctl keeps one field free (`AUDIT_MAX_FIELDS - 1`).
const FIELD_LIMIT: usize = AUDIT_MAX_FIELDS - 1;

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
