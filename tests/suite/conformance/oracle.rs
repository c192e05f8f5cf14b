//! The reference side: Debian's auditctl, run in file mode (`-R`) on a
//! one-line temporary file.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The reference auditctl wrapper, with its version line.
pub struct Reference {
    wrapper: PathBuf,
    tmp: PathBuf,
    /// `auditctl -v` output.
    pub version: String,
}

/// What one run printed.
pub struct Run {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// stdout and stderr, joined.
    pub output: String,
    /// stdout alone.
    pub stdout: String,
}

impl Reference {
    /// Finds the wrapper; None when the cache has not been fetched.
    pub fn find() -> Option<Reference> {
        let wrapper = crate::reference::cache().join("auditctl");
        if !wrapper.is_file() {
            return None;
        }
        let out = Command::new(&wrapper).arg("-v").output().ok()?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string()
            + String::from_utf8_lossy(&out.stderr).trim();
        if !version.contains("auditctl version") {
            return None;
        }
        let tmp =
            std::env::temp_dir().join(format!("kaudit-conformance-{}.rules", std::process::id()));
        Some(Reference {
            wrapper,
            tmp,
            version,
        })
    }

    fn run(&self, args: &[&std::ffi::OsStr]) -> Run {
        let out = Command::new(&self.wrapper)
            .args(args)
            .output()
            .expect("run reference auditctl");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut output = stdout.clone();
        output.push_str(&String::from_utf8_lossy(&out.stderr));
        Run {
            code: out.status.code().unwrap_or(-1),
            output: output.trim_end().to_string(),
            stdout,
        }
    }

    /// The temporary rules file `load_line` runs.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// `auditctl -R FILE` where FILE holds exactly `line`.
    pub fn load_line(&self, line: &str) -> Run {
        let _ = std::fs::remove_file(&self.tmp);
        let mut f = std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&self.tmp)
            .expect("create the temporary rules file");
        f.write_all(line.as_bytes())
            .expect("write the temporary rules file");
        f.write_all(b"\n").expect("write the temporary rules file");
        drop(f);
        let r = self.run(&["-R".as_ref(), self.tmp.as_os_str()]);
        let _ = std::fs::remove_file(&self.tmp);
        r
    }

    /// `auditctl -l`, one entry per printed line; Err when it fails or crashes.
    pub fn list(&self) -> Result<Vec<String>, String> {
        let r = self.run(&["-l".as_ref()]);
        if r.code != 0 {
            return Err(match r.code {
                -1 => "auditctl -l was killed by a signal (crashed)".to_string(),
                c => format!("auditctl -l exited {c}: {}", r.output),
            });
        }
        Ok(r.stdout.lines().map(str::to_string).collect())
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}
