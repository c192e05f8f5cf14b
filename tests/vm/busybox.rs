//! The throwaway-VM scenarios (`tests/vm/`): what must never run on a shared
//! kernel (`-e 2`, `--loginuid-immutable`, a boot-style load with `-D`).
//!
//! Runs `scripts/vm.sh setup` (qemu, the kernel matrix and busybox-static into
//! `.cache/vm`), builds the release binary (or takes `KAUDIT_BIN`), then boots
//! one VM (2 vCPUs) per scenario and kernel, two at a time, and requires every
//! scenario to exit 0. Each scenario's output goes to stderr, then the delete
//! cost per kernel. Skips loudly (`SKIP (vm): ...`) when qemu cannot be
//! installed, the cache cannot be built or the corpus is missing, unless
//! `KAUDIT_REQUIRE_VM=1`, which turns a skip into a failure.

use crate::host as vm_host;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;
use vm_host::{repo, say, Boot};

/// (kernel of the matrix in `scripts/vm.sh`, scenario script, argument), in
/// the order they start (the longest first). Every scenario runs on
/// bookworm's 6.1; the newer kernels (which wait for an RCU grace period on
/// every rule delete) get the delete cost, the boot-time load that ends
/// locked and the rollback, which is where a kernel change would show. The
/// rest (`locked`, `loginuid`, the reference's reports, the benchmark) test
/// kaudit's side of kernel behaviour 6.1 already has, and would cost CI about
/// 12 s a VM.
const SCENARIOS: &[(&str, &str, &str)] = &[
    ("trixie", "delete-cost", ""),
    ("unstable", "delete-cost", ""),
    ("bookworm", "delete-cost", ""),
    ("bookworm", "bench", ""),
    ("bookworm", "boot-load", "augenrules"),
    ("bookworm", "boot-load", "sync"),
    ("bookworm", "broken-input", "kaudit"),
    ("bookworm", "broken-input", "reference"),
    ("bookworm", "locked", ""),
    ("bookworm", "loginuid", "reference"),
    ("bookworm", "loginuid", "kaudit"),
    ("trixie", "boot-load", "augenrules"),
    ("trixie", "broken-input", "kaudit"),
    ("unstable", "boot-load", "augenrules"),
    ("unstable", "broken-input", "kaudit"),
];

/// VMs at once: the machine has 2 cores (each guest has 2 vCPUs, mostly idle).
const PARALLEL: usize = 2;

fn scenario_name(kernel: &str, script: &str, arg: &str) -> String {
    format!("{kernel}: {script} {arg}").trim().to_string()
}

fn run_scenario(kernel: &str, script: &str, arg: &str, bin: &Path) -> Boot {
    let mut cmd = Command::new(repo().join("tests/vm/scenario.sh"));
    cmd.arg(script)
        .env("KAUDIT_BIN", bin)
        .env("KAUDIT_VM_KERNEL", kernel);
    if !arg.is_empty() {
        cmd.arg(arg);
    }
    Boot::run(&scenario_name(kernel, script, arg), &mut cmd)
}

/// (major, minor) of a kernel release such as `6.12.118+deb13-amd64`.
fn kernel_series(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The lines between `begin` and `end` markers of a scenario's output.
fn block<'a>(text: &'a str, begin: &str, end: &str) -> Option<Vec<&'a str>> {
    let mut lines = text.lines().skip_while(|l| *l != begin);
    lines.next()?;
    Some(lines.take_while(|l| *l != end).collect())
}

#[ignore = "throwaway VM: needs qemu and the VM cache (scripts/test.sh runs it)"]
#[test]
fn vm_scenarios() {
    let _turn = vm_host::one_at_a_time();
    let started = Instant::now();
    let mut setup = Command::new(repo().join("scripts/vm.sh"));
    let Some(bin) = vm_host::ready("vm", "scripts/vm.sh", setup.arg("setup")) else {
        return;
    };

    let boots = Instant::now();
    let queue = Mutex::new(SCENARIOS.iter().rev().collect::<Vec<_>>());
    let runs = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL {
            s.spawn(|| loop {
                let Some(&(kernel, script, arg)) = queue.lock().unwrap().pop() else {
                    break;
                };
                let run = run_scenario(kernel, script, arg, &bin);
                runs.lock().unwrap().push(run);
            });
        }
    });
    let mut runs = runs.into_inner().unwrap();
    runs.sort_by_key(|r| {
        SCENARIOS
            .iter()
            .position(|(k, s, a)| scenario_name(k, s, a) == r.name)
    });

    let mut failed = Vec::new();
    for r in &runs {
        let ok = r.code == Some(0);
        say(&r.headline("vm scenario"));
        say(r.stdout.trim_end());
        if !ok {
            say(r.stderr.trim_end());
            failed.push(r.name.clone());
        }
    }

    // Scenario e: the same stdout, exit code and status from both tools.
    let out = |name: &str| runs.iter().find(|r| r.name == name).map(|r| &r.stdout);
    if let (Some(reference), Some(kaudit)) = (
        out("bookworm: loginuid reference"),
        out("bookworm: loginuid kaudit"),
    ) {
        for (begin, end) in [
            ("STDOUT-BEGIN", "STDOUT-END"),
            ("STATUS-BEGIN", "STATUS-END"),
        ] {
            let (a, b) = (block(reference, begin, end), block(kaudit, begin, end));
            if a.is_none() || a != b {
                say(&format!(
                    "loginuid: {begin} differs: reference {a:?}, kaudit {b:?}"
                ));
                failed.push(format!("loginuid ({begin})"));
            }
        }
        let exit = |t: &str| {
            t.lines()
                .find(|l| l.starts_with("EXIT: "))
                .map(str::to_string)
        };
        if exit(reference).is_none() || exit(reference) != exit(kaudit) {
            say(&format!(
                "loginuid: exit differs: reference {:?}, kaudit {:?}",
                exit(reference),
                exit(kaudit)
            ));
            failed.push("loginuid (exit)".into());
        }
    }

    // Scenario g: the delete cost on each kernel of the matrix.
    say("== delete cost per kernel (tests/vm/scenarios/delete-cost.sh) ==");
    for r in runs.iter().filter(|r| r.name.ends_with(": delete-cost")) {
        let Some(line) = r.stdout.lines().find(|l| l.starts_with("vm-delete-cost: ")) else {
            say(&format!("{}: no vm-delete-cost line", r.name));
            failed.push(format!("{} (no figures)", r.name));
            continue;
        };
        say(line);
        // The guest's `uname -r` must be the series its suite ships: the
        // matrix really booted three different kernels.
        let release = line["vm-delete-cost: ".len()..]
            .split(',')
            .next()
            .unwrap_or_default();
        let series = kernel_series(release);
        let kernel = r.name.split(':').next().unwrap_or_default();
        let expected = match kernel {
            "bookworm" => series == Some((6, 1)),
            "trixie" => series == Some((6, 12)),
            _ => series.is_some_and(|s| s > (6, 12)),
        };
        if !expected {
            say(&format!(
                "{kernel}: booted {release}, not {kernel}'s kernel"
            ));
            failed.push(format!("{} (kernel {release})", r.name));
        }
    }

    say(&format!(
        "vm: {} scenarios in {:.1} s ({} at a time), whole test {:.1} s",
        runs.len(),
        boots.elapsed().as_secs_f64(),
        PARALLEL,
        started.elapsed().as_secs_f64()
    ));
    assert!(failed.is_empty(), "VM scenarios failed: {failed:?}");
}
