#!/usr/bin/env bash
# Everything the tests need on a fresh Debian machine, then the whole suite:
# Debian's chromium for the browser tests, a virtual environment with the pinned packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v chromium >/dev/null && command -v chromedriver >/dev/null ||
    packages+=(chromium chromium-driver)
# Debian's python3 makes no virtual environment without its venv package (no ensurepip).
[ -x .venv/bin/python ] || python3 -c 'import ensurepip' 2>/dev/null || packages+=(python3-venv)
if [ ${#packages[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}"
fi
if [ ! -x .venv/bin/python ]; then
    # TensorFlow 2.21 and NumPy 2.4 publish wheels for these only: say so before pip fails.
    if ! python3 -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))'; then
        echo "tests/run.sh: needs Python 3.11 to 3.13, found $(python3 --version 2>&1)." \
            "Make the environment with one, e.g. python3.12 -m venv .venv, then run this again." >&2
        exit 1
    fi
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
.venv/bin/ruff check .
# A worker a core, each test file on one worker (a browser file shares its server): 13 to 15
# minutes on 2 cores, much of it waiting on servers and subprocesses, which two workers overlap.
.venv/bin/python -m pytest --numprocesses auto --dist loadfile "$@"
