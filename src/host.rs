//! Facts about the machine that give rule text its meaning: the machine type
//! (`b32`/`b64` and the default syscall table), the kernel's audit feature
//! bitmap, user and group names, and whether a watched path is a directory.
//!
//! It also knows who is sending: the program, host name and terminal that
//! an `AUDIT_USER` message (`-m`) names ([`Host::sender`]).
//!
//! [`Host::detect`] reads the real machine; [`Host::fixed`] makes a host for
//! tests, so that compiling rules stays a pure function of its inputs.

use crate::tables::{self, Machine};
use crate::uapi::AUDIT_FEATURE_BITMAP_ALL;
use std::collections::HashMap;

/// The process sending an `AUDIT_USER` message, as libaudit's
/// `audit_log_user_message` names it; `?` for what cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    /// This program's path (`/proc/self/exe`).
    pub exe: String,
    /// The host name (`gethostname`).
    pub hostname: String,
    /// Standard input's terminal without `/dev/` (`pts/0`), if it is one.
    pub terminal: String,
}

impl Sender {
    /// This process.
    fn current() -> Sender {
        let exe = std::fs::read_link("/proc/self/exe")
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        let hostname = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_else(|| "?".into());
        let terminal = std::fs::read_link("/proc/self/fd/0")
            .ok()
            .map(|p| p.display().to_string())
            .filter(|p| p.starts_with("/dev/"))
            .map(|p| p.trim_start_matches("/dev/").to_string())
            .unwrap_or_else(|| "?".into());
        Sender {
            exe,
            hostname,
            terminal,
        }
    }
}

#[derive(Clone, Debug)]
enum Names {
    System,
    Fixed {
        users: HashMap<String, u32>,
        groups: HashMap<String, u32>,
        dirs: Vec<String>,
        protocols: Vec<(String, i32)>,
    },
}

/// The machine rules are compiled for.
#[derive(Clone, Debug)]
pub struct Host {
    /// The machine type (`uname -m`); `b64`/`b32` and `-S` without an arch
    /// resolve against it.
    pub machine: Machine,
    /// The kernel's feature bitmap, as far as it is known. Compiling assumes
    /// [`AUDIT_FEATURE_BITMAP_ALL`]; the loader checks the real kernel.
    pub features: u32,
    /// Speak the kernel's full language rather than exactly the reference's:
    /// `-S all` on the io_uring list means every op the kernel audits (the
    /// reference stops at op 36), and listings name the record types and
    /// io_uring ops the reference's tables lack. The `auditctl` personality
    /// leaves this off, for byte-identical output; the native commands turn
    /// it on.
    pub extended: bool,
    names: Names,
}

impl Host {
    /// The running machine, with the mainline feature assumption.
    pub fn detect() -> Host {
        let machine = nix::sys::utsname::uname()
            .ok()
            .and_then(|u| u.machine().to_str().and_then(tables::machine_by_name))
            .unwrap_or(Machine::X86_64);
        Host {
            machine,
            features: AUDIT_FEATURE_BITMAP_ALL,
            extended: false,
            names: Names::System,
        }
    }

    /// A host whose answers are given: for tests and for validating rules
    /// meant for another machine.
    pub fn fixed(
        machine: Machine,
        users: &[(&str, u32)],
        groups: &[(&str, u32)],
        dirs: &[&str],
    ) -> Host {
        Host {
            machine,
            features: AUDIT_FEATURE_BITMAP_ALL,
            extended: false,
            names: Names::Fixed {
                users: users.iter().map(|(n, i)| (n.to_string(), *i)).collect(),
                groups: groups.iter().map(|(n, i)| (n.to_string(), *i)).collect(),
                dirs: dirs.iter().map(|d| d.to_string()).collect(),
                protocols: Vec::new(),
            },
        }
    }

    /// This fixed host with these IP protocol names (as `/etc/protocols`
    /// lists them, first match wins); a system host ignores this.
    pub fn with_protocols(mut self, names: &[(&str, i32)]) -> Host {
        if let Names::Fixed { protocols, .. } = &mut self.names {
            *protocols = names.iter().map(|(n, i)| (n.to_string(), *i)).collect();
        }
        self
    }

    /// This host, speaking the kernel's full language (see [`Host::extended`]).
    pub fn extended(mut self) -> Host {
        self.extended = true;
        self
    }

    /// The uid of a user name.
    pub fn uid(&self, name: &str) -> Option<u32> {
        match &self.names {
            Names::System => nix::unistd::User::from_name(name)
                .ok()
                .flatten()
                .map(|u| u.uid.as_raw()),
            Names::Fixed { users, .. } => users.get(name).copied(),
        }
    }

    /// The gid of a group name.
    pub fn gid(&self, name: &str) -> Option<u32> {
        match &self.names {
            Names::System => nix::unistd::Group::from_name(name)
                .ok()
                .flatten()
                .map(|g| g.gid.as_raw()),
            Names::Fixed { groups, .. } => groups.get(name).copied(),
        }
    }

    /// Who sends a user message from this host: this process on the real
    /// machine; nobody known (`?` everywhere) on a fixed host.
    pub fn sender(&self) -> Sender {
        match &self.names {
            Names::System => Sender::current(),
            Names::Fixed { .. } => Sender {
                exe: "?".into(),
                hostname: "?".into(),
                terminal: "?".into(),
            },
        }
    }

    /// Whether `path` names an existing directory (following symlinks, as
    /// `stat` does). A watch on a directory becomes a `dir` field.
    pub fn is_dir(&self, path: &[u8]) -> bool {
        use std::os::unix::ffi::OsStrExt;
        match &self.names {
            Names::System => std::fs::metadata(std::ffi::OsStr::from_bytes(path))
                .map(|m| m.is_dir())
                .unwrap_or(false),
            Names::Fixed { dirs, .. } => dirs.iter().any(|d| d.as_bytes() == path),
        }
    }
}

/// The names `auditctl -l -i` prints for user, group and protocol numbers
/// (auparse asks `getpwuid`, `getgrgid` and `getprotobynumber`).
impl tables::HostNames for Host {
    fn user_name(&self, uid: u32) -> Option<String> {
        match &self.names {
            Names::System => nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
                .map(|u| u.name),
            Names::Fixed { users, .. } => first_name(users.iter().map(|(n, i)| (n, *i)), uid),
        }
    }

    fn group_name(&self, gid: u32) -> Option<String> {
        match &self.names {
            Names::System => nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
                .ok()
                .flatten()
                .map(|g| g.name),
            Names::Fixed { groups, .. } => first_name(groups.iter().map(|(n, i)| (n, *i)), gid),
        }
    }

    fn protocol_name(&self, number: i32) -> Option<String> {
        match &self.names {
            // glibc's "files" source: the first /etc/protocols line whose
            // second field is the number; `#` starts a comment.
            Names::System => {
                let text = std::fs::read("/etc/protocols").ok()?;
                String::from_utf8_lossy(&text).lines().find_map(|line| {
                    let mut words = line.split('#').next()?.split_whitespace();
                    let name = words.next()?;
                    (words.next()?.parse::<i64>().ok()? == i64::from(number))
                        .then(|| name.to_string())
                })
            }
            Names::Fixed { protocols, .. } => protocols
                .iter()
                .find(|(_, n)| *n == number)
                .map(|(name, _)| name.clone()),
        }
    }
}

/// A fixed host's name for an id: the alphabetically first, so that two
/// names for one id give a stable answer.
fn first_name<'a>(names: impl Iterator<Item = (&'a String, u32)>, id: u32) -> Option<String> {
    names
        .filter(|(_, i)| *i == id)
        .map(|(n, _)| n)
        .min()
        .cloned()
}
