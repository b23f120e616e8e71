#!/usr/bin/env bash
# Run every benchmark in turn (one at a time: they share 2 cores), writing each table to OUT.
#   bench/run_all.sh [RECORDS] [OUT]      e.g. bench/run_all.sh 100000 bench/out
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE are unset for these commands only (see BENCHMARKS.md);
# each script prints the BLAS kernel that then ran (threadpoolctl).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-100000}
OUT=${2:-bench/out}
WORK=${BENCH_WORK:-/tmp/logviz-bench}
PY=.venv/bin/python
mkdir -p "$OUT" "$WORK"
run() { local name=$1; shift; echo "== $name"; env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@" >"$OUT/$name.txt" 2>"$OUT/$name.err"; tail -n 20 "$OUT/$name.txt"; }
[ -d "$WORK/corpus-$RECORDS" ] || "$PY" bench/corpus.py "$WORK/corpus-$RECORDS" --records "$RECORDS" >"$OUT/corpus.txt"
run embed bench/embed.py --corpus "$WORK/corpus-$RECORDS" --texts 600
run precision bench/precision.py --corpus "$WORK/corpus-$RECORDS" --texts 600 --rounds 6
rm -rf "$WORK/home-$RECORDS"
run pipeline bench/pipeline.py --records "$RECORDS" --corpus "$WORK/corpus-$RECORDS" --home "$WORK/home-$RECORDS"
run projection bench/projection.py --home "$WORK/home-$RECORDS" --points 1000000
# the projection stage at 10x the scale: 10x the records hold ~5.9 distinct texts per 10 records
run projection_scale bench/projection_scale.py --home "$WORK/home-$RECORDS" --points $((RECORDS * 59 / 10))
run api bench/api.py --home "$WORK/home-$RECORDS"
run incremental bench/incremental.py --home "$WORK/home-$RECORDS" --corpus "$WORK/corpus-$RECORDS"
run load bench/load.py --corpus "$WORK/corpus-$RECORDS" --records "$RECORDS"
