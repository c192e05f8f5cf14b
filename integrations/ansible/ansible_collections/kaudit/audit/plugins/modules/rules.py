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
      - Written only when its content differs (mode 0640 when created, owned by the user
        the module runs as); restored if the kernel refuses the change.
    type: path
  scope:
    description:
      - Manage only the rules whose key starts with this prefix (C(kaudit sync --scope
        key=PREFIX)). Every other rule in the kernel stays exactly where it is, so this module
        can share the kernel with other tools.
      - Without it, the files describe the whole rule table and other rules are deleted.
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
      - Path of the kaudit binary. By default it is searched in E(PATH), C(/usr/local/sbin)
        and C(/usr/sbin).
    type: path
attributes:
  check_mode:
    description: Plans the change (C(kaudit sync --dry-run)) and changes neither the kernel nor O(dest).
    support: full
  diff_mode:
    description:
      - The kernel's rules before and after as C(auditctl -l) text (settings that change are
        added as C(name value) lines), and O(dest)'s content before and after when it is written.
    support: full
  platform:
    description: Linux with audit support; root (CAP_AUDIT_CONTROL) is needed.
    support: full
    platforms: posix
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
  description: Rules (C(auditctl -l) text) in the kernel afterwards that were not there before.
  returned: success
  type: list
  elements: str
  sample: ["-w /etc/passwd -p wa -k hard-identity"]
removed:
  description: Rules (C(auditctl -l) text) that were in the kernel before and are not afterwards.
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
"""

import json
import os
import tempfile
from collections import Counter

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

# Filter list numbers: the kernel lists its rules list by list in this order.
LIST_ORDER = {"user": 0, "task": 1, "entry": 2, "watch": 3, "exit": 4, "exclude": 5,
              "filesystem": 6, "io_uring": 7}


class Kaudit(object):
    def __init__(self, module, binary, scope, allow_empty):
        self.module = module
        self.binary = binary
        self.scope = scope
        self.allow_empty = allow_empty

    def run(self, args, check_rc=True):
        rc, out, err = self.module.run_command([self.binary] + args)
        if check_rc and rc != 0:
            self.module.fail_json(msg="kaudit %s failed (exit %d): %s" % (" ".join(args), rc, err.strip()),
                                  rc=rc, stdout=out, stderr=err, reboot_required=False, rolled_back=False)
        return rc, out, err

    def sync_args(self):
        args = ["--allow-empty"] if self.allow_empty else []
        if self.scope:
            args += ["--scope", self.scope if self.scope.startswith("key=") else "key=" + self.scope]
        return args

    def json(self, args):
        rc, out, err = self.run(args)
        try:
            return json.loads(out)
        except ValueError:
            self.module.fail_json(msg="kaudit %s printed no JSON: %s" % (" ".join(args), out),
                                  stderr=err, reboot_required=False, rolled_back=False)

    def listing(self):
        """The kernel's rules as [(list, -l text)], in kernel order."""
        return [(r["list"], r["rule"]) for r in self.json(["list", "--json"])]

    def locked(self):
        return self.json(["status", "--json"]).get("enabled") == 2


def simulate(listing, plan):
    """The kernel's listing after the plan's steps: append and prepend act on one
    list, delete removes the identical rule (the -l text stands for it)."""
    lists = {}
    for name, text in listing:
        lists.setdefault(name, []).append(text)
    for step in plan:
        rules = lists.setdefault(step["list"], [])
        if step["op"] == "append":
            rules.append(step["rule"])
        elif step["op"] == "prepend":
            rules.insert(0, step["rule"])
        elif step["rule"] in rules:
            rules.remove(step["rule"])
    order = sorted(lists, key=lambda n: (LIST_ORDER.get(n, 99), n))
    return [(name, text) for name in order for text in lists[name]]


def listing_text(listing, settings, side):
    lines = [text for _, text in listing]
    lines += ["%s %s" % (s["name"], s[side]) for s in settings]
    return "".join(line + "\n" for line in lines)


def multiset_minus(a, b):
    left = Counter(b)
    out = []
    for text in a:
        if left[text]:
            left[text] -= 1
        else:
            out.append(text)
    return out


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except IOError:
        return None


def restore(path, content):
    """Puts a file back as it was (None: it did not exist)."""
    if content is None:
        os.unlink(path)
    else:
        with open(path, "wb") as f:
            f.write(content)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="list", elements="path"),
            rules=dict(type="list", elements="str"),
            dest=dict(type="path"),
            scope=dict(type="str"),
            immutable=dict(type="str", choices=["fail", "report"], default="fail"),
            allow_empty=dict(type="bool", default=False),
            kaudit=dict(type="path"),
        ),
        mutually_exclusive=[["src", "rules"]],
        required_one_of=[["src", "rules"]],
        required_by={"rules": "dest"},
        supports_check_mode=True,
    )
    p = module.params
    binary = p["kaudit"] or module.get_bin_path("kaudit", required=True,
                                                opt_dirs=["/usr/local/sbin", "/usr/sbin", "/sbin"])
    kaudit = Kaudit(module, binary, p["scope"], p["allow_empty"])
    result = dict(changed=False, reboot_required=False, rolled_back=False)

    # rules + dest: the new content is planned from a private copy, so that a
    # bad line or check mode never touches dest; messages name dest.
    dest = p["dest"]
    new_content = old_content = None
    tmpdir = None
    if p["rules"] is not None:
        if not dest:
            module.fail_json(msg="rules needs dest", **result)
        new_content = to_bytes("".join(line.rstrip("\n") + "\n" for line in p["rules"]))
        old_content = read_file(dest)
        result["dest_changed"] = new_content != old_content
        tmpdir = tempfile.mkdtemp(prefix="kaudit-rules-")
        plan_path = os.path.join(tmpdir, os.path.basename(dest))
        with open(plan_path, "wb") as f:
            f.write(new_content)
        paths = [plan_path]
    else:
        paths = p["src"]

    def cleanup():
        if tmpdir:
            for name in os.listdir(tmpdir):
                os.unlink(os.path.join(tmpdir, name))
            os.rmdir(tmpdir)

    def name_dest(text):
        return text.replace(paths[0], dest) if tmpdir else text

    def fail(msg, **extra):
        cleanup()
        result.update(extra)
        module.fail_json(msg=name_dest(msg), **result)

    rc, out, err = kaudit.run(["sync", "--dry-run", "--json"] + kaudit.sync_args() + paths, check_rc=False)
    if rc != 0:
        fail("the rules were not loaded, nothing changed: %s" % err.strip(), rc=rc, stderr=name_dest(err))
    planned = json.loads(out)
    before = kaudit.listing()
    result.update(in_sync=planned["in_sync"], kept=planned["kept"], plan=planned["plan"],
                  settings=planned["settings"])
    after = simulate(before, planned["plan"])
    locked = not planned["in_sync"] and kaudit.locked()
    if locked:
        if p["immutable"] == "fail":
            fail("the kernel's audit rules are locked (enabled 2) and differ from the files: "
                 "a reboot is needed to load them", reboot_required=True)
        result["reboot_required"] = True
        after = before

    if not module.check_mode:
        if new_content is not None:
            if result["dest_changed"]:
                module.atomic_move(plan_path, dest)
                if old_content is None:
                    os.chmod(dest, 0o640)
                result["changed"] = True
            paths = [dest]
        if not planned["in_sync"] and not locked:
            rc, out, err = kaudit.run(["sync", "--json"] + kaudit.sync_args() + paths, check_rc=False)
            if rc != 0:
                if new_content is not None and result["dest_changed"]:
                    restore(dest, old_content)
                now = kaudit.listing()
                # kaudit --json reports a failed sync as {"ok": false, "error", "rollback": {"complete", ...}}.
                try:
                    report = json.loads(out)
                except ValueError:
                    report = {}
                rollback = report.get("rollback") or {}
                if "complete" in rollback:
                    rolled_back = report.get("error") == "refused" and bool(rollback["complete"])
                else:
                    rolled_back = rc == 1 and "the kernel refused" in err and now == before
                detail = err.strip() or report.get("message", "")
                fail("kaudit sync failed (exit %d), the kernel was not changed: %s" % (rc, detail)
                     if now == before else "kaudit sync failed (exit %d): %s" % (rc, detail),
                     rc=rc, stderr=err, changed=now != before,
                     rolled_back=rolled_back)
            done = json.loads(out)
            result.update(kept=done["kept"], plan=done["plan"], settings=done["settings"])
            if done.get("other_writer"):
                result["other_writer"] = done["other_writer"]
            after = kaudit.listing()
            result["changed"] = True
    else:
        # Check mode: would anything change?
        result["changed"] = (not planned["in_sync"] and not locked) or bool(result.get("dest_changed"))

    before_texts = [t for _, t in before]
    after_texts = [t for _, t in after]
    result["added"] = multiset_minus(after_texts, before_texts)
    result["removed"] = multiset_minus(before_texts, after_texts)
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
    cleanup()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
