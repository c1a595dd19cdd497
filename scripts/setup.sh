#!/usr/bin/env bash
# Prepares a fresh machine for the gateway: the Python environment and the few system tools the
# tests use. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed (found: $("$python" --version 2>&1))" >&2
    exit 2
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$python" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing the gateway and its development tools into .venv"
    log=.venv/install.log
    if ! { .venv/bin/python -m pip install --upgrade pip &&
        .venv/bin/python -m pip install -e ".[dev]"; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "error: installing the Python packages failed (full log: $log)" >&2
        exit 2
    fi
    touch "$stamp"
fi

# Independent implementations the tests check our signatures and encryption against, and
# the headless browser the console's tests drive.
missing=()
command -v xmlsec1 >/dev/null || missing+=(xmlsec1)
command -v jose >/dev/null || missing+=(jose)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
        echo "error: please install the Debian packages: ${missing[*]}" >&2
        exit 2
    fi
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "setup: installing ${missing[*]} (Debian packages)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
