//! Diagnostics: what went wrong, where (file, line, column, span) and, where
//! it helps, what to do about it.
//!
//! The layers below produce plain data; rendering is here. One line per
//! error, `FILE:LINE:COL: error: MESSAGE`, greppable in CI logs, followed by
//! the source line and a caret under the span when the source is known.

use crate::syntax::Span;
use std::fmt;

/// How bad it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The line is rejected; nothing of it reaches the kernel.
    Error,
    /// The line is accepted but probably not what was meant.
    Warning,
    /// Information auditctl prints about an accepted line (for example that
    /// old-style watches are slower); the native commands do not show it.
    Note,
}

/// One diagnostic about one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, when the line came from one.
    pub file: Option<String>,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters) of the start of `span`.
    pub column: usize,
    /// The bytes of the line the message is about.
    pub span: Span,
    /// One sentence: what is wrong. Uses auditctl's wording where auditctl
    /// has one, so that people and scripts that know it recognise it.
    pub message: String,
    /// An optional hint.
    pub help: Option<String>,
    /// The source line, for the caret display.
    pub source: Option<String>,
}

impl Diagnostic {
    /// An error at `span` of line 1 of an unnamed text.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: None,
            line: 1,
            column: 1,
            span,
            message: message.into(),
            help: None,
            source: None,
        }
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Places the diagnostic in a file's line, computing the column.
    pub fn at(mut self, file: Option<&str>, line: usize, source: &str) -> Diagnostic {
        self.file = file.map(str::to_string);
        self.line = line;
        let start = self.span.start.min(source.len());
        self.column = source
            .get(..start)
            .map(|s| s.chars().count())
            .unwrap_or(start)
            + 1;
        self.source = Some(source.to_string());
        self
    }

    /// The one-line form: `FILE:LINE:COL: error: MESSAGE`.
    pub fn headline(&self) -> String {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        match &self.file {
            Some(f) => format!(
                "{f}:{}:{}: {kind}: {}",
                self.line, self.column, self.message
            ),
            None => format!("{}:{}: {kind}: {}", self.line, self.column, self.message),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        if let Some(src) = &self.source {
            let shown: String = src
                .chars()
                .map(|c| if c == '\t' { ' ' } else { c })
                .collect();
            writeln!(f, "  | {shown}")?;
            let width = src
                .get(self.span.start.min(src.len())..self.span.end.min(src.len()))
                .map(|s| s.chars().count())
                .unwrap_or(0)
                .max(1);
            writeln!(
                f,
                "  | {}{}",
                " ".repeat(self.column - 1),
                "^".repeat(width)
            )?;
        }
        if let Some(h) = &self.help {
            writeln!(f, "  = help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
