#!/usr/bin/env bash
# The whole test suite: set-up, lint, types, tests. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/services.sh

echo "== ruff"
.venv/bin/ruff check gateway adapters tests scripts benchmarks
.venv/bin/ruff format --check gateway adapters tests scripts benchmarks
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
status=0
.venv/bin/pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
