//! The golden conformance file: what the reference `auditctl` did with every
//! case of the conformance test (kernel bytes and `-l` line of the rule it
//! added, the bytes it deleted, or its refusal), recorded on a live kernel
//! by `scripts/record-golden.sh` and replayed without root, without a kernel
//! and without `../shared` by `tests/suite/golden.rs`.
//!
//! Format: JSON Lines. The first line is a [`Header`] naming the reference
//! and the kernel it was recorded with, and the host facts the cases depend
//! on (user and group names, which watched paths were directories); every
//! other line is one [`Record`]. Rule bytes are hex with runs of zero bytes
//! written as `zN.` (a kernel rule is 1040 bytes, mostly zeros).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The committed golden file.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/conformance.jsonl")
}

/// Where and with what the file was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// What this file is.
    pub golden: String,
    /// `auditctl -v` of the reference.
    pub reference: String,
    /// The Debian package it came from (`auditd VERSION`).
    pub reference_package: String,
    /// The kernel release it ran on (`uname -r`).
    pub kernel: String,
    /// The machine type the cases were compiled for (`uname -m`).
    pub machine: String,
    /// The script that wrote the file.
    pub recorded_by: String,
    /// User names the cases use, with their uids on the recording machine.
    pub users: BTreeMap<String, u32>,
    /// Group names the cases use, with their gids.
    pub groups: BTreeMap<String, u32>,
    /// Watched paths that were directories on the recording machine.
    pub dirs: Vec<String>,
}

/// What the reference did with one case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// One rule appeared. `position` is its index among the rules the case
    /// added (the fixture first, if any), `line` its `auditctl -l` line.
    Added {
        position: usize,
        bytes: String,
        line: String,
    },
    /// The rule with these bytes was deleted.
    Removed { bytes: String },
    /// Nothing changed: the reference's exit code and message.
    Refused { message: String },
    /// Something unexpected (several rules changed).
    Odd { what: String },
}

/// One case and what the reference did with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// `corpus:FILE:LINE` or `matrix:GROUP`.
    pub origin: String,
    /// `add`, `delete` or `control`.
    pub kind: String,
    /// The rules-file line.
    pub text: String,
    /// The fixture rule's bytes, for cases that load one first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
    /// What the reference did; none for control lines (never executed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
}

impl Record {
    /// Whether the reference's refusal came from the kernel (the rule was
    /// sent and refused), which only a live kernel can show.
    pub fn refused_by_kernel(&self) -> bool {
        matches!(&self.reference, Some(Reference::Refused { message })
            if message.contains("Error sending"))
    }
}

/// Rule bytes as compact hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let zeros = bytes[i..].iter().take_while(|b| **b == 0).count();
        if zeros >= 4 {
            out.push_str(&format!("z{zeros}."));
            i += zeros;
        } else {
            out.push_str(&format!("{:02x}", bytes[i]));
            i += 1;
        }
    }
    out
}

/// The inverse of [`hex`].
pub fn unhex(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'z' {
            let end = text[i..]
                .find('.')
                .ok_or_else(|| format!("unterminated zero run at {i}"))?;
            let n: usize = text[i + 1..i + end]
                .parse()
                .map_err(|_| format!("bad zero run at {i}"))?;
            out.resize(out.len() + n, 0);
            i += end + 1;
        } else {
            let pair = text.get(i..i + 2).ok_or("odd hex length")?;
            out.push(u8::from_str_radix(pair, 16).map_err(|_| format!("bad hex {pair:?}"))?);
            i += 2;
        }
    }
    Ok(out)
}

/// Reads the golden file: its header and records.
pub fn read(path: &Path) -> Result<(Header, Vec<Record>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines().enumerate();
    let (_, first) = lines.next().ok_or("empty golden file")?;
    let header: Header = serde_json::from_str(first).map_err(|e| format!("header: {e}"))?;
    let records = lines
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect::<Result<Vec<Record>, String>>()?;
    Ok((header, records))
}

/// Writes the golden file.
pub fn write(path: &Path, header: &Header, records: &[Record]) -> std::io::Result<()> {
    let mut out = serde_json::to_string(header).expect("header serialises");
    out.push('\n');
    for r in records {
        out.push_str(&serde_json::to_string(r).expect("record serialises"));
        out.push('\n');
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, out)
}

/// The names and paths a set of case lines depends on, resolved on this
/// machine: every `NAME` of `FIELD=NAME`-like tokens that is a user or group
/// here, and every watched path (`-w`/`-W`) that is a directory here.
pub fn host_facts(lines: &[&str]) -> (BTreeMap<String, u32>, BTreeMap<String, u32>, Vec<String>) {
    let mut users = BTreeMap::new();
    let mut groups = BTreeMap::new();
    let mut dirs = std::collections::BTreeSet::new();
    for line in lines {
        let tokens: Vec<&str> = line.split(' ').filter(|t| !t.is_empty()).collect();
        for (i, t) in tokens.iter().enumerate() {
            // Watched paths: `-w PATH`, `-wPATH`, and the -W forms.
            let watched = match *t {
                "-w" | "-W" => tokens.get(i + 1).copied(),
                _ if t.starts_with("-w") || t.starts_with("-W") => Some(&t[2..]),
                _ => None,
            };
            if let Some(p) = watched {
                if std::fs::metadata(p).map(|m| m.is_dir()).unwrap_or(false) {
                    // Compiling may look the path up with or without its
                    // trailing slashes.
                    dirs.insert(p.to_string());
                    let trimmed = p.trim_end_matches('/');
                    if !trimmed.is_empty() {
                        dirs.insert(trimmed.to_string());
                    }
                }
            }
            // Values after an operator that are not numbers: maybe names.
            if let Some(pos) = t.find(['=', '<', '>', '&']) {
                let value = t[pos..].trim_start_matches(['=', '<', '>', '&', '!']);
                if value.is_empty() || value.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
                    continue;
                }
                if let Ok(Some(u)) = nix::unistd::User::from_name(value) {
                    users.insert(value.to_string(), u.uid.as_raw());
                }
                if let Ok(Some(g)) = nix::unistd::Group::from_name(value) {
                    groups.insert(value.to_string(), g.gid.as_raw());
                }
            }
        }
    }
    (users, groups, dirs.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        for bytes in [
            vec![],
            vec![0; 1040],
            vec![1, 0, 0, 0, 2, 0, 0, 0, 0, 3],
            (0..=255u8).collect::<Vec<_>>(),
        ] {
            assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        }
        assert_eq!(hex(&[0, 0, 0, 0, 0, 7]), "z5.07");
    }
}
