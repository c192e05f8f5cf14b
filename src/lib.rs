//! kaudit: a Linux audit rule tool, compatible with `auditctl`.
//!
//! Data flows one way through these layers:
//!
//! ```text
//! text ─► syntax (pest grammar, spans) ─► model (typed rules and commands)
//!      ─► codec (struct audit_rule_data bytes) ─► netlink (kernel transport)
//! kernel bytes ─► codec::decode ─► model ─► listing (`auditctl -l` text)
//! ```
//!
//! The kernel's numbers (message types, lists, fields, status bits, struct
//! sizes) are named once, in [`uapi`].
//!
//! Pure and testable without root: everything but [`netlink::socket`] (the
//! kernel connection), [`host`] (users, groups, `stat` of watched paths,
//! and the `/proc` facts a `-m` message carries), [`signal`] (signals
//! auditd for `--signal`), the machine-wide side effects ([`lock`],
//! [`expedite`]'s `rcu_expedited`, [`interrupt`]'s signal handlers,
//! [`atomic_file`]), and [`output`] (stdout and stderr). [`apply`] reaches
//! these only through the [`host::Host`] and the transport it is given.
//! Commands take a [`netlink::Transport`] (the native ones and the
//! `auditctl` and `augenrules` personalities alike through
//! [`cli::env::Env`], where [`cli::env::System`] binds the real kernel, root
//! and the machine lock), so they also run against the in-memory kernel
//! ([`netlink::fake`]).
#![deny(missing_docs)]

pub mod apply;
pub mod atomic_file;
pub mod cli;
pub mod cnum;
pub mod codec;
pub mod compile;
pub mod diag;
pub mod error;
pub mod exit;
pub mod expedite;
pub mod filevercmp;
pub mod host;
pub mod interrupt;
pub mod json;
pub mod kernel_rules;
pub mod lint;
pub mod listing;
pub mod lock;
pub mod model;
pub mod netlink;
pub mod output;
pub mod plan;
pub mod rulefile;
pub mod signal;
pub mod status;
pub mod stored_rule;
pub mod sync;
pub mod syntax;
pub mod tables;
pub mod uapi;
pub mod usage;

/// The reference auditctl release whose behaviour kaudit reproduces.
pub const REFERENCE_VERSION: &str = "4.2.1";
