#!/usr/bin/env bash
# The whole test suite: set-up, lint, types, tests. Exits non-zero on any failure.
# With --fast first (make check): lint, types and the tests that need no service, browser or
# long run. Further arguments go to pytest. The tests run in GATEWAY_TEST_WORKERS processes
# (pytest-xdist; default 4: many tests wait on the broker, so more processes than cores pay).
set -euo pipefail
cd "$(dirname "$0")/.."

selection=()
if [ "${1:-}" = "--fast" ]; then
    shift
    selection=(-m "not slow and not broker and not database and not browser")
fi

scripts/setup.sh
[ ${#selection[@]} -gt 0 ] || scripts/services.sh

echo "== ruff"
.venv/bin/ruff check gateway adapters tests scripts benchmarks
.venv/bin/ruff format --check gateway adapters tests scripts benchmarks
echo "== mypy"
.venv/bin/mypy
echo "== layers"
.venv/bin/lint-imports --no-cache
echo "== pytest"
status=0
.venv/bin/pytest -n "${GATEWAY_TEST_WORKERS:-4}" "${selection[@]}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit "$status"
