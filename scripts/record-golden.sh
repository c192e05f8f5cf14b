#!/usr/bin/env bash
# Re-records tests/golden/conformance.jsonl: what the reference auditctl
# (Debian unstable's auditd, fetched by scripts/fetch-reference.sh) does with
# every case of the conformance test on this machine's live kernel. The file's
# first line names the reference, its package version, the kernel and the
# host facts the cases depend on. tests/suite/golden.rs replays it without root or
# a kernel; tests/suite/conformance.rs checks on every live run that it is current.
#
# Needs root and an audit-capable kernel; holds the machine lock case by case
# and needs an otherwise empty rule table (cases run beside other rules are
# not recorded, and the recording then fails).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-reference.sh >/dev/null
export KAUDIT_REF_CACHE=${KAUDIT_REF_CACHE:-$PWD/.cache/reference}
KAUDIT_RECORD_GOLDEN=1 KAUDIT_REQUIRE_KERNEL=1 cargo test --test suite -- \
    --ignored --exact --nocapture conformance::conformance_against_reference_auditctl
