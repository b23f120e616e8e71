"""Incremental work: Index with nothing new, and Load + Index of 1% new records, vs a full recompute.

    python bench/incremental.py --home DIR --corpus DIR [--new-share 0.01] [--baseline-texts 500]
          [--atlas-python /tmp/atlas-venv/bin/python]

`--home`/`--corpus` are a store and corpus that bench/pipeline.py left indexed (e.g.
100k records). The script:

1. runs Index again with nothing new (texts embedded, points moved, wall time);
2. writes `--new-share` of the loaded record count as new sessions into the corpus, then
   times Load + Index (embed + place) and counts old points that moved;
3. the full recompute the way peers do it, on the same texts: plain fp32
   `SentenceTransformer.encode` of every text + `umap.UMAP().fit_transform` from scratch.
   The UMAP fit runs on all vectors (in this process, so it pays numba's compilation as a
   peer's fresh process would); the encode runs on `--baseline-texts` of them and is scaled
   to all (labelled "extrapolated"). Embedding Atlas's `compute_projection` (if its venv
   exists, see BENCHMARKS.md) runs after a warm-up compile: its embedding cost is its run on
   the sampled texts minus its run on those texts' vectors, scaled to all texts, and its UMAP
   runs on all vectors.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.common import Stores, load_corpus, peak_rss_mb, print_load, print_machine, quiet, table


def points(stores: Stores) -> dict[str, tuple[float, float]]:
    return stores.records.current_points()[1]


def index(stores: Stores, embedder) -> tuple[float, float, int, int]:
    from logviz_assets.index.operation import embed_missing, place_points

    started = time.perf_counter()
    embedded = embed_missing(stores.records, stores.vectors(), embedder, progress=quiet)
    embed_s = time.perf_counter() - started
    placed = place_points(stores.records, stores.vectors(), stores.layout_store(), embedder.model_name, progress=quiet)
    return embed_s, time.perf_counter() - started - embed_s, embedded.texts_embedded, placed.points_placed


def moved(before: dict, after: dict) -> int:
    return sum(1 for h, xy in before.items() if h not in after or not np.allclose(after[h], xy, atol=1e-9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--new-share", type=float, default=0.01)
    parser.add_argument("--precision", default="int8")
    parser.add_argument("--baseline-texts", type=int, default=500)
    parser.add_argument("--skip-umap-baseline", action="store_true")
    parser.add_argument("--atlas-python", default="/tmp/atlas-venv/bin/python")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import logviz_assets.load.operation  # noqa: F401 (Load's modules imported before its clock starts)
    from bench.corpus import generate
    from logviz_assets.index.embedding import TextEmbedder
    from logviz_assets.settings import Settings, resolve_model_path

    settings = Settings.from_environment()
    print_machine("incremental Load and Index")
    stores = Stores(args.home)
    # The int8 export is kept in the store's models folder, where bench/pipeline.py made it.
    embedder = TextEmbedder(settings.model, precision=args.precision, models_dir=stores.models)
    records = stores.records.counts()["records"]
    before = points(stores)
    rows = []

    # 1. Index with nothing new.
    started = time.perf_counter()
    embed_s, place_s, embedded, placed = index(stores, embedder)
    rows.append(["re-Index, nothing new", 0, embedded, placed, moved(before, points(stores)), embed_s + place_s])

    # 2. 1% new records: Load + Index.
    new_records = max(1, int(records * args.new_share))
    generate(args.corpus / f"new-{args.seed}", new_records, seed=args.seed)
    before = points(stores)
    started = time.perf_counter()
    report = load_corpus(args.corpus, stores, settings.load_workers)
    load_s = time.perf_counter() - started
    embed_s, place_s, embedded, placed = index(stores, embedder)
    incremental_s = load_s + embed_s + place_s
    rows.append(
        [
            f"Load + Index of {report.records_added:,} new records ({args.new_share:.0%})",
            report.records_added,
            embedded,
            placed,
            moved(before, points(stores)),
            incremental_s,
        ]
    )
    print(f"load {load_s:.1f}s, embed {embed_s:.1f}s, place {place_s:.1f}s", flush=True)

    # 3. Full recompute, the way peers do it.
    hashes, matrix = stores.vectors().load_vectors(settings.model)
    n = len(hashes)
    sample_hashes = hashes[: args.baseline_texts]
    _, sample_texts = stores.records.texts_for(sample_hashes)
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(resolve_model_path(settings.model), device="cpu", local_files_only=True)
    plain.encode(sample_texts[:64], batch_size=64)
    started = time.perf_counter()
    plain.encode(sample_texts, batch_size=64, normalize_embeddings=True)
    per_text = (time.perf_counter() - started) / len(sample_texts)
    embed_all_s = per_text * n
    if args.skip_umap_baseline:
        umap_s = float("nan")
    else:
        import umap

        started = time.perf_counter()
        umap.UMAP(n_neighbors=15, n_components=2, metric="cosine", min_dist=0.1).fit_transform(matrix)
        umap_s = time.perf_counter() - started
    rows.append(
        [
            f"full recompute: plain fp32 encode of {n:,} texts (extrapolated from {len(sample_texts)}) "
            f"+ umap.UMAP fit ({umap_s:.0f} s, measured)",
            records + report.records_added,
            n,
            n,
            n,
            embed_all_s + umap_s,
        ]
    )

    atlas = Path(args.atlas_python)
    if atlas.exists():
        with tempfile.TemporaryDirectory() as tmp:
            texts_file = Path(tmp) / "texts.json"
            sample_file, all_file = Path(tmp) / "sample.npy", Path(tmp) / "all.npy"
            texts_file.write_text(json.dumps(sample_texts))
            np.save(sample_file, matrix[: len(sample_texts)])
            files = [sample_file] if args.skip_umap_baseline else [sample_file, all_file]
            if not args.skip_umap_baseline:
                np.save(all_file, matrix)
            got = _atlas(atlas, resolve_model_path(settings.model), texts_file, files)
        if got:
            m = len(sample_texts)
            embed_part = max(got["texts_s"] - got[f"vectors_{m}_s"], 0.0) / m * n  # its embedding, per text
            umap_part = got.get(f"vectors_{n}_s", float("nan"))
            print(f"Embedding Atlas: {json.dumps(got)}")
            rows.append(
                [
                    f"Embedding Atlas compute_projection: its embedding of {m} texts scaled to {n:,} (extrapolated) "
                    f"+ its UMAP on all {n:,} vectors ({umap_part:.0f} s, measured)",
                    records + report.records_added,
                    n,
                    n,
                    n,
                    embed_part + umap_part,
                ]
            )
    else:
        print(f"(no Embedding Atlas venv at {atlas}: its row is skipped)")

    table(
        ["operation", "records", "texts embedded", "points placed", "old points moved", "seconds"],
        rows,
        title=f"incremental work on {records:,} records ({n:,} distinct texts), precision {embedder.precision}",
    )
    speedups = [[r[0][:60], r[5] / incremental_s] for r in rows[2:]]
    table(["full recompute", "times slower than the incremental Load + Index"], speedups)
    print(f"peak RSS of this process: {peak_rss_mb():.0f} MiB")
    print_load()


def _atlas(python: Path, model_path: str, texts: Path, vectors: list[Path]) -> dict | None:
    out = subprocess.run(
        [str(python), str(Path(__file__).with_name("atlas_projection.py")), model_path, str(texts), *map(str, vectors)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print(f"(Embedding Atlas failed: {out.stderr[-1500:]})")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
