//! The shipped rules.d starter set compiles without a diagnostic on this
//! machine, every watched path's directory exists, and with the optional
//! finalize file the lock comes last.

use kaudit::host::Host;
use kaudit::model::{field, Value};
use kaudit::sync::{desired_from_paths, Scope};
use std::path::Path;

#[test]
fn starter_rules_load_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules.d");
    let host = Host::detect();
    let desired = desired_from_paths(&[dir.to_string_lossy().into_owned()], &host, &Scope::All)
        .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.to_string()).collect::<String>()));
    assert!(desired.rules.len() >= 25, "{} rules", desired.rules.len());
    assert_eq!(desired.settings.backlog_limit, Some(8192));
    assert_eq!(desired.settings.enabled, None, "the lock is opt-in");
    for (bytes, origin) in &desired.rules {
        let rule = kaudit::codec::decode(bytes.bytes()).unwrap();
        for f in &rule.fields {
            if let (field::WATCH | field::DIR, Value::Bytes(p)) = (f.number, &f.value) {
                let p = String::from_utf8_lossy(p).into_owned();
                let parent = Path::new(&p).parent().unwrap_or(Path::new("/"));
                assert!(
                    parent.is_dir(),
                    "{}:{}: {p}: its directory does not exist here",
                    origin.file,
                    origin.line
                );
            }
        }
    }
}

#[test]
fn the_optional_finalize_file_locks_last() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules.d");
    let tmp = std::env::temp_dir().join(format!("kaudit-rulesd-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for e in std::fs::read_dir(&root).unwrap() {
        let e = e.unwrap();
        let name = e
            .file_name()
            .to_string_lossy()
            .replace(".rules.optional", ".rules");
        std::fs::copy(e.path(), tmp.join(name)).unwrap();
    }
    let d = desired_from_paths(
        &[tmp.to_string_lossy().into_owned()],
        &Host::detect(),
        &Scope::All,
    )
    .unwrap();
    assert_eq!(d.settings.enabled, Some(2));
    std::fs::remove_dir_all(&tmp).unwrap();
}
