#!/usr/bin/env bash
# Set up (or bring up to date) the project's virtual environment in .venv.
# Idempotent and quick when nothing changed; safe to run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
stamp=".venv/.logviz-installed"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi

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
