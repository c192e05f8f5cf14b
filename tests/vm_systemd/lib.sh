# shellcheck shell=sh
# Helpers for the systemd guest's scenario scripts (dash). Every check prints
# one "PASS: ..." or "FAIL: ..." line; `finish` prints the verdict and exits 1
# if any check failed.
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
quiet() { "$@" >/dev/null 2>&1; }
finish() {
    if [ "$fails" -eq 0 ]; then
        echo "RESULT: PASS"
        exit 0
    fi
    echo "RESULT: FAIL ($fails failed)"
    exit 1
}
# The early step's status (it ran before auditd; see guest/prepare).
early_ok() {
    if [ "$(cat /run/kaudit-vm/early.rc 2>/dev/null)" = 0 ]; then
        pass "early step (before auditd): $(tail -n 1 /run/kaudit-vm/early.log)"
    else
        fail "early step (before auditd) failed:"
        sed 's/^/  | /' /run/kaudit-vm/early.log 2>/dev/null
    fi
}
# auditd's own auditctl (not diverted in these images) reads the status.
enabled() { auditctl -s | awk '$1 == "enabled" { print $2 }'; }
rule_count() { kaudit list | grep -c '^-' || true; }
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
