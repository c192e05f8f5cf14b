//! `kaudit list`: the kernel's rules, byte for byte as `auditctl -l` prints
//! them (or as JSON), and `kaudit list --watches [DIR]`: the path and dir
//! watches.

use super::env::{kernel_rules, Env};
use crate::error::Error;
use crate::exit;
use crate::json;
use crate::listing::contains;
use crate::listing::list_bytes;
use crate::model::{field, perm, Rule, Value};

/// Lists the kernel's rules; with `key`, only those whose key contains it.
pub fn run(env: &mut Env, key: Option<&str>, json: bool) -> Result<u8, Error> {
    let mut t = env.kernel.open()?;
    let rules: Vec<Rule> = kernel_rules(t.as_mut(), env.stderr)?
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let has_key = |r: &Rule, k: &str| r.key_bytes().is_some_and(|rk| contains(rk, k.as_bytes()));
    if json {
        let items: Vec<json::ListedRule> = rules
            .iter()
            .filter(|r| key.is_none_or(|k| has_key(r, k)))
            .map(|r| json::ListedRule::new(r, &env.host))
            .collect();
        let _ = env.stdout.write_all(json::line(&items).as_bytes());
        return Ok(exit::OK);
    }
    let text = match key {
        // auditctl prints nothing (not "No rules") when rules exist but none match.
        Some(k) if !rules.is_empty() => {
            let shown: Vec<Rule> = rules.into_iter().filter(|r| has_key(r, k)).collect();
            if shown.is_empty() {
                Vec::new()
            } else {
                list_bytes(&shown, &env.host)
            }
        }
        _ => list_bytes(&rules, &env.host),
    };
    let _ = env.stdout.write_all(&text);
    Ok(exit::OK)
}

/// Lists the path and dir watches (never-watches too): path, kind,
/// permissions, list and action, keys; with a `dir` that is not empty, only
/// the watches on `dir` itself and directly under it.
pub fn watches(env: &mut Env, dir: &str, json: bool) -> Result<u8, Error> {
    let mut t = env.kernel.open()?;
    let dir = dir.trim_end_matches('/');
    let mut rows = Vec::new();
    for (_, r) in kernel_rules(t.as_mut(), env.stderr)? {
        let Some((kind, path)) = r.fields.iter().find_map(|f| match (&f.value, f.number) {
            (Value::Bytes(b), field::WATCH) => Some(("path", b.clone())),
            (Value::Bytes(b), field::DIR) => Some(("dir", b.clone())),
            _ => None,
        }) else {
            continue;
        };
        // DIR itself, or an entry directly in it.
        let under = |p: &[u8]| {
            dir.is_empty()
                || p == dir.as_bytes()
                || p.strip_prefix(dir.as_bytes())
                    .and_then(|rest| rest.strip_prefix(b"/"))
                    .is_some_and(|rest| !rest.contains(&b'/'))
        };
        if !under(&path) {
            continue;
        }
        let perms = r
            .fields
            .iter()
            .find(|f| f.number == field::PERM)
            .map_or_else(
                || "-".to_string(),
                |f| perm::letters(f.num_value() & perm::ALL),
            );
        rows.push(json::Watch {
            path: json::Text(path),
            kind,
            perms,
            list: crate::tables::list_name(r.list.number()).unwrap_or("?"),
            action: crate::tables::action_name(r.action.number()).unwrap_or("?"),
            keys: r.keys().into_iter().map(json::Text::from).collect(),
        });
    }
    if json {
        let _ = env.stdout.write_all(json::line(&rows).as_bytes());
    } else {
        // Tab-separated columns; the path and keys as the bytes they are.
        for w in &rows {
            let mut row = w.path.0.clone();
            row.extend_from_slice(
                format!("\t{}\t{}\t{},{}\t", w.kind, w.perms, w.action, w.list).as_bytes(),
            );
            let keys: Vec<&[u8]> = w.keys.iter().map(|k| &k.0[..]).collect();
            row.extend_from_slice(&keys.join(&b","[..]));
            row.push(b'\n');
            let _ = env.stdout.write_all(&row);
        }
    }
    Ok(exit::OK)
}
