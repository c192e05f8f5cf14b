//! C library number parsing, reproduced exactly: auditctl reads every number
//! with `strtol`/`strtoul` in base 0 (or 16), ignores trailing garbage and
//! stores the result in a 32-bit word. Rules written for auditctl rely on
//! that (`0100` is octal, `59abc` is 59), so kaudit reads numbers the same way.

/// Result of a C `strto*` call: the value, and whether it overflowed
/// (`errno == ERANGE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed<T> {
    /// The value (clamped on overflow, as C clamps it).
    pub value: T,
    /// `errno` was set to ERANGE.
    pub overflow: bool,
    /// Bytes consumed (0 when no digits were found).
    pub consumed: usize,
}

/// Magnitude and sign as `strtoul`/`strtol` scan them.
fn scan(s: &str, base: u32) -> (bool, u128, bool, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let mut base = base;
    let has_hex_prefix = i + 2 < b.len()
        && b[i] == b'0'
        && (b[i + 1] | 0x20) == b'x'
        && b[i + 2].is_ascii_hexdigit();
    if (base == 0 || base == 16) && has_hex_prefix {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if i < b.len() && b[i] == b'0' { 8 } else { 10 };
    }
    let start = i;
    let mut value: u128 = 0;
    let mut big = false;
    while i < b.len() {
        let d = match (b[i] as char).to_digit(base) {
            Some(d) => d,
            None => break,
        };
        value = value * base as u128 + d as u128;
        if value > u64::MAX as u128 {
            big = true;
            value = u64::MAX as u128 + 1;
        }
        i += 1;
    }
    if i == start {
        return (false, 0, false, 0);
    }
    (negative, value, big, i)
}

/// `strtoul(s, NULL, base)` on a 64-bit machine.
pub fn strtoul(s: &str, base: u32) -> Parsed<u64> {
    let (negative, mag, big, consumed) = scan(s, base);
    if big || mag > u64::MAX as u128 {
        return Parsed {
            value: u64::MAX,
            overflow: true,
            consumed,
        };
    }
    let m = mag as u64;
    Parsed {
        value: if negative { m.wrapping_neg() } else { m },
        overflow: false,
        consumed,
    }
}

/// `strtol(s, NULL, base)` on a 64-bit machine.
pub fn strtol(s: &str, base: u32) -> Parsed<i64> {
    let (negative, mag, big, consumed) = scan(s, base);
    if negative {
        if big || mag > (i64::MAX as u128) + 1 {
            return Parsed {
                value: i64::MIN,
                overflow: true,
                consumed,
            };
        }
        Parsed {
            value: (mag as i128).wrapping_neg() as i64,
            overflow: false,
            consumed,
        }
    } else {
        if big || mag > i64::MAX as u128 {
            return Parsed {
                value: i64::MAX,
                overflow: true,
                consumed,
            };
        }
        Parsed {
            value: mag as i64,
            overflow: false,
            consumed,
        }
    }
}

/// `strtoul(s, NULL, 0)` stored in a `uint32_t` (truncated).
pub fn ul32(s: &str) -> u32 {
    strtoul(s, 0).value as u32
}

/// `strtol(s, NULL, 0)` stored in a `uint32_t` (truncated).
pub fn l32(s: &str) -> u32 {
    strtol(s, 0).value as u32
}

/// C `isdigit` on the first byte.
pub fn starts_with_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(|b| b.is_ascii_digit())
}

/// auditctl's test for "a negative number": at least two bytes, `-` then a digit.
pub fn is_negative_number(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && b[1].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_and_garbage() {
        assert_eq!(ul32("0100"), 0o100);
        assert_eq!(ul32("0x7C020000"), 0x7C02_0000);
        assert_eq!(ul32("59abc"), 59);
        assert_eq!(ul32("0x"), 0);
        assert_eq!(ul32("08"), 0);
        assert_eq!(l32("-1"), u32::MAX);
        assert_eq!(l32("-13"), (-13i32) as u32);
        assert_eq!(ul32("4294967296"), 0);
        assert_eq!(ul32("4294967295"), u32::MAX);
    }

    #[test]
    fn overflow_clamps_like_c() {
        assert!(strtoul("99999999999999999999999", 0).overflow);
        assert_eq!(strtol("99999999999999999999999", 0).value, i64::MAX);
        assert_eq!(strtol("-99999999999999999999999", 0).value, i64::MIN);
        assert_eq!(strtoul("-1", 0).value, u64::MAX);
        assert_eq!(strtoul("ff", 16).value, 255);
        assert_eq!(strtoul("0xc000003e", 16).value, 0xc000_003e);
    }
}
