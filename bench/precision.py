"""Encoder variants on the same texts: what each fast path buys, and what it costs in accuracy.

    python bench/precision.py [--home DIR | --corpus DIR] [--texts 400] [--rounds 4]

Encode only (no stores), on distinct texts of an indexed store (`--home`) or of a corpus
loaded here. Variants, taking turns on each slice (order rotating) so that changes in the
machine's load fall on all alike:

- plain `SentenceTransformer.encode`, fp32 (the reference);
- `TextEmbedder` fp32 and bf16 (the shipped fast path);
- bf16 with the model's input cut at 128 word pieces instead of 256 (not shipped: it changes
  what is embedded, so its cosine is against the fp32 256-piece vectors);
- ONNX int8, if onnxruntime is installed: the bundled model exported here with
  `torch.onnx.export`, then `onnxruntime.quantization.quantize_dynamic` (weights per channel,
  MatMul with constant weights only), mean pooling and normalisation in numpy (not shipped).

Reports texts/s, speed-up over plain fp32, and mean / minimum cosine to the fp32 vectors.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.common import Stores, model_name, print_load, print_machine, quiet, table


def texts_from(home: Path | None, corpus: Path | None, n: int, work: Path) -> list[str]:
    from logviz_assets.indexing import record_text_hashes, texts_for

    if home is None:
        from logviz_assets.loading import load

        home = work / "home"
        if corpus is None:
            from bench.corpus import generate

            corpus = work / "corpus"
            generate(corpus, max(200, n * 2), seed=11)
        load([corpus], Stores(home).write, progress=quiet)
    stores = Stores(home)
    with stores.read() as con:
        hashes = sorted(record_text_hashes(con))
        step = max(1, len(hashes) // (n * 2))
        _, texts = texts_for(con, hashes[::step][: n * 2])
    return texts[:n]


def unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def onnx_int8(model, folder: Path, batch_size: int):
    """An encode function over an int8 ONNX export of `model` (SentenceTransformer), or None."""
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return None
    import torch

    transformer, tokenizer = model[0].auto_model, model.tokenizer

    class Hidden(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tokenizer(["an example", "another one"], padding=True, return_tensors="pt")
    fp32_path, int8_path = folder / "model.onnx", folder / "model.int8.onnx"
    torch.onnx.export(
        Hidden(transformer).eval(),
        tuple(example[k] for k in names),
        str(fp32_path),
        input_names=names,
        output_names=["hidden"],
        dynamic_axes={**{k: {0: "batch", 1: "tokens"} for k in names}, "hidden": {0: "batch", 1: "tokens"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(
        str(fp32_path),
        str(int8_path),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
        extra_options={"MatMulConstBOnly": True},
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(str(int8_path), options, providers=["CPUExecutionProvider"])

    def encode(texts: list[str]) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts])
        out = np.zeros((len(texts), model.get_embedding_dimension()), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            index = order[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in index],
                padding=True,
                truncation=True,
                max_length=model.max_seq_length,
                return_tensors="np",
            )
            hidden = session.run(None, {k: batch[k].astype(np.int64) for k in names})[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            out[index] = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return unit(out)

    return encode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--skip-onnx", action="store_true", help="(tests) leave out the ONNX int8 export")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from logviz_assets.config import resolve_model_path
    from logviz_assets.embedding import TextEmbedder

    print_machine("encoder variants")
    with tempfile.TemporaryDirectory(prefix="logviz-bench-precision-") as tmp:
        work = Path(tmp)
        texts = texts_from(args.home, args.corpus, args.texts, work)
        path, name, bs = resolve_model_path(model_name()), model_name(), args.batch_size
        print(f"{len(texts)} distinct texts, mean {np.mean([len(t) for t in texts]):.0f} characters\n")

        plain = SentenceTransformer(path, device="cpu", local_files_only=True)
        fp32, bf16 = TextEmbedder(name, bs, precision="fp32"), TextEmbedder(name, bs, precision="bf16")
        short = SentenceTransformer(path, device="cpu", local_files_only=True).to(torch.bfloat16)
        short.max_seq_length = 128
        variants = {
            "plain SentenceTransformer.encode fp32": lambda x: unit(plain.encode(x, batch_size=bs)),
            "TextEmbedder fp32": fp32.encode,
            f"TextEmbedder bf16 ({bf16.precision} ran)": bf16.encode,
            "bf16, input cut at 128 word pieces (not shipped)": lambda x: unit(
                short.encode(x, batch_size=bs, convert_to_tensor=True).float().numpy()
            ),
        }
        int8 = None if args.skip_onnx else onnx_int8(plain, work, bs)
        if int8 is not None:
            variants["ONNX int8 via onnxruntime (not shipped)"] = int8
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
        rows = []
        for variant in names:
            cos = np.sum(np.vstack(vectors[variant]) * reference, axis=1)
            rate = len(texts) / seconds[variant]
            rows.append(
                [
                    variant,
                    seconds[variant],
                    rate,
                    seconds[names[0]] / seconds[variant],
                    f"{cos.mean():.5f}",
                    f"{cos.min():.4f}",
                ]
            )
        table(
            ["variant", "seconds", "texts/s", "vs plain fp32", "mean cosine vs fp32", "min cosine"],
            rows,
            title=f"{len(texts)} texts in {args.rounds} interleaved rounds, torch threads {torch.get_num_threads()}",
        )
        print_load()


if __name__ == "__main__":
    main()
