"""Embedding Atlas's own `compute_projection`, timed (run with the Python that has embedding-atlas).

    /tmp/atlas-venv/bin/python bench/atlas_projection.py MODEL_PATH TEXTS.json [VECTORS.npy ...]

After a warm-up call on a few vectors (so numba compiles once, outside the timings), times
`compute_projection` on the texts (Atlas embeds them with sentence-transformers, then runs
UMAP) and on each vector file (UMAP only). Prints one JSON line: seconds per input, peak RSS.
embedding-atlas pins newer pandas/pyarrow than logviz, so it lives in its own venv (see
BENCHMARKS.md for how to make it).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from embedding_atlas.projection import compute_projection

UMAP_ARGS = {"metric": "cosine", "n_neighbors": 15, "min_dist": 0.1}


def project(frame: pd.DataFrame, modality: str, model: str | None) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:  # a fresh cache: nothing is reused between calls
        compute_projection(
            frame,
            inputs=modality,
            modality=modality,
            model=model,
            batch_size=64,
            umap_args=UMAP_ARGS,
            cache_root=cache,
        )
    return time.perf_counter() - started


def main() -> None:
    model, texts_file, *vector_files = sys.argv[1:]
    rng = np.random.default_rng(0)
    warm = rng.normal(size=(200, 384)).astype(np.float32)
    warmup_s = project(pd.DataFrame({"vector": list(warm)}), "vector", None)
    with open(texts_file, encoding="utf-8") as handle:
        texts = json.load(handle)
    out = {"warmup_s": round(warmup_s, 3), "texts": len(texts)}
    out["texts_s"] = round(project(pd.DataFrame({"text": texts}), "text", model), 3)
    for path in vector_files:
        matrix = np.load(path)
        out[f"vectors_{len(matrix)}_s"] = round(project(pd.DataFrame({"vector": list(matrix)}), "vector", None), 3)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
