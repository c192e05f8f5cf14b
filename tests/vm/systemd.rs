//! The Debian packages and a real boot (issue 14): builds `kaudit` and
//! `kaudit-dropin` with `scripts/build-deb.sh --lintian` (lintian must report no
//! error), then boots the systemd guest of `scripts/vm-systemd.sh` (Debian 13
//! with systemd and auditd, from Debian's packages) three times:
//!
//! 1. `packages`: install and purge both packages on the running system
//!    (scenario 4), then install `kaudit` and enable `kaudit-rules.service`:
//!    the disk image the other two boot;
//! 2. `community`: the community rule set and `-e 2` loaded at boot (scenario 1);
//! 3. `refused`: a rule the kernel refuses at boot (scenario 2), then a fixed
//!    and changed `rules.d` applied by a second start and `systemctl reload`
//!    (scenario 3).
//!
//! 2 and 3 boot at the same time. Each boot has a time limit
//! (`KAUDIT_VM_TIMEOUT`, 300 s here). Every scenario's PASS/FAIL lines go to
//! stderr. Skips loudly when qemu or the guest cannot be set up, or the corpus
//! is missing, unless `KAUDIT_REQUIRE_VM=1`, which turns a skip into a failure.

use crate::host as vm_host;
use crate::scratch;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use vm_host::{repo, say, text, Boot};

/// Seconds one boot may take (boot, scenario, power-off) before it fails.
const BOOT_LIMIT_S: &str = "300";

fn vm(args: &[&str]) -> Command {
    let mut cmd = Command::new(repo().join("scripts/vm-systemd.sh"));
    cmd.args(args).env("KAUDIT_VM_TIMEOUT", BOOT_LIMIT_S);
    cmd
}

/// Prints one boot's output and says whether it passed: exit 0 and a
/// `RESULT: PASS` line with no `FAIL:` line.
fn report(boot: &Boot) -> bool {
    let ok = boot.code == Some(0)
        && boot.stdout.lines().any(|l| l == "RESULT: PASS")
        && !boot.stdout.lines().any(|l| l.starts_with("FAIL:"));
    say(&boot.headline("vm-systemd"));
    say(boot.stdout.trim_end());
    say(boot.stderr.trim_end());
    ok
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let out = Command::new("dpkg-deb")
        .args(args)
        .arg(deb)
        .output()
        .expect("run dpkg-deb");
    assert!(out.status.success(), "dpkg-deb {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the packages hold and need, read from the .deb files: a man page for
/// every page `kaudit generate-docs` writes (kaudit and each command), the
/// completions, the unit, the docs; dependencies on the libraries only, none
/// on auditd; the dropin's two links.
fn check_package_contents(bin: &Path, kaudit_deb: &Path, dropin_deb: &Path) {
    let files: Vec<String> = dpkg_deb(&["--contents"], kaudit_deb)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.trim_start_matches('.').to_string())
        .collect();
    let docs = scratch::dir("vm-docs");
    let out = Command::new(bin)
        .arg("generate-docs")
        .arg(&docs)
        .output()
        .expect("kaudit generate-docs");
    assert!(out.status.success(), "generate-docs: {}", text(&out));
    let mut pages: Vec<String> = std::fs::read_dir(docs.join("man8"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(
        pages.len() > 5 && pages.iter().any(|p| p == "kaudit-sync.8"),
        "{pages:?}"
    );
    let mut want: Vec<String> = pages
        .iter()
        .map(|p| format!("/usr/share/man/man8/{p}.gz"))
        .collect();
    want.extend(
        [
            "/usr/sbin/kaudit",
            "/usr/share/bash-completion/completions/kaudit",
            "/usr/share/zsh/vendor-completions/_kaudit",
            "/usr/share/fish/vendor_completions.d/kaudit.fish",
            "/usr/lib/systemd/system/kaudit-rules.service",
            "/usr/lib/systemd/system/audit-rules.service.d/kaudit.conf",
            "/usr/share/doc/kaudit/README.md.gz",
            "/usr/share/doc/kaudit/changelog.gz",
            "/usr/share/doc/kaudit/copyright",
        ]
        .map(String::from),
    );
    for f in &want {
        assert!(files.contains(f), "kaudit package lacks {f}: {files:?}");
    }
    let mut field = Command::new("dpkg-deb");
    field.args(["--field"]).arg(kaudit_deb).arg("Depends");
    let depends = String::from_utf8_lossy(&field.output().expect("dpkg-deb --field").stdout)
        .trim()
        .to_string();
    assert!(
        depends.contains("libc6") && !depends.contains("auditd"),
        "kaudit Depends: {depends}"
    );
    let dropin = dpkg_deb(&["--contents"], dropin_deb);
    for name in ["auditctl", "augenrules"] {
        assert!(
            dropin.contains(&format!("./usr/sbin/{name} -> kaudit")),
            "dropin lacks the {name} link: {dropin}"
        );
    }
    say(&format!(
        "packages: {} files in kaudit ({} man pages), Depends: {}",
        files.len(),
        pages.len(),
        depends
    ));
}

#[ignore = "throwaway VM: needs qemu and the VM cache (scripts/test.sh runs it)"]
#[test]
fn debian_packages_and_systemd_boot() {
    let _turn = vm_host::one_at_a_time();
    let started = Instant::now();
    let Some(bin) = vm_host::ready("vm-systemd", "scripts/vm-systemd.sh", &mut vm(&["setup"]))
    else {
        return;
    };

    // The packages, checked by lintian (a lintian error fails the build).
    // Packages and the installed image: too big for a small /tmp.
    let work = scratch::dir_in(&repo().join("target/tmp"), "vm-systemd");
    let debs = work.join("debs");
    let t = Instant::now();
    let build = Command::new(repo().join("scripts/build-deb.sh"))
        .arg("--lintian")
        .env("KAUDIT_BIN", &bin)
        .env("KAUDIT_DEB_OUT", &debs)
        .output()
        .expect("run scripts/build-deb.sh");
    say(&format!(
        "== build-deb --lintian: {:.1} s ==\n{}",
        t.elapsed().as_secs_f64(),
        text(&build).trim_end()
    ));
    assert!(
        build.status.success(),
        "scripts/build-deb.sh --lintian failed"
    );
    assert!(
        String::from_utf8_lossy(&build.stdout).contains("lintian: no errors"),
        "lintian did not run"
    );
    let version = env!("CARGO_PKG_VERSION");
    let stdout = String::from_utf8_lossy(&build.stdout);
    let deb = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.contains(prefix) && l.ends_with(".deb"))
            .map(PathBuf::from)
    };
    let (Some(kaudit_deb), Some(dropin_deb)) = (
        deb(&format!("/kaudit_{version}_")),
        deb(&format!("/kaudit-dropin_{version}_")),
    ) else {
        panic!("scripts/build-deb.sh did not name both packages");
    };
    assert!(
        kaudit_deb.is_file() && dropin_deb.is_file(),
        "packages missing in {debs:?}"
    );
    check_package_contents(&bin, &kaudit_deb, &dropin_deb);

    // Boot 1: scenario 4, and the image for the others.
    let image = work.join("installed.qcow2");
    let packages = Boot::run(
        "packages (scenario 4)",
        &mut vm(&[
            "image",
            kaudit_deb.to_str().unwrap(),
            dropin_deb.to_str().unwrap(),
            image.to_str().unwrap(),
        ]),
    );
    let mut failed = Vec::new();
    if !report(&packages) {
        failed.push("packages");
    }

    // Boots 2 and 3 at once, from that image.
    if failed.is_empty() {
        let boots = Instant::now();
        let image = image.to_str().unwrap();
        let runs: Vec<(&str, Boot)> = std::thread::scope(|s| {
            let handles: Vec<_> = [
                ("community", "community (scenario 1)"),
                ("refused", "refused (scenarios 2 and 3)"),
            ]
            .into_iter()
            .map(|(name, label)| {
                s.spawn(move || (name, Boot::run(label, &mut vm(&["scenario", name, image]))))
            })
            .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (name, boot) in &runs {
            if !report(boot) {
                failed.push(name);
            }
        }
        say(&format!(
            "vm-systemd: 2 scenario boots at once in {:.1} s",
            boots.elapsed().as_secs_f64()
        ));
    }
    drop(work);
    say(&format!(
        "vm-systemd: whole test {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    assert!(failed.is_empty(), "systemd VM scenarios failed: {failed:?}");
}
