//! Rules files: text to compiled lines, each with its origin.
//!
//! Lines are split at `\n` only, as auditctl's `fgets` splits them, so a CR
//! from a CRLF file stays in the line (and auditctl would put it in a key;
//! kaudit does the same, for identical kernel rules, and warns).
//!
//! Every line is compiled before anything is sent, and every error of every
//! file is collected, so that bad input is reported whole and changes nothing.

use crate::compile::{compile_line_bytes_with_warnings, Compiled};
use crate::diag::{Diagnostic, Severity};
use crate::filevercmp::filevercmp;
use crate::host::Host;
use crate::syntax::Span;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

mod read;
pub use read::{
    directory_problems, file_problems, merge_problems, read_rules_file, read_rules_file_stat,
    read_trusted, ReadError, Trust, LIMIT_TEXT, MAX_FILE_BYTES, READ_TRIES,
};

/// Where a line came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file's name as given.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
}

/// One meaningful line of a rules file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where it came from.
    pub origin: Origin,
    /// The line's text (its [`crate::syntax::shadow`] if it is not UTF-8).
    pub text: String,
    /// What it means.
    pub compiled: Compiled,
}

/// kaudit's own warning for a CRLF line (auditctl has none).
pub const CRLF_WARNING: &str =
    "line ends with a carriage return, which becomes part of its last word";

/// auditctl reads lines into a 6144-byte buffer; longer lines are split.
pub const MAX_LINE: usize = 6143;

/// Compiles a whole rules file. Returns the meaningful lines (blank lines,
/// comments and `possible` rules are dropped) and the diagnostics, errors and
/// warnings, in line order.
pub fn compile_text(
    file: &str,
    text: impl AsRef<[u8]>,
    host: &Host,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let text = text.as_ref();
    let mut lines: Vec<&[u8]> = text.split(|c| *c == b'\n').collect();
    if text.ends_with(b"\n") {
        lines.pop();
    }
    // Lines compile independently, so large files are split between the
    // machine's cores; results are joined back in line order.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if lines.len() < 512 || threads < 2 {
        return compile_lines(file, &lines, 0, host);
    }
    let chunk = lines.len().div_ceil(threads);
    let parts: Vec<(Vec<Entry>, Vec<Diagnostic>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .enumerate()
            .map(|(i, part)| scope.spawn(move || compile_lines(file, part, i * chunk, host)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut entries = Vec::with_capacity(lines.len());
    let mut diags = Vec::new();
    for (e, d) in parts {
        entries.extend(e);
        diags.extend(d);
    }
    (entries, diags)
}

/// Compiles `lines`, the first of which is line `offset + 1` of `file`.
fn compile_lines(
    file: &str,
    lines: &[&[u8]],
    offset: usize,
    host: &Host,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    for (i, bytes) in lines.iter().enumerate() {
        let number = offset + i + 1;
        let shadow;
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => line,
            Err(_) => {
                shadow = crate::syntax::shadow(bytes);
                &shadow
            }
        };
        if line.len() > MAX_LINE {
            diags.push(
                Diagnostic::error(
                    Span {
                        start: MAX_LINE,
                        end: line.len(),
                    },
                    format!(
                        "line is {} bytes long; auditctl reads at most {MAX_LINE}",
                        line.len()
                    ),
                )
                .at(Some(file), number, line),
            );
            continue;
        }
        if line.ends_with('\r') {
            let mut w = Diagnostic::error(
                Span {
                    start: line.len() - 1,
                    end: line.len(),
                },
                CRLF_WARNING,
            )
            .with_help("convert the file to Unix line endings");
            w.severity = Severity::Warning;
            diags.push(w.at(Some(file), number, line));
        }
        if let Some(d) = nul_error(line) {
            diags.push(d.at(Some(file), number, line));
            continue;
        }
        let (result, warnings) = compile_line_bytes_with_warnings(bytes, host);
        diags.extend(warnings.into_iter().map(|w| w.at(Some(file), number, line)));
        match result {
            Ok(Compiled::Nothing) | Ok(Compiled::Deprecated) => {}
            Ok(compiled) => entries.push(Entry {
                origin: Origin {
                    file: file.to_string(),
                    line: number,
                },
                text: line.to_string(),
                compiled,
            }),
            Err(d) => diags.push(d.at(Some(file), number, line)),
        }
    }
    (entries, diags)
}

/// The names of a directory's rules files: those ending in `.rules`, not
/// dotfiles, in the order augenrules reads them (GNU version order,
/// [`filevercmp`]: `2-x` before `10-x`). Names are bytes: one that is not
/// UTF-8 is a file like any other.
pub fn rules_file_names(dir: &Path) -> std::io::Result<Vec<OsString>> {
    let mut names: Vec<OsString> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.as_bytes().ends_with(b".rules") && !n.as_bytes().starts_with(b"."))
        .collect();
    names.sort_by(|a, b| filevercmp(a.as_bytes(), b.as_bytes()));
    Ok(names)
}

/// The lines `kaudit load` refuses: queries and actions that are not rules
/// or settings (`-l`, `-s`, `-m`, `--signal`, `-v`, `-h`, `-R`). auditctl
/// runs them from a file; a load must not send a message, signal auditd or
/// throw a listing away. The `auditctl` personality runs them.
pub fn load_problems(entries: &[Entry]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in entries {
        let controls = match &e.compiled {
            Compiled::Control(c) | Compiled::Mixed { controls: c, .. } => c.as_slice(),
            _ => continue,
        };
        for c in controls.iter().filter(|c| !c.is_loadable()) {
            out.push(
                Diagnostic::error(
                    Span {
                        start: 0,
                        end: e.text.len(),
                    },
                    format!(
                        "{} would {}; kaudit load takes rules and settings only",
                        c.auditctl_text(),
                        c.describe()
                    ),
                )
                .with_help("run it with `kaudit auditctl`, or remove the line")
                .at(Some(&e.origin.file), e.origin.line, &e.text),
            );
        }
    }
    out
}

/// A NUL byte cannot be part of a rule: the kernel keeps a string (a key, a
/// path) only up to it, so the rule it stores is not the rule sent, and a
/// sync could never converge. Refused wherever it is, with its column.
fn nul_error(line: &str) -> Option<Diagnostic> {
    let at = line.find('\0')?;
    Some(Diagnostic::error(
        Span {
            start: at,
            end: at + 1,
        },
        "a NUL byte in a rules line (the kernel would cut the word there)",
    ))
}

/// Reads and compiles rules files. An unreadable file is a diagnostic too.
/// No trust check: see [`compile_files_trusted`].
pub fn compile_files<P: AsRef<std::path::Path>>(
    paths: &[P],
    host: &Host,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    for path in paths {
        let (path, name) = (path.as_ref(), path.as_ref().to_string_lossy());
        match read_rules_file(path) {
            Ok(bytes) => {
                let (e, d) = compile_text(&name, &bytes, host);
                entries.extend(e);
                diags.extend(d);
            }
            Err(why) => diags.push(Diagnostic::whole_file(Some(&name), why.to_string())),
        }
    }
    (entries, diags)
}

/// [`compile_files`], each file read once with its trust checked on what
/// was opened ([`read_trusted`]): the entries, the diagnostics of reading
/// and compiling, and the trust problems (each once). Under
/// [`Trust::Refuse`], a file with a trust problem is not compiled.
pub fn compile_files_trusted<P: AsRef<std::path::Path>>(
    paths: &[P],
    host: &Host,
    trust: Trust,
) -> (Vec<Entry>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    let mut problems: Vec<Diagnostic> = Vec::new();
    for path in paths {
        let (path, name) = (path.as_ref(), path.as_ref().to_string_lossy());
        match read_trusted(path, trust) {
            Ok((bytes, found)) => {
                let refused = trust == Trust::Refuse && !found.is_empty();
                problems = merge_problems(problems, found);
                if refused {
                    continue;
                }
                let (e, d) = compile_text(&name, &bytes, host);
                entries.extend(e);
                diags.extend(d);
            }
            Err(why) => diags.push(Diagnostic::whole_file(Some(&name), why.to_string())),
        }
    }
    (entries, diags, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Machine;

    fn host() -> Host {
        Host::fixed(Machine::X86_64, &[], &[], &[])
    }

    #[test]
    fn every_error_is_collected_with_its_line() {
        let text = "# c\n\n-a always,exit -F arch=b64 -S open -k a\n-a always,exit -F bogus=1\n-w relative\n";
        let (entries, diags) = compile_text("t.rules", text, &host());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].origin.line, 3);
        let lines: Vec<usize> = diags.iter().map(|d| d.line).collect();
        assert_eq!(lines, [4, 5]);
        assert_eq!(
            diags[0].headline(),
            "t.rules:4:19: error: -F unknown field: bogus"
        );
    }

    #[test]
    fn crlf_is_kept_and_warned_about() {
        let (entries, diags) = compile_text(
            "t.rules",
            "-a always,exit -F arch=b64 -S open -k crlf\r\n",
            &host(),
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].severity, Severity::Warning);
        match &entries[0].compiled {
            Compiled::Rule { rule, .. } => assert_eq!(rule.key_bytes(), Some(&b"crlf\r"[..])),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn large_files_keep_line_order_and_numbers() {
        let mut text = String::new();
        for i in 0..2000 {
            if i == 1234 {
                text.push_str("-a always,exit -F bogus=1\n");
            } else {
                text.push_str(&format!("-a always,exit -F arch=b64 -S openat -k k{i}\n"));
            }
        }
        let (entries, diags) = compile_text("big", &text, &host());
        assert_eq!(entries.len(), 1999);
        assert!(entries
            .windows(2)
            .all(|w| w[0].origin.line < w[1].origin.line));
        assert_eq!(entries[1234].origin.line, 1236);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 1235);
    }

    #[test]
    fn bytes_that_are_not_utf8_reach_the_rule() {
        let (entries, diags) = compile_text(
            "t.rules",
            b"-a always,exit -F arch=b64 -S openat -F path=/tmp/\xff -k caf\xe9\n-F bogus\xe9=1\n",
            &host(),
        );
        match &entries[0].compiled {
            Compiled::Rule { rule, .. } => {
                assert_eq!(rule.key_bytes(), Some(&b"caf\xe9"[..]));
                assert!(rule
                    .fields
                    .iter()
                    .any(|f| f.value == crate::model::Value::Bytes(b"/tmp/\xff".to_vec())));
            }
            other => panic!("{other:?}"),
        }
        // Diagnostics show such a line with `?` for each byte, columns intact.
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags[0].headline(),
            "t.rules:2:1: error: List must be given before field"
        );
    }

    #[test]
    fn last_line_without_newline_counts() {
        let (entries, _) = compile_text("t", "-a always,exit -S open", &host());
        assert_eq!(entries.len(), 1);
    }
}
