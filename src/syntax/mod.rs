//! Text to tokens: the pest grammar (`grammar/auditctl.pest`) and its
//! lowering into a flat list of [`Opt`]s with byte spans.
//!
//! This layer knows the *shape* of the auditctl language: which options exist,
//! which take arguments, how a `-F` expression splits. It knows nothing about
//! fields, lists or the kernel; [`crate::compile`] gives the options meaning.
//!
//! Spans are byte offsets into the text that was parsed. Command lines are
//! parsed as one text made by [`join_argv`], so errors on them can point into
//! the command line too.

use crate::model::Operator;
use pest::iterators::Pair;
use pest::Parser;

mod grammar {
    // The derive makes a public `Rule` enum whose variants are the grammar's
    // rules; they are documented in the grammar file, not here.
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/auditctl.pest"]
    pub(super) struct LineParser;
}
use grammar::{LineParser, Rule};

/// A byte range in the parsed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    fn of(p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        Span {
            start: s.start(),
            end: s.end(),
        }
    }
}

/// A word with escapes resolved (`\ ` → space, `\\` → backslash).
///
/// A line that is not UTF-8 is parsed as its [`shadow`], in which every byte
/// of an invalid sequence reads `?`; `text` is then the shadow's word and
/// `raw` the original bytes, byte for byte the same length, so positions in
/// `text` are positions in [`Word::bytes`] too.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Word {
    /// The unescaped text (with `?` for bytes that are not UTF-8).
    pub text: String,
    /// Where it is in the parsed text.
    pub span: Span,
    /// The unescaped original bytes, when they are not `text`'s.
    pub raw: Option<Vec<u8>>,
}

impl Word {
    fn of(p: &Pair<'_, Rule>) -> Word {
        Word {
            text: unescape(p.as_str()),
            span: Span::of(p),
            raw: None,
        }
    }

    /// A word made from bytes: `text` is their shadow.
    pub fn from_bytes(bytes: &[u8], span: Span) -> Word {
        let text = shadow(bytes);
        let raw = (text.as_bytes() != bytes).then(|| bytes.to_vec());
        Word { text, span, raw }
    }

    /// The word's bytes as written (what goes into a key or a path).
    pub fn bytes(&self) -> &[u8] {
        self.raw.as_deref().unwrap_or(self.text.as_bytes())
    }
}

/// `bytes` as UTF-8 text of the same length: every byte of an invalid
/// sequence becomes `?` (valid multi-byte characters are kept). The grammar
/// only gives meaning to ASCII, so the shadow parses as the bytes do.
pub fn shadow(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

/// [`unescape`] on bytes.
fn unescape_bytes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && matches!(raw.get(i + 1), Some(b' ' | b'\\')) {
            i += 1;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// Resolves a rules-file word's escapes: `\ ` is a space and `\\` a
/// backslash; any other backslash stays as it is.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&next @ (' ' | '\\')) = chars.peek() {
                out.push(next);
                chars.next();
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Escapes one argv element so that the grammar reads it back as one word.
fn escape(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    for c in arg.chars() {
        if c == ' ' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Joins command-line arguments into one line of the rule language. Empty
/// arguments cannot be written as a word and are dropped.
pub fn join_argv<S: AsRef<str>>(args: &[S]) -> String {
    args.iter()
        .map(|a| escape(a.as_ref()))
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`join_argv`] for arguments given as bytes (argv need not be UTF-8);
/// compile the result with [`crate::compile::compile_line_bytes_with_warnings`].
pub fn join_argv_bytes<S: AsRef<[u8]>>(args: &[S]) -> Vec<u8> {
    let mut out = Vec::new();
    for arg in args.iter().map(AsRef::as_ref).filter(|a| !a.is_empty()) {
        if !out.is_empty() {
            out.push(b' ');
        }
        for &c in arg {
            if c == b' ' || c == b'\\' {
                out.push(b'\\');
            }
            out.push(c);
        }
    }
    out
}

/// The first operand of `-a`/`-A`/`-d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLetter {
    /// `-a`: append.
    Append,
    /// `-A`: prepend.
    Prepend,
    /// `-d`: delete.
    Delete,
}

/// A numeric setting option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueLetter {
    /// `-e`
    Enabled,
    /// `-f`
    Failure,
    /// `-r`
    Rate,
    /// `-b`
    Backlog,
}

/// An option without an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// `-h`
    Help,
    /// `-i`
    Ignore,
    /// `-c`
    Continue,
    /// `-s`
    Status,
    /// `-l`
    List,
    /// `-D`
    DeleteAll,
    /// `-v`
    Version,
    /// `-t`
    Trim,
    /// `--loginuid-immutable`
    LoginuidImmutable,
    /// `--reset-lost`
    ResetLost,
    /// `--reset_backlog_wait_time_actual`
    ResetBacklogWaitTimeActual,
}

/// A `-F` expression as the grammar split it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldExpr {
    /// The whole argument.
    pub whole: Word,
    /// The field name (possibly empty).
    pub name: Word,
    /// The operator, if there was one.
    pub op: Option<(Operator, Span)>,
    /// The value, if there was one.
    pub value: Option<Word>,
}

/// A `-C` expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareExpr {
    /// The whole argument.
    pub whole: Word,
    /// Left field name.
    pub left: Word,
    /// `=` or `!=`, if present.
    pub op: Option<(Operator, Span)>,
    /// Right field name.
    pub right: Option<Word>,
}

/// What an option is, with its structured argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptKind {
    /// `-a`/`-A`/`-d` with two words (not yet known which is the list).
    Rule(RuleLetter, Result<(Word, Word), Word>),
    /// `-S` with its items, or the malformed argument.
    Syscall(Result<Vec<Word>, Word>),
    /// `-F`.
    Field(FieldExpr),
    /// `-C`, or the malformed argument.
    Compare(Result<CompareExpr, Word>),
    /// `-w PATH`.
    Watch(Word),
    /// `-W PATH`.
    Unwatch(Word),
    /// `-p PERMS`, or the malformed argument.
    Perm(Result<Word, Word>),
    /// `-k KEY`.
    Key(Word),
    /// `-e`/`-f`/`-r`/`-b N`.
    Value(ValueLetter, Word),
    /// `--backlog_wait_time N`.
    BacklogWaitTime(Word),
    /// `--signal SIG`.
    Signal(Word),
    /// `-m TEXT`.
    Message(Word),
    /// `-q MOUNT,SUBTREE`.
    Equiv(Word),
    /// `-R FILE`.
    Read(Word),
    /// An option without argument.
    Flag(Flag),
    /// An unknown option or stray word.
    Stray(Word),
    /// An option that takes an argument, at the end of the line without one.
    MissingArgument(String),
}

/// One option occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    /// What it is.
    pub kind: OptKind,
    /// The option and its argument.
    pub span: Span,
}

/// A parsed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParsedLine {
    /// Blank (spaces only).
    Blank,
    /// A comment line.
    Comment,
    /// Options.
    Options(Vec<Opt>),
}

/// A syntax error: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where the parser stopped.
    pub span: Span,
    /// What it expected there.
    pub message: String,
}

/// Parses one line of the rule language.
pub fn parse_line(text: &str) -> Result<ParsedLine, SyntaxError> {
    let mut pairs = LineParser::parse(Rule::line, text).map_err(|e| {
        let pos = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        SyntaxError {
            span: Span {
                start: pos,
                end: pos,
            },
            message: "this line is not in the auditctl rule language".to_string(),
        }
    })?;
    let line = pairs.next().into_iter().flat_map(|p| p.into_inner());
    for item in line {
        match item.as_rule() {
            Rule::comment => return Ok(ParsedLine::Comment),
            Rule::command => {
                return Ok(ParsedLine::Options(
                    item.into_inner().map(lower_option).collect(),
                ));
            }
            _ => {}
        }
    }
    Ok(ParsedLine::Blank)
}

/// Parses one line given as bytes. A line that is not UTF-8 is parsed as its
/// [`shadow`], and each word that covers an invalid byte gets its original
/// bytes back in [`Word::raw`].
pub fn parse_line_bytes(line: &[u8]) -> Result<ParsedLine, SyntaxError> {
    if let Ok(text) = std::str::from_utf8(line) {
        return parse_line(text);
    }
    let mut parsed = parse_line(&shadow(line))?;
    if let ParsedLine::Options(opts) = &mut parsed {
        for opt in opts {
            for word in opt.kind.words_mut() {
                let original = line.get(word.span.start..word.span.end).unwrap_or(&[]);
                if !original.is_ascii() && std::str::from_utf8(original).is_err() {
                    word.raw = Some(unescape_bytes(original));
                }
            }
        }
    }
    Ok(parsed)
}

impl OptKind {
    /// Every word of the option, for [`parse_line_bytes`].
    fn words_mut(&mut self) -> Vec<&mut Word> {
        match self {
            OptKind::Rule(_, Ok((a, b))) => vec![a, b],
            OptKind::Syscall(Ok(items)) => items.iter_mut().collect(),
            OptKind::Field(f) => {
                let mut v = vec![&mut f.whole, &mut f.name];
                v.extend(f.value.as_mut());
                v
            }
            OptKind::Compare(Ok(c)) => {
                let mut v = vec![&mut c.whole, &mut c.left];
                v.extend(c.right.as_mut());
                v
            }
            OptKind::Rule(_, Err(w))
            | OptKind::Syscall(Err(w))
            | OptKind::Compare(Err(w))
            | OptKind::Watch(w)
            | OptKind::Unwatch(w)
            | OptKind::Perm(Ok(w) | Err(w))
            | OptKind::Key(w)
            | OptKind::Value(_, w)
            | OptKind::BacklogWaitTime(w)
            | OptKind::Signal(w)
            | OptKind::Message(w)
            | OptKind::Equiv(w)
            | OptKind::Read(w)
            | OptKind::Stray(w) => vec![w],
            OptKind::Flag(_) | OptKind::MissingArgument(_) => Vec::new(),
        }
    }
}

fn operator(p: &Pair<'_, Rule>) -> (Operator, Span) {
    let op = match p.as_str() {
        "!=" => Operator::NotEqual,
        ">=" => Operator::GreaterOrEqual,
        "<=" => Operator::LessOrEqual,
        "&=" => Operator::BitTest,
        "=" => Operator::Equal,
        ">" => Operator::GreaterThan,
        "<" => Operator::LessThan,
        _ => Operator::BitMask,
    };
    (op, Span::of(p))
}

/// The argument pair of an option (its last inner pair), as a word.
fn arg_word(p: Pair<'_, Rule>) -> Word {
    p.into_inner()
        .last()
        .map(|a| Word::of(&a))
        .unwrap_or_default()
}

/// The option's name (`-k`, `--signal`) when its argument is missing: the
/// argument matched nothing (only possible at the end of the line).
fn missing_argument(p: &Pair<'_, Rule>) -> Option<String> {
    let mut inner = p.clone().into_inner();
    let name = match p.as_rule() {
        Rule::opt_rule | Rule::opt_value => inner.next()?.as_str().to_string(),
        Rule::long_option => format!("--{}", inner.next()?.as_str()),
        _ => p.as_str().get(..2)?.to_string(),
    };
    let arg = inner.last();
    let empty = match &arg {
        None => true,
        Some(a) if a.as_rule() == Rule::long_arg => a.as_str().is_empty(),
        Some(a) => a.as_str().is_empty(),
    };
    // Flags take no argument, and neither do the long options whose pair has
    // no argument part (`--help`, `--reset-lost`, ...).
    let flag = matches!(p.as_rule(), Rule::opt_flag | Rule::stray);
    let argless_long = p.as_rule() == Rule::long_option && arg.is_none();
    let takes_arg = !(flag || argless_long);
    (takes_arg && empty).then_some(name)
}

fn lower_option(p: Pair<'_, Rule>) -> Opt {
    let span = Span::of(&p);
    if let Some(name) = missing_argument(&p) {
        return Opt {
            kind: OptKind::MissingArgument(name),
            span,
        };
    }
    let rule = p.as_rule();
    let kind = match rule {
        Rule::opt_rule => {
            let mut inner = p.into_inner();
            let letter = match inner.next().map(|l| l.as_str().to_string()).as_deref() {
                Some("-A") => RuleLetter::Prepend,
                Some("-d") => RuleLetter::Delete,
                _ => RuleLetter::Append,
            };
            let arg = inner.next();
            let parsed = match arg {
                Some(a) if a.as_rule() == Rule::list_action => {
                    let words: Vec<Word> = a.into_inner().map(|w| Word::of(&w)).collect();
                    match <[Word; 2]>::try_from(words) {
                        Ok([first, second]) => Ok((first, second)),
                        Err(_) => Err(Word::default()),
                    }
                }
                Some(a) => Err(Word::of(&a)),
                None => Err(Word::default()),
            };
            OptKind::Rule(letter, parsed)
        }
        Rule::opt_syscall => match p.into_inner().next() {
            Some(a) if a.as_rule() == Rule::syscall_list => {
                OptKind::Syscall(Ok(a.into_inner().map(|w| Word::of(&w)).collect()))
            }
            Some(a) => OptKind::Syscall(Err(Word::of(&a))),
            None => OptKind::Syscall(Err(Word::default())),
        },
        Rule::opt_field => {
            let expr = p.into_inner().next();
            let whole = expr.as_ref().map(Word::of).unwrap_or_default();
            let mut name = Word::default();
            let mut op = None;
            let mut value = None;
            for part in expr.into_iter().flat_map(|e| e.into_inner()) {
                match part.as_rule() {
                    Rule::field_name => name = Word::of(&part),
                    Rule::operator => op = Some(operator(&part)),
                    Rule::field_value => value = Some(Word::of(&part)),
                    _ => {}
                }
            }
            if name.span == Span::default() {
                name.span = Span {
                    start: whole.span.start,
                    end: whole.span.start,
                };
            }
            OptKind::Field(FieldExpr {
                whole,
                name,
                op,
                value,
            })
        }
        Rule::opt_compare => match p.into_inner().next() {
            Some(a) if a.as_rule() == Rule::compare_expr => {
                let whole = Word::of(&a);
                let mut names = Vec::new();
                let mut op = None;
                for part in a.into_inner() {
                    match part.as_rule() {
                        Rule::compare_name => names.push(Word::of(&part)),
                        Rule::compare_op => op = Some(operator(&part)),
                        _ => {}
                    }
                }
                let mut names = names.into_iter();
                OptKind::Compare(Ok(CompareExpr {
                    whole,
                    left: names.next().unwrap_or_default(),
                    op,
                    right: names.next(),
                }))
            }
            Some(a) => OptKind::Compare(Err(Word::of(&a))),
            None => OptKind::Compare(Err(Word::default())),
        },
        Rule::opt_watch => OptKind::Watch(arg_word(p)),
        Rule::opt_unwatch => OptKind::Unwatch(arg_word(p)),
        Rule::opt_perm => match p.into_inner().next() {
            Some(a) if a.as_rule() == Rule::perm_letters => OptKind::Perm(Ok(Word::of(&a))),
            Some(a) => OptKind::Perm(Err(Word::of(&a))),
            None => OptKind::Perm(Err(Word::default())),
        },
        Rule::opt_key => OptKind::Key(arg_word(p)),
        Rule::opt_value => {
            let mut inner = p.into_inner();
            let letter = match inner.next().map(|l| l.as_str().to_string()).as_deref() {
                Some("-e") => ValueLetter::Enabled,
                Some("-f") => ValueLetter::Failure,
                Some("-r") => ValueLetter::Rate,
                _ => ValueLetter::Backlog,
            };
            OptKind::Value(
                letter,
                inner.next().map(|a| Word::of(&a)).unwrap_or_default(),
            )
        }
        Rule::opt_message => OptKind::Message(arg_word(p)),
        Rule::opt_equiv => OptKind::Equiv(arg_word(p)),
        Rule::opt_read => OptKind::Read(arg_word(p)),
        Rule::opt_flag => {
            let flag = match p.as_str() {
                "-h" => Flag::Help,
                "-i" => Flag::Ignore,
                "-c" => Flag::Continue,
                "-s" => Flag::Status,
                "-l" => Flag::List,
                "-D" => Flag::DeleteAll,
                "-v" => Flag::Version,
                _ => Flag::Trim,
            };
            OptKind::Flag(flag)
        }
        Rule::long_option => {
            let mut inner = p.into_inner();
            let name = inner.next();
            let mut arg = || {
                inner
                    .next()
                    .and_then(|a| a.into_inner().last().map(|w| Word::of(&w)))
                    .unwrap_or_default()
            };
            match name.map(|n| n.as_rule()) {
                Some(Rule::long_backlog_wait_time_name) => OptKind::BacklogWaitTime(arg()),
                Some(Rule::long_signal_name) => OptKind::Signal(arg()),
                Some(Rule::long_help_name) => OptKind::Flag(Flag::Help),
                Some(Rule::long_loginuid_immutable_name) => OptKind::Flag(Flag::LoginuidImmutable),
                Some(Rule::long_reset_lost_name) => OptKind::Flag(Flag::ResetLost),
                _ => OptKind::Flag(Flag::ResetBacklogWaitTimeActual),
            }
        }
        _ => OptKind::Stray(Word {
            text: unescape(p.as_str()),
            span,
            raw: None,
        }),
    };
    Opt { kind, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(text: &str) -> Vec<OptKind> {
        match parse_line(text).unwrap() {
            ParsedLine::Options(o) => o.into_iter().map(|o| o.kind).collect(),
            other => panic!("{text:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn blank_and_comment_lines() {
        assert_eq!(parse_line("").unwrap(), ParsedLine::Blank);
        assert_eq!(parse_line("    ").unwrap(), ParsedLine::Blank);
        assert_eq!(parse_line("  # x -a y").unwrap(), ParsedLine::Comment);
        // A TAB is not a separator, so this first word is `\t#`, not a comment.
        assert!(matches!(
            parse_line("\t# x").unwrap(),
            ParsedLine::Options(_)
        ));
    }

    #[test]
    fn attached_and_detached_arguments() {
        for text in ["-Fuid=0", "-F uid=0", "-F  uid=0"] {
            match &opts(text)[0] {
                OptKind::Field(f) => {
                    assert_eq!(
                        (
                            f.name.text.as_str(),
                            f.value.as_ref().unwrap().text.as_str()
                        ),
                        ("uid", "0")
                    )
                }
                other => panic!("{other:?}"),
            }
        }
        let k = opts("-k -w");
        assert!(matches!(&k[0], OptKind::Key(w) if w.text == "-w"));
    }

    #[test]
    fn list_action_in_either_order() {
        for text in ["-a always,exit", "-a exit,always", "-aexit,always"] {
            let o = opts(text);
            assert!(
                matches!(&o[0], OptKind::Rule(RuleLetter::Append, Ok(_))),
                "{text}"
            );
        }
        assert!(matches!(&opts("-a a,b,c")[0], OptKind::Rule(_, Err(w)) if w.text == "a,b,c"));
        assert!(matches!(
            &opts("-d always")[0],
            OptKind::Rule(RuleLetter::Delete, Err(_))
        ));
    }

    #[test]
    fn field_operators() {
        for (text, op) in [
            ("-F a0=1", Operator::Equal),
            ("-F a0!=1", Operator::NotEqual),
            ("-F a0>1", Operator::GreaterThan),
            ("-F a0<1", Operator::LessThan),
            ("-F a0>=1", Operator::GreaterOrEqual),
            ("-F a0<=1", Operator::LessOrEqual),
            ("-F a0&1", Operator::BitMask),
            ("-F a0&=1", Operator::BitTest),
        ] {
            match &opts(text)[0] {
                OptKind::Field(f) => {
                    assert_eq!(f.name.text, "a0");
                    assert_eq!(f.op.map(|o| o.0), Some(op), "{text}");
                    assert_eq!(f.value.as_ref().map(|v| v.text.as_str()), Some("1"));
                }
                other => panic!("{other:?}"),
            }
        }
        match &opts("-F uid")[0] {
            OptKind::Field(f) => assert!(f.op.is_none()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn escapes_and_literal_quotes() {
        match &opts(r"-k a\ b\\c -k 'q'")[..] {
            [OptKind::Key(a), OptKind::Key(q)] => {
                assert_eq!(a.text, r"a b\c");
                assert_eq!(q.text, "'q'");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(join_argv(&["-k", "a b", r"c\d"]), r"-k a\ b c\\d");
    }

    #[test]
    fn syscall_lists_skip_empty_items() {
        match &opts("-S open,,close,")[0] {
            OptKind::Syscall(Ok(items)) => {
                assert_eq!(
                    items.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
                    ["open", "close"]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn long_options_and_abbreviations() {
        assert!(
            matches!(&opts("--backlog_wait_time 60000")[0], OptKind::BacklogWaitTime(w) if w.text == "60000")
        );
        assert!(matches!(&opts("--back=5")[0], OptKind::BacklogWaitTime(w) if w.text == "5"));
        assert!(matches!(&opts("--sig HUP")[0], OptKind::Signal(w) if w.text == "HUP"));
        assert!(matches!(
            &opts("--loginuid")[0],
            OptKind::Flag(Flag::LoginuidImmutable)
        ));
        assert!(matches!(
            &opts("--reset-lost")[0],
            OptKind::Flag(Flag::ResetLost)
        ));
        // `--reset` is ambiguous between two options.
        assert!(matches!(&opts("--reset")[0], OptKind::Stray(_)));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept_in_words() {
        let line = b"-w /tmp/caf\xe9 -k a\\ \xff";
        assert_eq!(shadow(line), r"-w /tmp/caf? -k a\ ?");
        match parse_line_bytes(line).unwrap() {
            ParsedLine::Options(o) => match &o[..] {
                [Opt {
                    kind: OptKind::Watch(w),
                    ..
                }, Opt {
                    kind: OptKind::Key(k),
                    ..
                }] => {
                    assert_eq!(w.bytes(), b"/tmp/caf\xe9");
                    assert_eq!(w.text, "/tmp/caf?");
                    assert_eq!(k.bytes(), b"a \xff");
                    assert_eq!(k.text.len(), k.bytes().len());
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        assert_eq!(
            join_argv_bytes(&[&b"-k"[..], b"a b\xe9", b"", br"c\d"]),
            b"-k a\\ b\xe9 c\\\\d"
        );
    }

    #[test]
    fn unknown_options_are_stray_words() {
        assert!(matches!(&opts("-x")[0], OptKind::Stray(w) if w.text == "-x"));
        let o = opts("-a always,exit -k x # note");
        assert!(matches!(&o[2], OptKind::Stray(w) if w.text == "#"));
    }
}
