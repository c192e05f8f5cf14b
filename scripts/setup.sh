#!/usr/bin/env bash
# Set-up for a fresh Debian machine: the Rust toolchain (Debian's, if none is
# installed), the tools the scripts use, and the reference auditctl (fetched
# into .cache/reference; nothing is installed system-wide and no daemon runs).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v cargo >/dev/null || need+=(cargo rustc)
command -v python3 >/dev/null || need+=(python3)
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "setup: needs apt-get and dpkg-deb (Debian)" >&2; exit 1; }
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The table generator formats its output with rustfmt.
if ! command -v rustfmt >/dev/null; then
    if command -v rustup >/dev/null; then rustup component add rustfmt clippy; else
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustfmt >/dev/null; fi
fi
# Packaging (scripts/build-deb.sh): dpkg-shlibdeps, strip, lintian.
if ! command -v lintian >/dev/null || ! command -v dpkg-shlibdeps >/dev/null || ! command -v strip >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian dpkg-dev binutils >/dev/null
fi
scripts/fetch-reference.sh
scripts/sarif-validator.sh
scripts/vm.sh setup
scripts/setup-integrations.sh
scripts/vm-systemd.sh setup
