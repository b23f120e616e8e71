"""The embedding model: sentence-transformers, loaded from disk only.

Hugging Face's offline switches are set before the model loads, so a missing model is a
clear error here instead of a download attempt at run time.

Precision (`LOGVIZ_EMBED_PRECISION`, default `fp32`); BENCHMARKS.md has the figures:

- `fp32`: the model as shipped.
- `bf16`: the model's weights cast to bfloat16, where the CPU has native bf16 instructions
  (`avx512_bf16` or `amx_bf16`): vectors within a cosine of 0.9999 of fp32. Without them it
  would be slower than fp32, so the embedder falls back to fp32 and says so in `precision`.
- `int8`: the transformer exported to ONNX and quantised to int8 on first use
  (`onnx_int8.py`): the fastest on CPU, with vectors within a mean cosine of about 0.99.
  Activations are quantised per batch, so a text's vector also moves a little (cosine
  above 0.97) with the other texts of its batch.

All three return float32 unit vectors of the same model, and vectors are keyed by model
only: changing the precision does not re-embed what is already embedded.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from logviz_assets.index.onnx_int8 import OnnxInt8Encoder
from logviz_assets.settings import PRECISIONS, Settings, resolve_model_path

log = logging.getLogger(__name__)


class ModelLoadError(RuntimeError):
    """The embedding model could not be loaded: missing, or its files are damaged.

    Permanent: loading again fails the same way until the folder is repaired or
    LOGVIZ_MODEL names another model, so callers should not retry it.
    """

    def __init__(self, model: str, path: str, cause: BaseException) -> None:
        self.model, self.path = model, path
        where = f"from {path}" if Path(path).is_dir() else "(no such folder; looked for in the Hugging Face cache)"
        detail = str(cause).strip().rstrip(".")
        super().__init__(
            f"cannot load embedding model {model!r} {where}: {type(cause).__name__}: {detail}. "
            "LOGVIZ_MODEL names the model: set it to a complete local sentence-transformers folder or a model "
            "already in the Hugging Face cache, or repair the model's files."
        )


# Small batches are faster on CPU: less padding, and activations that stay in cache.
DEFAULT_BATCH_SIZE = 16


def cpu_has_native_bf16() -> bool:
    """True when the CPU has bf16 instructions (AVX512-BF16 or AMX-BF16)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def bf16_supported(device: str) -> bool:
    import torch

    if device.startswith("cuda"):
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    if device == "cpu":
        return cpu_has_native_bf16() and torch.backends.mkldnn.is_available()
    return False


class TextEmbedder:
    """Encodes texts into unit-length float32 vectors, in batches."""

    def __init__(
        self,
        model: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
        device: str = "cpu",
        precision: str = "fp32",
        models_dir: Path | None = None,
    ) -> None:
        """`models_dir` keeps what is derived from the model here (the int8 export)."""
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.models_dir = models_dir or Settings().models_path
        requested = precision.lower()
        if requested not in PRECISIONS:
            raise ValueError(f"embedding precision {requested!r} is not one of {', '.join(PRECISIONS)}")
        self.requested_precision = requested
        self.precision = requested  # what actually runs, settled when the model loads
        self._int8: OnnxInt8Encoder | None = None

    @cached_property
    def loaded_model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = self.model_name
        try:
            from sentence_transformers import SentenceTransformer

            path = resolve_model_path(self.model_name)
            return self._prepared(SentenceTransformer(path, device=self.device, local_files_only=True))
        except MemoryError:
            raise  # the machine, not the model: another attempt may fit
        except Exception as err:
            # Whatever a missing or broken model folder raises (OSError, JSONDecodeError from a
            # damaged config, SafetensorError from damaged weights, an int8 export that fails),
            # it says nothing of the model or the setting that chose it, and loading again
            # gives the same answer.
            raise ModelLoadError(self.model_name, str(path), err) from err

    def _prepared(self, model):
        """The loaded model in the requested precision (settling `precision`)."""
        if self.requested_precision == "bf16":
            if bf16_supported(self.device):
                import torch

                model = model.to(torch.bfloat16)
            else:
                log.warning("bf16 embedding asked for, but %s has no native bf16: using fp32", self.device)
                self.precision = "fp32"
        if self.requested_precision == "int8":
            if self.device == "cpu":
                self._int8 = OnnxInt8Encoder(model, self.models_dir)
            else:
                log.warning("int8 embedding runs on the CPU only, not on %s: using fp32", self.device)
                self.precision = "fp32"
        return model

    @property
    def dimension(self) -> int:
        return int(self.loaded_model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.loaded_model
        if self._int8 is not None:
            return self._int8.encode(texts, self.batch_size)
        # Reduced precision pools in the model's dtype and is normalised here, in float32.
        reduced = self.precision != "fp32"
        encoded = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=not reduced,
            convert_to_numpy=not reduced,
            convert_to_tensor=reduced,
            show_progress_bar=False,
        )
        if not reduced:
            return np.asarray(encoded, dtype=np.float32)
        vectors = encoded.float().cpu().numpy()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
