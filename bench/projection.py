"""Projection: our fit vs raw umap.UMAP().fit, placing new points, and numba's compile cost.

    python bench/projection.py --home DIR [--points 20000] [--new 1000] [--fit-sample-size 50000]
    python bench/projection.py --points 2000            (no store: vectors of a generated corpus)

1. `projection.fit` (sample of at most `--fit-sample-size`, rest by transform) vs raw
   `umap.UMAP(n_neighbors=15, metric="cosine", min_dist=0.1).fit` on the same `--points`
   vectors, in the same process, both after a warm-up fit (numba code compiled).
2. `projection.place` of `--new` held-out vectors with the fitted reducer (what an
   incremental Index does), and a reducer saved and loaded back (pickle), as a new run does.
3. The compile cost paid per process: import umap + a first fit of 5,000 random unit vectors
   (NNDescent path) in a fresh process with
   an empty numba cache dir (cold), then again in another fresh process with that cache dir
   filled (warm), and a second fit within the same process.
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.common import REPO_ROOT, Stores, peak_rss_mb, print_load, print_machine, table
from logviz_assets.settings import Settings

_COMPILE_PROBE = """
import json, time
t0 = time.perf_counter()
import numpy as np, umap
t1 = time.perf_counter()
import sys; sys.path.insert(0, '.')
from logviz_assets.index import projection
rng = np.random.default_rng(0)
x = rng.normal(size=(5000, 384)).astype("float32")  # > 4096: UMAP takes the NNDescent path
x /= np.linalg.norm(x, axis=1, keepdims=True)
reducer, _, _ = projection.fit(x, 50_000, None)
t2 = time.perf_counter()
projection.place(reducer, x[:500])
t3 = time.perf_counter()
projection.fit(x, 50_000, None)
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_fit": t2 - t1, "first_transform": t3 - t2, "second_fit": t4 - t3}))
"""


def compile_cost() -> list[list[object]]:
    import os

    rows = []
    with tempfile.TemporaryDirectory() as cache:
        for label in ("cold numba cache (empty NUMBA_CACHE_DIR)", "warm numba cache (same dir, new process)"):
            out = subprocess.run(
                [sys.executable, "-c", _COMPILE_PROBE],
                cwd=REPO_ROOT,
                env={**os.environ, "NUMBA_CACHE_DIR": cache},
                capture_output=True,
                text=True,
                check=True,
            )
            got = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append([label, got["import"], got["first_fit"], got["first_transform"], got["second_fit"]])
    return rows


def vectors_from(home: Path | None, n: int, settings: Settings) -> np.ndarray:
    """The vectors of the store in `home`, or of a corpus of `n` records loaded and embedded here."""
    if home is None:
        from bench.common import load_corpus, quiet
        from bench.corpus import generate
        from logviz_assets.index.embedding import TextEmbedder
        from logviz_assets.index.operation import embed_missing

        work = Path(tempfile.mkdtemp(prefix="logviz-bench-projection-"))
        generate(work / "corpus", n, seed=3)
        home = work / "home"
        stores = Stores(home)
        load_corpus(work / "corpus", stores, settings.load_workers)
        embedder = TextEmbedder(settings.model, precision=settings.embed_precision, models_dir=stores.models)
        embed_missing(stores.records, stores.vectors(), embedder, progress=quiet)
    _, matrix = Stores(home).vectors().load_vectors(settings.model)
    return matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--fit-sample-size", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-compile-probe", action="store_true", help="(tests) skip the two fresh processes")
    args = parser.parse_args()

    import umap

    from logviz_assets.index import projection

    settings = Settings.from_environment()

    print_machine("projection")
    if not args.skip_compile_probe:
        table(
            ["process", "import umap s", "first fit (5,000 pts) s", "first transform s", "second fit s"],
            compile_cost(),
            title="numba compile cost per process",
        )

    matrix = vectors_from(args.home, args.points, settings)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(matrix))
    n_new = min(args.new, max(1, len(matrix) // 10))
    fit_rows = order[: min(args.points, len(matrix) - n_new)]
    fit_x, new_x = matrix[fit_rows], matrix[order[len(fit_rows) : len(fit_rows) + n_new]]
    print(f"{len(fit_x):,} vectors to fit, {len(new_x):,} new ones to place\n")
    # Warm-up: compile in this process first, on more than 4,096 points so that UMAP's
    # NNDescent path (taken above that size) is compiled too, then one raw fit of the same.
    warm = fit_x[: min(len(fit_x), 5000)]
    projection.fit(warm, args.fit_sample_size)
    raw = len(fit_x) >= projection.MIN_POINTS_FOR_UMAP  # below that, logviz uses a linear layout
    if raw:
        umap.UMAP(n_neighbors=15, n_components=2, metric="cosine", min_dist=0.1).fit(warm)

    started = time.perf_counter()
    if raw:
        umap.UMAP(n_neighbors=15, n_components=2, metric="cosine", min_dist=0.1).fit(fit_x)
    raw_s = time.perf_counter() - started if raw else float("nan")
    started = time.perf_counter()
    reducer, fitted, _ = projection.fit(fit_x, args.fit_sample_size)
    ours_s = time.perf_counter() - started
    budget = 1.1 * raw_s + 2
    table(
        ["fit", "points", "fitted on", "seconds", "vs raw"],
        [
            ["raw umap.UMAP(metric=cosine).fit", len(fit_x), len(fit_x), raw_s, 1.0],
            ["projection.fit (logviz)", len(fit_x), len(fitted), ours_s, ours_s / raw_s],
        ],
        title=f"fit on the same vectors (goal: ours <= 1.1 x raw + 2 s = {budget:.1f} s)",
    )

    blob = pickle.dumps(reducer, protocol=pickle.HIGHEST_PROTOCOL)
    started = time.perf_counter()
    loaded = pickle.loads(blob)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    projection.place(loaded, new_x)
    place_s = time.perf_counter() - started
    started = time.perf_counter()
    projection.place(loaded, new_x[:10])
    place10_s = time.perf_counter() - started
    table(
        ["step", "points", "seconds", "points/s"],
        [
            ["unpickle saved reducer", f"{len(blob) / 2**20:.0f} MiB", load_s, ""],
            ["projection.place (transform)", len(new_x), place_s, len(new_x) / place_s],
            ["projection.place (transform)", 10, place10_s, 10 / place10_s],
        ],
        title="placing new points with the saved reducer",
    )
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MiB")
    print_load()


if __name__ == "__main__":
    main()
