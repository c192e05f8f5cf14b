# -*- coding: utf-8 -*-
# Copyright: kaudit developers
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Running the kaudit binary and reading its JSON, for kaudit.audit's modules.

The plan, the kernel's rules before and after, and the settings all come
from kaudit's own JSON (``sync --json``, ``sync --dry-run --json``,
``status --json``); nothing here re-computes them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.module_utils.common.text.converters import to_native

# Where kaudit is looked for after PATH: the Debian package installs
# /usr/sbin/kaudit, scripts/install.sh /usr/local/sbin/kaudit.
SEARCH_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"]


class KauditError(Exception):
    """A failure to report with fail_json: msg, and result keys in extra."""

    def __init__(self, msg, **extra):
        super(KauditError, self).__init__(msg)
        self.msg = msg
        self.extra = extra


def scope_args(scope):
    """``--scope key=PREFIX`` for a scope option (None: no scope, the whole
    table). An empty prefix is refused: an empty string (often a templated
    default) must not silently mean "every rule in the kernel"."""
    if scope is None:
        return []
    prefix = scope[len("key="):] if scope.startswith("key=") else scope
    if not prefix.strip():
        raise KauditError(
            "scope must be a non-empty key prefix, not %r: an empty scope would manage (and delete) "
            "every rule in the kernel; leave scope out to manage the whole rule table" % scope)
    return ["--scope", "key=" + prefix]


def find_binary(module, path):
    """The kaudit binary: the given path, or kaudit in PATH, then in
    SEARCH_DIRS. Fails naming the path, or every place it looked."""
    if path:
        if os.path.isdir(path):
            raise KauditError("kaudit binary %s is a directory, not a program" % path)
        if not os.path.exists(path):
            raise KauditError("kaudit binary %s does not exist" % path)
        if not os.access(path, os.X_OK):
            raise KauditError("kaudit binary %s is not executable" % path)
        return path
    found = module.get_bin_path("kaudit", required=False, opt_dirs=SEARCH_DIRS)
    if found:
        return found
    searched = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    searched += [d for d in SEARCH_DIRS if d not in searched]
    raise KauditError("kaudit binary not found: looked in %s (PATH, then %s); install kaudit or set "
                      "the kaudit option to its path" % (", ".join(searched), ", ".join(SEARCH_DIRS)))


def parse_json(out, what, expect=dict):
    """kaudit's one-line JSON, checked to be an object (or a list)."""
    try:
        value = json.loads(out)
    except ValueError as e:
        raise KauditError("%s printed no valid JSON (%s): %r" % (what, to_native(e), out[:200]),
                          stdout=out)
    if not isinstance(value, expect):
        raise KauditError("%s printed JSON that is not an %s: %r" % (what, expect.__name__, out[:200]),
                          stdout=out)
    return value


def plan_fields(report, what):
    """The keys the module needs from a PlanReport, checked."""
    missing = [k for k in ("in_sync", "kept", "plan", "settings", "before", "after") if k not in report]
    if missing:
        raise KauditError("%s: kaudit's JSON lacks %s (kaudit too old for this collection?)"
                          % (what, ", ".join(missing)))
    return report


def texts(rules):
    """-l lines from kaudit's JSON; a rule that is not UTF-8 is {"bytes": base64}."""
    return [r if not isinstance(r, dict) else "(bytes %s)" % r.get("bytes", "") for r in rules]


class Kaudit(object):
    """Runs one kaudit binary for a module."""

    def __init__(self, module, binary):
        self.module = module
        self.binary = binary

    def run(self, args, environ_update=None):
        try:
            return self.module.run_command([self.binary] + args, handle_exceptions=False,
                                           environ_update=environ_update)
        except (OSError, IOError) as e:
            raise KauditError("cannot run kaudit binary %s: %s" % (self.binary, to_native(e)))

    def json(self, args):
        """Runs a command that must succeed and print a JSON object."""
        what = "kaudit %s" % " ".join(args)
        rc, out, err = self.run(args)
        if rc != 0:
            raise KauditError("%s failed (exit %d): %s" % (what, rc, err.strip()), rc=rc, stdout=out,
                              stderr=err)
        return parse_json(out, what)

    def locked(self):
        """Whether the kernel's audit configuration is locked (enabled 2)."""
        status = self.json(["status", "--json"])
        if "enabled" not in status:
            raise KauditError("kaudit status --json has no 'enabled'")
        return status["enabled"] == 2


def failure_report(rc, out):
    """A failed ``sync --json``: (rolled_back, kernel_changed) from its
    SyncFailure JSON. No JSON means kaudit stopped before sending anything
    (bad input, the kernel could not be opened)."""
    try:
        report = json.loads(out) if out.strip() else {}
    except ValueError:
        report = None
    if not isinstance(report, dict):
        # Output that is not kaudit's: say nothing about the kernel that
        # kaudit did not say.
        return False, None
    rollback = report.get("rollback")
    if not isinstance(rollback, dict):
        return False, False
    complete = bool(rollback.get("complete"))
    return complete, not complete


def multiset_minus(a, b):
    """The items of a not in b, counting repeats, in a's order."""
    left = {}
    for text in b:
        left[text] = left.get(text, 0) + 1
    out = []
    for text in a:
        if left.get(text):
            left[text] -= 1
        else:
            out.append(text)
    return out


def listing_text(rules, settings, side):
    """The diff text: -l lines, then "name value" of the settings that change."""
    lines = list(rules) + ["%s %s" % (s["name"], s[side]) for s in settings]
    return "".join(line + "\n" for line in lines)
