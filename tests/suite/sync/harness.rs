//! Harness for the `kaudit sync`/`diff`/`check` tests on the live kernel.
//!
//! [`Ctx::start`] wraps the shared [`KernelGuard`] (machine lock held for
//! the whole test, table and status recorded, checked at the end) and adds
//! what these tests need: a key prefix per test (`ksync-<test>-`, and
//! `kforeign-<test>-` for rules that must stay outside `--scope`), a
//! private temporary directory for fixture files, and the kaudit binary run
//! as a child with a private `KAUDIT_LOCK_PATH` (the test holds the real
//! lock; the child would otherwise wait for it forever). On drop it deletes
//! every rule carrying either prefix, before the guard checks that the
//! table is as it was at the start.

use std::path::{Path, PathBuf};
use std::process::Command;

use kaudit::lock::MachineLock;
use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::{Request, Transport};

use crate::common::{self, rule_key, KernelGuard};
use crate::scratch::{self, Scratch};
use serde_json::Value;

/// The filter list of a rule in kernel format (flags without the prepend bit).
pub fn rule_list(rule: &[u8]) -> u32 {
    u32::from_ne_bytes(rule[0..4].try_into().unwrap()) & !0x10
}

/// Name of a filter list as `-l` and the `--json` plan spell it.
pub fn list_name(list: u32) -> &'static str {
    match list {
        0 => "user",
        1 => "task",
        2 => "entry",
        4 => "exit",
        5 => "exclude",
        6 => "filesystem",
        7 => "io_uring",
        _ => "?",
    }
}

/// Output of one kaudit run.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Out {
    fn from(out: std::process::Output) -> Out {
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// One step of a `--json` plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub op: String,
    pub list: String,
    pub rule: String,
}

impl Step {
    /// The rule's key (`-F key=K` or `-k K` in the `-l` text).
    pub fn key(&self) -> Option<String> {
        key_of(&self.rule)
    }
}

/// The key in a `-l` line, if any.
pub fn key_of(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        if let Some(k) = w.strip_prefix("key=") {
            return Some(k.to_string());
        }
        if *w == "-k" {
            return words.get(i + 1).map(|k| k.to_string());
        }
    }
    None
}

/// A parsed `sync --dry-run --json` answer.
#[derive(Debug)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Rules kept in place (`"kept"`), when the output has it.
    pub kept: Option<usize>,
    pub settings: Vec<Value>,
}

impl Plan {
    pub fn count(&self, op: &str) -> usize {
        self.steps.iter().filter(|s| s.op == op).count()
    }

    /// Adds of either kind (append or prepend).
    pub fn adds(&self) -> usize {
        self.count("append") + self.count("add") + self.count("prepend")
    }

    pub fn deletes(&self) -> usize {
        self.count("delete")
    }

    /// Keys of the deleted rules.
    pub fn deleted_keys(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.op == "delete")
            .filter_map(Step::key)
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.settings.is_empty()
    }
}

pub fn parse_plan(out: &Out) -> Plan {
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("sync --dry-run --json printed no valid JSON ({e}):\n{out}"));
    let steps = v
        .get("plan")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no \"plan\" array in the JSON:\n{out}"))
        .iter()
        .map(|s| {
            let field = |name: &str| {
                s.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("plan step without string {name:?}: {s:?}"))
                    .to_string()
            };
            let step = Step {
                op: field("op"),
                list: field("list"),
                rule: field("rule"),
            };
            assert!(
                matches!(step.op.as_str(), "append" | "add" | "prepend" | "delete"),
                "unknown plan op {:?}",
                step.op
            );
            step
        })
        .collect();
    let settings = v
        .get("settings")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no \"settings\" array in the JSON:\n{out}"))
        .clone();
    let kept = v.get("kept").and_then(Value::as_u64).map(|n| n as usize);
    Plan {
        steps,
        kept,
        settings,
    }
}

/// Deletes every rule whose key starts with one of `prefixes`; repeats
/// (identical copies). Returns how many were deleted.
fn delete_prefixed(t: &mut NetlinkTransport, prefixes: &[String]) -> usize {
    let mut n = 0;
    for _ in 0..8 {
        let rules = t.list_rules().expect("AUDIT_LIST_RULES");
        let dels: Vec<Request> = rules
            .into_iter()
            .filter(|r| rule_key(r).is_some_and(|k| prefixes.iter().any(|p| k.starts_with(p))))
            .map(Request::del_rule)
            .collect();
        if dels.is_empty() {
            break;
        }
        n += t
            .execute(&dels)
            .expect("AUDIT_DEL_RULE")
            .iter()
            .filter(|a| a.is_ok())
            .count();
    }
    n
}

/// A kernel test of sync. See the module docs.
pub struct Ctx {
    pub prefix: String,
    pub foreign: String,
    pub dir: Scratch,
    lock_path: PathBuf,
    guard: KernelGuard,
}

impl Ctx {
    /// Starts test `name`, or `None` (loud skip) when the kernel is unusable.
    pub fn start(name: &str) -> Option<Ctx> {
        let prefix = format!("ksync-{name}-");
        let foreign = format!("kforeign-{name}-");
        // Rules left by a crashed earlier run would be part of the
        // guard's start table; remove them first, under the lock.
        if nix::unistd::geteuid().is_root() {
            if let (Ok(lock), Ok(mut t)) = (MachineLock::acquire(), NetlinkTransport::open()) {
                if t.list_rules().is_ok() {
                    let n = delete_prefixed(&mut t, &[prefix.clone(), foreign.clone()]);
                    if n > 0 {
                        eprintln!("{name}: removed {n} rules left by an earlier run");
                    }
                }
                drop(lock);
            }
        }
        let guard = common::kernel()?;
        let dir = scratch::dir(&format!("sync-{name}"));
        std::fs::create_dir_all(dir.join("fs")).unwrap();
        let lock_path = dir.join("child.lock");
        Some(Ctx {
            prefix,
            foreign,
            dir,
            lock_path,
            guard,
        })
    }

    pub fn transport(&mut self) -> &mut NetlinkTransport {
        self.guard.transport()
    }

    /// The whole kernel rule table, raw.
    pub fn table(&mut self) -> Vec<Vec<u8>> {
        self.transport().list_rules().expect("AUDIT_LIST_RULES")
    }

    /// Rules with this test's prefix, in kernel order: (list, key).
    pub fn ours(&mut self) -> Vec<(u32, String)> {
        let prefix = self.prefix.clone();
        self.table()
            .iter()
            .filter_map(|r| {
                rule_key(r)
                    .filter(|k| k.starts_with(&prefix))
                    .map(|k| (rule_list(r), k))
            })
            .collect()
    }

    /// The keys of [`Ctx::ours`], in kernel order.
    pub fn our_keys(&mut self) -> Vec<String> {
        self.ours().into_iter().map(|(_, k)| k).collect()
    }

    /// Raw rules with the foreign prefix, in kernel order.
    pub fn foreign_rules(&mut self) -> Vec<Vec<u8>> {
        let foreign = self.foreign.clone();
        self.table()
            .into_iter()
            .filter(|r| rule_key(r).is_some_and(|k| k.starts_with(&foreign)))
            .collect()
    }

    /// The scope argument for this test.
    pub fn scope(&self) -> String {
        format!("key={}", self.prefix)
    }

    /// A directory for paths in rules (watches, exe, dir fields).
    pub fn fs(&self) -> PathBuf {
        self.dir.join("fs")
    }

    /// Writes a fixture file (relative to the test's directory).
    pub fn write(&self, rel: &str, lines: &[String]) -> PathBuf {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs the kaudit binary with a private lock path.
    pub fn kaudit<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Out {
        Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(args)
            .env("KAUDIT_LOCK_PATH", &self.lock_path)
            .output()
            .expect("running kaudit")
            .into()
    }

    /// `kaudit CMD [extra...] --scope key=PREFIX PATHS...`
    pub fn scoped(&self, cmd: &str, extra: &[&str], paths: &[&Path]) -> Out {
        let mut args: Vec<std::ffi::OsString> = vec![cmd.into()];
        args.extend(extra.iter().map(|s| s.into()));
        args.push("--scope".into());
        args.push(self.scope().into());
        args.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        self.kaudit(&args)
    }

    /// `sync --dry-run --json`, parsed; fails the test on a non-zero exit.
    pub fn plan(&self, paths: &[&Path]) -> Plan {
        let out = self.scoped("sync", &["--dry-run", "--json"], paths);
        assert_eq!(out.code, 0, "sync --dry-run --json failed:\n{out}");
        parse_plan(&out)
    }

    /// `sync` for real; fails the test on a non-zero exit.
    pub fn sync(&self, paths: &[&Path]) -> Out {
        let out = self.scoped("sync", &[], paths);
        assert_eq!(out.code, 0, "sync failed:\n{out}");
        out
    }

    /// The test's keys for `ids`, on the exit list.
    pub fn exit_keys(&self, ids: &[String]) -> Vec<(u32, String)> {
        ids.iter()
            .map(|i| (4, format!("{}{i}", self.prefix)))
            .collect()
    }

    /// A rule line of shape `i % 4` with key `<prefix><id>`: syscall rules
    /// for both arches, a watch, an exe rule; all on the exit list.
    pub fn rule(&self, id: &str, i: usize) -> String {
        let fs = self.fs();
        let k = format!("-k {}{id}", self.prefix);
        match i % 4 {
            0 => format!(
                "-a always,exit -F arch=b64 -S openat -F uid={} {k}",
                100_000 + i
            ),
            1 => format!(
                "-a always,exit -F arch=b32 -S open -F auid={} {k}",
                100_000 + i
            ),
            2 => format!("-w {}/w{i} -p wa {k}", fs.display()),
            _ => format!(
                "-a always,exit -F arch=b64 -S connect -F exe={}/prog{i} {k}",
                fs.display()
            ),
        }
    }

    /// Rule lines for ids `0..n`, named by number.
    pub fn rules(&self, n: usize) -> Vec<String> {
        (0..n).map(|i| self.rule(&i.to_string(), i)).collect()
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        let prefixes = [self.prefix.clone(), self.foreign.clone()];
        let n = delete_prefixed(self.guard.transport(), &prefixes);
        if n > 0 {
            eprintln!("cleanup: deleted {n} rules with keys {prefixes:?}");
        }
        // Then the guard drops: it asserts the table and settings are as at
        // the start.
    }
}
