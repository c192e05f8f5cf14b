#!/bin/sh
# Scenario d: a locked kernel (`-e 2`). kaudit must refuse every change up
# front: `kaudit sync` with exit 3 and nothing sent, `kaudit auditctl -a` with
# the immutable message and exit 1. "Nothing sent" is measured with the
# kernel's own records: every rule request it turns away while locked is
# logged as a CONFIG_CHANGE record with res=0 (the reference's `-D`, which
# does ask the kernel, is the control).
. /test/lib.sh
rd=/etc/audit/rules.d
mkdir -p /tmp/prev
cat >/tmp/prev/10-prev.rules <<'RULES'
-a always,exit -F arch=b64 -S unlinkat -k prev-delete
-w /etc/passwd -p wa -k prev-identity
RULES
kaudit sync /tmp/prev >/dev/null 2>&1 || fail "loading the previous set"
auditctl -e 2 >/dev/null || fail "auditctl -e 2"
check "locked: enabled 2" [ "$(enabled)" = 2 ]
auditctl -l >/tmp/prev.l

cat >$rd/10-new.rules <<'RULES'
-b 1024
-a always,exit -F arch=b64 -S execve -k new-exec
-w /etc/passwd -p wa -k prev-identity
RULES
before=$(refused_config_changes)

rc=0
kaudit sync $rd >/tmp/out 2>&1 || rc=$?
expect_rc "kaudit sync on the locked kernel" 3 "$rc"
sed 's/^/  | /' /tmp/out
mkdir -p /tmp/scoped
echo "-a always,exit -F arch=b64 -S execve -k new-exec" >/tmp/scoped/10-new.rules
rc=0
kaudit sync --scope key=new- /tmp/scoped >/dev/null 2>&1 || rc=$?
expect_rc "kaudit sync --scope key=new- on the locked kernel" 3 "$rc"
rc=0
kaudit augenrules --load >/tmp/out 2>&1 || rc=$?
info "kaudit augenrules --load on the locked kernel: exit $rc: $(head -n 1 /tmp/out)"
rc=0
kaudit auditctl -a always,exit -F arch=b64 -S openat -k new-open >/tmp/out 2>&1 || rc=$?
expect_rc "kaudit auditctl -a on the locked kernel" 1 "$rc"
check "kaudit auditctl -a prints the immutable message" \
    grep -qx 'The audit system is in immutable mode, no rule changes allowed' /tmp/out
rc=0
kaudit auditctl -R $rd/10-new.rules >/tmp/out 2>&1 || rc=$?
info "kaudit auditctl -R on the locked kernel: exit $rc: $(head -n 1 /tmp/out)"
rc=0
auditctl -a always,exit -F arch=b64 -S openat -k new-open >/tmp/out 2>&1 || rc=$?
info "for comparison, the reference auditctl -a: exit $rc: $(head -n 1 /tmp/out)"

after=$(refused_config_changes)
check "kaudit sent nothing: refused-change records $before -> $after" [ "$after" -eq "$before" ]
auditctl -l >/tmp/now.l
check "the table is unchanged" cmp -s /tmp/prev.l /tmp/now.l
check "still locked" [ "$(enabled)" = 2 ]
check "backlog_limit unchanged" [ "$(auditctl -s | awk '$1 == "backlog_limit" { print $2 }')" != 1024 ]

# Control: the reference's -D asks the kernel, which refuses and logs it.
auditctl -D >/dev/null 2>&1 && fail "auditctl -D succeeded on a locked kernel"
# kauditd prints records asynchronously: wait for it (up to 5 s on a busy host).
i=0
while control=$(refused_config_changes) && [ "$control" -le "$after" ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
check "control: the reference's -D is seen in the records ($after -> $control)" [ "$control" -gt "$after" ]
finish
