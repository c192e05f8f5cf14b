#!/usr/bin/env bash
# Tools the configuration-management tests need (tests/integrations/):
# Debian's puppet and ruby-rspec (the Puppet type's spec/), python3's venv
# module, and ansible-core in a virtual
# environment cached at .cache/ansible-venv. Each step is skipped when its
# tool is already there (about 0.3 s then).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v puppet >/dev/null || need+=(puppet)
command -v rspec >/dev/null || need+=(ruby-rspec)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
    echo "setup-integrations: installing ${need[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
venv=.cache/ansible-venv
if ! "$venv/bin/ansible-playbook" --version >/dev/null 2>&1; then
    echo "setup-integrations: ansible-core into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q ansible-core
fi
