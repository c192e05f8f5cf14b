//! Kernel-side timings for `scripts/bench.sh` that a shell cannot take.
//!
//! ```text
//! bench_kernel moves PREFIX N         move N of our rules (key PREFIX...)
//!                                     to the end, each a delete and its
//!                                     re-add in one datagram, expedited as
//!                                     sync does; prints the round trip of
//!                                     each pair (the longest a moved rule
//!                                     can be absent): median, p99, max
//! bench_kernel delete-order PREFIX K  deletes the last K and the first K of
//!                                     our rules front to back (kaudit's
//!                                     order) and back to front, expedited,
//!                                     putting them back in place after each
//!                                     (3 rounds, medians)
//! ```
//!
//! The caller holds the machine lock (the script does) and owns every rule
//! with the prefix. `rcu_expedited` is set only through
//! [`kaudit::expedite::ExpediteGuard`], so it comes back on every exit path
//! but SIGKILL (and then the next kaudit run restores it).

use std::time::{Duration, Instant};

use kaudit::codec::decode;
use kaudit::expedite::{ExpediteGuard, Knob};
use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::{Request, Transport};
use kaudit::uapi::AUDIT_FILTER_PREPEND;

fn ours(t: &mut NetlinkTransport, prefix: &str) -> Vec<Vec<u8>> {
    t.list_rules()
        .expect("AUDIT_LIST_RULES")
        .into_iter()
        .filter(|b| {
            decode(b).is_ok_and(|r| r.keys().iter().any(|k| k.starts_with(prefix.as_bytes())))
        })
        .collect()
}

fn run(t: &mut NetlinkTransport, requests: &[Request]) -> Duration {
    let t0 = Instant::now();
    let acks = t.execute(requests).expect("execute");
    let took = t0.elapsed();
    if let Some(e) = acks.iter().find_map(|a| a.err()) {
        panic!("the kernel refused a request: errno {e}");
    }
    took
}

fn prepend(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    let flags = u32::from_ne_bytes([v[0], v[1], v[2], v[3]]) | AUDIT_FILTER_PREPEND;
    v[..4].copy_from_slice(&flags.to_ne_bytes());
    v
}

fn us(d: Duration) -> u128 {
    d.as_micros()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench_kernel moves PREFIX N | delete-order PREFIX K";
    let (cmd, prefix, n) = match args.as_slice() {
        [_, c, p, n] => (c.as_str(), p.as_str(), n.parse::<usize>().expect(usage)),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let mut t = NetlinkTransport::open().expect("audit socket");
    let mine = ours(&mut t, prefix);
    let guard = ExpediteGuard::engage(&Knob::system());
    let expedited = if guard.is_ok() {
        "expedited"
    } else {
        "not expedited"
    };
    match cmd {
        "moves" => {
            assert!(
                mine.len() >= n && n > 0,
                "need {n} rules, have {}",
                mine.len()
            );
            let step = mine.len() / n;
            let mut times: Vec<Duration> = (0..n)
                .map(|i| {
                    let b = &mine[i * step];
                    run(
                        &mut t,
                        &[Request::del_rule(b.clone()), Request::add_rule(b.clone())],
                    )
                })
                .collect();
            times.sort();
            println!(
                "moves {n} of {} rules ({expedited}): median {} us, p99 {} us, max {} us",
                mine.len(),
                us(times[n / 2]),
                us(times[(n * 99 / 100).min(n - 1)]),
                us(times[n - 1])
            );
        }
        "delete-order" => {
            assert!(mine.len() >= 2 * n && n > 0, "need {} rules", 2 * n);
            let last: Vec<Vec<u8>> = mine[mine.len() - n..].to_vec();
            let first: Vec<Vec<u8>> = mine[..n].to_vec();
            let dels = |v: &[Vec<u8>]| -> Vec<Request> {
                v.iter().map(|b| Request::del_rule(b.clone())).collect()
            };
            let rev = |v: &[Vec<u8>]| -> Vec<Vec<u8>> { v.iter().rev().cloned().collect() };
            // The last K go back with appends in order, the first K with
            // prepends in reverse order: the same table every time. Three
            // rounds, the order that goes first alternating; medians.
            let appends: Vec<Request> = last.iter().map(|b| Request::add_rule(b.clone())).collect();
            let prepends: Vec<Request> = first
                .iter()
                .rev()
                .map(|b| Request::add_rule(prepend(b)))
                .collect();
            let (mut last_fwd, mut last_back, mut first_fwd, mut first_back) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for round in 0..3 {
                for forward in [round % 2 == 0, round % 2 != 0] {
                    let (l, f) = if forward {
                        (dels(&last), dels(&first))
                    } else {
                        (dels(&rev(&last)), dels(&rev(&first)))
                    };
                    let tl = run(&mut t, &l);
                    run(&mut t, &appends);
                    let tf = run(&mut t, &f);
                    run(&mut t, &prepends);
                    if forward {
                        last_fwd.push(tl);
                        first_fwd.push(tf);
                    } else {
                        last_back.push(tl);
                        first_back.push(tf);
                    }
                }
            }
            let median = |mut v: Vec<Duration>| {
                v.sort();
                v[v.len() / 2]
            };
            let (last_fwd, last_back, first_fwd, first_back) = (
                median(last_fwd),
                median(last_back),
                median(first_fwd),
                median(first_back),
            );
            assert_eq!(ours(&mut t, prefix), mine, "the table was not put back");
            println!(
                "delete-order {n} of {} rules ({expedited}, median of 3): last {n} front-to-back {} us, back-to-front {} us; first {n} front-to-back {} us, back-to-front {} us",
                mine.len(),
                us(last_fwd),
                us(last_back),
                us(first_fwd),
                us(first_back)
            );
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
    drop(guard);
}
