#!/usr/bin/env bash
# Command 2: set up, then run the linter and the whole test suite (unit, asset, API and
# end-to-end tests against real DuckDB, LanceDB, the model and Dagster processes).
# Extra arguments go to pytest, e.g. `scripts/test.sh -k sensors`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
