#!/usr/bin/env bash
# The Puppet type kaudit_ruleset (integrations/puppet/kaudit) with Debian's
# puppet, against this machine's kernel (holding the machine lock, keys
# i13-pup-*, scope on the resource, the table and settings checked to end as
# they started): `puppet apply --noop --detailed-exitcodes` reports the drift
# and changes nothing, a real apply exits 2 and changes the kernel to exactly
# the files' rules, applying again exits 0; bad input fails (exit 4) naming the
# file and line, with the kernel unchanged; a locked kernel (the in-memory
# one, KAUDIT_FAKE_KERNEL) fails with the reboot message; a ruleset declared
# before the File that writes into its rules.d is applied after it
# (autorequire); `kaudit => '/bin/true'` fails instead of "in sync". The
# "spec" part runs the module's RSpec unit tests (spec/, plain rspec with
# Debian's puppet and ruby-rspec).
#
# Usage: tests/integrations/puppet.sh KAUDIT_BINARY [spec|apply]... (both
# when none is named). Prints "PASS name" per check; exits non-zero at the
# first failure. Needs root for the apply part.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
K=$(realpath "$1")
shift
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(spec apply)
"$root/scripts/setup-integrations.sh"
pass() { echo "PASS $*"; }
die() { echo "FAIL $*" >&2; exit 1; }
want_part() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
for p in "${parts[@]}"; do [ "$p" = spec ] || [ "$p" = apply ] || die "unknown part $p"; done

if want_part spec; then
    log=$(mktemp /tmp/kaudit-rspec.XXXXXX)
    (cd "$root/integrations/puppet/kaudit" && rspec spec) >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; die "rspec"; }
    summary=$(grep -E '^[0-9]+ examples?, 0 failures' "$log" || true)
    [ -n "$summary" ] || { cat "$log" >&2; rm -f "$log"; die "rspec: no summary"; }
    rm -f "$log"
    pass "rspec integrations/puppet/kaudit/spec: $summary"
fi
if ! want_part apply; then
    echo "puppet: all passed"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "FAIL the Puppet test needs root" >&2; exit 1; }
W=$(mktemp -d /tmp/kaudit-puppet.XXXXXX)
chmod 755 "$W"
KEY=i13-pup-
remove_mine() {
    local k
    for k in $("$K" list --json | grep -o "\"${KEY}[a-z0-9-]*\"" | tr -d '"' | sort -u); do
        "$K" delete --key "$k" >/dev/null 2>&1 || true
    done
}
cleanup() {
    if [ -n "${locked_here:-}" ]; then remove_mine; "$K" delete --key i13-other-pup >/dev/null 2>&1 || true; fi
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

# apply LOG MANIFEST [puppet options]: puppet apply with private state
# directories; prints the --detailed-exitcodes status. (This sandbox's facter
# cannot read /proc/1/environ; those lines are dropped from the log.)
apply() {
    local log=$W/$1 manifest=$2 rc=0
    shift 2
    puppet apply --modulepath "$root/integrations/puppet" --confdir "$W/conf" --vardir "$W/var" \
        --codedir "$W/code" --logdir "$W/log" --rundir "$W/run" --color=false \
        --detailed-exitcodes "$@" -e "$manifest" >"$W/raw" 2>&1 || rc=$?
    grep -v 'Facter: Permission denied' "$W/raw" >"$log" || true
    echo "$rc"
}
rules_file() { printf '%s\n' "${@:2}" >"$1"; chmod 0644 "$1"; }
mine() { "$K" list | grep -- "-k ${KEY}\|key=${KEY}" || true; }

d=$W/rules.d bad=$W/bad.d
mkdir -p "$d" "$bad"
rules_file "$d/10-identity.rules" "-w /etc/passwd -p wa -k ${KEY}identity" "-w /etc/group -p wa -k ${KEY}group"
rules_file "$d/20-time.rules" "-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time"
want=$(printf '%s\n' "-w /etc/passwd -p wa -k ${KEY}identity" "-w /etc/group -p wa -k ${KEY}group" \
    "-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time")
manifest="kaudit_ruleset { 'i13-baseline': ensure => synced, source => ['$d'], scope => '$KEY', kaudit => '$K' }"

# The locked kernel: only the in-memory one.
state=$W/fake.state
printf 'enabled 2\n' >"$state"
rc=$(KAUDIT_FAKE_KERNEL=$state apply locked.log "$manifest")
[ "$rc" = 4 ] || { cat "$W/locked.log"; die "locked kernel: exit $rc, not 4"; }
grep -q "reboot is needed" "$W/locked.log" || { cat "$W/locked.log"; die "locked kernel: no reboot message"; }
[ "$(grep -c '^rule ' "$state")" = 0 ] || die "locked kernel: rules were added"
pass "a locked kernel that differs: exit 4, 'a reboot is needed', nothing sent"

# autorequire(:file): the ruleset comes first in the manifest, the File that
# writes into its directory second; the File is applied first all the same,
# so one apply loads its rule and a second finds the kernel in sync.
state=$W/fake-order.state
ord=$W/order.d
mkdir -p "$ord"
rules_file "$ord/10-a.rules" "-w /etc/passwd -p wa -k ${KEY}a"
order_manifest="kaudit_ruleset { 'i13-order': source => ['$ord'], scope => '$KEY', kaudit => '$K' }
file { '$ord/20-b.rules': ensure => file, mode => '0644', content => \"-w /etc/group -p wa -k ${KEY}b\\n\" }"
rc=$(KAUDIT_FAKE_KERNEL=$state apply order1.log "$order_manifest")
[ "$rc" = 2 ] || { cat "$W/order1.log"; die "autorequire: first apply exit $rc, not 2"; }
grep -n "20-b.rules\]/ensure: defined content\|Kaudit_ruleset\[i13-order\]/ensure:" "$W/order1.log" | head -1 | grep -q "20-b.rules" \
    || { cat "$W/order1.log"; die "autorequire: the ruleset was applied before the File"; }
rc=$(KAUDIT_FAKE_KERNEL=$state apply order2.log "$order_manifest")
[ "$rc" = 0 ] || { cat "$W/order2.log"; die "autorequire: second apply exit $rc, not 0 (the first synced without 20-b.rules)"; }
[ "$(grep -c '^rule ' "$state")" = 2 ] || die "autorequire: the fake kernel does not hold both rules"
pass "autorequire(:file): a File writing into the source directory is applied before the ruleset"

# A binary that is not kaudit: a clear failure, never "in sync".
rc=$(apply true.log "kaudit_ruleset { 'i13-true': source => ['$d'], scope => '$KEY', kaudit => '/bin/true' }")
[ "$rc" = 4 ] || { cat "$W/true.log"; die "kaudit => /bin/true: exit $rc, not 4"; }
grep -q "printed nothing, not kaudit's JSON; is /bin/true kaudit?" "$W/true.log" || { cat "$W/true.log"; die "kaudit => /bin/true: message"; }
pass "kaudit => '/bin/true': exit 4, 'printed nothing, not kaudit's JSON'"

# Created 0600 if absent, as kaudit creates it (src/lock.rs refuses a
# lock file others can write).
( umask 077; : >>"${KAUDIT_LOCK_PATH:-/run/kaudit.lock}" )
exec 9>>"${KAUDIT_LOCK_PATH:-/run/kaudit.lock}"
flock 9
locked_here=1
export KAUDIT_LOCK_PATH=$W/child.lock
start_rules=$("$K" list)
start_settings=$("$K" status --json | sed 's/"lost":[0-9]*,//; s/"backlog":[0-9]*,//; s/"backlog_wait_time_actual":[0-9a-z]*,//')
[ -z "$(mine)" ] || die "rules with keys ${KEY}* are already in the kernel"
rules_file "$W/pre.rules" "-w /etc/shells -p wa -k i13-other-pup" "-w /etc/hosts -p wa -k ${KEY}stale"
"$K" load "$W/pre.rules" 2>/dev/null
before=$("$K" list)

rc=$(apply noop.log "$manifest" --noop)
[ "$rc" = 0 ] || { cat "$W/noop.log"; die "--noop: exit $rc"; }
grep -q "current_value 'drifted: kernel differs from $d: 3 rule(s) to add, 1 to delete, 0 kept, 0 setting(s)', should be 'synced' (noop)" "$W/noop.log" \
    || { cat "$W/noop.log"; die "--noop did not report the change"; }
[ "$("$K" list)" = "$before" ] || die "--noop changed the kernel"
pass "puppet apply --noop --detailed-exitcodes: reports the drift (3 to add, 1 to delete), exit 0, kernel unchanged"

rc=$(apply apply1.log "$manifest")
[ "$rc" = 2 ] || { cat "$W/apply1.log"; die "apply: exit $rc, not 2"; }
[ "$(mine)" = "$want" ] || die "after apply the kernel holds $(mine)"
"$K" list | grep -qx -- "-w /etc/shells -p wa -k i13-other-pup" || die "the rule outside the scope is gone"
pass "puppet apply --detailed-exitcodes: exit 2, the kernel holds exactly the files' rules, the rule outside the scope stays"

rc=$(apply apply2.log "$manifest")
[ "$rc" = 0 ] || { cat "$W/apply2.log"; die "second apply: exit $rc, not 0"; }
[ "$(mine)" = "$want" ] || die "the second apply changed the kernel"
pass "puppet apply again: exit 0, in sync"

cp "$d"/*.rules "$bad/"
rules_file "$bad/30-bad.rules" "-w /etc/issue -p wa -k ${KEY}issue" "-a always,exit -S nosuchcall -k ${KEY}bad"
before=$("$K" list)
rc=$(apply bad.log "kaudit_ruleset { 'i13-bad': source => ['$bad'], scope => '$KEY', kaudit => '$K' }")
[ "$rc" = 4 ] || { cat "$W/bad.log"; die "bad input: exit $rc, not 4"; }
grep -q "$bad/30-bad.rules:2:" "$W/bad.log" || { cat "$W/bad.log"; die "bad input: no file and line"; }
[ "$("$K" list)" = "$before" ] || die "bad input changed the kernel"
pass "a bad rule: exit 4 naming the file and line, kernel unchanged"

remove_mine
"$K" delete --key i13-other-pup >/dev/null 2>&1 || true
[ "$("$K" list)" = "$start_rules" ] || die "the rule table did not end as it started"
[ "$("$K" status --json | sed 's/"lost":[0-9]*,//; s/"backlog":[0-9]*,//; s/"backlog_wait_time_actual":[0-9a-z]*,//')" = "$start_settings" ] \
    || die "the settings did not end as they started"
pass "the kernel's table and settings end as they started"
echo "puppet: all passed"
