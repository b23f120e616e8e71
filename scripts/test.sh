#!/usr/bin/env bash
# Command 2: set up, then run the linter and the whole test suite (unit, asset, API and
# end-to-end tests against real DuckDB, LanceDB, the model and Dagster processes).
# `scripts/test.sh --fast` runs only the tests that need neither the model, ../shared/samples
# nor service processes (a minute or so). Other arguments go to pytest: `scripts/test.sh -k sensors`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
if [ "${1:-}" = "--fast" ]; then
  shift
  set -- -m "not model and not samples and not e2e" "$@"
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
