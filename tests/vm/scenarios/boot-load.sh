#!/bin/sh
# Scenario a: boot-time load of the community rule set (about 400 rules) from
# /etc/audit/rules.d, then the lock. ARG picks the boot command:
#   augenrules  the shipped unit's `kaudit augenrules --load`, with a finalize
#               file `-e 2` in rules.d (the lock is sync's last step)
#   sync        `kaudit sync /etc/audit/rules.d`, checked against the files
#               before locking, then `kaudit auditctl -e 2` only if it succeeded
# Either way the kernel must end locked with exactly the files' rules.
. /test/lib.sh
mode=$(cat /test/arg 2>/dev/null || echo augenrules)
rd=/etc/audit/rules.d
info "mode $mode; $(tr '\n' ';' </etc/kaudit-vm-versions)"
cp /test/corpus/neo23x0-audit.rules $rd/50-community.rules
[ "$mode" = augenrules ] && echo "-e 2" >$rd/99-finalize.rules

# The set as published has lines no tool can load here (unknown users, a
# broken -k, an unknown field): sync refuses the whole input and sends nothing.
rc=0
kaudit sync $rd >/tmp/raw.out 2>&1 || rc=$?
expect_rc "published set: kaudit sync refuses bad input whole" 2 "$rc"
info "$(grep -c ': error:' /tmp/raw.out) lines rejected: $(tail -n 1 /tmp/raw.out)"
check "nothing was sent: no rules" [ "$(rule_count)" -eq 0 ]
check "not locked" [ "$(enabled)" = 1 ]

prepare_rules $rd/50-community.rules
# The intended rules: what diff adds to the empty kernel (read-only).
kaudit diff $rd | sed -n 's/^+\(-.*\)/\1/p' >/tmp/want
n=$(wc -l </tmp/want)
check "the prepared set has about 400 rules ($n)" [ "$n" -ge 390 ]

t0=$(now_us)
rc=0
if [ "$mode" = augenrules ]; then
    kaudit augenrules --load >/tmp/load.out 2>&1 || rc=$?
    expect_rc "kaudit augenrules --load ($(ms_since "$t0") ms)" 0 "$rc"
else
    kaudit sync $rd >/tmp/load.out 2>&1 || rc=$?
    expect_rc "kaudit sync $rd ($(ms_since "$t0") ms)" 0 "$rc"
    check "before locking: kaudit check exits 0" quiet kaudit check $rd
    kaudit list >/tmp/before-lock
    check "before locking: kaudit list is the intended rules" cmp -s /tmp/want /tmp/before-lock
    check "before locking: not locked" [ "$(enabled)" = 1 ]
    if [ "$rc" -eq 0 ]; then
        rc=0
        kaudit auditctl -e 2 >/dev/null || rc=$?
        expect_rc "kaudit auditctl -e 2 after the successful sync" 0 "$rc"
    fi
fi
[ "$rc" -eq 0 ] || sed 's/^/  | /' /tmp/load.out | tail -n 20

check "locked: enabled 2" [ "$(enabled)" = 2 ]
kaudit list >/tmp/got
check "kaudit list is exactly the intended rules" cmp -s /tmp/want /tmp/got
check "rule count $(rule_count) = $n" [ "$(rule_count)" -eq "$n" ]
auditctl -l >/tmp/got-ref
check "reference auditctl -l prints the same" cmp -s /tmp/want /tmp/got-ref
check "kaudit check exits 0 on the locked kernel" quiet kaudit check $rd
diff /tmp/want /tmp/got | head -n 10
finish
