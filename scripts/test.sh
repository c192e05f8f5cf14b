#!/usr/bin/env bash
# The whole test suite: set-up, then every test. Kernel tests need root and an
# audit-capable kernel; they skip loudly without them unless
# KAUDIT_REQUIRE_KERNEL=1, which turns the skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export KAUDIT_REF_CACHE=${KAUDIT_REF_CACHE:-$PWD/.cache/reference}
cargo test --all-targets
