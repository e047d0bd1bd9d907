#!/bin/sh
# Installs what tests/browser needs on a fresh Debian machine, run as root from anywhere:
# Debian's Chromium and the Playwright Python driver (locked in requirements/test.txt) in .venv.
# No browser is downloaded (`playwright install` is not run): the test launches /usr/bin/chromium.
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -r requirements/test.txt && .venv/bin/pip install --no-deps -e .
/usr/bin/chromium --version
.venv/bin/python -c "from playwright.async_api import async_playwright; print('playwright driver ok')"
