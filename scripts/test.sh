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
fast=false
if [ "${1:-}" = "--fast" ]; then
  shift
  fast=true
  set -- -m "not model and not samples and not e2e" "$@"
fi
# The browser tests (tests/viewer) drive Debian's Chromium: install it when missing and allowed.
if ! $fast && ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 ||
    echo "could not install chromium: the browser tests will skip" >&2
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
