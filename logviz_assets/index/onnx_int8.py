"""The int8 fast path: the model's transformer exported to ONNX here, quantised, run by ONNX Runtime.

Nothing is downloaded. At first use the transformer of the sentence-transformers model already
on disk is exported with `torch.onnx.export`, its attention, GELU and layer norms are fused by
ONNX Runtime's own optimiser (BERT models), and its weights are quantised to int8
per channel (`quantize_dynamic`). The result is kept under `<LOGVIZ_HOME>/models/`, named by a
hash of the weights, so later processes load it in a second and another model gets its own.

Only the transformer runs in ONNX Runtime. Pooling and normalisation stay the model's own
sentence-transformers modules, so a model pooling by CLS token or by mean works the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Fused by ONNX Runtime's transformer optimiser as `bert`: only the family checked here
# (tests/test_embedding.py); other models are quantised without fusion.
FUSABLE_FAMILIES = {"bert"}
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def weights_fingerprint(model) -> str:
    """A short hash of the transformer's weights and the ONNX Runtime version that quantised them."""
    import onnxruntime

    digest = hashlib.sha256(onnxruntime.__version__.encode())
    for name, tensor in sorted(model[0].auto_model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().float().numpy().tobytes())
    return digest.hexdigest()[:16]


def quantised_model_path(model, cache_dir: Path) -> Path:
    """The int8 ONNX file for `model` (a SentenceTransformer), exported and quantised on first use."""
    target = cache_dir / f"{weights_fingerprint(model)}.int8.onnx"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    log.info("exporting the embedding model to ONNX int8 (once, into %s)", cache_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".export-") as tmp:
        work = Path(tmp)
        exported = _export(model, work / "model.onnx")
        fused = _fuse(model, exported, work / "model.fused.onnx")
        quantised = work / "model.int8.onnx"
        _quantise(fused, quantised)
        # Rename into place only when whole, so a crash or a second process never sees half a file.
        os.replace(quantised, target)
    return target


def _export(model, path: Path) -> Path:
    import torch

    transformer = model[0].auto_model
    if hasattr(transformer, "set_attn_implementation"):
        # Eager attention exports as plain ops that the optimiser can fuse; SDPA does not.
        transformer.set_attn_implementation("eager")
    accepted = [name for name in INPUT_NAMES if name in model.preprocess(["x"])]

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):
            return self.transformer(**dict(zip(accepted, inputs, strict=True))).last_hidden_state

    example = model.preprocess(["an example", "and another, longer one"])
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState().eval(),
            tuple(example[name] for name in accepted),
            str(path),
            input_names=accepted,
            output_names=["token_embeddings"],
            dynamic_axes={**dict.fromkeys(accepted, axes), "token_embeddings": axes},
            opset_version=17,
            dynamo=False,
        )
    return path


def _fuse(model, source: Path, path: Path) -> Path:
    config = model[0].auto_model.config
    if getattr(config, "model_type", None) not in FUSABLE_FAMILIES:
        return source
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(
        str(source), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
    )
    optimised.save_model_to_file(str(path))
    return path


def _quantise(source: Path, path: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(path),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # Fused ops carry no shape information; their outputs are float tensors.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


class OnnxInt8Encoder:
    """Encodes like `SentenceTransformer.encode`, with the transformer run by ONNX Runtime in int8."""

    def __init__(self, model, cache_dir: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        import torch

        self.model = model
        self.path = quantised_model_path(model, cache_dir)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self.inputs = [item.name for item in self.session.get_inputs()]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """Unit-length float32 vectors, in the order of `texts`."""
        import torch

        out = np.zeros((len(texts), self.model.get_embedding_dimension()), dtype=np.float32)
        # Longest first, so each batch pads to lengths close to its own.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        with torch.no_grad(), _torch_threads(1):
            for start in range(0, len(texts), batch_size):
                index = order[start : start + batch_size]
                features = self.model.preprocess([texts[i] for i in index])
                feed = {name: features[name].numpy().astype(np.int64) for name in self.inputs}
                features["token_embeddings"] = torch.from_numpy(self.session.run(None, feed)[0])
                for module in list(self.model)[1:]:
                    features = module(features)
                out[index] = features["sentence_embedding"].float().numpy()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


# Torch's thread count is process-wide: encodes in two threads must not restore each other's.
_TORCH_THREADS_LOCK = threading.Lock()


@contextlib.contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """Torch's thread count for the block (process-wide, restored after).

    Pooling is a few small tensor ops between ONNX Runtime calls; torch's own worker
    threads would keep spinning on the cores ONNX Runtime's threads need next.
    """
    import torch

    with _TORCH_THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(count)
        try:
            yield
        finally:
            torch.set_num_threads(before)
