//! The test suite in one binary (issue 21: one library link instead of one
//! per file). Each module is one former `tests/NAME.rs`; tests that need
//! root, the live kernel or the reference are `#[ignore]`d with the reason
//! and hold the machine lock (`common::kernel`) while they run.
//!
//! Tests run as threads of this one process: none may change process-wide
//! state (environment, working directory, umask, signal handlers, rlimits);
//! children get their environment through `Command::env`.

mod common;
mod fake_kernel;
mod paths;
mod reference;
mod scratch;

mod augenrules;
mod augenrules_files;
mod beyond_reference;
mod bytes;
mod c_compat;
mod cli_auditctl;
mod cli_fake;
mod closed_output;
mod compile_listing;
mod conformance;
mod golden;
mod install;
mod interpret;
mod lint;
mod lint_corpus;
mod lint_props;
mod roundtrip;
mod rulesd;
mod stored_rule;
mod sync;
mod sync_safety;
mod sync_signals;
mod tables;
mod transport;
mod uapi;
mod undecodable;
mod user_output;
