#!/bin/sh
# Scenarios b and c: a rules.d with one rule the kernel refuses (a watch in a
# directory that does not exist) in the middle and a finalize file `-e 2`, on
# a kernel that already holds a previous rule set. ARG picks the loader:
#   kaudit     `kaudit sync` and `kaudit augenrules --load`: the previous table
#              must stay byte for byte, the kernel must not be locked, and the
#              failure must be visible (exit status, message naming the rule)
#   reference  the reference `augenrules --load`: what it leaves behind is
#              recorded as a report (REPORT: lines), for comparison
. /test/lib.sh
tool=$(cat /test/arg 2>/dev/null || echo kaudit)
rd=/etc/audit/rules.d

# The previous rule set and settings, as an earlier boot left them.
mkdir -p /tmp/prev
cat >/tmp/prev/10-prev.rules <<'RULES'
-b 320
-a always,exit -F arch=b64 -S unlinkat,renameat -F auid>=1000 -F auid!=unset -k prev-delete
-w /etc/passwd -p wa -k prev-identity
-a always,exit -F arch=b64 -S init_module,finit_module -k prev-modules
-a never,exclude -F msgtype=CWD
RULES
kaudit sync /tmp/prev >/dev/null 2>&1 || fail "loading the previous set"
auditctl -l >/tmp/prev.l
auditctl -s | grep -v -e '^lost' -e '^backlog ' -e '^backlog_wait_time_actual' >/tmp/prev.s
info "previous table: $(grep -c . /tmp/prev.l) rules, $(awk '$1 == "backlog_limit"' /tmp/prev.s)"

# The new set: rules, the refused watch as line 2 of the middle file, the lock.
cat >$rd/10-base.rules <<'RULES'
-D
-b 8192
-f 1
-a always,exit -F arch=b64 -S execve -F auid>=1000 -F auid!=unset -k new-exec
-w /etc/shadow -p wa -k new-identity
RULES
cat >$rd/20-middle.rules <<'RULES'
-w /etc/group -p wa -k new-identity
-w /kaudit-vm-missing/dir/file.conf -p wa -k new-refused
-a always,exit -F arch=b64 -S mount,umount2 -k new-mount
RULES
cat >$rd/30-more.rules <<'RULES'
-a always,exit -F arch=b64 -S sethostname,setdomainname -k new-network
-w /etc/hosts -p wa -k new-network
RULES
echo "-e 2" >$rd/99-finalize.rules

same_as_before() {
    auditctl -l >/tmp/now.l
    auditctl -s | grep -v -e '^lost' -e '^backlog ' -e '^backlog_wait_time_actual' >/tmp/now.s
    check "$1: auditctl -l byte-identical to the previous table" cmp -s /tmp/prev.l /tmp/now.l
    check "$1: settings unchanged (backlog_limit, failure, ...)" cmp -s /tmp/prev.s /tmp/now.s
    check "$1: not locked (enabled 1)" [ "$(enabled)" = 1 ]
}

if [ "$tool" = kaudit ]; then
    for cmd in "kaudit sync $rd" "kaudit augenrules --load"; do
        rc=0
        $cmd >/tmp/out 2>&1 || rc=$?
        check "$cmd fails visibly (exit $rc)" [ "$rc" -ne 0 ]
        sed 's/^/  | /' /tmp/out
        check "$cmd: the message names the refused rule" grep -q 'kaudit-vm-missing/dir/file.conf' /tmp/out
        same_as_before "$cmd"
    done
else
    rc=0
    t0=$(now_us)
    augenrules --load >/tmp/out 2>&1 || rc=$?
    ms=$(ms_since "$t0")
    sed 's/^/  | /' /tmp/out
    auditctl -l >/tmp/now.l
    echo "REPORT: reference augenrules --load on the broken rules.d: exit $rc, $ms ms"
    echo "REPORT: rules before: $(grep -c . /tmp/prev.l), after: $(grep -c . /tmp/now.l); enabled $(enabled); $(auditctl -s | awk '$1 == "backlog_limit"')"
    if cmp -s /tmp/prev.l /tmp/now.l; then
        echo "REPORT: the previous table is still there"
    else
        echo "REPORT: previous rules still present: $(grep -cxF -f /tmp/prev.l /tmp/now.l || true) of $(grep -c . /tmp/prev.l)"
    fi
    echo "REPORT: kernel table left behind:"
    sed 's/^/  | /' /tmp/now.l
    check "the reference ran (exit $rc is not 'not found')" [ "$rc" -ne 127 ]
fi
finish
