//! The install script and the boot unit: staged installs put every file in
//! place, links are opt-in and never replace an existing file without
//! --force, and the unit passes `systemd-analyze verify`.

use std::path::Path;
use std::process::Command;

fn install(destdir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh"))
        .args([
            "--destdir",
            destdir.to_str().unwrap(),
            "--prefix",
            "/usr/local",
        ])
        .args(args)
        .env("KAUDIT_BIN", env!("CARGO_BIN_EXE_kaudit"))
        .output()
        .expect("run scripts/install.sh")
}

#[test]
fn staged_install_links_and_uninstall() {
    let d = std::env::temp_dir().join(format!("kaudit-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let o = install(&d, &["--auditctl-link", "--unit"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = |s: &str| d.join(s.trim_start_matches('/'));
    for f in [
        "/usr/local/sbin/kaudit",
        "/usr/local/share/man/man8/kaudit.8",
        "/usr/local/share/man/man8/kaudit-sync.8",
        "/usr/local/share/bash-completion/completions/kaudit",
        "/usr/local/share/zsh/site-functions/_kaudit",
        "/usr/local/share/fish/vendor_completions.d/kaudit.fish",
        "/etc/systemd/system/kaudit-rules.service",
        "/etc/systemd/system/audit-rules.service.d/kaudit.conf",
    ] {
        assert!(p(f).is_file(), "{f} missing");
    }
    assert_eq!(
        std::fs::read_link(p("/usr/local/sbin/auditctl")).unwrap(),
        Path::new("kaudit")
    );
    // An existing augenrules is not replaced without --force.
    std::fs::write(p("/usr/local/sbin/augenrules"), "#!/bin/sh\n").unwrap();
    let o = install(&d, &["--augenrules-link"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not replacing"));
    assert!(
        p("/usr/local/sbin/augenrules").is_file()
            && std::fs::read_link(p("/usr/local/sbin/augenrules")).is_err()
    );
    let o = install(&d, &["--augenrules-link", "--force"]);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_link(p("/usr/local/sbin/augenrules")).unwrap(),
        Path::new("kaudit")
    );
    let o = install(&d, &["--uninstall"]);
    assert!(o.status.success());
    assert!(!p("/usr/local/sbin/kaudit").exists() && !p("/usr/local/sbin/auditctl").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn boot_unit_verifies() {
    let Ok(out) = Command::new("systemd-analyze").arg("--version").output() else {
        if std::env::var("KAUDIT_REQUIRE_KERNEL").as_deref() == Ok("1") {
            panic!("systemd-analyze is missing (CI must have it)");
        }
        eprintln!("SKIP (unit): no systemd-analyze");
        return;
    };
    assert!(out.status.success());
    // The unit names the installed path; point it at the built binary.
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/kaudit-rules.service"),
    )
    .unwrap()
    .replace("/usr/sbin/kaudit", env!("CARGO_BIN_EXE_kaudit"));
    let dir = std::env::temp_dir().join(format!("kaudit-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kaudit-rules.service");
    std::fs::write(&path, unit).unwrap();
    let o = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "systemd-analyze verify: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Whitespace folded to single spaces (help text and man pages wrap).
fn folded(text: &[u8]) -> String {
    String::from_utf8_lossy(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn sync_help_and_man_page_name_the_round_limit() {
    let want = format!("up to {} rounds", kaudit::sync::MAX_ROUNDS);
    let bin = env!("CARGO_BIN_EXE_kaudit");
    let o = Command::new(bin).args(["sync", "--help"]).output().unwrap();
    assert!(o.status.success());
    let help = folded(&o.stdout);
    assert!(help.contains(&want), "sync --help lacks {want:?}: {help}");
    let dir = std::env::temp_dir().join(format!("kaudit-docs-{}", std::process::id()));
    let o = Command::new(bin)
        .arg("generate-docs")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = folded(&std::fs::read(dir.join("man8/kaudit-sync.8")).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        page.contains(&want),
        "kaudit-sync(8) lacks {want:?}: {page}"
    );
}
