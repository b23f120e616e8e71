"""The embedding model: sentence-transformers, loaded from disk only.

Hugging Face's offline switches are set before the model loads, so a missing model is a
clear error here instead of a download attempt at run time.
"""

from __future__ import annotations

import os
from functools import cached_property

import numpy as np

from logviz_assets.config import resolve_model_path


class TextEmbedder:
    """Encodes texts into unit-length float32 vectors, in batches."""

    def __init__(self, model: str, batch_size: int = 64, device: str = "cpu") -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.device = device

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = resolve_model_path(self.model_name)
        try:
            return SentenceTransformer(path, device=self.device, local_files_only=True)
        except OSError as err:
            raise RuntimeError(
                f"embedding model {self.model_name!r} is not on this machine ({err}); set LOGVIZ_MODEL to a "
                "local sentence-transformers folder or a model already in the Hugging Face cache"
            ) from err

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
