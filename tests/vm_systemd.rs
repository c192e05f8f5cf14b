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

#[path = "common/vm_host.rs"]
mod vm_host;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;
use vm_host::{kaudit_binary, repo, say, tail, text};

/// Seconds one boot may take (boot, scenario, power-off) before it fails.
const BOOT_LIMIT_S: &str = "300";

/// Skips this test loudly, or fails it under `KAUDIT_REQUIRE_VM=1`.
fn skip(reason: &str) {
    vm_host::skip("vm-systemd", reason)
}

fn vm(args: &[&str]) -> Command {
    let mut cmd = Command::new(repo().join("scripts/vm-systemd.sh"));
    cmd.args(args).env("KAUDIT_VM_TIMEOUT", BOOT_LIMIT_S);
    cmd
}

/// Prints one boot's output and says whether it passed: exit 0 and a
/// `RESULT: PASS` line with no `FAIL:` line.
fn report(name: &str, out: &std::io::Result<Output>, secs: f64) -> bool {
    match out {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let ok = out.status.success()
                && stdout.lines().any(|l| l == "RESULT: PASS")
                && !stdout.lines().any(|l| l.starts_with("FAIL:"));
            say(&format!(
                "== vm-systemd {name}: exit {}, {secs:.1} s ==",
                out.status
                    .code()
                    .map_or("none".into(), |c: i32| c.to_string())
            ));
            say(stdout.trim_end());
            say(String::from_utf8_lossy(&out.stderr).trim_end());
            ok
        }
        Err(e) => {
            say(&format!("== vm-systemd {name}: cannot run: {e} =="));
            false
        }
    }
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
fn check_package_contents(bin: &Path, kaudit_deb: &Path, dropin_deb: &Path, work: &Path) {
    let files: Vec<String> = dpkg_deb(&["--contents"], kaudit_deb)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|p| p.trim_start_matches('.').to_string())
        .collect();
    let docs = work.join("docs");
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
    let started = Instant::now();
    let corpus = std::env::var_os("KAUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/corpus"));
    if !corpus.join("community/neo23x0-audit.rules").is_file() {
        return skip(&format!("no corpus at {}", corpus.display()));
    }
    let setup = match vm(&["setup"]).output() {
        Ok(out) if out.status.success() => out,
        Ok(out) => {
            return skip(&format!(
                "scripts/vm-systemd.sh setup failed:\n{}",
                tail(&out, 20)
            ))
        }
        Err(e) => return skip(&format!("cannot run scripts/vm-systemd.sh: {e}")),
    };
    say(&format!(
        "vm-systemd: setup {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        tail(&setup, 1)
    ));
    let bin = match kaudit_binary() {
        Ok(bin) => bin,
        Err(e) => return skip(&e),
    };

    // The packages, checked by lintian (a lintian error fails the build).
    let work = repo()
        .join("target/tmp")
        .join(format!("vm-systemd-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
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
    check_package_contents(&bin, &kaudit_deb, &dropin_deb, &work);

    // Boot 1: scenario 4, and the image for the others.
    let image = work.join("installed.qcow2");
    let t = Instant::now();
    let out = vm(&[
        "image",
        kaudit_deb.to_str().unwrap(),
        dropin_deb.to_str().unwrap(),
        image.to_str().unwrap(),
    ])
    .output();
    let mut failed = Vec::new();
    if !report("packages (scenario 4)", &out, t.elapsed().as_secs_f64()) {
        failed.push("packages");
    }

    // Boots 2 and 3 at once, from that image.
    if failed.is_empty() {
        let boots = Instant::now();
        let image = image.to_str().unwrap();
        let runs: Vec<(&str, std::io::Result<Output>, f64)> = std::thread::scope(|s| {
            let handles: Vec<_> = ["community", "refused"]
                .into_iter()
                .map(|name| {
                    s.spawn(move || {
                        let t = Instant::now();
                        let out = vm(&["scenario", name, image]).output();
                        (name, out, t.elapsed().as_secs_f64())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (name, out, secs) in &runs {
            let label = match *name {
                "community" => "community (scenario 1)",
                _ => "refused (scenarios 2 and 3)",
            };
            if !report(label, out, *secs) {
                failed.push(name);
            }
        }
        say(&format!(
            "vm-systemd: 2 scenario boots at once in {:.1} s",
            boots.elapsed().as_secs_f64()
        ));
    }
    let _ = std::fs::remove_dir_all(&work);
    say(&format!(
        "vm-systemd: whole test {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    assert!(failed.is_empty(), "systemd VM scenarios failed: {failed:?}");
}
