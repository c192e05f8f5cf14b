#!/bin/sh
# Scenario 2: boot with one rule the kernel refuses: the unit is failed,
# `systemctl status` and the journal name the file, line and reason, the
# kernel is not locked and holds none of the set (nothing half-loaded).
# Scenario 3, on the same running system: fix rules.d, start the unit again
# (it loads the set); then change one rule and add one, `systemctl reload`:
# only the difference is sent (auditd's log: 2 adds, 1 removal, no flush).
. ./lib.sh
info "boot: $(boot_time)"
early_ok
rd=/etc/audit/rules.d
# kaudit names the merged file's line and the rules.d file and line it came from.
refusal="error: the kernel refused: -w /i14-no-such-directory/file -p wa -k i14-broken (No such file or directory)"
origin="/etc/audit/rules.d/50-broken.rules:3"

# --- scenario 2
check "kaudit-rules.service is failed ($(systemctl is-active kaudit-rules.service))" \
    [ "$(systemctl is-active kaudit-rules.service)" = failed ]
systemctl status --no-pager -n 20 kaudit-rules.service >/tmp/status 2>&1 || true
sed 's/^/  status | /' /tmp/status | tail -n 8
check "systemctl status names the rules.d file and line ($origin)" grep -qF "$origin" /tmp/status
check "systemctl status names the rule and the kernel's reason" grep -qF "$refusal" /tmp/status
journalctl -b -u kaudit-rules.service -o cat >/tmp/journal 2>&1
check "the journal names the rules.d file and line" grep -qF "$origin" /tmp/journal
check "the journal names the rule and the kernel's reason" grep -qF "$refusal" /tmp/journal
check "the journal says the previous rules and settings are back" grep -q 'previous rules and settings' /tmp/journal
check "not locked: enabled $(enabled)" [ "$(enabled)" != 2 ]
check "no rule of the set is left in the kernel ($(rule_count) rules)" [ "$(rule_count)" -eq 0 ]
check "auditd is active" [ "$(systemctl is-active auditd.service)" = active ]

# --- scenario 3: a second start after the fix
sed -i 3d $rd/50-broken.rules
rm $rd/99-finalize.rules
kaudit diff $rd | sed -n 's/^+\(-.*\)/\1/p' >/tmp/want
mark=$(($(log_lines) + 1))
rc=0
systemctl start kaudit-rules.service || rc=$?
check "fixed rules.d: systemctl start kaudit-rules.service (exit $rc), now $(systemctl is-active kaudit-rules.service)" \
    [ "$(systemctl is-active kaudit-rules.service)" = active ]
kaudit list >/tmp/got
check "the kernel holds the fixed set ($(grep -c '^-' /tmp/got) rules)" cmp -s /tmp/want /tmp/got
check "second start: $(log_count add_rule $mark) rules added, $(log_count remove_rule $mark) removed" \
    [ "$(log_count add_rule $mark)" -eq "$(wc -l </tmp/want)" -a "$(log_count remove_rule $mark)" -eq 0 ]

# --- scenario 3: reload after a change at the end of the list: the last
# rule changed, one added
sed -i 's/-k i14-mount$/-k i14-mounts/' $rd/50-broken.rules
echo "-w /etc/shadow -p wa -k i14-shadow" >>$rd/50-broken.rules
kaudit list >/tmp/before
mark=$(($(log_lines) + 1))
rc=0
systemctl reload kaudit-rules.service || rc=$?
check "systemctl reload kaudit-rules.service (exit $rc)" [ $rc -eq 0 ]
check "still active" [ "$(systemctl is-active kaudit-rules.service)" = active ]
check "the kernel matches the changed rules.d" quiet kaudit check $rd
added=$(log_count add_rule $mark)
removed=$(log_count remove_rule $mark)
check "only the difference was sent: $added added (want 2), $removed removed (want 1)" \
    [ "$added" -eq 2 -a "$removed" -eq 1 ]
tail -n +$mark /var/log/audit/audit.log | grep 'type=CONFIG_CHANGE' | sed 's/^/  auditd | /'

# A change in the middle of the exit list (7 rules: passwd, group, hostname,
# modules, hosts, mounts, shadow; hosts changes): the kernel has no
# insert-at-position, so kaudit deletes and re-adds the shorter side after it
# (README, "Sync"): 3 removals. The 4 rules before it are never touched, and
# nothing is flushed.
sed -i 's/-k i14-hosts$/-k i14-hosts-file/' $rd/50-broken.rules
mark=$(($(log_lines) + 1))
rc=0
systemctl reload kaudit-rules.service || rc=$?
check "middle change: systemctl reload (exit $rc)" [ $rc -eq 0 ]
check "middle change: the kernel matches the changed rules.d" quiet kaudit check $rd
removed=$(log_count remove_rule $mark)
check "middle change: $removed of $(rule_count) rules removed and re-added (want 3: the changed one, the 2 after it)" \
    [ "$removed" -eq 3 ]
check "middle change: the 4 rules before it were not touched" \
    [ "$(tail -n +$mark /var/log/audit/audit.log | grep -c 'op=remove_rule key="i14-\(identity\|hostname\|modules\)"')" -eq 0 ]
tail -n +$mark /var/log/audit/audit.log | grep 'type=CONFIG_CHANGE' | sed 's/^/  auditd | /'
finish
