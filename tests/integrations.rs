//! The configuration-management integrations with the real tools: the Ansible
//! collection `kaudit.audit` (`tests/integrations/ansible.sh`: galaxy build,
//! ansible-doc, ansible-test sanity, real `ansible-playbook` plays on the live
//! kernel and on the locked in-memory kernel; its `ansible-test units`) and
//! the Puppet type `kaudit_ruleset` (`tests/integrations/puppet.sh`: `puppet
//! apply --noop`, apply, apply again, with `--detailed-exitcodes`; its RSpec
//! unit tests in `spec/`).
//!
//! The unit-test parts need neither root nor a kernel, only the tools.
//!
//! The scripts take the machine lock themselves for their kernel parts, use
//! keys of their own (`i13-ans-`, `i13-pup-`) with a scope, and check that the
//! table and settings end as they started. They need root and an audit
//! kernel; without them these tests skip loudly, unless
//! `KAUDIT_REQUIRE_KERNEL=1`, which makes the skip a failure. The tools are
//! installed by `scripts/setup-integrations.sh` (called by `scripts/setup.sh`).

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

/// The two scripts share the tool set-up (apt, the venv): one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn usable() -> bool {
    let reason = if !nix::unistd::geteuid().is_root() {
        Some("not running as root".to_string())
    } else {
        match Command::new(env!("CARGO_BIN_EXE_kaudit"))
            .args(["status", "--json"])
            .env_remove("KAUDIT_FAKE_KERNEL")
            .output()
        {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(format!(
                "kaudit status failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Some(format!("cannot run kaudit: {e}")),
        }
    };
    let Some(reason) = reason else {
        return true;
    };
    if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("kernel required (KAUDIT_REQUIRE_KERNEL=1) but unusable: {reason}");
    }
    let _ = writeln!(std::io::stderr(), "SKIP (integrations): {reason}");
    false
}

/// Runs a test script; its PASS lines go to stderr (visible with
/// `--nocapture`), and a failure shows its whole output.
fn run_script(script: &str, args: &[&str], needs_kernel: bool) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    if needs_kernel && !usable() {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let start = std::time::Instant::now();
    let out = Command::new(&path)
        .arg(env!("CARGO_BIN_EXE_kaudit"))
        .args(args)
        .env_remove("KAUDIT_FAKE_KERNEL")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let passes = stdout.lines().filter(|l| l.starts_with("PASS ")).count();
    assert!(
        passes > 0 && stdout.contains("all passed"),
        "{script} ran no checks:\n{stdout}\n{stderr}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "{script}: {passes} checks passed in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn ansible_collection_with_real_plays() {
    run_script(
        "tests/integrations/ansible.sh",
        &["sanity", "fake", "live"],
        true,
    );
}

/// `ansible-test units`: the module and module_utils with a scripted
/// kaudit (tests/unit in the collection).
#[ignore = "needs ansible-test and the registry (scripts/test.sh runs it)"]
#[test]
fn ansible_collection_unit_tests() {
    run_script("tests/integrations/ansible.sh", &["units"], false);
}

#[ignore = "live kernel: needs root and audit (scripts/test.sh runs it)"]
#[test]
fn puppet_type_with_real_applies() {
    run_script("tests/integrations/puppet.sh", &["apply"], true);
}

/// RSpec (Debian's ruby-rspec and puppet) on the type and provider.
#[ignore = "needs rspec and puppet (scripts/test.sh runs it)"]
#[test]
fn puppet_type_rspec() {
    run_script("tests/integrations/puppet.sh", &["spec"], false);
}
