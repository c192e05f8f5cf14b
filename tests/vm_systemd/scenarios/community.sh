#!/bin/sh
# Scenario 1: boot with the community rule set in /etc/audit/rules.d and a
# finalize file with -e 2, kaudit-rules.service enabled in place of
# audit-rules.service. After boot: the unit is active, it ran after auditd, the
# kernel holds exactly the intended rules and is locked (enabled 2, set last),
# and auditd's log has one record for every rule added.
. ./lib.sh
info "boot: $(boot_time)"
early_ok
n=$(wc -l <want)
check "the prepared set has about 400 rules ($n)" [ "$n" -ge 390 ]
check "kaudit-rules.service is active ($(systemctl is-active kaudit-rules.service))" \
    [ "$(systemctl is-active kaudit-rules.service)" = active ]
check "auditd.service is active" [ "$(systemctl is-active auditd.service)" = active ]
check "audit-rules.service stood aside (condition: $(systemctl show -P ConditionResult audit-rules.service))" \
    [ "$(systemctl show -P ConditionResult audit-rules.service)" = no ]
a=$(mono auditd.service ActiveEnterTimestampMonotonic)
k=$(mono kaudit-rules.service ExecMainStartTimestampMonotonic)
check "kaudit-rules started after auditd was up (auditd $a us, kaudit-rules $k us)" [ "$k" -gt "$a" ]
check "the kernel is locked: enabled $(enabled)" [ "$(enabled)" = 2 ]
kaudit list >/tmp/got
check "the kernel holds exactly the intended rules ($(grep -c '^-' /tmp/got))" cmp -s want /tmp/got
diff want /tmp/got | head -n 10 | sed 's/^/  | /'
check "auditd's auditctl -l lists as many ($(auditctl -l | grep -c '^-'))" [ "$(auditctl -l | grep -c '^-')" -eq "$n" ]
added=$(log_count add_rule)
check "auditd's log has a record for every rule added ($added of $n)" [ "$added" -eq "$n" ]
check "auditd's log has no rule removed (no flush): $(log_count remove_rule)" [ "$(log_count remove_rule)" -eq 0 ]
last_add=$(grep -n 'type=CONFIG_CHANGE .*op=add_rule' /var/log/audit/audit.log | tail -n 1 | cut -d: -f1)
lock=$(grep -n 'type=CONFIG_CHANGE .*audit_enabled=2 ' /var/log/audit/audit.log | head -n 1 | cut -d: -f1)
check "the lock's record comes after the last rule's (line ${lock:-none} > ${last_add:-none})" \
    [ "${lock:-0}" -gt "${last_add:-0}" ]
lost=$(auditctl -s | awk '$1 == "lost" { print $2 }')
check "the kernel lost no record: lost $lost" [ "$lost" = 0 ]
info "auditd's status: $(auditctl -s | tr '\n' ' ')"
journalctl -b -u kaudit-rules.service -o cat | tail -n 5 | sed 's/^/  journal | /'
finish
