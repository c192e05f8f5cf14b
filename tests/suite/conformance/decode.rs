//! A short, independent field-by-field decode of raw `audit_rule_data`
//! bytes, used only to print differences readably.

use std::fmt::Write;

fn word(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .map(|s| u32::from_ne_bytes(s.try_into().unwrap()))
        .unwrap_or(0)
}

fn field_name(f: u32) -> String {
    let n = match f {
        0 => "pid",
        1 => "uid",
        2 => "euid",
        3 => "suid",
        4 => "fsuid",
        5 => "gid",
        6 => "egid",
        7 => "sgid",
        8 => "fsgid",
        9 => "loginuid",
        10 => "pers",
        11 => "arch",
        12 => "msgtype",
        13 => "subj_user",
        14 => "subj_role",
        15 => "subj_type",
        16 => "subj_sen",
        17 => "subj_clr",
        18 => "ppid",
        19 => "obj_user",
        20 => "obj_role",
        21 => "obj_type",
        22 => "obj_lev_low",
        23 => "obj_lev_high",
        24 => "loginuid_set",
        25 => "sessionid",
        26 => "fstype",
        100 => "devmajor",
        101 => "devminor",
        102 => "inode",
        103 => "exit",
        104 => "success",
        105 => "path",
        106 => "perm",
        107 => "dir",
        108 => "filetype",
        109 => "obj_uid",
        110 => "obj_gid",
        111 => "field_compare",
        112 => "exe",
        113 => "saddr_fam",
        200 => "a0",
        201 => "a1",
        202 => "a2",
        203 => "a3",
        210 => "key",
        _ => return format!("f{f}"),
    };
    n.to_string()
}

fn is_string_field(f: u32) -> bool {
    matches!(f, 13..=17 | 19..=23 | 105 | 107 | 112 | 210)
}

fn op_name(op: u32) -> String {
    match op {
        0x0800_0000 => "&".into(),
        0x1000_0000 => "<".into(),
        0x2000_0000 => ">".into(),
        0x3000_0000 => "!=".into(),
        0x4000_0000 => "=".into(),
        0x4800_0000 => "&=".into(),
        0x5000_0000 => "<=".into(),
        0x6000_0000 => ">=".into(),
        o => format!("op{o:#x}"),
    }
}

/// One line: list, action, mask summary, then each field as name op value.
pub fn short(b: &[u8]) -> String {
    if b.len() < 1040 {
        return format!("<{} bytes, too short>", b.len());
    }
    let mut s = String::new();
    let nf = word(b, 8).min(64) as usize;
    let _ = write!(
        s,
        "flags={:#x} action={} nf={} ",
        word(b, 0),
        word(b, 4),
        word(b, 8)
    );
    let mask: Vec<u32> = (0..64).map(|i| word(b, 12 + 4 * i)).collect();
    if mask.iter().all(|&w| w == u32::MAX) {
        s.push_str("mask=all");
    } else if mask.iter().all(|&w| w == 0) {
        s.push_str("mask=none");
    } else {
        let set = |i: usize| mask[i / 32] & (1 << (i % 32)) != 0;
        let bits: Vec<String> = (0..2048)
            .filter(|&i| set(i))
            .map(|i| i.to_string())
            .collect();
        let clear: Vec<String> = (0..2048)
            .filter(|&i| !set(i))
            .map(|i| i.to_string())
            .collect();
        if clear.len() <= 24 {
            let _ = write!(s, "mask=all except [{}]", clear.join(","));
        } else if bits.len() > 24 {
            let _ = write!(s, "mask={} bits [{}..]", bits.len(), bits[..24].join(","));
        } else {
            let _ = write!(s, "mask=[{}]", bits.join(","));
        }
    }
    let buf = &b[1040..];
    let mut off = 0usize;
    for i in 0..nf {
        let f = word(b, 268 + 4 * i);
        let v = word(b, 524 + 4 * i);
        let op = word(b, 780 + 4 * i);
        if is_string_field(f) {
            let end = (off + v as usize).min(buf.len());
            let text = String::from_utf8_lossy(&buf[off.min(end)..end]).replace('\x01', "\\x01");
            off = end;
            let _ = write!(s, " | {}{}\"{}\"", field_name(f), op_name(op), text);
        } else {
            let _ = write!(s, " | {}{}{:#x}", field_name(f), op_name(op), v);
        }
    }
    let _ = write!(s, " | buflen={}", word(b, 1036));
    s
}
