#!/usr/bin/env bash
# Set up (or bring up to date) the project's virtual environment in .venv.
# Idempotent and quick when nothing changed; safe to run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
stamp=".venv/.logviz-installed"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"

if ! { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; }; then
  echo "setting up .venv (the first time takes a few minutes)..."
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  log=".venv/setup.log"
  pip() { .venv/bin/python -m pip --disable-pip-version-check "$@" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }; }
  : >"$log"
  # torch first, pinned to its CPU build: an unpinned torch pulls several GB of CUDA wheels.
  .venv/bin/python -c "import torch" 2>/dev/null || pip install "torch==2.13.0"
  pip install -e '.[dev]'
  .venv/bin/python -c "import logviz_assets.defs.definitions, api.main" >/dev/null
  echo "$want" >"$stamp"
  echo "setup done (pip's output: $log)"
fi

# The viewer: viewer/ (npm, pinned by its lock file) built into api/viewer/, which the API
# serves at /. Rebuilt when any file of viewer/ (bar node_modules) changes; the stamp lives
# in the output, so deleting api/viewer/ rebuilds too.
viewer_stamp="api/viewer/.built-from"
viewer_want="$(find viewer -path viewer/node_modules -prune -o -type f -print | LC_ALL=C sort |
  while read -r f; do echo "$f"; cat "$f"; done | sha256sum | cut -c1-16)"
if [ ! -f "$viewer_stamp" ] || [ "$(cat "$viewer_stamp")" != "$viewer_want" ]; then
  if ! command -v npm >/dev/null; then
    echo "warning: npm not found, so the map viewer (GET /) is not built; install Node.js 18+ and npm, then rerun" >&2
  else
    echo "building the viewer (npm ci, esbuild)..."
    vlog=".venv/viewer-build.log"
    (cd viewer && npm ci --no-audit --no-fund && npm run build) >"$vlog" 2>&1 || { tail -n 30 "$vlog" >&2; exit 1; }
    echo "$viewer_want" >"$viewer_stamp"
  fi
fi
