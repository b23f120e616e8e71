"""Encoder variants on the same texts: what each fast path buys, and what it costs in accuracy.

    python bench/precision.py [--home DIR | --corpus DIR] [--texts 400] [--rounds 4]

Encode only (no stores), on distinct texts of an indexed store (`--home`) or of a corpus
loaded here. Variants, taking turns on each slice (order rotating) so that changes in the
machine's load fall on all alike:

- plain `SentenceTransformer.encode`, fp32, at `--batch-size` (the reference) and at its
  own default batch size, 32;
- `TextEmbedder` fp32, bf16 and int8 (`LOGVIZ_EMBED_PRECISION`; int8 is exported and
  quantised before the timing starts, as a first run would);
- bf16 with the model's input cut at 128 word pieces instead of 256 (not shipped: it changes
  what is embedded, so its cosine is against the fp32 256-piece vectors).

Reports texts/s, speed-up over plain fp32, mean / minimum cosine to the fp32 vectors, and
how many of each text's 10 nearest neighbours (within the sample) stay the same.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.common import Stores, knn, load_corpus, overlap, print_load, print_machine, table


def texts_from(home: Path | None, corpus: Path | None, n: int, work: Path, load_workers: int) -> list[str]:
    if home is None:
        home = work / "home"
        if corpus is None:
            from bench.corpus import generate

            corpus = work / "corpus"
            generate(corpus, max(200, n * 2), seed=11)
        load_corpus(corpus, Stores(home), load_workers)
    store = Stores(home).records
    hashes = sorted(store.text_hashes())
    step = max(1, len(hashes) // (n * 2))
    _, texts = store.texts_for(hashes[::step][: n * 2])
    return texts[:n]


def unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from logviz_assets.index.embedding import TextEmbedder
    from logviz_assets.settings import Settings, resolve_model_path

    settings = Settings.from_environment()
    print_machine("encoder variants")
    with tempfile.TemporaryDirectory(prefix="logviz-bench-precision-") as tmp:
        work = Path(tmp)
        models = work / "home" / "models"  # where the int8 export is made
        texts = texts_from(args.home, args.corpus, args.texts, work, settings.load_workers)
        path, name, bs = resolve_model_path(settings.model), settings.model, args.batch_size
        print(f"{len(texts)} distinct texts, mean {np.mean([len(t) for t in texts]):.0f} characters\n")

        plain = SentenceTransformer(path, device="cpu", local_files_only=True)
        shipped = {p: TextEmbedder(name, bs, precision=p, models_dir=models) for p in ("fp32", "bf16", "int8")}
        short = SentenceTransformer(path, device="cpu", local_files_only=True).to(torch.bfloat16)
        short.max_seq_length = 128
        variants = {
            f"plain SentenceTransformer.encode fp32, batch {bs}": lambda x: unit(plain.encode(x, batch_size=bs)),
            "plain SentenceTransformer.encode fp32, batch 32": lambda x: unit(plain.encode(x, batch_size=32)),
            **{f"TextEmbedder {p}": embedder.encode for p, embedder in shipped.items()},
            "bf16, input cut at 128 word pieces (not shipped)": lambda x: unit(
                short.encode(x, batch_size=bs, convert_to_tensor=True).float().numpy()
            ),
        }
        names = list(variants)
        for encode in variants.values():
            encode(texts[:bs])  # warm-up
        seconds = dict.fromkeys(names, 0.0)
        vectors: dict[str, list[np.ndarray]] = {n: [] for n in names}
        size = -(-len(texts) // args.rounds)
        for round_no in range(args.rounds):
            part = texts[round_no * size : (round_no + 1) * size]
            if not part:
                break
            shift = round_no % len(names)
            for variant in names[shift:] + names[:shift]:
                started = time.perf_counter()
                vectors[variant].append(variants[variant](part))
                seconds[variant] += time.perf_counter() - started
        reference = np.vstack(vectors[names[0]])
        k = min(10, len(texts) - 1)
        reference_knn = knn(reference, k) if k > 0 else None
        rows = []
        for variant in names:
            matrix = np.vstack(vectors[variant])
            cos = np.sum(matrix * reference, axis=1)
            rate = len(texts) / seconds[variant]
            rows.append(
                [
                    variant,
                    seconds[variant],
                    rate,
                    seconds[names[0]] / seconds[variant],
                    seconds[names[1]] / seconds[variant],
                    f"{cos.mean():.5f}",
                    f"{cos.min():.4f}",
                    f"{overlap(reference_knn, knn(matrix, k)):.3f}" if k > 0 else "",
                ]
            )
        table(
            [
                "variant",
                "seconds",
                "texts/s",
                f"vs plain (batch {bs})",
                "vs plain (batch 32)",
                "mean cosine vs fp32",
                "min cosine",
                "top-10 overlap",
            ],
            rows,
            title=f"{len(texts)} texts in {args.rounds} interleaved rounds, torch threads {torch.get_num_threads()}",
        )
        print_load()


if __name__ == "__main__":
    main()
