//! The two hand-written ports of C behaviour, checked against the C they
//! port on random input: `kaudit::cnum` against glibc's `strtol`/`strtoul`
//! (called through libc), and the file-name order of rules directories
//! (gnulib's `filevercmp`) against GNU `sort -V`.

use proptest::prelude::*;
use std::ffi::CString;
use std::io::Write;
use std::process::{Command, Stdio};

/// glibc's answer: value, ERANGE, bytes consumed.
fn glibc_strtoul(s: &str, base: u32) -> (u64, bool, usize) {
    let c = CString::new(s).unwrap();
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call;
    // errno is thread-local and read right after the call.
    unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtoul(c.as_ptr(), &mut end, base as libc::c_int);
        let erange = *libc::__errno_location() == libc::ERANGE;
        (v as u64, erange, end.offset_from(c.as_ptr()) as usize)
    }
}

fn glibc_strtol(s: &str, base: u32) -> (i64, bool, usize) {
    let c = CString::new(s).unwrap();
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: as in glibc_strtoul.
    unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtol(c.as_ptr(), &mut end, base as libc::c_int);
        let erange = *libc::__errno_location() == libc::ERANGE;
        (v as i64, erange, end.offset_from(c.as_ptr()) as usize)
    }
}

/// Number-like text: leading blanks, a sign, a base prefix, digits of every
/// base, long runs that overflow, trailing garbage.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \t]{0,2}[+-]{0,2}(0[xX]?)?[0-9a-fA-F]{0,25}[g-zG-Z~ ]{0,2}",
        "[+-]?[0-9]{15,25}",
        "[+-]?0[xX][0-9a-fA-F]{14,20}",
        "[+-]?0[0-7]{18,24}",
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn cnum_is_glibc(s in number_text(), base in prop::sample::select(vec![0u32, 10, 16])) {
        let u = kaudit::cnum::strtoul(&s, base);
        let (v, erange, end) = glibc_strtoul(&s, base);
        prop_assert_eq!((u.value, u.overflow), (v, erange), "strtoul({:?}, {})", s, base);
        prop_assert_eq!(u.consumed, end, "strtoul({:?}, {}) end", s, base);
        let l = kaudit::cnum::strtol(&s, base);
        let (v, erange, end) = glibc_strtol(&s, base);
        prop_assert_eq!((l.value, l.overflow), (v, erange), "strtol({:?}, {})", s, base);
        prop_assert_eq!(l.consumed, end, "strtol({:?}, {}) end", s, base);
    }
}

/// Rules-file-like names: numbers, versions, dots, tildes, suffixes, hidden.
fn file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}-[a-z]{1,4}\\.rules",
        "\\.?[0-9a-z~.-]{1,8}(\\.rules|\\.tar\\.gz|\\.r1)?",
        "[a-z]{0,2}[0-9]{1,20}[a-z~]{0,2}[0-9]{0,3}",
        "[0-9.~a-zA-Z_-]{1,10}",
    ]
}

/// GNU `sort -s -V` of the names (C locale, one name a line).
fn sort_v(names: &[String]) -> Vec<String> {
    let mut child = Command::new("sort")
        .args(["-s", "-V"])
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("GNU sort");
    {
        let mut stdin = child.stdin.take().unwrap();
        for n in names {
            writeln!(stdin, "{n}").unwrap();
        }
    }
    let out = child.wait_with_output().expect("sort -V");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rules_directory_order_is_sort_v(names in prop::collection::vec(file_name(), 2..60)) {
        let mut ours = names.clone();
        ours.sort_by(|a, b| kaudit::filevercmp::filevercmp(a, b));
        prop_assert_eq!(ours, sort_v(&names));
    }
}

#[test]
fn sort_v_examples() {
    // Fixed points of the order augenrules relies on.
    let names: Vec<String> = [
        "10-x.rules",
        "2-x.rules",
        ".hidden",
        "99-finalize.rules",
        "1.0~rc1",
        "1.0",
        "a",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut ours = names.clone();
    ours.sort_by(|a, b| kaudit::filevercmp::filevercmp(a, b));
    assert_eq!(ours, sort_v(&names));
    assert_eq!(
        ours,
        [
            ".hidden",
            "1.0~rc1",
            "1.0",
            "2-x.rules",
            "10-x.rules",
            "99-finalize.rules",
            "a"
        ]
    );
}
