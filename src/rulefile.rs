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
use crate::model::{MaskPool, Value};
use crate::syntax::Span;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

mod read;
pub use read::{
    directory_problems, file_problems, merge_problems, read_rules_file, read_rules_file_stat,
    read_trusted, ReadError, Trust, LIMIT_TEXT, MAX_FILE_BYTES, READ_TRIES,
};

/// Where a line came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file's name as given (shared by every line of the file).
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: usize,
}

/// One meaningful line of a rules file.
///
/// Identical lines of a file share their text and meaning (an 8 MiB file
/// can hold 2.8 million `-D` lines), so an entry is 48 bytes of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Where it came from.
    pub origin: Origin,
    /// The line's text (its [`crate::syntax::shadow`] if it is not UTF-8).
    pub text: Arc<str>,
    /// What it means.
    pub compiled: Arc<Compiled>,
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
    compile_text_with(file, text.as_ref(), host, true)
}

/// [`compile_text`]; with `notes` false, notes (auditctl's "Old style watch
/// rules are slower", one for every `-w` line) are left out.
fn compile_text_with(
    file: &str,
    text: &[u8],
    host: &Host,
    notes: bool,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let file: Arc<str> = Arc::from(file);
    let newlines = text.iter().filter(|c| **c == b'\n').count();
    let lines = newlines + usize::from(!text.is_empty() && !text.ends_with(b"\n"));
    // Lines compile independently, so large files are split between the
    // machine's cores, a few thousand lines a piece, and joined back in line
    // order as each round of pieces is done: only the pieces in flight are
    // held twice. The entries' room is taken once (pages never written cost
    // nothing, whatever the share of blank lines).
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = lines.div_ceil(threads).clamp(512, 16384);
    let mut pieces = Pieces {
        text,
        at: 0,
        line: 0,
        lines: chunk,
    };
    let mut entries = Vec::with_capacity(lines);
    let mut diags = Vec::new();
    loop {
        let round: Vec<(usize, &[u8])> = pieces.by_ref().take(threads).collect();
        let parts: Vec<(Vec<Entry>, Vec<Diagnostic>)> = match round.as_slice() {
            [] => break,
            [(offset, part)] => vec![compile_lines(&file, part, *offset, host, notes)],
            _ => std::thread::scope(|scope| {
                let handles: Vec<_> = round
                    .iter()
                    .map(|(offset, part)| {
                        let file = &file;
                        scope.spawn(move || compile_lines(file, part, *offset, host, notes))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            }),
        };
        for (e, d) in parts {
            entries.extend(e);
            diags.extend(d);
        }
    }
    (entries, diags)
}

/// A text cut into pieces of `lines` whole lines: (lines before the piece,
/// its bytes, each line with its `\n`).
struct Pieces<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
    lines: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<(usize, &'a [u8])> {
        let rest = &self.text[self.at..];
        if rest.is_empty() {
            return None;
        }
        let mut end = 0;
        let mut n = 0;
        while n < self.lines && end < rest.len() {
            end = rest[end..]
                .iter()
                .position(|c| *c == b'\n')
                .map_or(rest.len(), |i| end + i + 1);
            n += 1;
        }
        let first = self.line;
        self.at += end;
        self.line += n;
        Some((first, &rest[..end]))
    }
}

/// What one line's bytes compile to, kept for the identical lines after it.
type Meaning = (
    Arc<str>,
    Result<Arc<Compiled>, Box<Diagnostic>>,
    Vec<Diagnostic>,
);

/// Compiles the lines of `piece` (each ending in `\n`, the last perhaps
/// not), the first of which is line `offset + 1` of `file`. A line the piece
/// already had is not compiled again: its entry shares the first one's text
/// and meaning.
fn compile_lines(
    file: &Arc<str>,
    piece: &[u8],
    offset: usize,
    host: &Host,
    notes: bool,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let piece = piece.strip_suffix(b"\n").unwrap_or(piece);
    let mut entries = Vec::with_capacity(piece.iter().filter(|c| **c == b'\n').count() + 1);
    let mut diags = Vec::new();
    let mut seen: std::collections::HashMap<&[u8], Meaning> = std::collections::HashMap::new();
    let mut masks = MaskPool::default();
    for (i, bytes) in piece.split(|c| *c == b'\n').enumerate() {
        let number = offset + i + 1;
        let shadow;
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => line,
            Err(_) => {
                shadow = crate::syntax::shadow(bytes);
                &shadow
            }
        };
        let at = |d: Diagnostic| d.at(Some(file), number, line);
        if line.len() > MAX_LINE {
            diags.push(at(Diagnostic::error(
                Span {
                    start: MAX_LINE,
                    end: line.len(),
                },
                format!(
                    "line is {} bytes long; auditctl reads at most {MAX_LINE}",
                    line.len()
                ),
            )));
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
            diags.push(at(w));
        }
        if let Some(d) = nul_error(line) {
            diags.push(at(d));
            continue;
        }
        let (text, result, warnings) = seen.entry(bytes).or_insert_with(|| {
            let (result, warnings) = compile_line_bytes_with_warnings(bytes, host);
            let result = result.map_err(Box::new).map(|mut c| {
                compact(&mut c, &mut masks);
                Arc::new(c)
            });
            (Arc::from(line), result, warnings)
        });
        diags.extend(
            warnings
                .iter()
                .filter(|w| notes || w.severity != Severity::Note)
                .cloned()
                .map(at),
        );
        match result {
            Ok(c) if matches!(**c, Compiled::Nothing | Compiled::Deprecated) => {}
            Ok(compiled) => entries.push(Entry {
                origin: Origin {
                    file: file.clone(),
                    line: number,
                },
                text: text.clone(),
                compiled: compiled.clone(),
            }),
            Err(d) => diags.push(at((**d).clone())),
        }
    }
    (entries, diags)
}

/// Makes a line's meaning small to keep: its syscall mask shared with the
/// equal masks of the piece, its fields and their bytes without spare room.
/// Lines are kept until the whole set is checked, so this is what bounds
/// the memory of 700,000 distinct short rules.
fn compact(c: &mut Compiled, masks: &mut MaskPool) {
    let rule = match c {
        Compiled::Rule { rule, .. } | Compiled::Mixed { rule, .. } => rule,
        _ => return,
    };
    masks.share(&mut rule.mask);
    for f in &mut rule.fields {
        if let Value::Bytes(b) = &mut f.value {
            b.shrink_to_fit();
        }
    }
    rule.fields.shrink_to_fit();
    rule.trailing.shrink_to_fit();
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
        let controls = match &*e.compiled {
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

/// Compiles one file's bytes (without notes) onto `entries` and `diags`.
/// The bytes are dropped before the entries are joined, and the first
/// file's entries are moved rather than copied: large files are the case
/// this path is sized for.
fn compile_into(
    entries: &mut Vec<Entry>,
    diags: &mut Vec<Diagnostic>,
    name: &str,
    bytes: Vec<u8>,
    host: &Host,
) {
    let (e, d) = compile_text_with(name, &bytes, host, false);
    drop(bytes);
    if entries.is_empty() {
        *entries = e;
    } else {
        entries.extend(e);
    }
    diags.extend(d);
}

/// Reads and compiles rules files. An unreadable file is a diagnostic too.
/// No trust check: see [`compile_files_trusted`].
/// Notes are left out: the commands that read files show errors and
/// warnings only (the `auditctl` personality, which prints auditctl's notes,
/// uses [`compile_text`]).
pub fn compile_files<P: AsRef<std::path::Path>>(
    paths: &[P],
    host: &Host,
) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diags = Vec::new();
    for path in paths {
        let (path, name) = (path.as_ref(), path.as_ref().to_string_lossy());
        match read_rules_file(path) {
            Ok(bytes) => compile_into(&mut entries, &mut diags, &name, bytes, host),
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
                compile_into(&mut entries, &mut diags, &name, bytes, host);
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
        match &*entries[0].compiled {
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
    fn identical_lines_share_their_text_and_meaning() {
        // 40,000 lines: several rounds of pieces; the last line has no
        // newline, and an error sits right after a piece boundary.
        let mut text = String::new();
        for i in 0..40_000 {
            text.push_str(match i {
                16_384 => "-a always,exit -F bogus=1\n",
                i if i % 2 == 0 => "-D\n",
                _ => "-w /etc/passwd -p wa -k p\n",
            });
        }
        text.push_str("-b 100");
        let (entries, diags) = compile_text("big", &text, &host());
        assert_eq!(entries.len(), 40_000);
        assert_eq!(entries[39_999].origin.line, 40_001);
        assert_eq!(entries[16_384].origin.line, 16_386);
        let errors: Vec<usize> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.line)
            .collect();
        assert_eq!(errors, [16_385]);
        // One text, one meaning and one file name for each distinct line
        // of a piece: an entry costs 48 bytes of its own.
        assert!(Arc::ptr_eq(&entries[0].compiled, &entries[2].compiled));
        assert!(Arc::ptr_eq(&entries[1].text, &entries[3].text));
        assert!(Arc::ptr_eq(
            &entries[0].origin.file,
            &entries[39_999].origin.file
        ));
        assert_eq!(std::mem::size_of::<Entry>(), 48);
        assert_eq!(&*entries[1].text, "-w /etc/passwd -p wa -k p");
    }

    #[test]
    fn distinct_rules_share_their_masks_and_keep_no_spare_room() {
        // 8 MiB of distinct short rules is 700,000 of them, all kept while
        // the set is checked: each must cost a few hundred bytes, not the
        // 256 bytes of a mask of its own and a field list with spare room.
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!(
                "-a always,exit -F arch=b64 -S openat -F auid={i} -k k{i}\n-w /x{i}\n"
            ));
        }
        let (entries, diags) = compile_text("big", &text, &host());
        assert!(diags.iter().all(|d| d.severity == Severity::Note));
        assert_eq!(entries.len(), 6000);
        assert!(std::mem::size_of::<crate::model::SyscallMask>() <= 16);
        fn rule(e: &Entry) -> &crate::model::Rule {
            match &*e.compiled {
                Compiled::Rule { rule, .. } => rule,
                other => panic!("{other:?}"),
            }
        }
        let (first, later) = (rule(&entries[0]), rule(&entries[2]));
        assert_ne!(first, later);
        assert!(first.mask.same_words(&later.mask), "one mask for the piece");
        assert_eq!(rule(&entries[1]).mask, crate::model::SyscallMask::ALL);
        for e in &entries {
            let r = rule(e);
            assert_eq!(
                r.fields.capacity(),
                r.fields.len(),
                "line {}",
                e.origin.line
            );
            for f in &r.fields {
                if let Value::Bytes(b) = &f.value {
                    assert_eq!(b.capacity(), b.len());
                }
            }
        }
    }

    #[test]
    fn notes_are_kept_for_auditctl_and_left_out_for_files() {
        let text = "-w /etc/passwd -p wa -k p\n-w /etc/shadow -p wa -k s\n";
        let notes = |d: &[Diagnostic]| d.iter().filter(|d| d.severity == Severity::Note).count();
        assert_eq!(notes(&compile_text("t.rules", text, &host()).1), 2);
        let dir = std::env::temp_dir().join(format!("kaudit-notes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("t.rules");
        std::fs::write(&f, text).unwrap();
        let (entries, diags) = compile_files(&[&f], &host());
        assert_eq!((entries.len(), notes(&diags)), (2, 0));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bytes_that_are_not_utf8_reach_the_rule() {
        let (entries, diags) = compile_text(
            "t.rules",
            b"-a always,exit -F arch=b64 -S openat -F path=/tmp/\xff -k caf\xe9\n-F bogus\xe9=1\n",
            &host(),
        );
        match &*entries[0].compiled {
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
