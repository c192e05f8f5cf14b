#!/usr/bin/env bash
# The whole test suite: set-up, then every test. Kernel tests need root and an
# audit-capable kernel; they skip loudly without them unless
# KAUDIT_REQUIRE_KERNEL=1, which turns the skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export KAUDIT_REF_CACHE=${KAUDIT_REF_CACHE:-$PWD/.cache/reference}
# Live-kernel, root-only and VM tests are #[ignore]d, so that a plain
# `cargo test` reports them as not run; this suite runs them (they still skip
# loudly without root, audit or qemu, or fail with KAUDIT_REQUIRE_KERNEL=1 and
# KAUDIT_REQUIRE_VM=1).
cargo test --all-targets -- --include-ignored
