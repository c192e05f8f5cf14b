#!/bin/sh
# Scenario f: cold boot-style load of the community set (about 400 rules) from
# /etc/audit/rules.d, timed in the same VM: kaudit (`kaudit sync` and
# `kaudit augenrules --load`) and the reference (`augenrules --load`), each on
# an empty table, three rounds; the kernel must end with the same rules each
# time. Prints the medians as
#   vm-bench: kaudit X ms, reference Y ms
. /test/lib.sh
rd=/etc/audit/rules.d
cp /test/corpus/neo23x0-audit.rules $rd/50-community.rules
prepare_rules $rd/50-community.rules >/dev/null
# Warm the page cache for both binaries and their libraries.
kaudit --version >/dev/null 2>&1
auditctl -v >/dev/null 2>&1

flush() { kaudit auditctl -D >/dev/null 2>&1 && [ "$(rule_count)" -eq 0 ]; }
# timed COMMAND...: runs it, checks exit 0, sets $ms (no subshell: the check
# must count).
timed() {
    _t0=$(now_us)
    _rc=0
    "$@" >/tmp/out 2>&1 || _rc=$?
    ms=$(ms_since "$_t0")
    expect_rc "$* ($ms ms)" 0 "$_rc"
    [ "$_rc" -eq 0 ] || sed 's/^/  | /' /tmp/out | tail -n 5
}

# Three rounds, tools alternating; each load starts from an empty table.
median() { tr ' ' '\n' | grep . | sort -n | sed -n 2p; }
ks="" rs="" kas=""
for round in 1 2 3; do
    timed kaudit sync $rd
    ks="$ks $ms"
    kaudit list >/tmp/kaudit.l
    check "round $round: flush" flush
    timed augenrules --load
    rs="$rs $ms"
    auditctl -l >/tmp/ref.l
    check "round $round: flush" flush
    timed kaudit augenrules --load
    kas="$kas $ms"
    kaudit list >/tmp/kaudit-aug.l
    check "round $round: flush" flush
    n=$(grep -c . /tmp/kaudit.l)
    check "round $round: the reference loaded the same $n rules" cmp -s /tmp/kaudit.l /tmp/ref.l
    check "round $round: kaudit augenrules --load loaded the same $n rules" cmp -s /tmp/kaudit.l /tmp/kaudit-aug.l
done
info "kaudit sync:$ks ms; reference augenrules --load:$rs ms; kaudit augenrules --load:$kas ms"
echo "vm-bench: kaudit $(echo "$ks" | median) ms, reference $(echo "$rs" | median) ms (median of 3, $n rules; kaudit augenrules --load $(echo "$kas" | median) ms)"
finish
