# Source this file (`source scripts/env.sh`) to use the dagster CLI on logviz's data folder.
# It sets LOGVIZ_HOME (default ./.logviz) and DAGSTER_HOME inside it, with dagster.yaml in place.
_logviz_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LOGVIZ_HOME="$(mkdir -p "${LOGVIZ_HOME:-$_logviz_root/.logviz}" && cd "${LOGVIZ_HOME:-$_logviz_root/.logviz}" && pwd)"
export DAGSTER_HOME="$LOGVIZ_HOME/dagster"
mkdir -p "$DAGSTER_HOME"
cp "$_logviz_root/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"
# numba (UMAP) keeps its compiled code here, so each run process does not compile it again.
export NUMBA_CACHE_DIR="$LOGVIZ_HOME/numba-cache"
export PATH="$_logviz_root/.venv/bin:$PATH"
unset _logviz_root
