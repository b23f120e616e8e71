#!/usr/bin/env bash
# Command 1: set up, start Dagster (webserver + daemon) and the API, run Load and Index on the
# default sources, print where to look, and keep serving until Ctrl-C (which stops everything).
#   LOGVIZ_SOURCES / LOGVIZ_HOME / LOGVIZ_MODEL   what to read, where to keep data, which model
#   LOGVIZ_DAGSTER_PORT (3000), LOGVIZ_API_PORT (8000)
#   --once   stop everything after the first Load and Index instead of serving
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

dagster_port="${LOGVIZ_DAGSTER_PORT:-3000}"
api_port="${LOGVIZ_API_PORT:-8000}"
export LOGVIZ_DAGSTER_URL="http://127.0.0.1:$dagster_port"
export LOGVIZ_VIEWER_URL="http://127.0.0.1:$api_port/"
logs="$LOGVIZ_HOME/logs"
mkdir -p "$logs"

for port in "$dagster_port" "$api_port"; do
  if python -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)) != 0)"; then
    echo "port $port is already in use: stop what runs there, or set LOGVIZ_DAGSTER_PORT / LOGVIZ_API_PORT" >&2
    exit 1
  fi
done

# Create the instance's storage before the webserver and the daemon both try to at once.
dagster instance migrate >"$logs/instance.log" 2>&1

pids=()
stop() {
  trap - EXIT INT TERM
  echo "stopping logviz..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT INT TERM

dagster-webserver -w workspace.yaml -h 127.0.0.1 -p "$dagster_port" >"$logs/webserver.log" 2>&1 &
pids+=($!)
dagster-daemon run -w workspace.yaml >"$logs/daemon.log" 2>&1 &
pids+=($!)
python -m api.serve --host 127.0.0.1 --port "$api_port" >"$logs/api.log" 2>&1 &
pids+=($!)

echo "logviz: reading $(python -c 'from logviz_assets.settings import Settings; print(", ".join(map(str, Settings.from_environment().sources)))')"
python scripts/run_pipeline.py --api "http://127.0.0.1:$api_port"

cat <<MSG

logviz is up.
  The map (viewer):                    http://127.0.0.1:$api_port/
  Dagster UI (assets, runs, metadata): http://127.0.0.1:$dagster_port/assets
  API docs:                            http://127.0.0.1:$api_port/docs
  Map points:                          http://127.0.0.1:$api_port/points
  Logs of the three processes:         $logs/
MSG

if [ "${1:-}" = "--once" ]; then
  exit 0
fi
echo "Press Ctrl-C to stop."
wait "${pids[@]}"
