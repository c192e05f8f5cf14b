#!/bin/sh
# Scenario g: what deleting rules costs on this guest's kernel, with and without
# expedited RCU grace periods. 200 rules (one syscall rule each, distinct auid
# and key), loaded with the reference `auditctl -R`, then deleted:
#   reference  `auditctl -D`
#   kaudit     `kaudit auditctl -D` (told not to expedite by itself, when it can)
# each once with /sys/kernel/rcu_expedited 0 and once with 1, set by hand in
# this guest. When kaudit expedites deletes itself (issue 9), also its
# default: `kaudit auditctl -D` with the knob at 0, which must be 0 again after.
# Needs 2 or more vCPUs: with one, synchronize_rcu() returns at once.
# Prints one line for the host to collect:
#   vm-delete-cost: KERNEL, N vCPUs, 200 rules: reference -D A ms, expedited B ms; kaudit ...
. /test/lib.sh
n=200
knob=/sys/kernel/rcu_expedited
kernel=$(uname -r)
cpus=$(nproc)
info "kernel $kernel, $cpus vCPUs, $n rules"
check "the guest has 2 or more vCPUs ($cpus)" [ "$cpus" -ge 2 ]
check "$knob is there and reads 0" [ "$(cat $knob 2>/dev/null)" = 0 ]

rules=/tmp/delete-cost.rules
i=0
: >$rules
while [ $i -lt $n ]; do
    echo "-a always,exit -F arch=b64 -S openat -F auid>=$((1000 + i)) -k dc$i" >>$rules
    i=$((i + 1))
done
# Warm the page cache for both binaries and their libraries.
kaudit --version >/dev/null 2>&1
auditctl -v >/dev/null 2>&1

# kaudit's own switch, when it has one: measure the kernel with the knob as
# set here, not as kaudit would set it.
expedites=no
if kaudit sync --help 2>&1 | grep -q -- --no-expedite; then
    expedites=yes
fi
info "kaudit expedites deletes itself: $expedites"

# timed_delete LABEL EXPEDITED COMMAND...: 2 rounds (3 when expedited: they
# are short and the noisiest): load the rules, set the knob, time COMMAND,
# check the table is empty, put the knob back to 0. Sets $ms to the fastest
# round (TCG guests on a busy host only ever get slower) and $all to every
# round. No subshell: the checks must count.
timed_delete() {
    ms="" all=""
    _r=0
    _rounds=$((2 + $2))
    while [ $_r -lt $_rounds ]; do
        timed_delete_once "$@"
        all="$all${all:+/}$_ms"
        if [ -z "$ms" ] || [ "$_ms" -lt "$ms" ]; then ms=$_ms; fi
        _r=$((_r + 1))
    done
}
timed_delete_once() {
    _label=$1 _e=$2
    shift 2
    quiet auditctl -R $rules
    _loaded=$(rule_count)
    [ "$_loaded" -eq $n ] || fail "$_label: $n rules loaded ($_loaded)"
    echo "$_e" >$knob
    _t0=$(now_us)
    _rc=0
    "$@" >/tmp/out 2>&1 || _rc=$?
    _ms=$(ms_since "$_t0")
    _after=$(cat $knob)
    echo 0 >$knob
    expect_rc "$_label: $* ($_ms ms)" 0 "$_rc"
    [ "$_rc" -eq 0 ] || sed 's/^/  | /' /tmp/out | tail -n 5
    check "$_label: no rules left" [ "$(rule_count)" -eq 0 ]
    check "$_label: $knob still $_e after it" [ "$_after" = "$_e" ]
}

timed_delete "reference, rcu_expedited 0" 0 auditctl -D
ref0=$ms
info "reference, rcu_expedited 0: $all ms"
timed_delete "reference, rcu_expedited 1" 1 auditctl -D
ref1=$ms
info "reference, rcu_expedited 1: $all ms"
timed_delete "kaudit, rcu_expedited 0" 0 env KAUDIT_NO_EXPEDITE=1 kaudit auditctl -D
k0=$ms
info "kaudit, rcu_expedited 0: $all ms"
timed_delete "kaudit, rcu_expedited 1" 1 env KAUDIT_NO_EXPEDITE=1 kaudit auditctl -D
k1=$ms
info "kaudit, rcu_expedited 1: $all ms"
line="vm-delete-cost: $kernel, $cpus vCPUs, $n rules (fastest of 2, expedited of 3): reference -D $ref0 ms, expedited $ref1 ms; kaudit -D $k0 ms, expedited $k1 ms"

if [ "$expedites" = yes ]; then
    # The knob at 0 and left alone here: kaudit sets it for the burst (2 rounds).
    timed_delete "kaudit's default (expedites itself)" 0 kaudit auditctl -D
    info "kaudit's default: $all ms"
    line="$line; kaudit default $ms ms"
fi
echo 0 >$knob

# From 6.12 on, every delete waits for a grace period (delete-cost.md): the
# expedited run must show it. (6.1 deletes without one; its figures are
# reported, not judged.)
major=${kernel%%.*}
minor=${kernel#*.}
minor=${minor%%[!0-9]*}
if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 12 ]; }; then
    check "kernel $major.$minor: expedited grace periods make the reference -D 2x faster or more ($ref0 -> $ref1 ms)" \
        [ $((ref1 * 2)) -le "$ref0" ]
    check "kernel $major.$minor: and kaudit's -D ($k0 -> $k1 ms)" [ $((k1 * 2)) -le "$k0" ]
fi
echo "$line"
finish
