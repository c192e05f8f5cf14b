//! Decode once: a compiled rule's decoded form, which sync prints and
//! scopes without decoding again, is exactly what decoding its bytes (as
//! the kernel lists them) gives, for every rule of the golden conformance
//! cases; and every rule the reference stored decodes whole.

use crate::conformance::golden;

use kaudit::compile::Compiled;
use kaudit::host::Host;
use kaudit::rulefile::compile_text;
use kaudit::stored_rule::StoredRule;

const GOLDEN: &str = include_str!("../golden/conformance.jsonl");

fn host(header: &serde_json::Value) -> Host {
    let machine = kaudit::tables::machine_by_name(header["machine"].as_str().unwrap()).unwrap();
    let ids = |key: &str| -> Vec<(String, u32)> {
        header[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(n, i)| (n.clone(), i.as_u64().unwrap() as u32))
            .collect()
    };
    let (users, groups) = (ids("users"), ids("groups"));
    let dirs: Vec<&str> = header["dirs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    Host::fixed(machine, &pairs(&users), &pairs(&groups), &dirs)
}

fn pairs(v: &[(String, u32)]) -> Vec<(&str, u32)> {
    v.iter().map(|(n, i)| (n.as_str(), *i)).collect()
}

#[test]
fn the_decoded_form_is_what_the_bytes_decode_to() {
    let mut lines = GOLDEN.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let host = host(&header);
    let (mut compiled, mut stored) = (0, 0);
    for line in lines {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        if case["kind"] != "add" {
            continue;
        }
        let text = case["text"].as_str().unwrap();
        let (entries, _) = compile_text("case", format!("{text}\n"), &host);
        for e in &entries {
            if let Compiled::Rule { rule, .. } | Compiled::Mixed { rule, .. } = &*e.compiled {
                let s = StoredRule::compiled(rule);
                let listed = StoredRule::from_kernel(s.bytes().to_vec());
                assert!(listed.problem().is_none(), "{text}");
                assert_eq!(listed.rule(), s.rule(), "{text}");
                assert_eq!(listed, s, "{text}");
                compiled += 1;
            }
        }
        if let Some(hex) = case["reference"]["added"]["bytes"].as_str() {
            let r = StoredRule::from_kernel(golden::unhex(hex).unwrap());
            assert!(r.problem().is_none(), "{text}: {:?}", r.problem());
            assert_eq!(r.add_payload(false), r.bytes(), "{text}");
            stored += 1;
        }
    }
    assert!(compiled > 2_000 && stored > 2_000, "{compiled} {stored}");
}
