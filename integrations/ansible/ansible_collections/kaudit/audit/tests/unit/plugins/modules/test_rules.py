# -*- coding: utf-8 -*-
# Copyright: kaudit developers
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Unit tests of the kaudit.audit.rules module with a scripted kaudit
(ansible-test units): what it runs, what it returns, how it fails."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import stat

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kaudit.audit.plugins.modules import rules


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def plan(in_sync=False, before=(), after=(), steps=(), settings=()):
    return json.dumps(dict(in_sync=in_sync, kept=0, plan=list(steps), settings=list(settings),
                           loginuid_immutable=False, rounds=0, other_writer=[],
                           before=list(before), after=list(after)))


class Kernel(object):
    """Answers for `kaudit SUBCOMMAND ...`: (rc, stdout, stderr) by the
    first words of the command line; records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, module, args, **kwargs):
        self.calls.append(list(args[1:]))
        words = args[1:]
        for n in (3, 2, 1):
            key = " ".join(words[:n])
            if key in self.answers:
                return self.answers[key]
        raise AssertionError("unexpected kaudit call: %r" % (words,))


@pytest.fixture
def binary(tmp_path):
    path = tmp_path / "kaudit"
    path.write_text(u"#!/bin/sh\nexit 99\n")
    path.chmod(stat.S_IRWXU)
    return str(path)


def run(monkeypatch, args, kernel=None):
    """Runs the module; returns ("exit"|"fail", result)."""
    results = {}

    def exit_json(module, **kwargs):
        results.update(kwargs)
        raise ExitJson()

    def fail_json(module, **kwargs):
        results.update(kwargs)
        raise FailJson()

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    if kernel is not None:
        def run_command(module, args, **kwargs):
            return kernel(module, args, **kwargs)

        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    with patch_module_args(args):
        try:
            rules.main()
        except ExitJson:
            return "exit", results
        except FailJson:
            return "fail", results
    raise AssertionError("the module neither exited nor failed")


@pytest.mark.parametrize("scope", ["", "key=", "  "])
def test_empty_scope_fails_and_runs_nothing(monkeypatch, binary, tmp_path, scope):
    kernel = Kernel({})
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope=scope, kaudit=binary), kernel)
    assert how == "fail"
    assert "scope must be a non-empty key prefix" in r["msg"]
    assert r["changed"] is False
    assert kernel.calls == []


def test_scope_is_passed_as_key_prefix(monkeypatch, binary, tmp_path):
    kernel = Kernel({"sync --dry-run --json": (0, plan(in_sync=True), "")})
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="cis-", kaudit=binary), kernel)
    assert how == "exit" and r["changed"] is False
    assert kernel.calls == [["sync", "--dry-run", "--json", "--scope", "key=cis-", str(tmp_path)]]


def test_before_and_after_come_from_kaudit(monkeypatch, binary, tmp_path):
    # Rules in lists the module knows nothing about, in kaudit's order: the
    # module reports them as kaudit gives them, without re-planning.
    before = ["-a never,task -F key=k-old", "-a always,exit -F arch=b64 -S unlink -F key=k-x"]
    after = ["-a always,exit -F arch=b64 -S unlink -F key=k-x", "-a always,list 9 -F key=k-new"]
    steps = [{"op": "append", "list": "list 9", "rule": after[1]},
             {"op": "delete", "list": "task", "rule": before[0]}]
    settings = [{"name": "backlog_limit", "from": 64, "to": 8192}]
    done = plan(before=before, after=after, steps=steps, settings=settings)
    kernel = Kernel({
        "sync --dry-run --json": (0, plan(before=before, after=after, steps=steps, settings=settings), ""),
        "status --json": (0, json.dumps({"enabled": 1}), ""),
        "sync --json": (0, done, ""),
    })
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary, _ansible_diff=True),
                 kernel)
    assert how == "exit", r
    assert r["changed"] is True
    assert r["added"] == [after[1]]
    assert r["removed"] == [before[0]]
    assert r["plan"] == steps
    assert r["diff"][0]["before"] == before[0] + "\n" + before[1] + "\nbacklog_limit 64\n"
    assert r["diff"][0]["after"] == after[0] + "\n" + after[1] + "\nbacklog_limit 8192\n"
    # kaudit list is never needed: before and after are in sync's JSON.
    assert [c[0] for c in kernel.calls] == ["sync", "status", "sync"]
    assert not hasattr(rules, "simulate") and not hasattr(rules, "LIST_ORDER")


@pytest.mark.parametrize("out", ["", "Segmentation fault", "{\"in_sync\": true"])
def test_output_that_is_not_json_fails_cleanly(monkeypatch, binary, tmp_path, out):
    dest = str(tmp_path / "50-x.rules")
    leftovers = set(glob.glob("/tmp/kaudit-rules-*"))
    kernel = Kernel({"sync --dry-run --json": (0, out, "")})
    how, r = run(monkeypatch, dict(rules=["-w /etc/passwd -p wa -k k-a"], dest=dest, scope="k-",
                                   kaudit=binary), kernel)
    assert how == "fail"
    assert r["msg"].startswith("kaudit sync --dry-run --json printed no valid JSON")
    assert not os.path.exists(dest)
    # The plan's copy is in the module's temporary directory (removed when
    # the module ends), not a /tmp/kaudit-rules-* left behind.
    assert set(glob.glob("/tmp/kaudit-rules-*")) == leftovers
    planned = kernel.calls[0][-1]
    assert os.path.basename(planned) == "50-x.rules"
    assert os.path.dirname(planned) != str(tmp_path) and "ansible-moduletmp" in planned


def test_status_that_is_not_json_fails_cleanly(monkeypatch, binary, tmp_path):
    kernel = Kernel({"sync --dry-run --json": (0, plan(after=["-w /a -p wa -k k-a"]), ""),
                     "status --json": (0, "oops", "")})
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary), kernel)
    assert how == "fail"
    assert r["msg"] == "kaudit status --json printed no valid JSON (Expecting value: line 1 column 1 (char 0)): 'oops'"


def test_a_missing_binary_is_named(monkeypatch, tmp_path):
    missing = str(tmp_path / "nowhere" / "kaudit")
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], kaudit=missing))
    assert how == "fail"
    assert r["msg"] == "kaudit binary %s does not exist" % missing


def test_no_binary_anywhere_names_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, *a, **k: None)
    how, r = run(monkeypatch, dict(src=[str(tmp_path)]))
    assert how == "fail"
    assert "kaudit binary not found: looked in %s, /usr/local/sbin, /usr/sbin, /sbin" % tmp_path in r["msg"]


def test_a_binary_that_cannot_run_is_named(monkeypatch, tmp_path):
    bad = tmp_path / "kaudit"
    bad.write_text(u"not a program")
    bad.chmod(stat.S_IRWXU)
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], kaudit=str(bad)))
    assert how == "fail"
    assert r["msg"].startswith("cannot run kaudit binary %s: " % bad)


def test_dest_that_is_a_directory_is_refused(monkeypatch, binary, tmp_path):
    kernel = Kernel({})
    how, r = run(monkeypatch, dict(rules=["-w /a -p wa -k k-a"], dest=str(tmp_path), scope="k-",
                                   kaudit=binary), kernel)
    assert how == "fail"
    assert r["msg"] == ("dest %s is a directory; dest is the rules file to write, for example %s/50-ansible.rules"
                        % (tmp_path, tmp_path))
    assert kernel.calls == []


def test_dest_in_a_missing_directory_is_refused(monkeypatch, binary, tmp_path):
    dest = str(tmp_path / "rules.d" / "50-a.rules")
    how, r = run(monkeypatch, dict(rules=["-w /a -p wa -k k-a"], dest=dest, scope="k-", kaudit=binary),
                 Kernel({}))
    assert how == "fail"
    assert r["msg"] == "dest %s: its directory %s does not exist" % (dest, tmp_path / "rules.d")


def test_dest_is_written_with_backup_and_mode(monkeypatch, binary, tmp_path):
    dest = tmp_path / "50-a.rules"
    dest.write_text(u"-w /old -p wa -k k-old\n")
    rule = "-w /a -p wa -k k-a"
    done = plan(before=["-w /old -p wa -k k-old"], after=[rule])
    kernel = Kernel({"sync --dry-run --json": (0, done, ""), "status --json": (0, '{"enabled": 1}', ""),
                     "sync --json": (0, done, "")})
    how, r = run(monkeypatch, dict(rules=[rule], dest=str(dest), scope="k-", kaudit=binary, backup=True,
                                   mode="0600"), kernel)
    assert how == "exit", r
    assert r["changed"] is True and r["dest_changed"] is True
    assert dest.read_text() == rule + "\n"
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    with open(r["backup_file"]) as f:
        assert f.read() == "-w /old -p wa -k k-old\n"
    assert kernel.calls[-1][-1] == str(dest)


def test_new_dest_is_0640(monkeypatch, binary, tmp_path):
    dest = tmp_path / "50-a.rules"
    rule = "-w /a -p wa -k k-a"
    done = plan(after=[rule])
    kernel = Kernel({"sync --dry-run --json": (0, done, ""), "status --json": (0, '{"enabled": 1}', ""),
                     "sync --json": (0, done, "")})
    how, r = run(monkeypatch, dict(rules=[rule], dest=str(dest), scope="k-", kaudit=binary), kernel)
    assert how == "exit", r
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o640
    assert "backup_file" not in r


def test_a_refused_sync_restores_dest_and_reports_the_rollback(monkeypatch, binary, tmp_path):
    dest = tmp_path / "50-a.rules"
    dest.write_text(u"-w /old -p wa -k k-old\n")
    rule = "-w /nonexistent/x -p wa -k k-a"
    failure = json.dumps({"ok": False, "error": "refused", "message": "m", "exit": 1,
                          "rollback": {"complete": True}, "other_writer": []})
    kernel = Kernel({"sync --dry-run --json": (0, plan(after=[rule]), ""),
                     "status --json": (0, '{"enabled": 1}', ""),
                     "sync --json": (1, failure, "%s:1: error: the kernel refused: %s (No such file or directory)"
                                     % (dest, rule))})
    how, r = run(monkeypatch, dict(rules=[rule], dest=str(dest), scope="k-", kaudit=binary), kernel)
    assert how == "fail"
    assert r["rolled_back"] is True and r["changed"] is False
    assert r["msg"].startswith("kaudit sync failed (exit 1), the kernel was not changed: %s:1:" % dest)
    assert dest.read_text() == "-w /old -p wa -k k-old\n"


def test_a_failed_sync_without_json_says_so(monkeypatch, binary, tmp_path):
    kernel = Kernel({"sync --dry-run --json": (0, plan(after=["-w /a -p wa -k k-a"]), ""),
                     "status --json": (0, '{"enabled": 1}', ""),
                     "sync --json": (1, "garbage", "boom")})
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary), kernel)
    assert how == "fail"
    assert r["msg"] == "kaudit sync failed (exit 1) and printed no valid JSON: boom"
    assert r["rolled_back"] is False


def test_a_sync_that_worked_but_printed_no_json_reports_the_change(monkeypatch, binary, tmp_path):
    kernel = Kernel({"sync --dry-run --json": (0, plan(after=["-w /a -p wa -k k-a"]), ""),
                     "status --json": (0, '{"enabled": 1}', ""),
                     "sync --json": (0, "", "kaudit: sync: 1 add(s)")})
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary), kernel)
    assert how == "fail"
    assert r["changed"] is True
    assert r["msg"] == ("kaudit sync --json printed no valid JSON (Expecting value: line 1 column 1 (char 0)): ''; "
                        "kaudit sync exited 0, so the kernel was changed to match the files")


def test_check_mode_runs_only_the_dry_run(monkeypatch, binary, tmp_path):
    kernel = Kernel({"sync --dry-run --json": (0, plan(before=["-w /b -p wa -k k-b"], after=["-w /a -p wa -k k-a"]), ""),
                     "status --json": (0, '{"enabled": 1}', "")})
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary, _ansible_check_mode=True),
                 kernel)
    assert how == "exit", r
    assert r["changed"] is True
    assert r["added"] == ["-w /a -p wa -k k-a"] and r["removed"] == ["-w /b -p wa -k k-b"]
    assert [c[:2] for c in kernel.calls] == [["sync", "--dry-run"], ["status", "--json"]]


def test_locked_kernel_fails_or_reports(monkeypatch, binary, tmp_path):
    answers = {"sync --dry-run --json": (0, plan(after=["-w /a -p wa -k k-a"]), ""),
               "status --json": (0, '{"enabled": 2}', "")}
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary), Kernel(answers))
    assert how == "fail" and r["reboot_required"] is True and "a reboot is needed" in r["msg"]
    kernel = Kernel(answers)
    how, r = run(monkeypatch, dict(src=[str(tmp_path)], scope="k-", kaudit=binary, immutable="report"), kernel)
    assert how == "exit" and r["reboot_required"] is True and r["changed"] is False
    assert r["added"] == [] and r["removed"] == []
    assert len(kernel.calls) == 2
