#!/bin/sh
# Scenario f: cold boot-style load of the community set (about 400 rules) from
# /etc/audit/rules.d, timed in the same VM: kaudit (`kaudit sync`, then
# `kaudit augenrules --load`) and the reference (`augenrules --load`), each on
# an empty table; the kernel must end with the same rules each time. Prints
#   vm-bench: kaudit X ms, reference Y ms
. /test/lib.sh
rd=/etc/audit/rules.d
cp /test/corpus/neo23x0-audit.rules $rd/50-community.rules
prepare_rules $rd/50-community.rules >/dev/null
# Warm the page cache for both binaries and their libraries.
kaudit --version >/dev/null 2>&1
auditctl -v >/dev/null 2>&1

flush() { kaudit auditctl -D >/dev/null 2>&1 && [ "$(rule_count)" -eq 0 ]; }
timed() {
    _t0=$(now_us)
    _rc=0
    "$@" >/tmp/out 2>&1 || _rc=$?
    _ms=$(ms_since "$_t0")
    expect_rc "$* ($_ms ms)" 0 "$_rc" >&2
    [ "$_rc" -eq 0 ] || sed 's/^/  | /' /tmp/out | tail -n 5 >&2
    echo "$_ms"
}

k=$(timed kaudit sync $rd)
kaudit list >/tmp/kaudit.l
check "flush" flush
r=$(timed augenrules --load)
auditctl -l >/tmp/ref.l
check "flush" flush
ka=$(timed kaudit augenrules --load)
kaudit list >/tmp/kaudit-aug.l
n=$(grep -c . /tmp/kaudit.l)
check "the reference loaded the same $n rules" cmp -s /tmp/kaudit.l /tmp/ref.l
check "kaudit augenrules --load loaded the same $n rules" cmp -s /tmp/kaudit.l /tmp/kaudit-aug.l
echo "vm-bench: kaudit $k ms, reference $r ms ($n rules; kaudit augenrules --load $ka ms)"
finish
