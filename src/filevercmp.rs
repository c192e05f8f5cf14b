//! GNU `sort -V` order of file names: gnulib's `filevercmp`, which
//! augenrules sorts `rules.d` with, written by hand because the order must
//! match the C function exactly (`tests/suite/c_compat.rs` checks it against
//! `sort -V` on random names).

/// GNU `sort -V` order of file names (gnulib's `filevercmp`), which
/// augenrules uses: hidden names first; a file suffix like `.rules` is set
/// aside and compared only on a tie; otherwise Debian version comparison,
/// where digit runs compare as numbers and `~` sorts before everything.
pub fn filevercmp(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_ref(), b.as_ref());
    if a == b {
        return Ordering::Equal;
    }
    for special in [&b""[..], b".", b".."] {
        match (a == special, b == special) {
            (true, _) => return Ordering::Less,
            (_, true) => return Ordering::Greater,
            _ => {}
        }
    }
    match (a.starts_with(b"."), b.starts_with(b".")) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let (pa, pb) = (strip_suffix(a), strip_suffix(b));
    let r = if pa == pb {
        Ordering::Equal
    } else {
        verrevcmp(pa, pb)
    };
    if r == Ordering::Equal {
        verrevcmp(a, b)
    } else {
        r
    }
}

/// `name` without its longest suffix of the form `(\.[A-Za-z~][A-Za-z0-9~]*)*`.
fn strip_suffix(name: &[u8]) -> &[u8] {
    let b = name;
    let matches_from = |mut i: usize| -> bool {
        while i < b.len() {
            if b[i] != b'.'
                || i + 1 >= b.len()
                || !(b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'~')
            {
                return false;
            }
            i += 2;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'~') {
                i += 1;
            }
        }
        true
    };
    match (0..b.len()).find(|&i| b[i] == b'.' && matches_from(i)) {
        Some(i) => &name[..i],
        None => name,
    }
}

/// The rank of a byte in the non-digit parts of a version.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// Debian version comparison of two byte strings.
fn verrevcmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (mut i, mut j) = (0, 0);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(|c| c.is_ascii_digit());
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (x, y) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = std::cmp::Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == std::cmp::Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return std::cmp::Ordering::Greater;
        }
        if digit(b, j) {
            return std::cmp::Ordering::Less;
        }
        if first_diff != std::cmp::Ordering::Equal {
            return first_diff;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_directory_order() {
        let mut v = vec![
            "10-b.rules",
            "2-a.rules",
            "100-c.rules",
            "30-x-1-y.rules",
            "30-x.rules",
        ];
        v.sort_by(|a, b| filevercmp(a, b));
        // The .rules suffix is set aside: `30-x` sorts before `30-x-1-y`.
        assert_eq!(
            v,
            [
                "2-a.rules",
                "10-b.rules",
                "30-x.rules",
                "30-x-1-y.rules",
                "100-c.rules"
            ]
        );
    }
}
