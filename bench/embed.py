"""Embedding throughput: Index's embedding step vs plain sentence-transformers, and the fast path.

    python bench/embed.py [--corpus DIR] [--texts 1000] [--batch-size 16]

On one sample of distinct record texts (from a generated corpus, loaded by Load):

1. plain `SentenceTransformer.encode` (fp32, same model and batch size) vs
   `index.operation.embed_missing` with `TextEmbedder` (reads the RecordStore, encodes,
   writes LanceDB; its rows keep the old label "indexing.embed_missing", as in BENCHMARKS.md).
   Plain encode at sentence-transformers' own default batch size (32) is a second baseline.
2. the same `embed_missing` with `TextEmbedder(precision="bf16")` and `"int8"`: speed-up
   over plain fp32, mean cosine to the fp32 vectors, and how many of each text's 10
   nearest neighbours (within the sample) stay the same.

The paths take turns on `--rounds` slices of the sample (the order rotating each
round) and their times are summed, so a change in the machine's load during the run
(other processes on the 2 cores) falls on every path alike.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.common import Stores, knn, load_corpus, overlap, print_load, print_machine, quiet, table


def sample_store(
    corpus: Path, work: Path, n_texts: int, seed: int, load_workers: int
) -> tuple[Stores, list[str], list[str]]:
    """Load `corpus`, then a store holding one record for each of `n_texts` sampled texts."""
    full = Stores(work / "full")
    load_corpus(corpus, full, load_workers)
    hashes = sorted(full.records.text_hashes())
    random.Random(seed).shuffle(hashes)
    found, texts = full.records.texts_for(hashes[: n_texts * 2])
    found, texts = found[:n_texts], texts[:n_texts]
    sample = Stores(work / "sample")
    with sample.records.writing() as con:
        con.execute(f"ATTACH '{full.duckdb}' AS full_db (READ_ONLY)")
        con.register("wanted", __import__("pyarrow").table({"text_hash": found}))
        con.execute(
            "INSERT INTO records SELECT * FROM full_db.records "
            "WHERE text_hash IN (SELECT text_hash FROM wanted) QUALIFY row_number() OVER (PARTITION BY text_hash) = 1"
        )
        con.execute("DETACH full_db")
    return sample, found, texts


def slice_store(sample: Stores, folder: Path, hashes: list[str]) -> Stores:
    """A store holding only the records of `hashes` (copied from `sample`)."""
    import pyarrow as pa

    part = Stores(folder)
    with part.records.writing() as con:
        con.execute(f"ATTACH '{sample.duckdb}' AS sample_db (READ_ONLY)")
        con.register("wanted", pa.table({"text_hash": hashes}))
        con.execute(
            "INSERT INTO records SELECT * FROM sample_db.records WHERE text_hash IN (SELECT text_hash FROM wanted)"
        )
        con.execute("DETACH sample_db")
    return part


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="a corpus folder (default: generate 10k records)")
    parser.add_argument("--records", type=int, default=10_000, help="size of the generated corpus (no --corpus)")
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds (paths take turns)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from logviz_assets.index.embedding import TextEmbedder
    from logviz_assets.index.operation import embed_missing
    from logviz_assets.settings import Settings, resolve_model_path

    settings = Settings.from_environment()
    print_machine("embedding throughput")
    work = Path(tempfile.mkdtemp(prefix="logviz-bench-embed-"))
    models = work / "home" / "models"  # the int8 export is made here, before timing
    try:
        corpus = args.corpus
        if corpus is None:
            from bench.corpus import generate

            corpus = work / "corpus"
            generate(corpus, args.records, seed=args.seed)
        sample, hashes, texts = sample_store(corpus, work, args.texts, args.seed, settings.load_workers)
        n = len(texts)
        chars = float(np.mean([len(t) for t in texts]))
        name = settings.model
        print(f"{n} distinct texts, mean {chars:.0f} characters, batch size {args.batch_size}, model {name}\n")

        plain = SentenceTransformer(resolve_model_path(name), device="cpu", local_files_only=True)
        default_batch = 32  # SentenceTransformer.encode's own default
        plain.encode(texts[:64], batch_size=args.batch_size)  # warm-up
        precisions = ("fp32", "bf16", "int8")
        embedders = {
            p: TextEmbedder(name, batch_size=args.batch_size, precision=p, models_dir=models) for p in precisions
        }
        for embedder in embedders.values():
            embedder.encode(texts[:64])  # warm-up, as the plain model got
        # Interleaved rounds (each path in turn on each slice, order rotating), so a change
        # in the machine's load during the run falls on every path alike.
        paths = ["plain", "plain-default", *precisions]
        seconds = dict.fromkeys(paths, 0.0)
        vectors = {p: Stores(work / f"vectors-{p}").vectors() for p in precisions}
        reference = np.zeros((n, 384), dtype=np.float32)
        size = -(-n // args.rounds)
        for round_no in range(args.rounds):
            lo, hi = round_no * size, min(n, (round_no + 1) * size)
            if lo >= hi:
                break
            part = slice_store(sample, work / f"slice-{round_no}", hashes[lo:hi])
            shift = round_no % len(paths)
            for path in paths[shift:] + paths[:shift]:
                started = time.perf_counter()
                if path == "plain":
                    out = plain.encode(texts[lo:hi], batch_size=args.batch_size, normalize_embeddings=True)
                    reference[lo:hi] = np.asarray(out, dtype=np.float32)
                elif path == "plain-default":
                    plain.encode(texts[lo:hi], batch_size=default_batch, normalize_embeddings=True)
                else:
                    embed_missing(part.records, vectors[path], embedders[path], progress=quiet)
                seconds[path] += time.perf_counter() - started
        order = {h: i for i, h in enumerate(hashes)}
        plain_rate = n / seconds["plain"]
        default_rate = n / seconds["plain-default"]
        plain_row = f"plain SentenceTransformer.encode, batch {args.batch_size}"
        default_row = f"plain SentenceTransformer.encode, batch {default_batch}"
        rows = [
            [plain_row, "fp32", n, seconds["plain"], plain_rate, 1.0, plain_rate / default_rate, 1.0, 1.0],
            [default_row, "fp32", n, seconds["plain-default"], default_rate, default_rate / plain_rate, 1.0, "", ""],
        ]
        for precision in precisions:
            got_hashes, matrix = vectors[precision].load_vectors(name)
            aligned = np.zeros_like(reference)
            for h, row in zip(got_hashes, matrix, strict=True):
                aligned[order[h]] = row
            cosine = float(np.mean(np.sum(aligned * reference, axis=1)))
            k = min(10, n - 1)
            top = overlap(knn(reference, k), knn(aligned, k)) if k > 0 else 1.0
            rate = len(got_hashes) / seconds[precision]
            rows.append(
                [
                    "indexing.embed_missing + TextEmbedder",
                    embedders[precision].precision,
                    len(got_hashes),
                    seconds[precision],
                    rate,
                    rate / plain_rate,
                    rate / default_rate,
                    f"{cosine:.5f}",
                    f"{top:.3f}",
                ]
            )
        table(
            [
                "path",
                "precision",
                "texts",
                "seconds",
                "texts/s",
                f"vs plain (batch {args.batch_size})",
                f"vs plain (batch {default_batch})",
                "mean cosine vs fp32",
                "top-10 overlap",
            ],
            rows,
            title=f"embedding {n} texts in {args.rounds} interleaved rounds (torch threads {torch.get_num_threads()})",
        )
        print_load()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
