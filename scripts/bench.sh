#!/usr/bin/env bash
# Benchmark: kaudit's auditctl personality against the reference auditctl, in
# the same run, on this machine's (shared) kernel.
#
#   1. load 1,000 rules from empty with -R FILE
#   2. load 10,000 rules from empty with -R FILE        (skipped with --quick)
#   3. -l with 10,000 rules loaded                       (1,000 with --quick)
#   4. -D -k kbench- of 1,000 rules, in ms per deleted rule, next to the
#      kernel's own cost per delete (the "floor": the same 1,000 rules deleted
#      one by one with the reference's -d/-W lines from a -R file, i.e. one
#      AUDIT_DEL_RULE and one ack per rule, no listing)
#
# Usage: scripts/bench.sh [--quick] [--cycles N] [--list-reps N] [--no-build]
#
#   --quick        1,000 rules only, fewer -l repetitions (about 1.5 minutes)
#   --cycles N     load/delete cycles at 1,000 rules (default 6; each costs
#                  about 12.5 s of kernel deletes). Loaders alternate
#                  reference/kaudit, deleters rotate reference -D, kaudit -D,
#                  floor; so 6 cycles give 3 loads per tool, 2 deletes each.
#   --list-reps N  -l repetitions per tool and per table (default 11, quick 5)
#   --no-build     do not run `cargo build --release`
#
# Environment: KAUDIT_REF_CACHE (reference cache, default .cache/reference;
# fetched with scripts/fetch-reference.sh if missing), KAUDIT_LOCK_PATH (the
# machine lock, default /run/kaudit.lock), KAUDIT_BENCH_LOCK_WAIT (seconds to
# wait for the lock, default 900).
#
# Rules of the shared kernel: the whole run holds the machine lock; every rule
# it adds has a key starting with "kbench-" and is deleted with
# `-D -k kbench-` only (never a plain -D, never -e/-f/--loginuid-immutable);
# the rule table must end exactly as it started, else the script fails.
# Timing: wall time of each command (bash's $EPOCHREALTIME, no fork; falls
# back to `date +%s%N`), median of the repetitions. Needs bash and coreutils,
# flock (util-linux) and root.
set -euo pipefail
shopt -s extglob

repo=$(cd "$(dirname "$0")/.." && pwd)
quick=0
cycles=""
list_reps=""
build=1

die() {
    echo "bench: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --cycles) cycles=${2:?--cycles needs a number}; shift ;;
        --list-reps) list_reps=${2:?--list-reps needs a number}; shift ;;
        --no-build) build=0 ;;
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
[[ ${cycles:-6} == +([0-9]) && ${list_reps:-5} == +([0-9]) ]] || die "--cycles and --list-reps take numbers"
cycles=${cycles:-6}
if [ "$quick" = 1 ]; then list_reps=${list_reps:-5}; else list_reps=${list_reps:-11}; fi
[ "$cycles" -ge 3 ] || die "--cycles must be at least 3 (one per deleter)"
[ "$(id -u)" = 0 ] || {
    echo "bench: needs root (it loads rules into the kernel)" >&2
    exit 4
}

# ---------------------------------------------------------------- tools
ref_cache=${KAUDIT_REF_CACHE:-$repo/.cache/reference}
if [ ! -x "$ref_cache/auditctl" ]; then
    "$repo/scripts/fetch-reference.sh" "$ref_cache" >&2
fi
REF=$ref_cache/auditctl
if [ "$build" = 1 ]; then
    (cd "$repo" && cargo build --release --quiet) || die "cargo build --release failed"
fi
KAUDIT_BIN=$repo/target/release/kaudit
[ -x "$KAUDIT_BIN" ] || die "$KAUDIT_BIN missing (build it, or drop --no-build)"

# Which kaudit command: the auditctl personality if this build has it, else
# the native commands (load and list only; -D -k then cannot be measured).
if "$KAUDIT_BIN" auditctl -v >/dev/null 2>&1; then
    kaudit_mode=auditctl
    K_LOAD=("$KAUDIT_BIN" auditctl -R)
    K_LIST=("$KAUDIT_BIN" auditctl -l)
    K_DEL=("$KAUDIT_BIN" auditctl -D -k kbench-)
    kaudit_cmd="kaudit auditctl -R FILE / kaudit auditctl -l / kaudit auditctl -D -k kbench-"
else
    kaudit_mode=native
    K_LOAD=("$KAUDIT_BIN" load)
    K_LIST=("$KAUDIT_BIN" list)
    K_DEL=()
    kaudit_cmd="kaudit load FILE / kaudit list (no auditctl personality in this build: -D not measured)"
fi
R_LOAD=("$REF" -R)
R_LIST=("$REF" -l)
R_DEL=("$REF" -D -k kbench-)

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
exec {lockfd}>>"$lock_path"
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

# the same rules as deletions (-d/-W), for the kernel floor
gen_deletes() {
    local line
    while IFS= read -r line; do
        case $line in
            "-a "*) echo "-d ${line#-a }" ;;
            "-w "*) echo "-W ${line#-w }" ;;
        esac
    done <"$1" >"$2"
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
    echo "$1: kaudit: $(ms "$2") ms, reference: $(ms "$3") ms, ratio $(ratio "$2" "$3")"
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
echo "kaudit benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')$([ "$quick" = 1 ] && echo ', --quick')"
echo "machine: $cpu, $(nproc) CPUs, kernel $kernel"
echo "reference: $ref_version ($REF)"
echo "kaudit: $kaudit_version, commit $git_rev, release build; measured: $kaudit_cmd"
echo "cycles at 1,000 rules: $cycles; -l repetitions: $list_reps per tool and table"
echo

# warm the page cache for both binaries
for _ in 1 2; do
    "$REF" -l >/dev/null 2>&1 {lockfd}>&- || true
    "${K_LIST[@]}" >/dev/null 2>&1 {lockfd}>&- || true
done

# ---------------------------------------------------------------- 1,000 rules
n1=1000
gen "$n1" "$work/r1000.rules"
gen_deletes "$work/r1000.rules" "$work/d1000.rules"

declare -a load1_ref=() load1_k=() list1_ref=() list1_k=() del_ref=() del_k=() floor=()
deleters=(reference kaudit floor)
[ ${#K_DEL[@]} -gt 0 ] || deleters=(reference floor)

# list_round N ARR_REF ARR_K OUTPREFIX: -l reps, alternating, outputs compared
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

echo "== 1,000 rules: $cycles load/delete cycles"
for ((c = 0; c < cycles; c++)); do
    dirty=1
    if ((c % 2 == 0)); then
        timed /dev/null "${R_LOAD[@]}" "$work/r1000.rules"
        load1_ref+=("$T_US")
        cpu_add load1_ref "$T_USER" "$T_SYS"
        loader=reference
    else
        timed /dev/null "${K_LOAD[@]}" "$work/r1000.rules"
        load1_k+=("$T_US")
        cpu_add load1_k "$T_USER" "$T_SYS"
        loader=kaudit
    fi
    load_us=$T_US
    load_cpu="user $T_USER ms, kernel $T_SYS ms"
    expect "$n1"
    list_round 3 list1_ref list1_k
    deleter=${deleters[c % ${#deleters[@]}]}
    case $deleter in
        reference) timed /dev/null "${R_DEL[@]}"; del_ref+=("$T_US") ;;
        kaudit) timed /dev/null "${K_DEL[@]}"; del_k+=("$T_US") ;;
        floor) timed /dev/null "$REF" -R "$work/d1000.rules"; floor+=("$T_US"); deleter="floor (raw -d)" ;;
    esac
    expect 0
    dirty=0
    echo "  cycle $((c + 1)): load by $loader $(ms "$load_us") ms ($load_cpu); delete by $deleter $(ms "$T_US") ms ($(per_rule "$T_US" "$n1") ms/rule)"
done

m_load1_ref=$(median "${load1_ref[@]}")
m_load1_k=$(median "${load1_k[@]}")
m_list1_ref=$(median "${list1_ref[@]}")
m_list1_k=$(median "${list1_k[@]}")
m_del_ref=$(median "${del_ref[@]}")
m_floor=$(median "${floor[@]}")
m_del_k=""
[ ${#del_k[@]} -gt 0 ] && m_del_k=$(median "${del_k[@]}")
report "load 1,000 (-R)" "$m_load1_k" "$m_load1_ref"
report "-l, 1,000 rules" "$m_list1_k" "$m_list1_ref"
if [ -n "$m_del_k" ]; then
    report "-D -k, 1,000 rules" "$m_del_k" "$m_del_ref"
    echo "  per deleted rule: kaudit $(per_rule "$m_del_k" "$n1") ms, reference $(per_rule "$m_del_ref" "$n1") ms, kernel floor $(per_rule "$m_floor" "$n1") ms ($n1 raw deletes: $(ms "$m_floor") ms); kaudit vs floor $(pct "$m_del_k" "$m_floor")"
else
    echo "-D -k, 1,000 rules: reference: $(ms "$m_del_ref") ms ($(per_rule "$m_del_ref" "$n1") ms/rule), kernel floor $(per_rule "$m_floor" "$n1") ms/rule; kaudit not measured"
fi
echo

# ---------------------------------------------------------------- 10,000 rules
if [ "$quick" = 0 ]; then
    n2=10000
    gen "$n2" "$work/r10000.rules"
    declare -a list2_ref=() list2_k=()
    echo "== 10,000 rules (each delete-all below takes about 2 minutes of kernel time)"
    dirty=1
    timed /dev/null "${R_LOAD[@]}" "$work/r10000.rules"
    load2_ref=$T_US
    cpu_add load2_ref "$T_USER" "$T_SYS"
    expect "$n2"
    "$REF" -l >"$work/l10000.ref" 2>>"$log" {lockfd}>&-
    echo "  load by reference $(ms "$load2_ref") ms (user $T_USER ms, kernel $T_SYS ms)"
    list_round "$list_reps" list2_ref list2_k
    if [ ${#K_DEL[@]} -gt 0 ]; then
        timed /dev/null "${K_DEL[@]}"
        del2_k=$T_US
        del2_by="kaudit"
    else
        timed /dev/null "${R_DEL[@]}"
        del2_k=""
        del2_by="reference"
    fi
    expect 0
    echo "  delete all by $del2_by $(ms "$T_US") ms ($(per_rule "$T_US" "$n2") ms/rule)"
    timed /dev/null "${K_LOAD[@]}" "$work/r10000.rules"
    load2_k=$T_US
    cpu_add load2_k "$T_USER" "$T_SYS"
    expect "$n2"
    echo "  load by kaudit $(ms "$load2_k") ms (user $T_USER ms, kernel $T_SYS ms)"
    "$REF" -l >"$work/l10000.k" 2>>"$log" {lockfd}>&-
    [ "$(cksum <"$work/l10000.ref")" = "$(cksum <"$work/l10000.k")" ] ||
        die "the kernel tables after the two 10,000-rule loads differ"
    list_round "$list_reps" list2_ref list2_k
    timed /dev/null "${R_DEL[@]}"
    del2_ref=$T_US
    expect 0
    dirty=0
    echo "  delete all by reference $(ms "$del2_ref") ms ($(per_rule "$del2_ref" "$n2") ms/rule)"
    m_list2_ref=$(median "${list2_ref[@]}")
    m_list2_k=$(median "${list2_k[@]}")
    report "load 10,000 (-R)" "$load2_k" "$load2_ref"
    report "-l, 10,000 rules" "$m_list2_k" "$m_list2_ref"
    [ -n "$del2_k" ] && report "-D -k, 10,000 rules" "$del2_k" "$del2_ref"
    echo
fi

# ---------------------------------------------------------------- summary
verdict() { # verdict KAUDIT REF: at most half the reference's time
    if [ $(($1 * 2)) -le "$2" ]; then echo yes; else echo NO; fi
}
echo "== summary (wall time, median; kaudit command: $kaudit_mode personality)"
echo
echo "| measurement | reference | kaudit | kaudit/reference | target | met |"
echo "|---|---:|---:|---:|---|---|"
row() { # row LABEL KAUDIT REF NOTE
    echo "| $1 | $(ms "$3") ms | $(ms "$2") ms | $(ratio "$2" "$3") | ≤ 0.50 | $(verdict "$2" "$3") |"
}
row "load 1,000 rules from empty (-R), ${#load1_ref[@]}+${#load1_k[@]} runs" "$m_load1_k" "$m_load1_ref"
if [ "$quick" = 0 ]; then
    row "load 10,000 rules from empty (-R), 1+1 runs" "$load2_k" "$load2_ref"
    row "-l with 10,000 rules, ${#list2_ref[@]}+${#list2_k[@]} runs" "$m_list2_k" "$m_list2_ref"
fi
row "-l with 1,000 rules, ${#list1_ref[@]}+${#list1_k[@]} runs" "$m_list1_k" "$m_list1_ref"
if [ -n "$m_del_k" ]; then
    floor_pr=$(per_rule "$m_floor" "$n1")
    within=NO
    [ $((m_del_k * 100)) -le $((m_floor * 105)) ] && within=yes
    echo "| -D -k of 1,000 rules, ${#del_ref[@]}+${#del_k[@]} runs | $(ms "$m_del_ref") ms ($(per_rule "$m_del_ref" "$n1") ms/rule) | $(ms "$m_del_k") ms ($(per_rule "$m_del_k" "$n1") ms/rule) | $(ratio "$m_del_k" "$m_del_ref") | ≤ kernel floor $floor_pr ms/rule + 5% (kaudit: $(pct "$m_del_k" "$m_floor")) | $within |"
    if [ "$quick" = 0 ] && [ -n "$del2_k" ]; then
        echo "| -D -k of 10,000 rules, 1+1 runs | $(ms "$del2_ref") ms ($(per_rule "$del2_ref" "$n2") ms/rule) | $(ms "$del2_k") ms ($(per_rule "$del2_k" "$n2") ms/rule) | $(ratio "$del2_k" "$del2_ref") | (information) | |"
    fi
else
    echo "| -D -k of 1,000 rules | $(ms "$m_del_ref") ms | not measured | | | |"
fi
echo
echo "CPU time of the measured process (median; \"kernel\" is system time, where the"
echo "kernel checks and stores the rules; it is the same work for both tools):"
echo
echo "| measurement | reference | kaudit |"
echo "|---|---|---|"
echo "| load 1,000 rules | $(cpu_of load1_ref) | $(cpu_of load1_k) |"
if [ "$quick" = 0 ]; then
    echo "| load 10,000 rules | $(cpu_of load2_ref) | $(cpu_of load2_k) |"
    echo "| -l with 10,000 rules | $(cpu_of list2_ref) | $(cpu_of list2_k) |"
fi
echo "| -l with 1,000 rules | $(cpu_of list1_ref) | $(cpu_of list1_k) |"
echo
echo "Kernel floor: $n1 rules deleted one by one (reference -R of -d/-W lines, one AUDIT_DEL_RULE and ack each), ${#floor[@]} runs, median $(ms "$m_floor") ms = $(per_rule "$m_floor" "$n1") ms per delete."
