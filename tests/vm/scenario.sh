#!/usr/bin/env bash
# Runs one guest scenario in its own VM: tests/vm/scenario.sh NAME [ARG]
#
# NAME is a script in tests/vm/scenarios/ (without .sh); ARG, if given, is
# written to /test/arg for it. The test directory gets lib.sh and the corpus
# files the scenarios use, copied from KAUDIT_CORPUS (default
# <repo>/../shared/corpus; never committed). KAUDIT_VM_KERNEL picks the
# kernel of the matrix (bookworm, trixie, unstable; see scripts/vm.sh).
# Prints the guest's output and exits with its status (see scripts/vm.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=${1:?usage: tests/vm/scenario.sh NAME [ARG]}
script=$here/scenarios/$name.sh
[ -f "$script" ] || { echo "scenario: no $script" >&2; exit 2; }
corpus=${KAUDIT_CORPUS:-$repo/../shared/corpus}
[ -d "$corpus" ] || { echo "scenario: no corpus at $corpus (set KAUDIT_CORPUS)" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/kaudit-scenario.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/corpus"
cp "$script" "$dir/run"
chmod 755 "$dir/run"
cp "$here/lib.sh" "$dir/lib.sh"
cp "$corpus/community/neo23x0-audit.rules" "$corpus/upstream-samples/11-loginuid.rules" "$dir/corpus/"
if [ $# -ge 2 ]; then printf '%s\n' "$2" >"$dir/arg"; fi
rc=0
"$repo/scripts/vm.sh" run "$dir" || rc=$?
exit $rc
