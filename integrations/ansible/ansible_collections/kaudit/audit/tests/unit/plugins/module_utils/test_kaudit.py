# -*- coding: utf-8 -*-
# Copyright: kaudit developers
# SPDX-License-Identifier: Apache-2.0 OR MIT
"""Unit tests of module_utils/kaudit.py (ansible-test units)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.kaudit.audit.plugins.module_utils import kaudit as ku


@pytest.mark.parametrize("scope", ["", "key=", "   ", "key= "])
def test_empty_scope_is_refused(scope):
    with pytest.raises(ku.KauditError) as e:
        ku.scope_args(scope)
    assert "scope must be a non-empty key prefix" in e.value.msg
    assert "every rule in the kernel" in e.value.msg


def test_scope_args():
    assert ku.scope_args(None) == []
    assert ku.scope_args("cis-") == ["--scope", "key=cis-"]
    assert ku.scope_args("key=cis-") == ["--scope", "key=cis-"]


@pytest.mark.parametrize("out", ["", "not json", "{\"in_sync\": ", "[]"])
def test_parse_json_fails_with_a_message(out):
    with pytest.raises(ku.KauditError) as e:
        ku.parse_json(out, "kaudit sync --dry-run --json")
    assert e.value.msg.startswith("kaudit sync --dry-run --json printed ")
    assert e.value.extra["stdout"] == out


def test_plan_fields_names_what_is_missing():
    with pytest.raises(ku.KauditError) as e:
        ku.plan_fields({"in_sync": True, "kept": 0, "plan": [], "settings": []}, "kaudit sync --json")
    assert "lacks before, after" in e.value.msg


def test_multiset_minus_counts_repeats():
    assert ku.multiset_minus(["a", "b", "a", "c"], ["a", "c"]) == ["b", "a"]
    assert ku.multiset_minus([], ["a"]) == []


def test_texts_keeps_non_utf8_rules_visible():
    assert ku.texts(["-w /x", {"bytes": "/w=="}]) == ["-w /x", "(bytes /w==)"]


def test_failure_report():
    assert ku.failure_report(1, '{"ok": false, "error": "refused", "rollback": {"complete": true}}') == (True, False)
    assert ku.failure_report(1, '{"ok": false, "error": "refused", "rollback": {"complete": false}}') == (False, True)
    assert ku.failure_report(3, '{"ok": false, "error": "locked", "rollback": null}') == (False, False)
    # No JSON at all: kaudit stopped before sending (bad input).
    assert ku.failure_report(2, "") == (False, False)
    # Output that is not kaudit's JSON: nothing is claimed about the kernel.
    assert ku.failure_report(1, "garbage") == (False, None)


class FakeModule(object):
    def __init__(self, found=None):
        self.found = found

    def get_bin_path(self, name, required=False, opt_dirs=None):
        assert name == "kaudit" and not required
        assert opt_dirs == ku.SEARCH_DIRS
        return self.found


def test_find_binary_given_path(tmp_path):
    missing = str(tmp_path / "kaudit")
    with pytest.raises(ku.KauditError) as e:
        ku.find_binary(FakeModule(), missing)
    assert e.value.msg == "kaudit binary %s does not exist" % missing
    with pytest.raises(ku.KauditError) as e:
        ku.find_binary(FakeModule(), str(tmp_path))
    assert "is a directory" in e.value.msg
    with open(missing, "w") as f:
        f.write("#!/bin/sh\n")
    with pytest.raises(ku.KauditError) as e:
        ku.find_binary(FakeModule(), missing)
    assert e.value.msg == "kaudit binary %s is not executable" % missing
    os.chmod(missing, stat.S_IRWXU)
    assert ku.find_binary(FakeModule(), missing) == missing


def test_find_binary_searches_path_then_the_sbin_directories(monkeypatch):
    monkeypatch.setenv("PATH", "/opt/a:/opt/b")
    assert ku.find_binary(FakeModule(found="/usr/sbin/kaudit"), None) == "/usr/sbin/kaudit"
    with pytest.raises(ku.KauditError) as e:
        ku.find_binary(FakeModule(), None)
    assert "kaudit binary not found: looked in /opt/a, /opt/b, /usr/local/sbin, /usr/sbin, /sbin" in e.value.msg
    assert "set the kaudit option" in e.value.msg


def test_listing_text():
    settings = [{"name": "backlog_limit", "from": 64, "to": 8192}]
    assert ku.listing_text(["-w /a"], settings, "from") == "-w /a\nbacklog_limit 64\n"
    assert ku.listing_text([], settings, "to") == "backlog_limit 8192\n"
