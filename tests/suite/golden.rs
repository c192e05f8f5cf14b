//! Conformance without root: replays the golden file
//! (`tests/golden/conformance.jsonl`, recorded from the reference `auditctl`
//! on a live kernel by `scripts/record-golden.sh`) against kaudit, with the
//! in-memory kernel and the recording machine's host facts. No root, no
//! kernel and no `../shared` needed: a contributor's laptop checks byte
//! identity as CI does. The live differential test (`tests/suite/conformance.rs`)
//! proves the golden file is current.
//!
//! For every case: where the reference added a rule, kaudit must compile the
//! line to a rule that, added to the in-memory kernel after the same fixture,
//! is stored with the same bytes at the same position and lists as the same
//! `-l` line; where it deleted one, kaudit's delete must remove that rule;
//! where it refused the line, kaudit must refuse it too (the refusals that
//! came from the kernel itself need the live test and are counted apart);
//! control lines must compile. Known differences (`tests/known-diffs.toml`)
//! are counted apart, as in the live test.

use crate::conformance::{golden, kaudit_side, known};

use golden::{Record, Reference};
use kaudit::host::Host;
use kaudit::netlink::fake::FakeKernel;
use kaudit::netlink::{Request, Transport};
use kaudit_side::{Compiled, Kaudit};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Identical,
    RejectedByBoth,
    /// The reference's refusal came from the kernel; kaudit compiled a rule
    /// that only a live kernel can refuse (the live test checks these).
    KernelRefusal,
    /// kaudit sends a syscall-class bit (`-S 2032`..`-S 2047`), which the
    /// kernel expands into the class's syscalls: everything but the mask is
    /// identical and the reference's stored mask holds kaudit's; only the
    /// live test sees the expansion.
    ClassExpansion,
    Known,
    Differing,
}

fn host(header: &golden::Header) -> Host {
    let machine = kaudit::tables::machine_by_name(&header.machine)
        .unwrap_or_else(|| panic!("unknown machine {:?} in the golden header", header.machine));
    let users: Vec<(&str, u32)> = header.users.iter().map(|(n, i)| (n.as_str(), *i)).collect();
    let groups: Vec<(&str, u32)> = header
        .groups
        .iter()
        .map(|(n, i)| (n.as_str(), *i))
        .collect();
    let dirs: Vec<&str> = header.dirs.iter().map(String::as_str).collect();
    Host::fixed(machine, &users, &groups, &dirs)
}

/// Adds `rules` to an empty in-memory kernel in order; the table as the
/// kernel lists it, or the errno of the first refusal. The in-memory kernel
/// keeps the bytes it is sent (prepend flag cleared); the real kernel also
/// folds the mask's syscall-class bits into syscalls, which
/// `stored_rule::stored_bytes` models (the live conformance test proves that model
/// on every case).
fn load(rules: &[Request]) -> Result<Vec<Vec<u8>>, i32> {
    let mut k = FakeKernel::new();
    for ack in k.execute(rules).expect("in-memory kernel") {
        ack?;
    }
    k.list_rules()
        .expect("in-memory kernel")
        .iter()
        .map(|b| {
            let rule = kaudit::codec::decode(b).expect("a rule kaudit encoded decodes");
            Ok(kaudit::stored_rule::stored_bytes(&rule))
        })
        .collect()
}

/// Offset and length of `audit_rule_data.mask` (64 words after flags,
/// action and field_count).
const MASK: std::ops::Range<usize> = 12..12 + 64 * 4;

/// For a rule that names syscall classes by bit (not `-S all`): whether it
/// matches the reference's stored rule up to the kernel's class expansion.
fn class_expansion(sent: &[u8], stored: &[u8]) -> Option<(Verdict, String)> {
    let mask = &sent[MASK];
    let class_bits = u32::from_ne_bytes(mask[252..256].try_into().unwrap()) >> 16;
    if class_bits == 0 || mask.iter().all(|b| *b == 0xff) {
        return None;
    }
    let outside_same = sent.len() == stored.len()
        && sent[..MASK.start] == stored[..MASK.start]
        && sent[MASK.end..] == stored[MASK.end..];
    let mut cleared = mask.to_vec();
    let last = u32::from_ne_bytes(mask[252..256].try_into().unwrap()) & 0xffff;
    cleared[252..256].copy_from_slice(&last.to_ne_bytes());
    let contained = cleared.iter().zip(&stored[MASK]).all(|(k, r)| k & r == *k);
    Some(if outside_same && contained {
        (Verdict::ClassExpansion, String::new())
    } else {
        (
            Verdict::Differing,
            "a syscall-class rule that differs beyond the class expansion".to_string(),
        )
    })
}

/// What kaudit does with one recorded case, and why when it differs.
fn replay(kaudit: &Kaudit, r: &Record) -> (Verdict, String) {
    let compiled = kaudit.compile(&r.text);
    let differ = |why: String| (Verdict::Differing, why);
    match (&r.reference, compiled) {
        (None, Err(d)) => differ(format!("control line refused: {d}")),
        (None, Ok(_)) => (Verdict::Identical, String::new()),
        (Some(Reference::Refused { .. }), Err(_) | Ok(Compiled::NoRule(_))) => {
            (Verdict::RejectedByBoth, String::new())
        }
        (Some(Reference::Refused { message }), Ok(_)) if r.refused_by_kernel() => {
            (Verdict::KernelRefusal, message.clone())
        }
        (Some(Reference::Refused { message }), Ok(_)) => differ(format!(
            "the reference refused it ({message}); kaudit compiled a rule"
        )),
        (Some(Reference::Added { .. } | Reference::Removed { .. }), Err(d)) => {
            differ(format!("kaudit refused it: {d}"))
        }
        (Some(Reference::Added { .. } | Reference::Removed { .. }), Ok(Compiled::NoRule(w))) => {
            differ(format!("kaudit compiled no rule: {w}"))
        }
        (
            Some(Reference::Added {
                position,
                bytes,
                line,
            }),
            Ok(Compiled::Add(kb)),
        ) => {
            let want = golden::unhex(bytes).expect("golden bytes");
            let mut requests = Vec::new();
            if let Some(setup) = &r.setup {
                requests.push(Request::add_rule(
                    golden::unhex(setup).expect("setup bytes"),
                ));
            }
            requests.push(Request::add_rule(kb));
            let table = match load(&requests) {
                Ok(t) => t,
                Err(e) => return differ(format!("the in-memory kernel refused it: errno {e}")),
            };
            if let Some(v) = class_expansion(&requests.last().unwrap().payload, &want) {
                return v;
            }
            let Some(at) = table.iter().position(|b| *b == want) else {
                return differ(format!(
                    "kaudit's rule is stored with other bytes\n    golden: {bytes}\n    kaudit: {}",
                    table
                        .iter()
                        .map(|b| golden::hex(b))
                        .collect::<Vec<_>>()
                        .join(" | ")
                ));
            };
            if at != *position {
                return differ(format!("at position {at}, the reference's at {position}"));
            }
            match kaudit.list_lines(&table) {
                Ok(lines) if lines.get(at) == Some(line) => (Verdict::Identical, String::new()),
                Ok(lines) => differ(format!(
                    "-l line differs\n    reference: {line}\n    kaudit:    {}",
                    lines.get(at).map(String::as_str).unwrap_or("<none>")
                )),
                Err(e) => differ(format!("listing failed: {e}")),
            }
        }
        (Some(Reference::Removed { bytes }), Ok(Compiled::Delete(kb))) => {
            let present = golden::unhex(bytes).expect("golden bytes");
            // The kernel matches a delete against the rule as it stored it
            // (class bits folded), which `stored_rule::stored_bytes` models.
            let rule = kaudit::codec::decode(&kb).expect("a rule kaudit encoded decodes");
            let mut k = FakeKernel::new();
            let acks = k
                .execute(&[
                    Request::add_rule(present),
                    Request::del_rule(kaudit::stored_rule::stored_bytes(&rule)),
                ])
                .expect("in-memory kernel");
            match (acks[1], k.rule_count()) {
                (Ok(_), 0) => (Verdict::Identical, String::new()),
                (a, n) => differ(format!(
                    "kaudit's delete did not remove the rule (ack {a:?}, {n} left)"
                )),
            }
        }
        (Some(Reference::Added { .. }), Ok(Compiled::Delete(_))) => {
            differ("the reference added a rule, kaudit deletes one".into())
        }
        (Some(Reference::Removed { .. }), Ok(Compiled::Add(_))) => {
            differ("the reference deleted a rule, kaudit adds one".into())
        }
        (Some(Reference::Odd { what }), _) => {
            differ(format!("the reference did something odd: {what}"))
        }
    }
}

#[test]
fn golden_conformance_replay() {
    let path = golden::path();
    let (header, records) =
        golden::read(&path).unwrap_or_else(|e| panic!("golden file {}: {e}", path.display()));
    let kaudit = Kaudit::with_host(host(&header));
    let known = known::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/known-diffs.toml"),
    );
    let mut counts = BTreeMap::<Verdict, usize>::new();
    let mut differences = Vec::new();
    for r in &records {
        let (mut v, why) = replay(&kaudit, r);
        if v == Verdict::Differing && known.contains_key(&known::normalize(&r.text)) {
            v = Verdict::Known;
        }
        if v == Verdict::Differing {
            differences.push(format!("{} {}\n    {why}", r.origin, r.text));
        }
        *counts.entry(v).or_default() += 1;
    }
    let get = |v| counts.get(&v).copied().unwrap_or(0);
    eprintln!(
        "golden replay ({}, kernel {}): {} cases: identical {}, rejected by both {}, \
         refused by the kernel (live test only) {}, class bits expanded by the kernel (live \
         test only) {}, known {}, differing {}",
        header.reference,
        header.kernel,
        records.len(),
        get(Verdict::Identical),
        get(Verdict::RejectedByBoth),
        get(Verdict::KernelRefusal),
        get(Verdict::ClassExpansion),
        get(Verdict::Known),
        get(Verdict::Differing),
    );
    assert!(
        differences.is_empty(),
        "{} cases differ from the reference's recorded behaviour:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // A golden file that lost its content would pass vacuously.
    assert!(
        get(Verdict::Identical) > 2000 && get(Verdict::RejectedByBoth) > 1000,
        "the golden file holds too few cases: {counts:?}"
    );
}

#[test]
fn the_replay_catches_a_difference() {
    // The replay must be able to fail: a recorded rule whose bytes or line
    // are not what kaudit produces is reported.
    let (header, records) = golden::read(&golden::path()).expect("golden file");
    let kaudit = Kaudit::with_host(host(&header));
    let original = records
        .iter()
        .find(|r| matches!(r.reference, Some(Reference::Added { .. })) && r.setup.is_none())
        .expect("an added rule in the golden file");
    assert_eq!(replay(&kaudit, original).0, Verdict::Identical);

    let mut wrong_line = original.clone();
    if let Some(Reference::Added { line, .. }) = &mut wrong_line.reference {
        line.push_str(" -k other");
    }
    assert_eq!(replay(&kaudit, &wrong_line).0, Verdict::Differing);

    let mut wrong_bytes = original.clone();
    if let Some(Reference::Added { bytes, .. }) = &mut wrong_bytes.reference {
        let mut b = golden::unhex(bytes).unwrap();
        b[8] ^= 1; // the action
        *bytes = golden::hex(&b);
    }
    assert_eq!(replay(&kaudit, &wrong_bytes).0, Verdict::Differing);

    let mut refused = original.clone();
    refused.reference = Some(Reference::Refused {
        message: "exit 1: Error in line 1".into(),
    });
    assert_eq!(replay(&kaudit, &refused).0, Verdict::Differing);
}
