#!/usr/bin/env sh
# Re-lock after changing a dependency in pyproject.toml (needs uv: `pipx install uv` or
# `pip install uv`). Each lock pins every package with its hashes for Linux, macOS and
# Windows on Python 3.11+, and installs with plain pip:
#   serve.txt     what koc needs to run (the Dockerfile, `koc serve`)
#   tracing.txt   serve.txt plus the OpenTelemetry extra (KOC_TRACING=true)
#   test.txt      everything the test suite needs, browser tests included (CI, `pytest`)
set -eu
cd "$(dirname "$0")/.."
lock() {
    out="requirements/$1.txt"
    shift
    uv pip compile pyproject.toml "$@" --universal --python-version 3.11 --generate-hashes \
        --custom-compile-command "requirements/lock.sh" --quiet -o "$out"
}
lock serve
lock tracing --extra tracing
lock test --extra test --extra browser
