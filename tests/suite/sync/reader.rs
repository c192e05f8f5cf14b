//! The gap watcher: a thread with its own audit socket that lists the
//! kernel's rules in a tight loop (listing needs no lock) and counts, per
//! snapshot, which of a set of keys are present.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kaudit::netlink::socket::NetlinkTransport;
use kaudit::netlink::Transport;

use crate::common::rule_key;

/// What the watcher saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// How many keys were watched.
    pub watched: usize,
    /// Snapshots taken.
    pub snapshots: usize,
    /// Snapshots in which at least one of the watched keys was missing.
    pub with_missing: usize,
    /// The fewest watched keys present in any snapshot.
    pub min_present: usize,
    /// Watched keys found missing at least once (up to 20).
    pub missing_examples: Vec<String>,
    /// Different counts of rules with the prefix seen (the sync's progress).
    pub prefix_counts: Vec<usize>,
    /// Snapshots that failed to list (errors), with the first message.
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

pub struct Watcher {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Seen>,
}

impl Watcher {
    /// Starts watching `keys`; `prefix` is counted for progress. Returns
    /// once the first snapshot has been taken.
    pub fn start(keys: Vec<String>, prefix: String) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicBool::new(false));
        let (stop2, started2) = (stop.clone(), started.clone());
        let handle = std::thread::spawn(move || {
            let watched: HashSet<String> = keys.into_iter().collect();
            let mut t = NetlinkTransport::open().expect("watcher: audit socket");
            let mut seen = Seen {
                watched: watched.len(),
                min_present: watched.len(),
                ..Seen::default()
            };
            let t0 = Instant::now();
            loop {
                // One more snapshot after `stop`, so the end state is seen.
                let last = stop2.load(Ordering::SeqCst);
                match t.list_rules() {
                    Ok(rules) => {
                        let present: HashSet<String> =
                            rules.iter().filter_map(|r| rule_key(r)).collect();
                        let n_prefix = present.iter().filter(|k| k.starts_with(&prefix)).count();
                        if seen.prefix_counts.last() != Some(&n_prefix) {
                            seen.prefix_counts.push(n_prefix);
                        }
                        let have = watched.iter().filter(|k| present.contains(*k)).count();
                        seen.snapshots += 1;
                        seen.min_present = seen.min_present.min(have);
                        if have < watched.len() {
                            seen.with_missing += 1;
                            for k in watched.iter().filter(|k| !present.contains(*k)) {
                                if seen.missing_examples.len() < 20
                                    && !seen.missing_examples.contains(k)
                                {
                                    seen.missing_examples.push(k.clone());
                                }
                            }
                        }
                    }
                    Err(e) => {
                        seen.errors += 1;
                        seen.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
                started2.store(true, Ordering::SeqCst);
                if last {
                    break;
                }
            }
            seen.elapsed = t0.elapsed();
            seen
        });
        while !started.load(Ordering::SeqCst) && !handle.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        Watcher { stop, handle }
    }

    pub fn finish(self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("watcher thread panicked")
    }

    /// Runs `job` (a sync, a load) while watching `keys`: its result, and
    /// what the watcher saw from before it started until after it ended.
    pub fn during<T>(keys: Vec<String>, prefix: String, job: impl FnOnce() -> T) -> (T, Seen) {
        let watcher = Watcher::start(keys, prefix);
        let result = job();
        (result, watcher.finish())
    }
}

impl Seen {
    /// The gap check: the watcher worked (no listing failed, a snapshot
    /// before and after at the least) and never saw a watched key missing.
    /// `what` names the change watched.
    pub fn assert_never_missing(&self, what: &str) {
        assert_eq!(
            self.errors, 0,
            "{what}: watcher errors: {:?}",
            self.first_error
        );
        assert!(
            self.snapshots >= 2,
            "{what}: watcher took {} snapshots",
            self.snapshots
        );
        assert_eq!(
            self.with_missing, 0,
            "{what}: watched rules were missing in {} of {} snapshots (fewest present {} of {}; e.g. {:?})",
            self.with_missing,
            self.snapshots,
            self.min_present,
            self.watched,
            self.missing_examples
        );
    }
}
