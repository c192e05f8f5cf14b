#!/usr/bin/env bash
# Benchmark of `kaudit sync` (issue 4) against the reload every loader does
# today, in the same run, on this machine's (shared) kernel.
#
#   (a) sync of an unchanged 400-rule set (the community corpus, rewritten to
#       keys of our own, padded with generated rules if fewer than 400 load
#       here) against the reference `auditctl -R` of the same file starting
#       with `-D -k kbsync-` (delete everything, add everything back).
#       Targets: kaudit under 20 ms and at least 100 times faster.
#   (b) one rule changed in 10,000: the last rule (1 delete + 1 append) and
#       the first rule (1 delete + 1 prepend), each changed and changed back
#       twice. Target: under 200 ms. The full run also times a change in the
#       middle (the least change the kernel allows then deletes half the
#       list: about 5,000 deletes) and the reference reload of 10,000 rules
#       (about 2 minutes of kernel deletes); --quick skips both.
#
# Usage: scripts/bench-sync.sh [--quick] [--reps N] [--ref-reps N] [--no-build]
#                              [--corpus FILE]
#
#   --quick       skip the 10,000-rule middle change and reference reload
#                 (the 10,000 rules still have to be deleted: about 2 min)
#   --reps N      repetitions of each kaudit measurement (default 21)
#   --ref-reps N  repetitions of the 400-rule reference reload (default 3;
#                 each costs about 5 s of kernel deletes)
#   --no-build    do not run `cargo build --release`
#   --corpus FILE rules to take the 400 from (default
#                 ../shared/corpus/community/neo23x0-audit.rules)
#
# Environment: KAUDIT_REF_CACHE (reference cache, default .cache/reference;
# fetched with scripts/fetch-reference.sh if missing), KAUDIT_LOCK_PATH (the
# machine lock, default /run/kaudit.lock), KAUDIT_BENCH_LOCK_WAIT (seconds to
# wait for it, default 900).
#
# Rules of the shared kernel: the whole run holds the machine lock (kaudit
# children get a private KAUDIT_LOCK_PATH, the lock being held here); every
# rule added has a key starting with "kbsync-"; every sync runs with
# --scope key=kbsync-; deletes are `-D -k kbsync-` only; only `-a always,exit`
# and `-w` lines are taken from the corpus (no exclude/never rules, no
# settings); the table must end exactly as it started, else the script fails.
# Timing: wall time ($EPOCHREALTIME), medians.
set -euo pipefail
shopt -s extglob

repo=$(cd "$(dirname "$0")/.." && pwd)
quick=0
reps=21
ref_reps=3
build=1
corpus=""

die() {
    echo "bench-sync: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --reps) reps=${2:?--reps needs a number}; shift ;;
        --ref-reps) ref_reps=${2:?--ref-reps needs a number}; shift ;;
        --no-build) build=0 ;;
        --corpus) corpus=${2:?--corpus needs a file}; shift ;;
        -h | --help)
            while IFS= read -r line; do
                case $line in
                    "#!"*) ;;
                    "#"*) line=${line#\#}; echo "${line# }" ;;
                    *) break ;;
                esac
            done <"$0"
            exit 0
            ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
[[ $reps == +([0-9]) && $ref_reps == +([0-9]) ]] || die "--reps and --ref-reps take numbers"
if [ "$reps" -lt 1 ] || [ "$ref_reps" -lt 1 ]; then die "--reps and --ref-reps must be at least 1"; fi
[ "$(id -u)" = 0 ] || {
    echo "bench-sync: needs root (it loads rules into the kernel)" >&2
    exit 4
}
if [ -z "$corpus" ]; then
    for c in "$repo/../shared/corpus/community/neo23x0-audit.rules" /work/shared/corpus/community/neo23x0-audit.rules; do
        [ -r "$c" ] && { corpus=$c; break; }
    done
fi

# ---------------------------------------------------------------- tools
ref_cache=${KAUDIT_REF_CACHE:-$repo/.cache/reference}
if [ ! -x "$ref_cache/auditctl" ] && [ -x /work/main/.cache/reference/auditctl ]; then
    ref_cache=/work/main/.cache/reference
fi
if [ ! -x "$ref_cache/auditctl" ]; then
    "$repo/scripts/fetch-reference.sh" "$ref_cache" >&2
fi
REF=$ref_cache/auditctl
if [ "$build" = 1 ]; then
    (cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
fi
KAUDIT_BIN=$repo/target/release/kaudit
[ -x "$KAUDIT_BIN" ] || die "$KAUDIT_BIN missing (build it, or drop --no-build)"
"$KAUDIT_BIN" sync --help >/dev/null 2>&1 || die "this kaudit build has no sync command"
SCOPE=(--scope key=kbsync-)

# ---------------------------------------------------------------- timing
if [ -n "${EPOCHREALTIME:-}" ]; then
    stamp() { _now=${EPOCHREALTIME//[!0-9]/}; }
else
    stamp() { _now=$(date +%s%6N); }
fi

# timed OUT CMD...: runs CMD (stdout to OUT, stderr to the log, the lock's fd
# closed); fails the run on a non-zero exit; T_US is its wall time in µs.
timed() {
    local out=$1 t0 rc=0
    shift
    stamp
    t0=$_now
    "$@" >"$out" 2>>"$log" {lockfd}>&- || rc=$?
    stamp
    T_US=$((_now - t0))
    [ "$rc" = 0 ] || die "exit $rc from: $* (see $log)"
}

median() {
    local -a s
    mapfile -t s < <(printf '%s\n' "$@" | sort -n)
    local n=${#s[@]}
    if ((n % 2)); then echo "${s[n / 2]}"; else echo $(((s[n / 2 - 1] + s[n / 2]) / 2)); fi
}
# µs -> "12.3" ms
ms() { local x=$((($1 + 50) / 100)); echo "$((x / 10)).$((x % 10))"; }
# a/b with one decimal
ratio() { local x=$((($1 * 10 + $2 / 2) / $2)); printf '%d.%d' $((x / 10)) $((x % 10)); }
yesno() { if "$@"; then echo yes; else echo NO; fi; }

# ---------------------------------------------------------------- lock, state
lock_path=${KAUDIT_LOCK_PATH:-/run/kaudit.lock}
exec {lockfd}>>"$lock_path"
if ! flock -n "$lockfd"; then
    echo "bench-sync: waiting for the machine lock $lock_path ..." >&2
    flock -w "${KAUDIT_BENCH_LOCK_WAIT:-900}" "$lockfd" || die "could not take $lock_path"
fi

work=$(mktemp -d /tmp/kbsync.XXXXXX)
log=$work/stderr.log
export KAUDIT_LOCK_PATH=$work/child.lock

R_DEL=("$REF" -D -k kbsync-)

# our rules in the kernel, as -l lines (to $1)
ours() {
    "$REF" -l >"$work/all.out" 2>>"$log" {lockfd}>&- || die "reference -l failed"
    grep -E '(key=|-k )kbsync-' "$work/all.out" >"$1" || true
}
count_ours() {
    ours "$work/count.out"
    wc -l <"$work/count.out"
}
expect() {
    local got
    got=$(count_ours)
    [ "$got" = "$1" ] || die "expected $1 kbsync- rules in the kernel, found $got"
}

"$REF" -l >"$work/table.before" 2>>"$log" {lockfd}>&- || die "reference -l failed"
leftover=$(count_ours)
if [ "$leftover" != 0 ]; then
    echo "bench-sync: $leftover kbsync- rules left by an earlier run; deleting them (-D -k kbsync-)" >&2
    "${R_DEL[@]}" >/dev/null 2>>"$log" {lockfd}>&-
    "$REF" -l >"$work/table.before" 2>>"$log" {lockfd}>&-
fi
dirty=0

finish() {
    local rc=$? extra
    trap - EXIT INT TERM
    if [ "$dirty" = 1 ]; then
        echo "bench-sync: cleaning up kbsync- rules (-D -k kbsync-)" >&2
        "${R_DEL[@]}" >/dev/null 2>>"$log" {lockfd}>&- || true
    fi
    "$REF" -l >"$work/table.after" 2>>"$log" {lockfd}>&- || true
    if [ "$(cksum <"$work/table.before")" != "$(cksum <"$work/table.after")" ]; then
        echo "bench-sync: THE RULE TABLE DIFFERS FROM THE START; kept $work for inspection" >&2
        rc=1
    else
        extra=""
        [ "$rc" = 0 ] || extra=" (after a failure; log: see above)"
        echo "bench-sync: rule table as at the start$extra" >&2
        [ "$rc" = 0 ] && rm -rf "$work"
        [ "$rc" = 0 ] || echo "bench-sync: kept $work" >&2
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

# plan_counts FILE: "D deletes, A adds" of `sync --dry-run --json`
plan_counts() {
    local out d a
    out=$("$KAUDIT_BIN" sync --dry-run --json "${SCOPE[@]}" "$1" 2>>"$log" {lockfd}>&-) || die "sync --dry-run --json $1 failed"
    d=$(grep -o '"op": *"delete"' <<<"$out" | wc -l)
    a=$(grep -oE '"op": *"(append|add|prepend)"' <<<"$out" | wc -l)
    echo "$d deletes, $a adds"
}

# ---------------------------------------------------------------- header
kernel=$(uname -r)
cpu=unknown
while IFS= read -r line; do
    if [[ $line == "model name"* ]]; then cpu=${line#*: }; break; fi
done </proc/cpuinfo
echo "kaudit sync benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')$([ "$quick" = 1 ] && echo ', --quick')"
echo "machine: $cpu, $(nproc) CPUs, kernel $kernel"
echo "reference: $("$REF" -v 2>/dev/null {lockfd}>&- || true) ($REF)"
echo "kaudit: $("$KAUDIT_BIN" --version 2>/dev/null {lockfd}>&- || true), commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown), release build"
echo

fs=$work/fs
mkdir -p "$fs"

# ---------------------------------------------------------------- (a) 400 rules
# Candidates: the corpus's `-a always,exit` and `-w` lines, key rewritten to
# kbsync-c<n>; watches only where the parent directory exists.
n=0
: >"$work/cand.rules"
if [ -n "$corpus" ] && [ -r "$corpus" ]; then
    while IFS= read -r line; do
        line=${line%$'\r'}
        case $line in
            "-a always,exit "* | "-a exit,always "* | "-w "*) ;;
            *) continue ;;
        esac
        if [[ $line == "-w "* ]]; then
            read -r _ path _ <<<"$line"
            [ -d "$(dirname "$path")" ] || continue
        fi
        # drop existing keys (-k K, -F key=K)
        line=$(sed -E 's/ -k [^ ]+//g; s/ -F "?key=[^ ]+//g' <<<"$line")
        echo "$line -k kbsync-c$n" >>"$work/cand.rules"
        n=$((n + 1))
    done <"$corpus"
fi
# Lines kaudit rejects before sending are dropped; then the reference loads
# the rest with -c (continue past kernel refusals) to find what loads here.
"$KAUDIT_BIN" load --dry-run "$work/cand.rules" >/dev/null 2>"$work/cand.err" {lockfd}>&- || true
declare -A badline=()
while IFS= read -r l; do
    if [[ $l =~ ^$work/cand\.rules:([0-9]+): ]]; then badline[${BASH_REMATCH[1]}]=1; fi
done <"$work/cand.err"
i=0
: >"$work/cand2.rules"
while IFS= read -r line; do
    i=$((i + 1))
    [ -n "${badline[$i]:-}" ] || echo "$line" >>"$work/cand2.rules"
done <"$work/cand.rules"
{ echo "-c"; cat "$work/cand2.rules"; } >"$work/probe.rules"
dirty=1
"$REF" -R "$work/probe.rules" >/dev/null 2>>"$log" {lockfd}>&- || true
ours "$work/probe.out"
declare -A loaded=()
while IFS= read -r l; do
    [[ $l =~ (key=|-k\ )(kbsync-c[0-9]+) ]] && loaded[${BASH_REMATCH[2]}]=1
done <"$work/probe.out"
: >"$work/u400.rules"
taken=0
while IFS= read -r line && [ "$taken" -lt 400 ]; do
    k=${line##* }
    [ -n "${loaded[$k]:-}" ] || continue
    echo "$line" >>"$work/u400.rules"
    taken=$((taken + 1))
done <"$work/cand2.rules"
from_corpus=$taken
for ((i = 0; taken < 400; i++, taken++)); do
    case $((i % 3)) in
        0) echo "-a always,exit -F arch=b64 -S openat,openat2 -F exit=-EACCES -F uid=$((300000 + i)) -k kbsync-g$i" ;;
        1) echo "-a always,exit -F arch=b32 -S open -F auid=$((300000 + i)) -k kbsync-g$i" ;;
        2) echo "-w $fs/g$i -p wa -k kbsync-g$i" ;;
    esac
done >>"$work/u400.rules"
echo "== (a) unchanged 400-rule set: $from_corpus rules from $(basename "${corpus:-none}") ($n candidates: exit and watch lines, key rewritten; ${#loaded[@]} load here), $((400 - from_corpus)) generated"

# Bring the kernel to the set (from the probe's state: deletes the extras).
timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/u400.rules"
echo "  first sync (from the probe load of ${#loaded[@]} rules): $(ms "$T_US") ms"
expect 400
ours "$work/l400.kaudit"
plan=$(plan_counts "$work/u400.rules")
[ "$plan" = "0 deletes, 0 adds" ] || die "plan for the unchanged set is not empty: $plan"

# kaudit: unchanged sync, reps; the table must not change
"$REF" -l >"$work/t0" 2>>"$log" {lockfd}>&-
declare -a a_k=() a_check=()
for ((r = 0; r < reps; r++)); do
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/u400.rules"
    a_k+=("$T_US")
    timed "$work/out" "$KAUDIT_BIN" check "${SCOPE[@]}" "$work/u400.rules"
    a_check+=("$T_US")
done
"$REF" -l >"$work/t1" 2>>"$log" {lockfd}>&-
cmp -s "$work/t0" "$work/t1" || die "the table changed during unchanged syncs"
m_a_k=$(median "${a_k[@]}")
m_a_check=$(median "${a_check[@]}")
echo "  kaudit sync, unchanged: median $(ms "$m_a_k") ms of $reps (min $(ms "$(printf '%s\n' "${a_k[@]}" | sort -n | head -1)") ms); kaudit check: $(ms "$m_a_check") ms; table unchanged"

# reference: -R of "-D -k kbsync-" + the same lines
{ echo "-D -k kbsync-"; cat "$work/u400.rules"; } >"$work/reload400.rules"
declare -a a_ref=()
for ((r = 0; r < ref_reps; r++)); do
    timed "$work/out" "$REF" -R "$work/reload400.rules"
    a_ref+=("$T_US")
    expect 400
done
ours "$work/l400.ref"
cmp -s "$work/l400.kaudit" "$work/l400.ref" || die "the table after the reference reload differs from kaudit's sync"
m_a_ref=$(median "${a_ref[@]}")
echo "  reference reload (-R with -D -k kbsync- first): median $(ms "$m_a_ref") ms of $ref_reps; all 400 rules absent for most of it"
timed "$work/out" "${R_DEL[@]}"
expect 0
dirty=0
echo

# ---------------------------------------------------------------- (b) 10,000 rules
gen10k() { # gen10k FILE [CHANGED_INDEX]
    local file=$1 ch=${2:--1} i k u
    for ((i = 0; i < 10000; i++)); do
        k=kbsync-$i
        u=$((400000 + i))
        if [ "$i" = "$ch" ]; then k=kbsync-${i}x; u=$((500000 + i)); fi
        case $((i % 4)) in
            0) echo "-a always,exit -F arch=b64 -S openat,openat2 -F exit=-EACCES -F uid=$u -k $k" ;;
            1) echo "-a always,exit -F arch=b32 -S open -F auid=$u -k $k" ;;
            2) echo "-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat -F auid=$u -F auid!=unset -k $k" ;;
            3) echo "-a always,exit -F arch=b64 -S kill -F a1=9 -F pid!=$u -k $k" ;;
        esac
    done >"$file"
}
gen10k "$work/v1.rules"
gen10k "$work/vlast.rules" 9999
gen10k "$work/vfirst.rules" 0
gen10k "$work/vmid.rules" 5000
echo "== (b) one rule changed in 10,000"
dirty=1
timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/v1.rules"
load10k=$T_US
expect 10000
echo "  sync of 10,000 from empty: $(ms "$load10k") ms"
declare -a b_last=() b_first=()
plan_last=$(plan_counts "$work/vlast.rules")
for ((r = 0; r < 2; r++)); do
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/vlast.rules"
    b_last+=("$T_US")
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/v1.rules"
    b_last+=("$T_US")
done
expect 10000
plan_first=$(plan_counts "$work/vfirst.rules")
for ((r = 0; r < 2; r++)); do
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/vfirst.rules"
    b_first+=("$T_US")
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/v1.rules"
    b_first+=("$T_US")
done
expect 10000
timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/v1.rules"
b_same=$T_US
m_b_last=$(median "${b_last[@]}")
m_b_first=$(median "${b_first[@]}")
echo "  last rule changed ($plan_last), and back: median $(ms "$m_b_last") ms of ${#b_last[@]} (${b_last[*]} µs)"
echo "  first rule changed ($plan_first), and back: median $(ms "$m_b_first") ms of ${#b_first[@]} (${b_first[*]} µs)"
echo "  unchanged 10,000: $(ms "$b_same") ms"
b_mid="" b_ref=""
if [ "$quick" = 0 ]; then
    plan_mid=$(plan_counts "$work/vmid.rules")
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/vmid.rules"
    b_mid=$T_US
    expect 10000
    echo "  middle rule (5000) changed ($plan_mid): $(ms "$b_mid") ms"
    { echo "-D -k kbsync-"; cat "$work/v1.rules"; } >"$work/reload10k.rules"
    timed "$work/out" "$REF" -R "$work/reload10k.rules"
    b_ref=$T_US
    expect 10000
    echo "  reference reload of 10,000 (-D -k kbsync- first): $(ms "$b_ref") ms"
fi
timed "$work/out" "${R_DEL[@]}"
expect 0
dirty=0
echo "  cleanup (-D -k kbsync-, 10,000 deletes): $(ms "$T_US") ms"
echo

# ---------------------------------------------------------------- summary
echo "== summary (wall time, median)"
echo
echo "| measurement | reference reload | kaudit sync | reference/kaudit | target | met |"
echo "|---|---:|---:|---:|---|---|"
echo "| unchanged 400-rule set ($from_corpus corpus + $((400 - from_corpus)) generated), ${#a_ref[@]}+${#a_k[@]} runs | $(ms "$m_a_ref") ms | $(ms "$m_a_k") ms | $(ratio "$m_a_ref" "$m_a_k")× | < 20 ms and ≥ 100× | $(yesno test $((m_a_k < 20000 && m_a_ref >= 100 * m_a_k)) = 1) |"
if [ -n "$b_ref" ]; then
    echo "| one rule changed in 10,000, last ($plan_last) | $(ms "$b_ref") ms | $(ms "$m_b_last") ms | $(ratio "$b_ref" "$m_b_last")× | < 200 ms | $(yesno test "$m_b_last" -lt 200000) |"
    echo "| one rule changed in 10,000, first ($plan_first) | $(ms "$b_ref") ms | $(ms "$m_b_first") ms | $(ratio "$b_ref" "$m_b_first")× | < 200 ms | $(yesno test "$m_b_first" -lt 200000) |"
    echo "| one rule changed in 10,000, middle ($plan_mid), 1 run | $(ms "$b_ref") ms | $(ms "$b_mid") ms | $(ratio "$b_ref" "$b_mid")× | < 200 ms | $(yesno test "$b_mid" -lt 200000) |"
else
    echo "| one rule changed in 10,000, last ($plan_last) | not run (--quick) | $(ms "$m_b_last") ms | | < 200 ms | $(yesno test "$m_b_last" -lt 200000) |"
    echo "| one rule changed in 10,000, first ($plan_first) | not run (--quick) | $(ms "$m_b_first") ms | | < 200 ms | $(yesno test "$m_b_first" -lt 200000) |"
fi
echo "| unchanged 10,000-rule set, 1 run | | $(ms "$b_same") ms | | | |"
echo "| kaudit check, unchanged 400 | | $(ms "$m_a_check") ms | | | |"
echo
echo "Unaudited time for kept rules: kaudit sync 0 (kept rules are never deleted; tests/sync.rs proves it with a"
echo "watcher); the reference reload deletes every rule first, so all of them are absent for most of its wall time."
