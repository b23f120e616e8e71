"""The embedder's precisions, with the real bundled model.

Texts are 300 embed texts spread over the demo corpus (agent steps of every kind and format). The int8 path exports and
quantises the model into a temporary data folder here, as a user's first int8 run would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from logviz_assets import settings
from logviz_assets.index.embedding import TextEmbedder, bf16_supported
from logviz_assets.index.text import embed_text
from logviz_assets.load.file_read import read_file
from logviz_assets.load.source import scan

pytestmark = pytest.mark.model


# Every precision encodes the texts again: a spread-out sample of the corpus keeps that affordable.
SAMPLE_TEXTS = 300


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found: dict[str, None] = {}
    for file in scan([settings.DEMO_CORPUS]):
        for r in read_file(Path(file.path)).records:
            found[embed_text(r.kind, r.text, r.tool_name, r.tool_args, r.is_error)] = None
    assert len(found) >= SAMPLE_TEXTS
    every = list(found)
    return every[:: len(every) // SAMPLE_TEXTS][:SAMPLE_TEXTS]  # every format and kind, in file order


@pytest.fixture(scope="module")
def reference(texts: list[str]) -> np.ndarray:
    """Plain sentence-transformers, fp32: what every precision is compared with."""
    plain = SentenceTransformer(settings.resolve_model_path(settings.DEFAULT_MODEL_NAME), device="cpu")
    return plain.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


def unit_rows(matrix: np.ndarray) -> bool:
    return matrix.dtype == np.float32 and np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def own_nearest_share(matrix: np.ndarray, reference: np.ndarray) -> float:
    """How often a text's vector is nearest to the same text's reference vector."""
    return float(np.mean(np.argmax(matrix @ reference.T, axis=1) == np.arange(len(matrix))))


def test_fp32_is_plain_sentence_transformers(texts: list[str], reference: np.ndarray) -> None:
    vectors = TextEmbedder(settings.DEFAULT_MODEL_NAME, precision="fp32").encode(texts)
    assert unit_rows(vectors)
    assert np.min(np.sum(vectors * reference, axis=1)) > 0.99999


def test_bf16_is_close_to_fp32_or_falls_back(texts: list[str], reference: np.ndarray) -> None:
    embedder = TextEmbedder(settings.DEFAULT_MODEL_NAME, precision="bf16")
    vectors = embedder.encode(texts)
    assert unit_rows(vectors)
    assert embedder.precision == ("bf16" if bf16_supported("cpu") else "fp32")
    assert np.mean(np.sum(vectors * reference, axis=1)) > 0.999


def test_int8_exports_once_and_stays_close_to_fp32(texts: list[str], reference: np.ndarray, tmp_path: Path) -> None:
    torch_threads = torch.get_num_threads()
    embedder = TextEmbedder(settings.DEFAULT_MODEL_NAME, precision="int8", models_dir=tmp_path / "models")
    vectors = embedder.encode(texts)

    assert embedder.precision == "int8"
    assert torch.get_num_threads() == torch_threads  # pooled single-threaded, then restored
    assert unit_rows(vectors)
    cosines = np.sum(vectors * reference, axis=1)
    assert cosines.mean() > 0.98 and cosines.min() > 0.9
    assert own_nearest_share(vectors, reference) == 1.0  # order kept: no vector lands on another text
    exported = sorted((tmp_path / "models").glob("*.int8.onnx"))
    assert len(exported) == 1 and not list((tmp_path / "models").glob(".export-*"))

    # A second process (here: embedder) loads the same file instead of exporting again.
    written = exported[0].stat().st_mtime_ns
    again_embedder = TextEmbedder(settings.DEFAULT_MODEL_NAME, precision="int8", models_dir=tmp_path / "models")
    again = again_embedder.encode(texts[:8])
    # Activations are quantised per batch, so a text's vector moves slightly with its batch.
    assert np.min(np.sum(again * vectors[:8], axis=1)) > 0.97
    assert exported[0].stat().st_mtime_ns == written
    assert sorted((tmp_path / "models").glob("*.int8.onnx")) == exported


def test_unknown_precision_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="fp32, bf16, int8"):
        TextEmbedder(settings.DEFAULT_MODEL_NAME, precision="fp8")
