#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kaudit developers
# SPDX-License-Identifier: Apache-2.0 OR MIT

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rules
short_description: Make the kernel's Linux audit rules match rules files, with the least change
version_added: "0.1.0"
description:
  - Compares the kernel's audit rules and settings with rules files (auditctl syntax) or
    with a list of rule lines, and changes only what differs, using C(kaudit sync).
  - Rules that are already in place are never deleted, so there is no moment in which a kept
    rule is missing. New rules are added before the rules they replace are removed.
  - If the kernel refuses a rule part-way, kaudit restores the previous rules and settings and
    the task fails naming the file, line and reason.
  - Every line is compiled before anything is sent; a bad line fails the task and changes nothing.
  - Replaces handlers that run C(augenrules --load) and restart auditd. Those flush every
    rule, re-add them all, and report a change on every run.
options:
  src:
    description:
      - Rules files or C(rules.d) directories (their C(*.rules) files, in natural order) on
        the managed host.
      - Mutually exclusive with O(rules).
    type: list
    elements: path
  rules:
    description:
      - Rule lines in auditctl syntax (C(-a), C(-w), C(-b), C(-e) and so on).
      - They are written to O(dest) (part of the change) and the kernel is made to match it.
      - Mutually exclusive with O(src); requires O(dest).
    type: list
    elements: str
  dest:
    description:
      - The rules file that O(rules) is written to, for example
        C(/etc/audit/rules.d/50-hardening.rules), so the same rules load at boot.
      - Written only when its content differs (mode 0640 when created unless O(mode) says
        otherwise); restored if the kernel refuses the change.
      - Must not be a directory, and its directory must exist.
    type: path
  backup:
    description:
      - Keep a copy of O(dest) (named C(DEST.PID.DATE~), which C(rules.d) loading ignores as it
        does not end in C(.rules)) before it is overwritten.
    type: bool
    default: false
  scope:
    description:
      - Manage only the rules whose key starts with this prefix (C(kaudit sync --scope
        key=PREFIX)). Every other rule in the kernel stays exactly where it is, so this module
        can share the kernel with other tools.
      - Without it, the files describe the whole rule table and other rules are deleted.
      - An empty prefix (V("") or V(key=), for example from a templated default) is refused,
        as it would manage every rule in the kernel. Leave the option out for the whole table.
    type: str
  immutable:
    description:
      - What to do when the kernel's audit configuration is locked (C(-e 2)) and differs from
        the files. Locked rules can only change at the next boot.
      - V(fail) fails the task with a message that a reboot is needed.
      - V(report) succeeds with RV(reboot_required=true) (and still writes O(dest)).
    type: str
    choices: [fail, report]
    default: fail
  allow_empty:
    description:
      - Allow files that hold no rules (and no C(-D)) to delete every rule in O(scope)
        (C(kaudit sync --allow-empty)). Without it such files are refused while the kernel holds
        rules in scope, so an empty or truncated file cannot wipe the audit rules by accident.
    type: bool
    default: false
  kaudit:
    description:
      - Path of the kaudit binary. By default it is searched in E(PATH), then
        C(/usr/local/sbin), C(/usr/sbin) and C(/sbin); the task fails naming every place it
        looked when it is not found.
    type: path
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Plans the change (C(kaudit sync --dry-run)) and changes neither the kernel nor O(dest).
    support: full
  diff_mode:
    description:
      - The managed rules (those in O(scope)) before and after as C(auditctl -l) text, as
        kaudit's JSON gives them (settings that change are added as C(name value) lines), and
        O(dest)'s content before and after when it is written.
    support: full
  platform:
    description: Linux with audit support; root (CAP_AUDIT_CONTROL) is needed.
    support: full
    platforms: posix
  safe_file_operations:
    description: O(dest) is written with an atomic move.
    support: full
notes:
  - Needs the kaudit binary on the managed host.
  - The desired state is the files' rules in order plus their settings (C(-b), C(-f), C(-r),
    C(--backlog_wait_time), C(--loginuid-immutable), C(-e)); C(-D) is implied.
seealso:
  - name: kaudit README, Configuration management
    description: Before/after handlers for hardening roles.
    link: https://example.invalid/kaudit#configuration-management
author:
  - kaudit developers (@kaudit)
"""

EXAMPLES = r"""
- name: Make the kernel match the rules.d directory
  kaudit.audit.rules:
    src:
      - /etc/audit/rules.d

- name: Manage only rules keyed "cis-", next to other tools' rules
  kaudit.audit.rules:
    src: /etc/audit/rules.d/50-cis.rules
    scope: cis-

- name: Write a rules file and load it
  kaudit.audit.rules:
    dest: /etc/audit/rules.d/50-hardening.rules
    scope: hard-
    rules:
      - -w /etc/passwd -p wa -k hard-identity
      - -a always,exit -F arch=b64 -S sethostname -S setdomainname -k hard-system-locale

- name: On a locked kernel (-e 2), succeed and say a reboot is needed
  kaudit.audit.rules:
    src: /etc/audit/rules.d
    immutable: report
  register: audit

- name: Tell the operator
  ansible.builtin.debug:
    msg: "Reboot needed to load the audit rules"
  when: audit.reboot_required
"""

RETURN = r"""
in_sync:
  description: Whether the kernel already matched the files before the task.
  returned: success
  type: bool
  sample: false
added:
  description:
    - Managed rules (C(auditctl -l) text) in the kernel afterwards that were not there before,
      from kaudit's JSON C(before) and C(after).
  returned: success
  type: list
  elements: str
  sample: ["-w /etc/passwd -p wa -k hard-identity"]
removed:
  description: Managed rules (C(auditctl -l) text) that were in the kernel before and are not afterwards.
  returned: success
  type: list
  elements: str
  sample: []
kept:
  description: How many managed rules stayed in place untouched.
  returned: success
  type: int
  sample: 12
settings:
  description: The settings that change, as kaudit's JSON gives them.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "backlog_limit", "from": 64, "to": 8192}]
plan:
  description:
    - The kernel requests in execution order, as kaudit's JSON gives them (C(op) is
      C(append), C(prepend) or C(delete)). A rule that moves is deleted and added again.
  returned: success
  type: list
  elements: dict
  sample: [{"op": "append", "list": "exit", "rule": "-w /etc/passwd -p wa -k hard-identity"}]
reboot_required:
  description: The kernel is locked (C(-e 2)) and differs from the files; the rules load at the next boot.
  returned: always
  type: bool
  sample: false
rolled_back:
  description: The kernel refused a step and kaudit restored the previous rules and settings.
  returned: always
  type: bool
  sample: false
other_writer:
  description:
    - Rules another program added or deleted in the scope while kaudit was syncing, as kaudit's
      JSON gives them (kaudit re-planned around them).
  returned: when another writer changed rules during the sync
  type: list
  elements: dict
  sample: [{"change": "added", "rule": "-w /etc/shadow -p wa -k cis-identity"}]
dest_changed:
  description: Whether O(dest) was (or in check mode would be) written.
  returned: when O(rules) is given
  type: bool
  sample: true
backup_file:
  description: The copy of O(dest) made with O(backup).
  returned: when O(backup) is true and O(dest) was overwritten
  type: str
  sample: /etc/audit/rules.d/50-hardening.rules.2101.2026-12-07@23:59:59~
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.kaudit.audit.plugins.module_utils.kaudit import (
    Kaudit,
    KauditError,
    failure_report,
    find_binary,
    listing_text,
    multiset_minus,
    parse_json,
    plan_fields,
    scope_args,
    texts,
)


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except (IOError, OSError):
        return None


def restore(path, content):
    """Puts a file back as it was (None: it did not exist)."""
    if content is None:
        os.unlink(path)
    else:
        with open(path, "wb") as f:
            f.write(content)


def check_dest(dest):
    """Refuses a dest that cannot be the rules file, before anything is done."""
    if os.path.isdir(dest):
        raise KauditError("dest %s is a directory; dest is the rules file to write, for example %s"
                          % (dest, os.path.join(dest, "50-ansible.rules")))
    parent = os.path.dirname(dest) or "."
    if not os.path.isdir(parent):
        raise KauditError("dest %s: its directory %s does not exist" % (dest, parent))


def run_module(module):
    p = module.params
    result = dict(changed=False, reboot_required=False, rolled_back=False)
    sync_args = (["--allow-empty"] if p["allow_empty"] else []) + scope_args(p["scope"])
    kaudit = Kaudit(module, find_binary(module, p["kaudit"]))

    # rules + dest: the new content is planned from a private copy (in the
    # module's own temporary directory, removed when the module ends), so a
    # bad line or check mode never touches dest; messages name dest.
    dest = p["dest"]
    new_content = old_content = None
    plan_path = None
    if p["rules"] is not None:
        check_dest(dest)
        new_content = to_bytes("".join(line.rstrip("\n") + "\n" for line in p["rules"]))
        old_content = read_file(dest)
        result["dest_changed"] = new_content != old_content
        plan_path = os.path.join(module.tmpdir, os.path.basename(dest))
        with open(plan_path, "wb") as f:
            f.write(new_content)
        paths = [plan_path]
    else:
        paths = p["src"]

    def name_dest(text):
        return text.replace(plan_path, dest) if plan_path else text

    def fail(msg, **extra):
        result.update(extra)
        raise KauditError(name_dest(msg), **result)

    args = ["sync", "--dry-run", "--json"] + sync_args + paths
    rc, out, err = kaudit.run(args)
    if rc != 0:
        fail("the rules were not loaded, nothing changed: %s" % err.strip(), rc=rc, stderr=name_dest(err))
    planned = plan_fields(parse_json(out, "kaudit sync --dry-run --json"), "kaudit sync --dry-run --json")
    before = texts(planned["before"])
    after = texts(planned["after"])
    result.update(in_sync=planned["in_sync"], kept=planned["kept"], plan=planned["plan"],
                  settings=planned["settings"])
    locked = not planned["in_sync"] and kaudit.locked()
    if locked:
        if p["immutable"] == "fail":
            fail("the kernel's audit rules are locked (enabled 2) and differ from the files: "
                 "a reboot is needed to load them", reboot_required=True)
        result["reboot_required"] = True
        after = before

    file_args = None
    if new_content is not None:
        file_args = module.load_file_common_arguments(p, path=dest)
        if old_content is None and file_args.get("mode") is None:
            file_args["mode"] = "0640"

    if not module.check_mode:
        if new_content is not None:
            if result["dest_changed"]:
                if p["backup"] and old_content is not None:
                    result["backup_file"] = module.backup_local(dest)
                module.atomic_move(plan_path, dest)
                result["changed"] = True
            result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
            paths = [dest]
        if not planned["in_sync"] and not locked:
            rc, out, err = kaudit.run(["sync", "--json"] + sync_args + paths)
            if rc != 0:
                if new_content is not None and result["dest_changed"]:
                    restore(dest, old_content)
                # kaudit --json reports a failed sync as {"ok": false, "error", "rollback": {"complete", ...}}.
                rolled_back, kernel_changed = failure_report(rc, out)
                detail = err.strip()
                if kernel_changed is False:
                    msg = "kaudit sync failed (exit %d), the kernel was not changed: %s" % (rc, detail)
                elif kernel_changed:
                    msg = "kaudit sync failed (exit %d) and its rollback is not complete: %s" % (rc, detail)
                else:
                    msg = "kaudit sync failed (exit %d) and printed no valid JSON: %s" % (rc, detail)
                fail(msg, rc=rc, stderr=err, stdout=out, changed=kernel_changed is not False,
                     rolled_back=rolled_back)
            try:
                done = plan_fields(parse_json(out, "kaudit sync --json"), "kaudit sync --json")
            except KauditError as e:
                # The sync itself succeeded: the kernel (and dest) changed.
                fail("%s; kaudit sync exited 0, so the kernel was changed to match the files" % e.msg,
                     changed=True, stdout=out, stderr=err)
            result.update(kept=done["kept"], plan=done["plan"], settings=done["settings"])
            if done.get("other_writer"):
                result["other_writer"] = done["other_writer"]
            before = texts(done["before"])
            after = texts(done["after"])
            result["changed"] = True
    else:
        # Check mode: would anything change?
        changed = (not planned["in_sync"] and not locked) or bool(result.get("dest_changed"))
        if file_args is not None and old_content is not None:
            changed = module.set_fs_attributes_if_different(file_args, changed)
        result["changed"] = changed

    result["added"] = multiset_minus(after, before)
    result["removed"] = multiset_minus(before, after)
    if module._diff:
        settings = [] if locked else result["settings"]
        diffs = [dict(before=listing_text(before, settings, "from"),
                      after=listing_text(after, settings, "to"),
                      before_header="kernel (auditctl -l) before",
                      after_header="kernel (auditctl -l) after")]
        if new_content is not None:
            diffs.append(dict(before=to_native(old_content or b""), after=to_native(new_content),
                              before_header="%s (before)" % dest, after_header="%s (after)" % dest))
        result["diff"] = diffs
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="list", elements="path"),
            rules=dict(type="list", elements="str"),
            dest=dict(type="path"),
            backup=dict(type="bool", default=False),
            scope=dict(type="str"),
            immutable=dict(type="str", choices=["fail", "report"], default="fail"),
            allow_empty=dict(type="bool", default=False),
            kaudit=dict(type="path"),
        ),
        mutually_exclusive=[["src", "rules"]],
        required_one_of=[["src", "rules"]],
        required_by={"rules": "dest"},
        add_file_common_args=True,
        supports_check_mode=True,
    )
    try:
        result = run_module(module)
    except KauditError as e:
        extra = dict(changed=False, reboot_required=False, rolled_back=False)
        extra.update(e.extra)
        module.fail_json(msg=e.msg, **extra)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
