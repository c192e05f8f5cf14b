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
    /// 1-based line number; 0 when the diagnostic is about a whole file (it
    /// cannot be read) and has no position.
    pub line: usize,
    /// 1-based column (in characters) of the start of `span`; 0 with no
    /// position.
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

    /// An error about a whole file or directory (it cannot be read, it is
    /// not a regular file, anyone may write it): `PATH: error: MESSAGE`,
    /// with no line or column. With no path: `error: MESSAGE`.
    pub fn whole_file(path: Option<&str>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: path.map(str::to_string),
            line: 0,
            column: 0,
            ..Diagnostic::error(Span::default(), message)
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
        match (&self.file, self.line) {
            (Some(f), 0) => format!("{f}: {kind}: {}", self.message),
            (None, 0) => format!("{kind}: {}", self.message),
            (Some(f), _) => format!(
                "{f}:{}:{}: {kind}: {}",
                self.line, self.column, self.message
            ),
            (None, _) => format!("{}:{}: {kind}: {}", self.line, self.column, self.message),
        }
    }
}

/// How many characters of a source line are echoed under a headline: a
/// 50 MB line must not become a 100 MB message.
pub const SHOWN_WIDTH: usize = 100;

/// The part of `src` to echo for a span of `start..end` characters, and the
/// caret line under it, both at most [`SHOWN_WIDTH`] characters (plus the
/// `...` marks where the line was cut). Tabs show as spaces.
fn excerpt(src: &str, start: usize, end: usize) -> (String, String) {
    // Tabs show as spaces, a NUL as the visible ␀: one column each, so the
    // carets stay under their span.
    let chars: Vec<char> = src
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            '\0' => '\u{2400}',
            c => c,
        })
        .collect();
    let start = start.min(chars.len());
    let end = end.clamp(start + 1, chars.len().max(start + 1));
    // Keep some context before the span; cut long spans at the window's end.
    let from = if chars.len() <= SHOWN_WIDTH {
        0
    } else {
        start
            .saturating_sub(SHOWN_WIDTH / 4)
            .min(chars.len() - SHOWN_WIDTH)
    };
    let to = (from + SHOWN_WIDTH).min(chars.len());
    let mut shown = String::new();
    if from > 0 {
        shown.push_str("...");
    }
    shown.extend(&chars[from..to]);
    if to < chars.len() {
        shown.push_str("...");
    }
    let lead = if from > 0 { 3 } else { 0 };
    let caret_start = start - from;
    let caret_end = end.min(to.max(start + 1)) - from;
    let carets = format!(
        "{}{}",
        " ".repeat(lead + caret_start),
        "^".repeat((caret_end - caret_start).max(1))
    );
    (shown, carets)
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        if let Some(src) = &self.source {
            let start = self.column.saturating_sub(1);
            let width = src
                .get(self.span.start.min(src.len())..self.span.end.min(src.len()))
                .map(|s| s.chars().count())
                .unwrap_or(0)
                .max(1);
            let (shown, carets) = excerpt(src, start, start + width);
            writeln!(f, "  | {shown}")?;
            writeln!(f, "  | {carets}")?;
        }
        if let Some(h) = &self.help {
            writeln!(f, "  = help: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("-a always,exit -k {}", "x".repeat(50_000_000 / 1000));
        let d = Diagnostic::error(
            Span {
                start: 18,
                end: line.len(),
            },
            "too long",
        )
        .at(Some("f"), 1, &line);
        let text = d.to_string();
        assert!(text.len() < 400, "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            format!("  | -a always,exit -k {}...", "x".repeat(82))
        );
        assert_eq!(
            lines[2],
            format!("  | {}{}", " ".repeat(18), "^".repeat(82))
        );
    }

    #[test]
    fn a_span_far_along_a_long_line_keeps_its_context() {
        let line = format!("{} -F bogus=1", "-F uid=0 ".repeat(100));
        let d = Diagnostic::error(
            Span {
                start: 904,
                end: 909,
            },
            "unknown field",
        )
        .at(Some("f"), 3, &line);
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let caret = lines[2].find('^').unwrap();
        assert_eq!(&lines[1][caret..caret + 5], "bogus");
        assert!(lines[1].starts_with("  | ...") && lines[1].len() <= 4 + 3 + SHOWN_WIDTH + 3);
    }

    #[test]
    fn whole_file_errors_have_no_position() {
        let d = Diagnostic::whole_file(Some("/x/y.rules"), "cannot read: Permission denied");
        assert_eq!(
            d.to_string(),
            "/x/y.rules: error: cannot read: Permission denied\n"
        );
    }
}
