//! `kaudit delete`: a rule given in auditctl syntax, or every rule with a
//! key.

use super::env::{kernel_rules, report, say, Env};
use crate::compile::{compile_args, Compiled};
use crate::error::Error;
use crate::exit;
use crate::netlink::{Request, Transport};

/// Deletes every rule with exactly the key `key`, or else the rule written
/// in `rule` (`-a`/`-w` forms mean the same rule); deletes expedite RCU
/// grace periods when `expedite` says so.
pub fn run(env: &mut Env, key: Option<&str>, rule: &[String], expedite: bool) -> Result<u8, Error> {
    if let Some(k) = key {
        if k.is_empty() {
            return Err(Error::EmptyKey);
        }
        let mut t = env.kernel.open_for_change(expedite)?;
        let doomed: Vec<Request> = kernel_rules(t.as_mut(), env.stderr)?
            .into_iter()
            .filter(|(_, r)| r.keys().contains(&k.as_bytes()))
            .map(|(b, _)| Request::del_rule(b))
            .collect();
        return send(t.as_mut(), env.stderr, doomed, &format!("with key {k}"));
    }
    if rule.is_empty() {
        return Err(Error::NothingToDelete);
    }
    let request = match compile_args(rule, &env.host) {
        Ok(Compiled::Rule { rule, .. }) => {
            Request::del_rule(crate::codec::encode(&rule.as_stored()))
        }
        Ok(_) => return Err(Error::NotARule),
        Err(d) => {
            report(
                env.stderr,
                &[d.at(None, 1, &crate::syntax::join_argv(rule))],
            );
            return Err(Error::BadRule);
        }
    };
    let mut t = env.kernel.open_for_change(expedite)?;
    send(t.as_mut(), env.stderr, vec![request], "matching that text")
}

/// Sends the deletes; each refusal is reported on `err` and makes the exit
/// code 1.
fn send(
    t: &mut dyn Transport,
    err: &mut dyn std::io::Write,
    requests: Vec<Request>,
    what: &str,
) -> Result<u8, Error> {
    if requests.is_empty() {
        return Err(Error::NoSuchRule(what.to_string()));
    }
    let acks = t.execute(&requests)?;
    let mut code = exit::OK;
    for a in &acks {
        if let Err(e) = a {
            say(
                err,
                &format!(
                    "kaudit: Error sending delete rule data request ({})",
                    crate::output::strerror(*e)
                ),
            );
            code = exit::FAILED;
        }
    }
    let n = acks.iter().filter(|a| a.is_ok()).count();
    say(err, &format!("kaudit: {n} rule(s) deleted"));
    Ok(code)
}
