#!/bin/sh
# Scenario e: `--loginuid-immutable` (upstream-samples/11-loginuid.rules) through
# `auditctl -R`, with ARG = reference or kaudit (one VM each: it cannot be
# undone). Prints the command's stdout between STDOUT-BEGIN/STDOUT-END and its
# exit status as EXIT: so the host can compare the two runs; `-s` from both
# tools must then show `loginuid_immutable 1 locked`.
. /test/lib.sh
tool=$(cat /test/arg 2>/dev/null || echo kaudit)
case $tool in
reference) set -- auditctl ;;
kaudit) set -- kaudit auditctl ;;
*)
    fail "unknown tool $tool"
    finish
    ;;
esac
check "before: loginuid_immutable 0 unlocked" [ "$(loginuid_line)" = "loginuid_immutable 0 unlocked" ]
rc=0
"$@" -R /test/corpus/11-loginuid.rules >/tmp/out 2>/tmp/err || rc=$?
echo "STDOUT-BEGIN"
cat /tmp/out
echo "STDOUT-END"
echo "EXIT: $rc"
sed 's/^/  stderr| /' /tmp/err
echo "STATUS-BEGIN"
auditctl -s | grep -v -e '^lost' -e '^backlog ' -e '^backlog_wait_time_actual'
echo "STATUS-END"
expect_rc "$* -R 11-loginuid.rules" 0 "$rc"
check "reference -s: loginuid_immutable 1 locked" [ "$(loginuid_line)" = "loginuid_immutable 1 locked" ]
check "kaudit -s: loginuid_immutable 1 locked" \
    [ "$(kaudit auditctl -s | awk '$1 == "loginuid_immutable"')" = "loginuid_immutable 1 locked" ]
finish
