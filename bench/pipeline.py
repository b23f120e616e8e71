"""The whole pipeline at scale: each stage in its own process, with its time and peak RSS.

    python bench/pipeline.py --records 100000 [--home DIR] [--corpus DIR] [--precision int8]
    python bench/pipeline.py --stage load|embed|project --corpus DIR --home DIR   (one stage)

Stages: generate the corpus, Load (`load.operation.load`), embed (`index.operation.embed_missing`),
project (`index.operation.place_points`: a UMAP fit on at most `--fit-sample-size` points, the
rest placed by `transform`). Each stage runs in a fresh Python process, so its peak RSS
(`resource.getrusage`) is that stage's alone and it pays its own imports, model load and
numba compilation, as a Dagster run would. `--home` keeps the stores for the other
benchmarks (bench/api.py, bench/incremental.py, bench/projection.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Stores, load_corpus, peak_rss_mb, print_load, print_machine, quiet, run_stage, table
from logviz_assets.settings import Settings


def stage(
    name: str, corpus: Path, home: Path, precision: str, fit_sample_size: int, batch_size: int, settings: Settings
) -> dict:
    """One stage on the stores in `home`, with the model and load workers of `settings`."""
    stores = Stores(home)  # the int8 export is kept in its models folder
    started = time.perf_counter()
    out: dict = {"stage": name}
    if name == "load":
        report = load_corpus(corpus, stores, settings.load_workers)
        out.update(records=report.records_added, files=report.files_read)
    elif name == "embed":
        from logviz_assets.index.embedding import TextEmbedder
        from logviz_assets.index.operation import embed_missing

        embedder = TextEmbedder(settings.model, batch_size=batch_size, precision=precision, models_dir=stores.models)
        report = embed_missing(stores.records, stores.vectors(), embedder, progress=quiet)
        out.update(
            texts=report.texts_embedded,
            already=report.texts_already_embedded,
            texts_per_s=report.texts_per_second,
            precision=embedder.precision,
        )
    elif name == "project":
        from logviz_assets.index.operation import place_points

        report = place_points(
            stores.records,
            stores.vectors(),
            stores.layout_store(),
            settings.model,
            fit_sample_size=fit_sample_size,
            progress=quiet,
        )
        out.update(
            placed=report.points_placed,
            moved=report.points_moved,
            fitted=report.fitted_points,
            method=report.method,
            total=report.points_total,
        )
    else:
        raise SystemExit(f"unknown stage {name}")
    out["seconds"] = round(time.perf_counter() - started, 3)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--home", type=Path, help="keep the stores here (default: a temporary folder)")
    parser.add_argument("--precision", default="int8")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--fit-sample-size", type=int, default=50_000)
    parser.add_argument("--stage", help="run one stage in this process and print its JSON")
    args = parser.parse_args()

    if args.stage:
        settings = Settings.from_environment()
        out = stage(args.stage, args.corpus, args.home, args.precision, args.fit_sample_size, args.batch_size, settings)
        print(json.dumps(out))
        return

    print_machine(f"pipeline at {args.records:,} records")
    temporary = args.home is None
    work = Path(tempfile.mkdtemp(prefix="logviz-bench-pipeline-"))
    home = args.home or work / "home"
    try:
        rows = []
        corpus = args.corpus
        if corpus is None:
            corpus = work / "corpus"
            out = run_stage(["-c", _GENERATE, str(corpus), str(args.records)])
            rows.append(["generate corpus", out["seconds"], out["peak_rss_mb"], f"{out['files']} files"])
        for name in ("load", "embed", "project"):
            out = run_stage(
                [
                    "bench/pipeline.py",
                    "--stage",
                    name,
                    "--corpus",
                    str(corpus),
                    "--home",
                    str(home),
                    "--precision",
                    args.precision,
                    "--batch-size",
                    str(args.batch_size),
                    "--fit-sample-size",
                    str(args.fit_sample_size),
                ]
            )
            detail = {k: v for k, v in out.items() if k not in ("stage", "seconds", "peak_rss_mb")}
            rows.append([name, out["seconds"], out["peak_rss_mb"], json.dumps(detail)])
            print(f"  {name}: {json.dumps(out)}", flush=True)
        index_s = sum(r[1] for r in rows if r[0] in ("embed", "project"))
        rows.append(["Index (embed + project)", index_s, max(r[2] for r in rows[-2:]), ""])
        table(["stage", "seconds", "peak RSS MiB", "detail"], rows, title=f"{args.records:,} records")
        print_load()
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)


_GENERATE = """
import json, sys, time
sys.path.insert(0, '.')
from pathlib import Path
from bench.common import peak_rss_mb
from bench.corpus import generate
t = time.perf_counter()
out = generate(Path(sys.argv[1]), int(sys.argv[2]))
print(json.dumps({"seconds": round(time.perf_counter() - t, 3), "peak_rss_mb": round(peak_rss_mb(), 1), **out}))
"""


if __name__ == "__main__":
    main()
