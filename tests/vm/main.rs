//! The throwaway-VM tests in one binary: `busybox` (the scenarios of
//! `tests/vm/scenarios/` on the kernel matrix) and `systemd` (the Debian
//! packages and a real boot). Both are `#[ignore]`d (they need qemu and
//! minutes) and take turns ([`host::one_at_a_time`]): each already boots two
//! guests at once.

mod busybox;
mod host;
// Shared with the suite: the repository and the corpus, and the
// temporary-directory helper.
#[path = "../suite/paths.rs"]
mod paths;
#[path = "../suite/scratch.rs"]
mod scratch;
mod systemd;
