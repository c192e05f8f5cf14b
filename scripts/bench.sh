#!/usr/bin/env bash
# Benchmark: kaudit against the reference auditctl 4.2.1, in the same run, on
# this machine's (shared) kernel, with ratios and the targets of issues 3, 4
# and 9. One script for everything (it replaces bench.sh and bench-sync.sh).
#
#   (a) unchanged 400-rule set (the community corpus, keys rewritten to our
#       own, padded with generated rules): `kaudit sync` against the reload
#       every loader does today (`auditctl -R` of the file with
#       `-D -k kbench-c` first).                    target: < 10 ms, >= 100x
#   (b) 1,000 rules: load from empty (-R) and -l, alternating tools; -D -k of
#       1,000 rules by each tool.                   target (load, -l): <= 0.5x
#   (c) 10,000 rules: load (-R) and -l by each tool; -D -k of 10,000 rules by
#       each tool (kaudit expedites the RCU grace periods of its deletes; the
#       reference does not: about 2 minutes of kernel time);
#       `kaudit sync` with one rule changed at the last, the first and the
#       middle position (5,000 rules move, each a delete + re-add pair) and
#       back; unchanged 10,000; the reference reload of 10,000.
#                                  targets: -D -k >= 50x faster than the
#                                  reference; one change at either end
#                                  < 150 ms; in the middle < 1 s
#   (d) the longest absence of a moved rule: 200 of the 10,000 moved, each a
#       delete and re-add in one datagram (examples/bench_kernel.rs), round
#       trip per pair (an upper bound of the absence).      target: < 1 ms
#   (e) delete order (issue 9 item 4): the last 5,000 and the first 5,000 of
#       the 10,000 deleted front to back (kaudit's order) and back to front.
#
# Usage: scripts/bench.sh [--quick] [--cycles N] [--list-reps N] [--reps N]
#                         [--ref-reps N] [--no-build] [--corpus FILE]
#
#   --quick        (a), (b) and a 2,000-rule version of (c)-(e) (about 1 minute)
#   --cycles N     load/delete cycles at 1,000 rules (default 4: loaders and
#                  deleters alternate reference/kaudit)
#   --list-reps N  -l repetitions per tool and per table (default 11, quick 5)
#   --reps N       repetitions of each kaudit sync measurement (default 11)
#   --ref-reps N   repetitions of the 400-rule reference reload (default 3)
#   --no-build     do not run `cargo build --release`
#   --corpus FILE  rules for (a) (default
#                  ../shared/corpus/community/neo23x0-audit.rules)
#
# Environment: KAUDIT_REF_CACHE (reference cache, default .cache/reference;
# fetched with scripts/fetch-reference.sh if missing), KAUDIT_LOCK_PATH (the
# machine lock, default /run/kaudit.lock), KAUDIT_BENCH_LOCK_WAIT (seconds to
# wait for the lock, default 900).
#
# Rules of the shared kernel: the whole run holds the machine lock (kaudit
# children get a private lock path); every rule it adds has a key starting
# with "kbench-"; syncs run with --scope key=kbench-...; deletes are
# `-D -k kbench-...` only (never a plain -D, never -e/-f/--loginuid-immutable);
# rcu_expedited is changed only by kaudit itself, which puts it back; the rule
# table must end exactly as it started, else the script fails.
# Timing: wall time of each command (bash's $EPOCHREALTIME), medians; CPU
# time of the measured process (user, and system = the kernel's work on the
# rules, done in the sender's context). Needs bash, coreutils, flock, root.
set -euo pipefail
shopt -s extglob

repo=$(cd "$(dirname "$0")/.." && pwd)
quick=0
cycles=""
list_reps=""
reps=11
ref_reps=3
build=1
corpus=""

die() {
    echo "bench: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --cycles) cycles=${2:?--cycles needs a number}; shift ;;
        --list-reps) list_reps=${2:?--list-reps needs a number}; shift ;;
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
[[ ${cycles:-4} == +([0-9]) && ${list_reps:-5} == +([0-9]) && $reps == +([0-9]) && $ref_reps == +([0-9]) ]] ||
    die "--cycles, --list-reps, --reps and --ref-reps take numbers"
cycles=${cycles:-4}
if [ "$quick" = 1 ]; then list_reps=${list_reps:-5}; else list_reps=${list_reps:-11}; fi
[ "$cycles" -ge 2 ] || die "--cycles must be at least 2 (one per tool)"
[ "$reps" -ge 1 ] && [ "$ref_reps" -ge 1 ] || die "--reps and --ref-reps must be at least 1"
[ "$(id -u)" = 0 ] || {
    echo "bench: needs root (it loads rules into the kernel)" >&2
    exit 4
}
if [ -z "$corpus" ]; then
    for c in "$repo/../shared/corpus/community/neo23x0-audit.rules" /work/shared/corpus/community/neo23x0-audit.rules; do
        [ -r "$c" ] && { corpus=$c; break; }
    done
fi

# ---------------------------------------------------------------- tools
ref_cache=${KAUDIT_REF_CACHE:-$repo/.cache/reference}
if [ ! -x "$ref_cache/auditctl" ]; then
    "$repo/scripts/fetch-reference.sh" "$ref_cache" >&2
fi
REF=$ref_cache/auditctl
if [ "$build" = 1 ]; then
    (cd "$repo" && cargo build --release --quiet --bin kaudit --example bench_kernel) || die "cargo build --release failed"
fi
KAUDIT_BIN=$repo/target/release/kaudit
BENCH_KERNEL=$repo/target/release/examples/bench_kernel
[ -x "$KAUDIT_BIN" ] || die "$KAUDIT_BIN missing (build it, or drop --no-build)"
[ -x "$BENCH_KERNEL" ] || die "$BENCH_KERNEL missing (cargo build --release --example bench_kernel)"
kaudit_mode=auditctl
K_LOAD=("$KAUDIT_BIN" auditctl -R)
K_LIST=("$KAUDIT_BIN" auditctl -l)
K_DEL=("$KAUDIT_BIN" auditctl -D -k kbench-)
kaudit_cmd="kaudit auditctl -R FILE / -l / -D -k kbench-, kaudit sync --scope key=kbench-"
R_LOAD=("$REF" -R)
R_LIST=("$REF" -l)
R_DEL=("$REF" -D -k kbench-)
R_DELC=("$REF" -D -k kbench-c)

# ---------------------------------------------------------------- timing
if [ -n "${EPOCHREALTIME:-}" ]; then
    stamp() { _now=${EPOCHREALTIME//[!0-9]/}; }
else
    stamp() { _now=$(date +%s%6N); }
fi

# "0.012" (seconds, from bash's time) -> 12 (ms)
sec_ms() { local d=${1//[!0-9]/}; echo $((10#${d:-0})); }

# timed OUT CMD...: runs CMD (stdout to OUT, stderr to the log, the lock's fd
# closed), fails the run on a non-zero exit; sets T_US to its wall time in µs
# and T_USER/T_SYS to its CPU time in user space and in the kernel (ms; the
# kernel handles audit netlink requests in the sender's context, so T_SYS is
# the kernel's work on the rules).
timed() {
    local out=$1 t0 rc=0 TIMEFORMAT='%3U %3S' u sy
    shift
    stamp
    t0=$_now
    { time "$@" >"$out" 2>>"$log" {lockfd}>&- || rc=$?; } 2>"$work/cpu"
    stamp
    T_US=$((_now - t0))
    [ "$rc" = 0 ] || die "exit $rc from: $* (see $log)"
    read -r u sy <"$work/cpu"
    T_USER=$(sec_ms "$u")
    T_SYS=$(sec_ms "$sy")
}

# median of the arguments (µs)
median() {
    local -a s
    mapfile -t s < <(printf '%s\n' "$@" | sort -n)
    local n=${#s[@]}
    if ((n % 2)); then echo "${s[n / 2]}"; else echo $(((s[n / 2 - 1] + s[n / 2]) / 2)); fi
}

# µs -> "12.3" ms
ms() { local x=$((($1 + 50) / 100)); echo "$((x / 10)).$((x % 10))"; }
# a/b with two decimals
ratio() { local x=$((($1 * 100 + $2 / 2) / $2)); printf '%d.%02d' $((x / 100)) $((x % 100)); }
# µs for n rules -> "12.34" ms per rule
per_rule() { local x=$((($1 + $2 * 5) / ($2 * 10))); printf '%d.%02d' $((x / 100)) $((x % 100)); }
# (a-b)/b as a signed percentage with one decimal
pct() {
    local x=$(((($1 - $2) * 1000) / $2)) sign=+
    if [ "$x" -lt 0 ]; then sign=-; x=$((-x)); fi
    printf '%s%d.%d%%' "$sign" $((x / 10)) $((x % 10))
}

# ---------------------------------------------------------------- lock, state
lock_path=${KAUDIT_LOCK_PATH:-/run/kaudit.lock}
# As kaudit takes it: a regular file, never through a symlink, created 0600
# (whoever can open it can hold it; kaudit refuses anything else).
if [ -L "$lock_path" ] || { [ -e "$lock_path" ] && [ ! -f "$lock_path" ]; }; then
    die "$lock_path is not a regular file; refusing to use it as the lock"
fi
umask_was=$(umask)
umask 077
exec {lockfd}>>"$lock_path"
umask "$umask_was"
if ! flock -n "$lockfd"; then
    echo "bench: waiting for the machine lock $lock_path ..." >&2
    flock -w "${KAUDIT_BENCH_LOCK_WAIT:-900}" "$lockfd" || die "could not take $lock_path"
fi

work=$(mktemp -d /tmp/kbench.XXXXXX)
log=$work/stderr.log
# kaudit children must not wait for the lock this script holds: their own
# lock goes to a private file (the machine lock is held here, for them).
export KAUDIT_LOCK_PATH=$work/child.lock

# rules of ours in the kernel (keys containing kbench-)
count_ours() {
    local n=0 line
    "$REF" -l >"$work/count.out" 2>>"$log" {lockfd}>&- || die "reference -l failed"
    while IFS= read -r line; do
        [[ $line == *kbench-* ]] && n=$((n + 1))
    done <"$work/count.out"
    echo "$n"
}

# our rules in the kernel, as -l lines (to $1)
ours() {
    "$REF" -l >"$work/all.out" 2>>"$log" {lockfd}>&- || die "reference -l failed"
    grep -E '(key=|-k )kbench-' "$work/all.out" >"$1" || true
}

"$REF" -l >"$work/table.before" 2>>"$log" {lockfd}>&- || die "reference -l failed"
leftover=$(count_ours)
if [ "$leftover" != 0 ]; then
    echo "bench: $leftover kbench- rules left by an earlier run; deleting them (-D -k kbench-)" >&2
    "${R_DEL[@]}" >/dev/null 2>>"$log" {lockfd}>&-
    "$REF" -l >"$work/table.before" 2>>"$log" {lockfd}>&-
fi
dirty=0

finish() {
    local rc=$? extra
    trap - EXIT INT TERM
    if [ "$dirty" = 1 ]; then
        echo "bench: cleaning up kbench- rules" >&2
        "${R_DEL[@]}" >/dev/null 2>>"$log" {lockfd}>&- || true
    fi
    "$REF" -l >"$work/table.after" 2>>"$log" {lockfd}>&- || true
    if [ "$(cksum <"$work/table.before")" != "$(cksum <"$work/table.after")" ]; then
        echo "bench: THE RULE TABLE DIFFERS FROM THE START; kept $work for inspection" >&2
        rc=1
    else
        extra=""
        [ "$rc" = 0 ] || extra=" (after a failure)"
        echo "bench: rule table as at the start$extra" >&2
        rm -rf "$work"
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- rules
fs=$work/fs
mkdir -p "$fs/bin"
for j in $(seq 0 15); do mkdir -p "$fs/w$j"; done

# gen N FILE: N distinct exit-list rules, keys kbench-0..N-1, a mix of
# syscall rules for both arches, file watches, path/exe/dir fields, a
# comparison, an argument filter.
gen() {
    local n=$1 file=$2 i w k
    local -a dirs=()
    for ((i = 0; i < n; i += 10)); do dirs+=("$fs/t$((i / 10))"); done
    mkdir -p "${dirs[@]}"
    for ((i = 0; i < n; i++)); do
        w=$fs/w$((i % 16))
        k="-k kbench-$i"
        case $((i % 10)) in
            0) echo "-a always,exit -F arch=b64 -S openat,openat2 -F exit=-EACCES -F auid>=1000 -F auid!=unset -F uid=$((100000 + i)) $k" ;;
            1) echo "-a always,exit -F arch=b32 -S open,openat -F exit=-EPERM -F auid=$((100000 + i)) $k" ;;
            2) echo "-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat -F auid=$((100000 + i)) -F auid!=unset $k" ;;
            3) echo "-a always,exit -F arch=b64 -S execve -C uid!=euid -F euid=0 -F gid=$((100000 + i)) $k" ;;
            4) echo "-w $w/f$i -p wa $k" ;;
            5) echo "-w $w/g$i -p rwxa $k" ;;
            6) echo "-a always,exit -F arch=b64 -S unlinkat,renameat,renameat2 -F path=$w/p$i -F success=0 $k" ;;
            7) echo "-a always,exit -F arch=b64 -S connect -F exe=$fs/bin/prog$i $k" ;;
            8) echo "-a always,exit -F dir=$fs/t$((i / 10)) -F perm=wa $k" ;;
            9) echo "-a always,exit -F arch=b64 -S kill,tkill,tgkill -F a1=9 -F pid!=$((100000 + i)) $k" ;;
        esac
    done >"$file"
}

# expect N: exactly N of our rules are in the kernel
expect() {
    local got
    got=$(count_ours)
    [ "$got" = "$1" ] || die "expected $1 kbench- rules in the kernel, found $got"
}

# CPU samples per measurement: cpu_user[NAME], cpu_sys[NAME] (space-separated ms)
declare -A cpu_user=() cpu_sys=()
cpu_add() { cpu_user[$1]+=" $2"; cpu_sys[$1]+=" $3"; }
# cpu_of NAME -> "user U ms, kernel S ms" (medians)
cpu_of() {
    local -a u s
    read -r -a u <<<"${cpu_user[$1]}"
    read -r -a s <<<"${cpu_sys[$1]}"
    echo "user $(median "${u[@]}") ms, kernel $(median "${s[@]}") ms"
}

report() { # report LABEL KAUDIT_US REF_US
    echo "  $1: kaudit: $(ms "$2") ms, reference: $(ms "$3") ms, kaudit/reference $(ratio "$2" "$3")"
}

# ---------------------------------------------------------------- header
kernel=$(uname -r)
cpu=unknown
while IFS= read -r line; do
    if [[ $line == "model name"* ]]; then cpu=${line#*: }; break; fi
done </proc/cpuinfo
ref_version=$("$REF" -v 2>/dev/null {lockfd}>&- || true)
kaudit_version=$("$KAUDIT_BIN" --version 2>/dev/null {lockfd}>&- || true)
git_rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "kaudit benchmark (auditctl personality, sync, deletes), $(date -u '+%Y-%m-%d %H:%M UTC')$([ "$quick" = 1 ] && echo ', --quick')"
echo "machine: $cpu, $(nproc) CPUs, kernel $kernel"
echo "reference: $ref_version ($REF)"
echo "kaudit: $kaudit_version, commit $git_rev, release build; measured: $kaudit_cmd"
echo "cycles at 1,000 rules: $cycles; -l repetitions: $list_reps per tool and table; sync repetitions: $reps"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine inflates wall times; CPU times are shown too)"
echo

# warm the page cache for both binaries
for _ in 1 2; do
    "$REF" -l >/dev/null 2>&1 {lockfd}>&- || true
    "${K_LIST[@]}" >/dev/null 2>&1 {lockfd}>&- || true
done

# plan_counts FILE: "D deletes, A adds" of `sync --dry-run --json`
plan_counts() {
    local out d a
    out=$("$KAUDIT_BIN" sync --dry-run --json "${SCOPE[@]}" "$1" 2>>"$log" {lockfd}>&-) || die "sync --dry-run --json $1 failed"
    d=$(grep -o '"op": *"delete"' <<<"$out" | wc -l)
    a=$(grep -oE '"op": *"(append|add|prepend)"' <<<"$out" | wc -l)
    echo "$d deletes, $a adds"
}
# reference/kaudit with one decimal and an x
times_x() { local x=$((($1 * 10 + $2 / 2) / $2)); printf '%d.%dx' $((x / 10)) $((x % 10)); }
yesno() { if "$@"; then echo yes; else echo NO; fi; }

SCOPE=(--scope key=kbench-c)
# ---------------------------------------------------------------- (a) 400 rules
# Candidates: the corpus's `-a always,exit` and `-w` lines, key rewritten to
# kbench-cc<n>; watches only where the parent directory exists.
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
        echo "$line -k kbench-cc$n" >>"$work/cand.rules"
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
    [[ $l =~ (key=|-k\ )(kbench-cc[0-9]+) ]] && loaded[${BASH_REMATCH[2]}]=1
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
        0) echo "-a always,exit -F arch=b64 -S openat,openat2 -F exit=-EACCES -F uid=$((300000 + i)) -k kbench-cg$i" ;;
        1) echo "-a always,exit -F arch=b32 -S open -F auid=$((300000 + i)) -k kbench-cg$i" ;;
        2) echo "-w $fs/g$i -p wa -k kbench-cg$i" ;;
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

# reference: -R of "-D -k kbench-c" + the same lines
{ echo "-D -k kbench-c"; cat "$work/u400.rules"; } >"$work/reload400.rules"
declare -a a_ref=()
for ((r = 0; r < ref_reps; r++)); do
    timed "$work/out" "$REF" -R "$work/reload400.rules"
    a_ref+=("$T_US")
    expect 400
done
ours "$work/l400.ref"
cmp -s "$work/l400.kaudit" "$work/l400.ref" || die "the table after the reference reload differs from kaudit's sync"
m_a_ref=$(median "${a_ref[@]}")
echo "  reference reload (-R with -D -k kbench-c first): median $(ms "$m_a_ref") ms of $ref_reps; all 400 rules absent for most of it"
timed "$work/out" "${R_DELC[@]}"
expect 0
dirty=0
echo


# ---------------------------------------------------------------- (b) 1,000 rules
n1=1000
gen "$n1" "$work/r1000.rules"
declare -a load1_ref=() load1_k=() list1_ref=() list1_k=() del_ref=() del_k=()

# list_round N ARR_REF ARR_K: -l reps, alternating, outputs compared
list_round() {
    local reps=$1 i
    local -n a_ref=$2 a_k=$3
    for ((i = 0; i < reps; i++)); do
        timed "$work/l.ref" "${R_LIST[@]}"
        a_ref+=("$T_US")
        cpu_add "$2" "$T_USER" "$T_SYS"
        timed "$work/l.k" "${K_LIST[@]}"
        a_k+=("$T_US")
        cpu_add "$3" "$T_USER" "$T_SYS"
    done
    [ "$(cksum <"$work/l.ref")" = "$(cksum <"$work/l.k")" ] ||
        die "-l outputs differ (kept in $work/l.ref, $work/l.k)"
}

echo "== (b) 1,000 rules: $cycles load/delete cycles"
for ((c = 0; c < cycles; c++)); do
    dirty=1
    if ((c % 2 == 0)); then
        timed /dev/null "${R_LOAD[@]}" "$work/r1000.rules"
        load1_ref+=("$T_US"); cpu_add load1_ref "$T_USER" "$T_SYS"; loader=reference
    else
        timed /dev/null "${K_LOAD[@]}" "$work/r1000.rules"
        load1_k+=("$T_US"); cpu_add load1_k "$T_USER" "$T_SYS"; loader=kaudit
    fi
    load_us=$T_US
    expect "$n1"
    list_round 3 list1_ref list1_k
    # deleters alternate the other way round, so each tool deletes a table
    # the other loaded as often as its own
    if (((c / 2 + c) % 2 == 0)); then
        timed /dev/null "${R_DEL[@]}"; del_ref+=("$T_US"); deleter=reference
    else
        timed /dev/null "${K_DEL[@]}"; del_k+=("$T_US"); deleter=kaudit
    fi
    expect 0
    dirty=0
    echo "  cycle $((c + 1)): load by $loader $(ms "$load_us") ms; -D -k by $deleter $(ms "$T_US") ms ($(per_rule "$T_US" "$n1") ms/rule)"
done
m_load1_ref=$(median "${load1_ref[@]}")
m_load1_k=$(median "${load1_k[@]}")
m_list1_ref=$(median "${list1_ref[@]}")
m_list1_k=$(median "${list1_k[@]}")
m_del1_ref=$(median "${del_ref[@]}")
m_del1_k=$(median "${del_k[@]}")
report "load 1,000 (-R)" "$m_load1_k" "$m_load1_ref"
report "-l, 1,000 rules" "$m_list1_k" "$m_list1_ref"
report "-D -k, 1,000 rules" "$m_del1_k" "$m_del1_ref"
echo

# ---------------------------------------------------------------- (c) 10,000 rules
if [ "$quick" = 1 ]; then n2=2000; else n2=10000; fi
label=$(printf "%'d" "$n2" 2>/dev/null || echo "$n2")
gen "$n2" "$work/big.rules"
# variant FILE INDEX: the big set with rule INDEX changed (another key)
variant() { sed "$(($2 + 1))s/-k kbench-$2\$/-k kbench-${2}x/" "$work/big.rules" >"$1"; }
variant "$work/last.rules" $((n2 - 1))
variant "$work/first.rules" 0
variant "$work/mid.rules" $((n2 / 2))
cmp -s "$work/big.rules" "$work/mid.rules" && die "the middle variant did not change"
SCOPE=(--scope key=kbench-)
declare -a list2_ref=() list2_k=()
echo "== (c) $label rules"
dirty=1
timed /dev/null "${R_LOAD[@]}" "$work/big.rules"
load2_ref=$T_US; cpu_add load2_ref "$T_USER" "$T_SYS"
expect "$n2"
echo "  load by reference $(ms "$load2_ref") ms (user $T_USER ms, kernel $T_SYS ms)"
list_round "$list_reps" list2_ref list2_k
timed /dev/null "${K_DEL[@]}"
del2_k=$T_US; cpu_add del2_k "$T_USER" "$T_SYS"
expect 0
echo "  -D -k by kaudit $(ms "$del2_k") ms ($(per_rule "$del2_k" "$n2") ms/rule; user $T_USER ms, kernel $T_SYS ms)"
timed /dev/null "${K_LOAD[@]}" "$work/big.rules"
load2_k=$T_US; cpu_add load2_k "$T_USER" "$T_SYS"
expect "$n2"
echo "  load by kaudit $(ms "$load2_k") ms (user $T_USER ms, kernel $T_SYS ms)"
list_round "$list_reps" list2_ref list2_k

declare -a s_same=() s_last=() s_first=() s_mid=()
for ((r = 0; r < reps; r++)); do
    timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/big.rules"
    s_same+=("$T_US"); cpu_add s_same "$T_USER" "$T_SYS"
done
plan_last=$(plan_counts "$work/last.rules")
plan_first=$(plan_counts "$work/first.rules")
plan_mid=$(plan_counts "$work/mid.rules")
for ((r = 0; r < (reps + 1) / 2; r++)); do
    for v in last first; do
        timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/$v.rules"
        eval "s_$v+=(\"\$T_US\")"; cpu_add "s_$v" "$T_USER" "$T_SYS"
        timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/big.rules"
        eval "s_$v+=(\"\$T_US\")"; cpu_add "s_$v" "$T_USER" "$T_SYS"
    done
done
expect "$n2"
timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/mid.rules"
s_mid+=("$T_US"); cpu_add s_mid "$T_USER" "$T_SYS"
timed "$work/out" "$KAUDIT_BIN" sync "${SCOPE[@]}" "$work/big.rules"
s_mid+=("$T_US"); cpu_add s_mid "$T_USER" "$T_SYS"
expect "$n2"
m_same=$(median "${s_same[@]}")
m_last=$(median "${s_last[@]}")
m_first=$(median "${s_first[@]}")
m_mid=$(median "${s_mid[@]}")
echo "  sync unchanged: median $(ms "$m_same") ms of ${#s_same[@]} ($(cpu_of s_same))"
echo "  sync, last rule changed ($plan_last) and back: median $(ms "$m_last") ms of ${#s_last[@]} ($(cpu_of s_last))"
echo "  sync, first rule changed ($plan_first) and back: median $(ms "$m_first") ms of ${#s_first[@]} ($(cpu_of s_first))"
echo "  sync, middle rule changed ($plan_mid) and back: $(ms "${s_mid[0]}") ms, $(ms "${s_mid[1]}") ms ($(cpu_of s_mid))"

# (e) delete order, then (d) moves (they reorder our rules; nothing after
# them depends on the order)
half=$((n2 / 2))
order_line=$("$BENCH_KERNEL" delete-order kbench- "$half" 2>>"$log" {lockfd}>&-) || die "bench_kernel delete-order failed (see $log)"
echo "  (e) $order_line"
moves_line=$("$BENCH_KERNEL" moves kbench- 200 2>>"$log" {lockfd}>&-) || die "bench_kernel moves failed (see $log)"
echo "  (d) $moves_line"
read -r fwd_last back_last fwd_first back_first < <(sed -E 's/.*last [0-9]+ front-to-back ([0-9]+) us, back-to-front ([0-9]+) us; first [0-9]+ front-to-back ([0-9]+) us, back-to-front ([0-9]+) us.*/\1 \2 \3 \4/' <<<"$order_line")
read -r mv_med mv_p99 mv_max < <(sed -E 's/.*median ([0-9]+) us, p99 ([0-9]+) us, max ([0-9]+) us.*/\1 \2 \3/' <<<"$moves_line")
expect "$n2"

{ echo "-D -k kbench-"; cat "$work/big.rules"; } >"$work/reload.rules"
timed /dev/null "${R_LOAD[@]}" "$work/reload.rules"
reload_ref=$T_US
expect "$n2"
echo "  reference reload (-R with -D -k kbench- first) $(ms "$reload_ref") ms"
timed /dev/null "${R_DEL[@]}"
del2_ref=$T_US; cpu_add del2_ref "$T_USER" "$T_SYS"
expect 0
dirty=0
echo "  -D -k by reference $(ms "$del2_ref") ms ($(per_rule "$del2_ref" "$n2") ms/rule; user $T_USER ms, kernel $T_SYS ms)"
m_list2_ref=$(median "${list2_ref[@]}")
m_list2_k=$(median "${list2_k[@]}")
echo

# ---------------------------------------------------------------- summary
half_x() { if [ $(($1 * 2)) -le "$2" ]; then echo yes; else echo NO; fi; }
echo "== summary (wall time, medians; kernel $(uname -r), $(nproc) CPUs; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| measurement | reference | kaudit | ratio | target | met |"
echo "|---|---:|---:|---:|---|---|"
echo "| -D -k of $label rules (kaudit expedites its deletes) | $(ms "$del2_ref") ms | $(ms "$del2_k") ms | $(times_x "$del2_ref" "$del2_k") faster | >= 50x faster | $(yesno test "$del2_ref" -ge $((50 * del2_k))) |"
echo "| -D -k of 1,000 rules | $(ms "$m_del1_ref") ms | $(ms "$m_del1_k") ms | $(times_x "$m_del1_ref" "$m_del1_k") faster | | |"
echo "| sync, one rule changed in $label, middle ($plan_mid; reference: reload) | $(ms "$reload_ref") ms | $(ms "$m_mid") ms | $(times_x "$reload_ref" "$m_mid") faster | < 1 s | $(yesno test "$m_mid" -lt 1000000) |"
echo "| sync, one rule changed in $label, first ($plan_first) | $(ms "$reload_ref") ms | $(ms "$m_first") ms | $(times_x "$reload_ref" "$m_first") faster | < 150 ms | $(yesno test "$m_first" -lt 150000) |"
echo "| sync, one rule changed in $label, last ($plan_last) | $(ms "$reload_ref") ms | $(ms "$m_last") ms | $(times_x "$reload_ref" "$m_last") faster | < 150 ms | $(yesno test "$m_last" -lt 150000) |"
echo "| sync, unchanged 400-rule set ($from_corpus corpus + $((400 - from_corpus)) generated; reference: reload) | $(ms "$m_a_ref") ms | $(ms "$m_a_k") ms | $(times_x "$m_a_ref" "$m_a_k") faster | < 10 ms | $(yesno test "$m_a_k" -lt 10000) |"
echo "| sync, unchanged $label | | $(ms "$m_same") ms | | | |"
echo "| longest absence of a moved rule (one delete + re-add datagram, 200 moves: median / p99 / max) | all rules absent for most of the reload | ${mv_med} / ${mv_p99} / ${mv_max} µs | | < 1 ms | $(yesno test "$mv_max" -lt 1000) (median $(yesno test "$mv_med" -lt 1000)) |"
echo "| load $label rules from empty (-R) | $(ms "$load2_ref") ms | $(ms "$load2_k") ms | $(ratio "$load2_k" "$load2_ref") | <= 0.50 | $(half_x "$load2_k" "$load2_ref") |"
echo "| load 1,000 rules from empty (-R) | $(ms "$m_load1_ref") ms | $(ms "$m_load1_k") ms | $(ratio "$m_load1_k" "$m_load1_ref") | <= 0.50 | $(half_x "$m_load1_k" "$m_load1_ref") |"
echo "| -l with $label rules | $(ms "$m_list2_ref") ms | $(ms "$m_list2_k") ms | $(ratio "$m_list2_k" "$m_list2_ref") | <= 0.50 | $(half_x "$m_list2_k" "$m_list2_ref") |"
echo "| -l with 1,000 rules | $(ms "$m_list1_ref") ms | $(ms "$m_list1_k") ms | $(ratio "$m_list1_k" "$m_list1_ref") | <= 0.50 | $(half_x "$m_list1_k" "$m_list1_ref") |"
echo
echo "Delete order ($half of $label deleted, expedited): the last $half front to back (kaudit) $(ms "$fwd_last") ms, back to front $(ms "$back_last") ms ($(ratio "$back_last" "$fwd_last")x); the first $half front to back $(ms "$fwd_first") ms, back to front $(ms "$back_first") ms ($(ratio "$back_first" "$fwd_first")x)."
echo
echo "CPU time of the measured process (median; \"kernel\" is system time, the kernel's work on the rules):"
echo
echo "| measurement | reference | kaudit |"
echo "|---|---|---|"
echo "| -D -k of $label rules | $(cpu_of del2_ref) | $(cpu_of del2_k) |"
echo "| load $label rules | $(cpu_of load2_ref) | $(cpu_of load2_k) |"
echo "| -l with $label rules | $(cpu_of list2_ref) | $(cpu_of list2_k) |"
echo "| sync, middle change of $label | | $(cpu_of s_mid) |"
echo "| sync, first/last change of $label | | $(cpu_of s_first) / $(cpu_of s_last) |"
