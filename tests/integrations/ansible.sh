#!/usr/bin/env bash
# The Ansible collection kaudit.audit with the real tools: the collection is
# built with ansible-galaxy and installed, ansible-doc reads the module's
# documentation, ansible-test sanity runs validate-modules, compile and import
# offline, ansible-test units runs the module's and module_utils' unit tests
# (tests/unit, in a venv of ansible-test's own), and real `ansible-playbook -i localhost, -c local` plays run the
# module against this machine's kernel (holding the machine lock, keys
# i13-ans-*, --scope on every sync, the table and settings checked to end as
# they started) and against the in-memory kernel for the locked cases.
#
# Usage: tests/integrations/ansible.sh KAUDIT_BINARY [live|fake|sanity|units]...
# (all four parts when none is named). Prints "PASS name" per check; exits
# non-zero at the first failure. Needs root for the live part.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
K=$(realpath "$1")
shift
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(sanity units fake live)
"$root/scripts/setup-integrations.sh"
venv=$root/.cache/ansible-venv
W=$(mktemp -d /tmp/kaudit-ansible.XXXXXX)
chmod 755 "$W"
export ANSIBLE_COLLECTIONS_PATH=$W/collections ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=$W/tmp \
    ANSIBLE_HOME=$W/ansible-home ANSIBLE_STDOUT_CALLBACK=default
KEY=i13-ans-
cleanup_fns=()
cleanup() {
    local f
    for f in "${cleanup_fns[@]}"; do $f || true; done
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
pass() { echo "PASS $*"; }
die() { echo "FAIL $*" >&2; exit 1; }

"$venv/bin/ansible-galaxy" collection build "$root/integrations/ansible/ansible_collections/kaudit/audit" \
    --output-path "$W" >/dev/null
"$venv/bin/ansible-galaxy" collection install -p "$W/collections" "$W"/kaudit-audit-*.tar.gz >/dev/null
pass "ansible-galaxy collection build and install"
"$venv/bin/ansible-doc" kaudit.audit.rules >"$W/doc.txt"
grep -q "check_mode" "$W/doc.txt" && grep -q "immutable" "$W/doc.txt" && grep -q "RETURN VALUES" "$W/doc.txt" \
    || die "ansible-doc kaudit.audit.rules: $(head -5 "$W/doc.txt")"
pass "ansible-doc kaudit.audit.rules"

# play LOGFILE EXTRA_VARS_JSON [ansible-playbook options...]: one module run
# with assertions (tests/integrations/rules-play.yml); the log is kept.
play() {
    local log=$W/$1 vars=$2
    shift 2
    if ! "$venv/bin/ansible-playbook" -i localhost, -c local "$here/rules-play.yml" -e "$vars" "$@" >"$log" 2>&1; then
        cat "$log" >&2
        die "ansible-playbook ($log): see above"
    fi
}
# A rules file with mode 0644 (kaudit refuses group- or world-writable ones).
rules_file() { printf '%s\n' "${@:2}" >"$1"; chmod 0644 "$1"; }

# ansible-test fetches a pip bootstrap script from outside the package
# registries; offline, a cached script that runs ensurepip does the job.
# Then a private copy of the collection for ansible-test (it writes
# tests/output into the collection).
ansible_test_copy() {
    local pipv
    pipv=$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -1)
    mkdir -p ~/.ansible/test/cache
    local getpip=~/.ansible/test/cache/get_pip_${pipv//./_}.py
    [ -f "$getpip" ] || printf 'import ensurepip\nensurepip.bootstrap(upgrade=True)\n' >"$getpip"
    coll=$W/$1/ansible_collections/kaudit/audit
    mkdir -p "$coll"
    cp -r "$root/integrations/ansible/ansible_collections/kaudit/audit/." "$coll"
    pyver=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
}

units() {
    local coll pyver
    ansible_test_copy units
    (cd "$coll" && "$venv/bin/ansible-test" units --venv --python "$pyver" --color no >"$W/units.log" 2>&1) \
        || { cat "$W/units.log" >&2; die "ansible-test units"; }
    local n
    n=$(grep -cE '^=+ [0-9]+ passed in ' "$W/units.log" || true)
    [ "$n" = 2 ] || { cat "$W/units.log" >&2; die "ansible-test units: expected the modules and module_utils runs"; }
    pass "ansible-test units (python $pyver): $(grep -E '^=+ [0-9]+ passed in ' "$W/units.log" | sed 's/=//g; s/^ *//; s/ passed in .*//' | paste -sd+ -) tests passed"
}

sanity() {
    local coll pyver
    ansible_test_copy sanity
    (cd "$coll" && "$venv/bin/ansible-test" sanity --local --python "$pyver" \
        --test validate-modules --test compile --test import --test pep8 --test pylint >"$W/sanity.log" 2>&1) \
        || { cat "$W/sanity.log" >&2; die "ansible-test sanity"; }
    grep -q "Running sanity test \"validate-modules\"" "$W/sanity.log" || { cat "$W/sanity.log" >&2; die "validate-modules did not run"; }
    pass "ansible-test sanity --test validate-modules --test compile --test import --test pep8 --test pylint (python $pyver)"
}

fake() {
    # The locked kernel (-e 2) exists only in the in-memory kernel
    # (KAUDIT_FAKE_KERNEL, a test-only switch of the kaudit binary).
    local state=$W/fake.state d=$W/fake.d
    mkdir -p "$d"
    rules_file "$d/10-a.rules" "-w /etc/passwd -p wa -k ${KEY}a" "-b 8192"
    local env="\"env\":{\"KAUDIT_FAKE_KERNEL\":\"$state\"}"
    local opts="\"src\":[\"$d\"],\"kaudit\":\"$K\""
    play fake-load.log "{\"opts\":{$opts},$env,\"expect\":{\"failed\":false,\"changed\":true,\"reboot_required\":false}}"
    grep -q '^enabled 0' "$state" || die "fake kernel state"
    sed -i 's/^enabled 0$/enabled 2/' "$state"
    cp "$state" "$W/fake.locked"
    rules_file "$d/20-b.rules" "-w /etc/hosts -p wa -k ${KEY}b"
    play fake-fail.log "{\"opts\":{$opts},$env,\"expect\":{\"failed\":true,\"changed\":false,\"reboot_required\":true},\"msg_has\":[\"locked\",\"reboot\"]}"
    cmp -s "$state" "$W/fake.locked" || die "immutable: fail changed the locked fake kernel"
    pass "immutable: fail on a locked kernel that differs: task fails, says a reboot is needed, nothing sent"
    play fake-report.log "{\"opts\":{$opts,\"immutable\":\"report\"},$env,\"expect\":{\"failed\":false,\"changed\":false,\"reboot_required\":true}}"
    cmp -s "$state" "$W/fake.locked" || die "immutable: report changed the locked fake kernel"
    pass "immutable: report on a locked kernel: succeeds with reboot_required, nothing sent"
    # rules + dest on a locked kernel with report: the file is written for the next boot.
    local dest=$W/fake-dest.rules
    play fake-report-dest.log "{\"opts\":{\"rules\":[\"-w /etc/group -p wa -k ${KEY}c\"],\"dest\":\"$dest\",\"kaudit\":\"$K\",\"immutable\":\"report\"},$env,\"expect\":{\"failed\":false,\"changed\":true,\"reboot_required\":true,\"dest_changed\":true}}"
    grep -qx -- "-w /etc/group -p wa -k ${KEY}c" "$dest" || die "immutable: report did not write dest"
    cmp -s "$state" "$W/fake.locked" || die "immutable: report with dest changed the locked fake kernel"
    pass "immutable: report with rules+dest writes dest for the next boot, kernel untouched"
    # A locked kernel already in sync is fine with immutable: fail.
    rm "$d/20-b.rules"
    play fake-insync.log "{\"opts\":{$opts},$env,\"expect\":{\"failed\":false,\"changed\":false,\"reboot_required\":false}}"
    pass "immutable: fail on a locked kernel already in sync: ok, unchanged"
    # An empty scope (a templated default) is refused, not "every rule".
    cp "$state" "$W/fake.before-scope"
    play fake-empty-scope.log "{\"opts\":{$opts,\"scope\":\"\"},$env,\"expect\":{\"failed\":true,\"changed\":false},\"msg_has\":[\"scope must be a non-empty key prefix\"]}"
    cmp -s "$state" "$W/fake.before-scope" || die "scope: \"\" changed the fake kernel"
    pass "scope: \"\" fails the task (would manage every rule), the kernel untouched"
    # Files without rules would empty the scope: refused unless allow_empty.
    rm -f "$state"
    play fake-load2.log "{\"opts\":{$opts,\"scope\":\"$KEY\"},$env,\"expect\":{\"failed\":false,\"changed\":true}}"
    local empty=$W/empty.rules
    rules_file "$empty" "# nothing here yet"
    local eopts="\"src\":[\"$empty\"],\"scope\":\"$KEY\",\"kaudit\":\"$K\""
    cp "$state" "$W/fake.before-empty"
    play fake-empty.log "{\"opts\":{$eopts},$env,\"expect\":{\"failed\":true,\"changed\":false},\"msg_has\":[\"allow-empty\"]}"
    cmp -s "$state" "$W/fake.before-empty" || die "files without rules changed the kernel"
    play fake-allow-empty.log "{\"opts\":{$eopts,\"allow_empty\":true},$env,\"expect\":{\"failed\":false,\"changed\":true,\"removed\":[\"-w /etc/passwd -p wa -k ${KEY}a\"]}}"
    ! grep -q '^rule ' "$state" || die "allow_empty: rules left in the fake kernel"
    pass "files without rules are refused while the scope holds rules; allow_empty: true empties the scope"
    # The role, with its defaults overridden (unlocked fake kernel).
    rm -f "$state"
    cat >"$W/role-play.yml" <<EOF
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    kaudit_sync_src: ["$d"]
    kaudit_sync_binary: "$K"
  environment:
    KAUDIT_FAKE_KERNEL: "$state"
  roles:
    - kaudit.audit.sync
  post_tasks:
    - ansible.builtin.assert:
        that: kaudit_sync_result.changed == (expect_changed | bool)
EOF
    "$venv/bin/ansible-playbook" -i localhost, -c local "$W/role-play.yml" -e expect_changed=true >"$W/role1.log" 2>&1 \
        || { cat "$W/role1.log"; die "role kaudit.audit.sync, first run"; }
    "$venv/bin/ansible-playbook" -i localhost, -c local "$W/role-play.yml" -e expect_changed=false >"$W/role2.log" 2>&1 \
        || { cat "$W/role2.log"; die "role kaudit.audit.sync, second run"; }
    grep -q "^rule " "$state" || die "role: no rule in the fake kernel"
    pass "role kaudit.audit.sync: changed, then not changed"
    cp "$state" "$W/fake.before-role-scope"
    ! "$venv/bin/ansible-playbook" -i localhost, -c local "$W/role-play.yml" -e '{"expect_changed": false, "kaudit_sync_scope": ""}' \
        >"$W/role3.log" 2>&1 || { cat "$W/role3.log"; die "role with kaudit_sync_scope: \"\" did not fail"; }
    grep -q "scope must be a non-empty key prefix" "$W/role3.log" || { cat "$W/role3.log"; die "role, empty scope: message"; }
    cmp -s "$state" "$W/fake.before-role-scope" || die "role with an empty scope changed the fake kernel"
    pass "role kaudit.audit.sync with kaudit_sync_scope: \"\" fails, the kernel untouched"
}

# The live kernel's rules (-l text) and settings.
kernel_rules() { "$K" list; }
kernel_settings() { "$K" status --json | sed 's/"lost":[0-9]*,//; s/"backlog":[0-9]*,//; s/"backlog_wait_time_actual":[0-9a-z]*,//'; }
mine() { "$K" list | grep -- "-k ${KEY}\|key=${KEY}" || true; }

live() {
    [ "$(id -u)" = 0 ] || die "the live part needs root"
    # Hold the machine lock throughout; kaudit itself takes a private one.
    # Created 0600 if absent, as kaudit creates it (src/lock.rs refuses a
    # lock file others can write).
    ( umask 077; : >>"${KAUDIT_LOCK_PATH:-/run/kaudit.lock}" )
    exec 9>>"${KAUDIT_LOCK_PATH:-/run/kaudit.lock}"
    flock 9
    export KAUDIT_LOCK_PATH=$W/child.lock
    local start_rules start_settings
    start_rules=$(kernel_rules)
    start_settings=$(kernel_settings)
    [ -z "$(mine)" ] || die "rules with keys ${KEY}* are already in the kernel"
    remove_mine() {
        local k
        for k in $("$K" list --json | grep -o "\"${KEY}[a-z0-9-]*\"" | tr -d '"' | sort -u); do
            "$K" delete --key "$k" >/dev/null 2>&1 || true
        done
    }
    cleanup_fns+=(remove_mine)
    local d=$W/live.d bad=$W/bad.d refused=$W/refused.d
    mkdir -p "$d" "$bad" "$refused"
    # A rule outside the scope (key i13-other-...) and a stale one inside it.
    rules_file "$W/pre.rules" "-w /etc/group -p wa -k i13-other-ans" "-w /etc/shells -p wa -k ${KEY}stale"
    "$K" load "$W/pre.rules" 2>/dev/null
    cleanup_fns+=(remove_other)
    remove_other() { "$K" delete --key i13-other-ans >/dev/null 2>&1 || true; }
    rules_file "$d/10-identity.rules" "-w /etc/passwd -p wa -k ${KEY}identity" "-w /etc/hosts -p wa -k ${KEY}net"
    rules_file "$d/20-exec.rules" "-a always,exit -F arch=b64 -S sethostname -S setdomainname -F key=${KEY}locale"
    local want
    want=$(printf '%s\n' "-w /etc/passwd -p wa -k ${KEY}identity" "-w /etc/hosts -p wa -k ${KEY}net" \
        "-a always,exit -F arch=b64 -S sethostname,setdomainname -F key=${KEY}locale")
    local opts="\"src\":[\"$d\"],\"scope\":\"$KEY\",\"kaudit\":\"$K\""
    local before
    before=$(kernel_rules)

    play check.log "{\"opts\":{$opts},\"expect\":{\"failed\":false,\"changed\":true}}" --check
    [ "$(kernel_rules)" = "$before" ] || die "--check changed the kernel"
    pass "--check reports changed and the kernel is unchanged"

    play run1.log "{\"opts\":{$opts},\"expect\":{\"failed\":false,\"changed\":true,\"removed\":[\"-w /etc/shells -p wa -k ${KEY}stale\"]}}"
    [ "$(mine)" = "$want" ] || die "after the run the kernel holds $(mine), not $want"
    pass "a real run makes the kernel hold exactly the files' rules (in order)"
    "$K" list | grep -qx -- "-w /etc/group -p wa -k i13-other-ans" || die "the rule outside the scope is gone"
    pass "a rule outside the scope survives"

    play run2.log "{\"opts\":{$opts},\"expect\":{\"failed\":false,\"changed\":false,\"in_sync\":true,\"added\":[],\"removed\":[]}}"
    [ "$(mine)" = "$want" ] || die "the second run changed the kernel"
    pass "a second run reports changed: false"

    rules_file "$d/30-time.rules" "-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time"
    play diff-check.log "{\"opts\":{$opts},\"expect\":{\"changed\":true}}" --check --diff
    grep -qx -- "+-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time" "$W/diff-check.log" \
        || { cat "$W/diff-check.log"; die "--check --diff does not show the new rule line"; }
    [ "$(mine)" = "$want" ] || die "--check --diff changed the kernel"
    play diff-run.log "{\"opts\":{$opts},\"expect\":{\"changed\":true,\"added\":[\"-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time\"]}}" --diff
    grep -qx -- "+-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time" "$W/diff-run.log" \
        || die "--diff does not show the new rule line"
    grep -q -- "--- before: kernel (auditctl -l) before" "$W/diff-run.log" || die "--diff header"
    pass "--diff shows the rule lines (check mode and real run)"
    want=$(printf '%s\n' "$want" "-a always,exit -F arch=b64 -S clock_settime -F key=${KEY}time")

    # An invalid rule: the task fails naming the file and line, nothing changes.
    cp "$d"/*.rules "$bad/"
    rules_file "$bad/40-bad.rules" "-w /etc/issue -p wa -k ${KEY}issue" "-a always,exit -F bogus=1 -k ${KEY}bad"
    before=$(kernel_rules)
    play bad.log "{\"opts\":{\"src\":[\"$bad\"],\"scope\":\"$KEY\",\"kaudit\":\"$K\"},\"expect\":{\"failed\":true,\"changed\":false,\"rolled_back\":false},\"msg_has\":[\"$bad/40-bad.rules:2:\",\"bogus\"]}"
    [ "$(kernel_rules)" = "$before" ] || die "an invalid rule changed the kernel"
    pass "an invalid rule fails the task with file and line, the kernel as it was"

    # A rule the kernel refuses (a watch in a directory that does not exist):
    # rolled back, file, line and reason in msg.
    cp "$d"/*.rules "$refused/"
    rules_file "$refused/40-refused.rules" "-w /etc/issue -p wa -k ${KEY}issue" "-w /nonexistent-kaudit-i13/x -p wa -k ${KEY}gone"
    play refused.log "{\"opts\":{\"src\":[\"$refused\"],\"scope\":\"$KEY\",\"kaudit\":\"$K\"},\"expect\":{\"failed\":true,\"changed\":false,\"rolled_back\":true},\"msg_has\":[\"$refused/40-refused.rules:2\",\"No such file or directory\"]}"
    [ "$(kernel_rules)" = "$before" ] || die "a refused rule left the kernel changed"
    pass "a kernel refusal fails the task with file, line and reason, rolled back"

    # rules + dest: check mode writes nothing; a run writes and loads; again unchanged.
    local dest=$W/dest/50-hardening.rules
    mkdir -p "$W/dest"
    local ropts="\"rules\":[\"-w /etc/passwd -p wa -k ${KEY}identity\",\"-w /etc/hostname -p wa -k ${KEY}hostname\"],\"dest\":\"$dest\",\"scope\":\"$KEY\",\"kaudit\":\"$K\""
    play dest-check.log "{\"opts\":{$ropts},\"expect\":{\"failed\":false,\"changed\":true,\"dest_changed\":true}}" --check --diff
    [ ! -e "$dest" ] || die "check mode wrote dest"
    [ "$(kernel_rules)" = "$before" ] || die "check mode with rules+dest changed the kernel"
    grep -q -- "+++ after: $dest (after)" "$W/dest-check.log" || die "no diff of dest in check mode"
    pass "rules+dest in check mode writes nothing and changes nothing"
    play dest-run.log "{\"opts\":{$ropts},\"expect\":{\"failed\":false,\"changed\":true,\"dest_changed\":true}}"
    [ "$(cat "$dest")" = "$(printf '%s\n' "-w /etc/passwd -p wa -k ${KEY}identity" "-w /etc/hostname -p wa -k ${KEY}hostname")" ] \
        || die "dest content: $(cat "$dest")"
    [ "$(mine)" = "$(printf '%s\n' "-w /etc/passwd -p wa -k ${KEY}identity" "-w /etc/hostname -p wa -k ${KEY}hostname")" ] \
        || die "rules+dest: the kernel holds $(mine)"
    play dest-again.log "{\"opts\":{$ropts},\"expect\":{\"failed\":false,\"changed\":false,\"dest_changed\":false}}"
    pass "rules+dest writes the file and loads it; a second run is unchanged"

    remove_mine
    remove_other
    [ "$(kernel_rules)" = "$start_rules" ] || die "the rule table did not end as it started"
    [ "$(kernel_settings)" = "$start_settings" ] || die "the settings did not end as they started"
    pass "the kernel's table and settings end as they started"
    flock -u 9
}

for part in "${parts[@]}"; do
    case $part in
        sanity) sanity ;;
        units) units ;;
        fake) fake ;;
        live) live ;;
        *) die "unknown part $part" ;;
    esac
done
echo "ansible: all passed"
