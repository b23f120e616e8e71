"""Projection at a scale we cannot embed here: `projection.fit` on N vectors, time and peak RSS.

    python bench/projection_scale.py --home DIR --points 670000 [--fit-sample-size 50000]

Embedding a million records' texts takes hours on a 2-core machine (BENCHMARKS.md), so this
measures the projection stage alone on N vectors made from a store's real ones: each real
vector repeated with a little Gaussian noise (sigma `--noise`) and re-normalised, so the
neighbourhoods are those of real texts. The vectors are built before the clock starts;
their memory counts in the peak RSS, as `load_vectors` would in an Index run. Baseline in
the same run: the same fit on the real vectors alone, so the growth with N is visible.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.common import Stores, peak_rss_mb, print_load, print_machine, table


def synthetic(real: np.ndarray, n: int, noise: float, seed: int) -> np.ndarray:
    """`n` unit vectors, each a real one plus noise, built in chunks to bound the temporaries."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, 50_000):
        stop = min(n, start + 50_000)
        rows = real[rng.integers(0, len(real), stop - start)]
        rows = rows + rng.normal(0, noise, rows.shape).astype(np.float32)
        out[start:stop] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True, help="an indexed store (bench/pipeline.py --home)")
    parser.add_argument("--points", type=int, default=670_000)
    parser.add_argument("--fit-sample-size", type=int, default=50_000)
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from logviz_assets.index import projection
    from logviz_assets.settings import Settings

    settings = Settings.from_environment()
    print_machine(f"projection of {args.points:,} points")
    _, real = Stores(args.home).vectors().load_vectors(settings.model)
    vectors = synthetic(real, args.points, args.noise, args.seed)
    print(f"{len(real):,} real vectors, {len(vectors):,} made from them ({vectors.nbytes / 2**20:.0f} MiB)\n")
    projection.fit(real[:2000], args.fit_sample_size)  # numba compiled before the clock starts

    rows = []
    for label, matrix in (("real vectors", real), ("synthetic vectors", vectors)):
        started = time.perf_counter()
        _, fitted, coords = projection.fit(matrix, args.fit_sample_size)
        seconds = time.perf_counter() - started
        assert np.isfinite(coords).all()
        placed = len(matrix) - len(fitted)
        rows.append([label, len(matrix), len(fitted), placed, seconds, peak_rss_mb()])
    table(
        ["vectors", "points", "fitted on", "placed by transform", "seconds", "peak RSS MiB (process)"],
        rows,
        title=f"projection.fit with a sample of at most {args.fit_sample_size:,}",
    )
    print_load()


if __name__ == "__main__":
    main()
