#!/usr/bin/env bash
# Boot-style load on this machine (issue 5): the community rule set placed in
# a rules.d and loaded from an empty rule table, once by the reference
# `augenrules --load` (its script from Debian's auditd package, paths pointed
# at a scratch directory, running the reference auditctl) and once by
# `kaudit augenrules --load`, alternating, in the same run. Prints wall times
# (median) and the ratio.
#
#   scripts/bench-boot.sh [ROUNDS]      (default 3)
#
# The kernel is shared: this holds the machine lock for the whole run, needs
# the table to be empty at the start (the merged file begins with -D), never
# loads -e or -f 2 lines, and restores the rule table (empty) and the settings
# it found after every load and on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
corpus=${KAUDIT_CORPUS:-$PWD/../shared/corpus}
cache=${KAUDIT_REF_CACHE:-$PWD/.cache/reference}
kaudit=${KAUDIT_BIN:-$PWD/target/release/kaudit}
[ -x "$kaudit" ] || cargo build --release --quiet
[ -x "$cache/auditctl" ] || scripts/fetch-reference.sh "$cache" >/dev/null

# The machine lock as kaudit takes it: a regular file, never through a
# symlink, created 0600 (whoever can open it can hold it; kaudit refuses
# anything else, see src/lock.rs). `>>`: its contents are never touched.
lock_path=${KAUDIT_LOCK_PATH:-/run/kaudit.lock}
if [ -L "$lock_path" ] || { [ -e "$lock_path" ] && [ ! -f "$lock_path" ]; }; then
    echo "bench-boot: $lock_path is not a regular file; refusing to use it as the lock" >&2
    exit 1
fi
umask_was=$(umask)
umask 077
exec 9>>"$lock_path"
umask "$umask_was"
flock 9
# Children take their own lock file, or they would wait for ours.
KAUDIT_LOCK_PATH=$(mktemp)
export KAUDIT_LOCK_PATH

if [ "$("$kaudit" list)" != "No rules" ]; then
    echo "bench-boot: the kernel holds rules; this benchmark needs an empty table (the merged file starts with -D)" >&2
    exit 1
fi
status=$("$kaudit" status --json)
get() { printf '%s' "$status" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
backlog=$(get backlog_limit) bwt=$(get backlog_wait_time) failure=$(get failure) rate=$(get rate_limit)

work=$(mktemp -d)
restore() {
    "$kaudit" auditctl -D >/dev/null 2>&1 || true
    "$kaudit" auditctl -b "$backlog" -r "$rate" --backlog_wait_time "$bwt" >/dev/null 2>&1 || true
    if [ "$failure" != 2 ]; then "$kaudit" auditctl -f "$failure" >/dev/null 2>&1 || true; fi
}
cleanup() { restore; rm -rf "$work" "$KAUDIT_LOCK_PATH"; }
trap cleanup EXIT

# The rule set: the community file without what cannot load here, the same
# for both tools: lines kaudit rejects as input, lines that would lock or
# panic (-e, -f 2), and watches whose directory does not exist here.
mkdir -p "$work/rules.d"
src="$corpus/community/neo23x0-audit.rules"
# (kaudit exits 1 on those errors; only its line numbers matter here)
bad=$({ "$kaudit" load --dry-run "$src" 2>&1 || true; } | sed -n 's/^[^:]*:\([0-9]*\):[0-9]*: error: .*/\1/p' | sort -u)
awk -v bad=" $(echo "$bad" | tr '\n' ' ') " '
    index(bad, " " NR " ") { next }
    /^[ \t]*-e[ \t]/ || /^[ \t]*-f[ \t]+2/ { next }
    { print }' "$src" > "$work/all.rules"
while IFS= read -r line; do
    path=""
    case $line in
        "-w "*) path=${line#-w }; path=${path%% *} ;;
        *"-F path="*) path=${line#*-F path=}; path=${path%% *} ;;
        *"-F dir="*) path=${line#*-F dir=}; path=${path%% *}/x ;;
    esac
    if [ -n "$path" ] && [ ! -d "$(dirname "$path")" ]; then continue; fi
    printf '%s\n' "$line"
done < "$work/all.rules" > "$work/rules.d/30-community.rules"
nrules=$(grep -cE '^-(a|w) ' "$work/rules.d/30-community.rules" || true)

sed -e "s|DestinationFile=/etc/audit/audit.rules|DestinationFile=$work/ref.rules|" \
    -e "s|SourceRulesDir=/etc/audit/rules.d|SourceRulesDir=$work/rules.d|" \
    -e "s|auditctl_bin=\${exec_prefix}/sbin/auditctl|auditctl_bin=$cache/auditctl|" \
    "$cache/root/usr/sbin/augenrules" > "$work/augenrules"
chmod +x "$work/augenrules"

now() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ref_times=() k_times=() ref_rules="" k_rules=""
for ((i = 1; i <= rounds; i++)); do
    rm -f "$work/ref.rules"
    t0=$(now); "$work/augenrules" --load >/dev/null 2>&1 || true; t1=$(now)
    ref_times+=($(( (t1 - t0) / 1000 ))); ref_rules=$("$kaudit" list | grep -c . || true)
    restore
    rm -f "$work/ours.rules"
    t0=$(now)
    KAUDIT_AUGENRULES_DIR="$work/rules.d" KAUDIT_AUGENRULES_OUTPUT="$work/ours.rules" \
        "$kaudit" augenrules --load >/dev/null 2>&1 || true
    t1=$(now)
    k_times+=($(( (t1 - t0) / 1000 ))); k_rules=$("$kaudit" list | grep -c . || true)
    restore
    echo "round $i: reference ${ref_times[-1]} ms ($ref_rules rules), kaudit ${k_times[-1]} ms ($k_rules rules)"
done
r=$(printf '%s\n' "${ref_times[@]}" | median) k=$(printf '%s\n' "${k_times[@]}" | median)
echo "boot-style load of $nrules community rules on this machine ($(uname -r)), median of $rounds:"
echo "  reference augenrules --load: $r ms; kaudit augenrules --load: $k ms; ratio $(awk -v a="$k" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"
[ "$("$kaudit" list)" = "No rules" ] || { echo "bench-boot: rules left behind" >&2; exit 1; }
