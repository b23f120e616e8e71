#!/usr/bin/env bash
# Set up (or bring up to date) the project's virtual environment in .venv.
# Idempotent and quiet when nothing changed; safe to run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
stamp=".venv/.logviz-installed"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi

echo "setting up .venv (first run takes a few minutes)..."
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING' || true
# torch first, pinned to the CPU build: an unpinned torch pulls several GB of CUDA wheels.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/python -m pip install --quiet "torch==2.13.0" 2>&1 | grep -v '^WARNING' || true
fi
.venv/bin/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v '^WARNING' || true
.venv/bin/python -c "import logviz_assets.definitions, api" >/dev/null
echo "$want" > "$stamp"
echo "setup done"
