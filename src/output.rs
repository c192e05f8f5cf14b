//! Where every command writes: one output layer for the native commands and
//! the `auditctl`/`augenrules` personalities.
//!
//! A command writes its results through [`Output`] (standard output) and its
//! messages through [`say`]/[`Messages`] (standard error), and returns a
//! [`crate::error::Error`] when it fails. Writing never panics, whatever happens to
//! the descriptors:
//!
//! * a closed standard output (`kaudit list | head -1`, EPIPE) ends the
//!   output quietly: later writes are dropped, the command goes on to its
//!   own end (a sync that already changed the kernel still finishes and
//!   reports on standard error) and keeps its exit code, as ripgrep does;
//! * any other write error (a full disk, `/dev/full`) is remembered and
//!   reported by [`Output::finish`] as an [`Error::Write`] naming the reason;
//! * standard error that cannot be written is ignored: there is nowhere left
//!   to say anything.
//!
//! Rust ignores SIGPIPE, so a closed pipe arrives here as an EPIPE error, and
//! `print!` would panic on it; nothing in kaudit uses `print!`.

use crate::error::Error;
use std::io::{self, Write};

/// The reason of an I/O error in the C library's words, without Rust's
/// ` (os error N)` suffix: `No such file or directory`.
pub fn reason(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(errno) => {
            let text = io::Error::from_raw_os_error(errno).to_string();
            match text.rfind(" (os error ") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
        None => e.to_string(),
    }
}

/// `strerror(errno)`: the C library's words for an errno the kernel or a
/// system call returned (`Rule exists` is the caller's, not this).
pub fn strerror(errno: i32) -> String {
    reason(&io::Error::from_raw_os_error(errno))
}

#[derive(Debug)]
enum State {
    Open,
    /// The reader went away (EPIPE): drop everything from now on.
    Closed,
    /// Writing failed for another reason; reported by `finish`.
    Failed(io::Error),
}

/// Standard output (or any writer) that never fails a command mid-way: see
/// the module docs. It implements [`Write`], and its `write` never returns
/// an error, so code written against `&mut dyn Write` may ignore results.
pub struct Output<W: Write> {
    inner: W,
    state: State,
    /// What the stream is, for the error message ("standard output").
    name: &'static str,
}

/// The process's standard output.
pub type Stdout = Output<io::StdoutLock<'static>>;

/// Standard output, locked for the life of the command.
pub fn stdout() -> Stdout {
    Output::new(io::stdout().lock(), "standard output")
}

impl<W: Write> Output<W> {
    /// Wraps `inner`; `name` appears in the error message.
    pub fn new(inner: W, name: &'static str) -> Output<W> {
        Output {
            inner,
            state: State::Open,
            name,
        }
    }

    /// Writes `text`.
    pub fn print(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(b"\n");
    }

    /// Writes raw bytes (listings carry the kernel's bytes as they are).
    pub fn bytes(&mut self, bytes: &[u8]) {
        if matches!(self.state, State::Open) {
            if let Err(e) = self.inner.write_all(bytes) {
                self.fail(e);
            }
        }
    }

    /// Whether the reader has gone away (or the output failed): whatever is
    /// written now is lost, so a summary that matters goes to standard error.
    pub fn is_lost(&self) -> bool {
        !matches!(self.state, State::Open)
    }

    fn fail(&mut self, e: io::Error) {
        self.state = match e.kind() {
            io::ErrorKind::BrokenPipe => State::Closed,
            _ => State::Failed(e),
        };
    }

    /// Flushes; a write error other than a closed pipe becomes an
    /// [`Error::Write`].
    pub fn finish(mut self) -> Result<(), Error> {
        if matches!(self.state, State::Open) {
            if let Err(e) = self.inner.flush() {
                self.fail(e);
            }
        }
        match self.state {
            State::Failed(source) => Err(Error::Write {
                stream: self.name,
                source,
            }),
            State::Open | State::Closed => Ok(()),
        }
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if matches!(self.state, State::Open) {
            if let Err(e) = self.inner.flush() {
                self.fail(e);
            }
        }
        Ok(())
    }
}

/// Standard error for messages: writes never fail and never panic.
pub struct Messages;

impl Write for Messages {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

/// Writes one line to standard error (never panics).
pub fn say(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every write with `kind` after `ok` bytes.
    struct Failing {
        ok: usize,
        errno: i32,
        written: Vec<u8>,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.written.len() >= self.ok {
                return Err(io::Error::from_raw_os_error(self.errno));
            }
            let n = buf.len().min(self.ok - self.written.len());
            self.written.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_drops_the_rest() {
        let mut o = Output::new(
            Failing {
                ok: 3,
                errno: libc::EPIPE,
                written: Vec::new(),
            },
            "standard output",
        );
        o.line("hello");
        assert!(o.is_lost());
        o.line("more");
        assert_eq!(o.inner.written, b"hel");
        assert!(o.finish().is_ok());
    }

    #[test]
    fn a_full_disk_is_an_error_with_the_reason() {
        let mut o = Output::new(
            Failing {
                ok: 0,
                errno: libc::ENOSPC,
                written: Vec::new(),
            },
            "standard output",
        );
        let _ = writeln!(o, "x");
        let e = o.finish().unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot write to standard output: No space left on device"
        );
        assert_eq!(e.exit_code(), crate::exit::FAILED);
    }

    #[test]
    fn reasons_have_no_rust_suffix() {
        let e = io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(reason(&e), "No such file or directory");
    }

    #[test]
    fn strerror_is_the_c_librarys_words() {
        assert_eq!(strerror(libc::EEXIST), "File exists");
    }
}
