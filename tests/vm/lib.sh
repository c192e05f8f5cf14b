# shellcheck shell=sh
# The one helper library of both throwaway-VM guests' scenario scripts, POSIX
# sh (busybox sh and dash):
#   - the busybox guests of scripts/vm.sh (tests/vm/scenarios/, copied in by
#     tests/vm/scenario.sh and sourced as /test/lib.sh);
#   - the systemd guest of scripts/vm-systemd.sh (tests/vm_systemd/scenarios/,
#     copied in beside the scenario and sourced as ./lib.sh).
# Every check prints one "PASS: ..." or "FAIL: ..." line; `finish` prints the
# verdict and exits 1 if any check failed.

# --- checks and the verdict
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
# quiet COMMAND...: run it with its output discarded.
quiet() { "$@" >/dev/null 2>&1; }

# --- the kernel's state
# The kernel's `enabled` and `loginuid_immutable` lines, from the reference
# auditctl (the busybox guests' copy, or auditd's own in the systemd guest,
# where it is not diverted).
enabled() { auditctl -s | awk '$1 == "enabled" { print $2 }'; }
loginuid_line() { auditctl -s | awk '$1 == "loginuid_immutable"'; }
rule_count() { kaudit list | grep -c '^-' || true; }

# Kernel records of refused configuration changes (op=add_rule/remove_rule
# ... res=0): the kernel logs one for every rule request it turns away in
# immutable mode, so they count what a tool sent to a locked kernel.
refused_config_changes() { dmesg | grep -c 'type=1305.*op=\(add\|remove\)_rule.*res=0' || true; }

# --- rule files
# prepare_rules FILE: make a community rules file loadable in this guest, the
# same way for every tool and both guests: create the directories its watches
# need (a real machine has them; the kernel refuses a watch whose directory is
# missing), then comment out the lines kaudit rejects as bad input here (users
# this system lacks, a broken -k, an unknown field; `load --dry-run` reports
# them all at once, with line numbers, and sends nothing), so that line
# numbers stay. Prints an INFO line for every line it commented out.
prepare_rules() {
    awk '{
        for (i = 1; i < NF; i++) {
            if ($i == "-w") { p = $(i + 1); sub(/\/[^\/]*$/, "", p); if (p != "") print p }
            if ($i == "-F" && $(i + 1) ~ /^path=/) { p = substr($(i + 1), 6); sub(/\/[^\/]*$/, "", p); if (p != "") print p }
            if ($i == "-F" && $(i + 1) ~ /^dir=\//) { print substr($(i + 1), 5) }
        }
    }' "$1" | sort -u | while read -r d; do mkdir -p "$d"; done
    _bad=$(kaudit load --dry-run "$1" 2>&1 | sed -n 's/^[^:]*:\([0-9]*\):[0-9]*: error: \(.*\)/\1 \2/p')
    if [ -n "$_bad" ]; then
        echo "$_bad" | while read -r n why; do info "commented out line $n: $why"; done
        _script=$(echo "$_bad" | awk '!seen[$1]++ { printf "%ss/^/# not loadable here: /;", $1 }')
        sed -i "$_script" "$1"
    fi
}
# commented_out FILE: the numbers of the lines prepare_rules commented out.
commented_out() { grep -n '^# not loadable here: ' "$1" | cut -d: -f1 | tr '\n' ' '; }

# --- timing in the busybox guests
# Wall-clock microseconds (busybox has no date +%N; adjtimex reads the clock).
now_us() { adjtimex | awk '$1 == "time.tv_sec:" { s = $2 } $1 == "time.tv_usec:" { u = $2 } END { printf "%d%06d\n", s, u }'; }
ms_since() { echo $((($(now_us) - $1) / 1000)); }

# --- the systemd guest: its early step, auditd's log, the units' times
# The early step's status (it ran before auditd; see guest/prepare).
early_ok() {
    if [ "$(cat /run/kaudit-vm/early.rc 2>/dev/null)" = 0 ]; then
        pass "early step (before auditd): $(tail -n 1 /run/kaudit-vm/early.log)"
    else
        fail "early step (before auditd) failed:"
        sed 's/^/  | /' /run/kaudit-vm/early.log 2>/dev/null
    fi
}
# CONFIG_CHANGE records in auditd's log: rules the kernel added or removed
# (res=1), from line FROM of the log on (default 1).
log_count() { # OP [FROM]
    tail -n +"${2:-1}" /var/log/audit/audit.log | grep -c "type=CONFIG_CHANGE .*op=$1 .*res=1" || true
}
log_lines() { wc -l </var/log/audit/audit.log; }
# Monotonic microseconds at which a unit's job began / became active.
mono() { systemctl show -P "$2" "$1"; }
# Seconds from the kernel's start to multi-user.target (the scenario runs after it).
# The slowest units, so that a slow boot says where its time went.
boot_time() {
    awk -v us="$(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)" 'BEGIN { printf "%.1f s to multi-user.target", us / 1e6 }'
    echo "; systemd from $(systemctl show -P UserspaceTimestampMonotonic | awk '{ printf "%.1f", $1 / 1e6 }') s;" \
        "slowest: $(systemd-analyze blame 2>/dev/null | head -n 3 | tr -s ' ' | sed 's/^ //' | tr '\n' ',' | sed 's/,$//')"
}
