# shellcheck shell=sh
# Helpers for guest scenario scripts (busybox sh). Sourced by /test/run.
# Every check prints one "PASS: ..." or "FAIL: ..." line; `finish` prints the
# verdict and exits 1 if any check failed.

fails=0
pass() { echo "PASS: $*"; }
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
info() { echo "INFO: $*"; }
# check DESCRIPTION COMMAND...: PASS if the command succeeds.
check() {
    _d=$1
    shift
    if "$@"; then pass "$_d"; else fail "$_d"; fi
}
# expect_rc DESCRIPTION WANTED GOT
expect_rc() {
    if [ "$3" -eq "$2" ]; then pass "$1 (exit $3)"; else fail "$1 (exit $3, wanted $2)"; fi
}
finish() {
    if [ "$fails" -eq 0 ]; then
        echo "RESULT: PASS"
        exit 0
    fi
    echo "RESULT: FAIL ($fails failed)"
    exit 1
}

# The kernel's `enabled` and `loginuid_immutable` lines, from the reference auditctl.
enabled() { auditctl -s | awk '$1 == "enabled" { print $2 }'; }
loginuid_line() { auditctl -s | awk '$1 == "loginuid_immutable"'; }
rule_count() { kaudit list | grep -c '^-'; }

# Wall-clock microseconds (busybox has no date +%N; adjtimex reads the clock).
now_us() { adjtimex | awk '$1 == "time.tv_sec:" { s = $2 } $1 == "time.tv_usec:" { u = $2 } END { printf "%d%06d\n", s, u }'; }
ms_since() { echo $((($(now_us) - $1) / 1000)); }

# Kernel records of refused configuration changes (op=add_rule/remove_rule
# ... res=0): the kernel logs one for every rule request it turns away in
# immutable mode, so they count what a tool sent to a locked kernel.
refused_config_changes() { dmesg | grep -c 'type=1305.*op=\(add\|remove\)_rule.*res=0' || true; }

# prepare_rules FILE: make a community rules file loadable in this guest, the
# same way for every tool: create the directories its watches need (a real
# machine has them; the kernel refuses a watch whose directory is missing),
# then drop the lines kaudit rejects as bad input (it reports them all at once,
# with line numbers). Prints what it dropped.
prepare_rules() {
    awk '{
        for (i = 1; i < NF; i++) {
            if ($i == "-w") { p = $(i + 1); sub(/\/[^\/]*$/, "", p); if (p != "") print p }
            if ($i == "-F" && $(i + 1) ~ /^path=/) { p = substr($(i + 1), 6); sub(/\/[^\/]*$/, "", p); if (p != "") print p }
            if ($i == "-F" && $(i + 1) ~ /^dir=\//) { print substr($(i + 1), 5) }
        }
    }' "$1" | sort -u | while read -r d; do mkdir -p "$d"; done
    _bad=$(kaudit check "$1" 2>&1 | sed -n 's/^[^:]*:\([0-9]*\):[0-9]*: error: \(.*\)/\1 \2/p')
    if [ -n "$_bad" ]; then
        echo "$_bad" | while read -r n why; do info "dropped line $n: $why"; done
        _script=$(echo "$_bad" | awk '{ printf "%sd;", $1 }')
        sed -i "$_script" "$1"
    fi
}

# quiet COMMAND...: run it with its output discarded.
quiet() { "$@" >/dev/null 2>&1; }
