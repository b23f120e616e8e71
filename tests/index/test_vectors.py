"""The LanceDB vector table and the in-memory copy the API searches, on a real LanceDB folder.

Vectors here are random unit vectors: what is under test is storage and search, not the model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from logviz_assets.index.vectors import InMemoryVectors, VectorTable

MODEL = "test-model"


def unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def fill(table: VectorTable, start: int, matrix: np.ndarray) -> list[str]:
    hashes = [f"h{start + i:05d}" for i in range(len(matrix))]
    table.ensure(matrix.shape[1])
    table.upsert([f"k{h}" for h in hashes], hashes, MODEL, [f"text {h}" for h in hashes], matrix)
    return hashes


def test_in_memory_search_agrees_with_lancedb_and_follows_new_writes(tmp_path: Path) -> None:
    table = VectorTable(str(tmp_path / "vectors.lance"))
    first = unit_rows(300, 16, seed=1)
    hashes = fill(table, 0, first)
    memory = InMemoryVectors(table, MODEL)
    query = unit_rows(1, 16, seed=2)[0]

    got = memory.nearest(query, 10)
    want = table.nearest(query, MODEL, 10)
    assert [h for h, _ in got] == [h for h, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
    expected = np.argsort(-(first @ query))[:10]
    assert [h for h, _ in got] == [hashes[i] for i in expected]
    np.testing.assert_allclose(memory.vector_of(hashes[42]), first[42])

    # A text written after the copy was made is found at once: the copy follows the table's version.
    fill(table, 300, query[None, :])
    assert memory.nearest(query, 1)[0][0] == "h00300"
    assert memory.nearest(query, 1000)[-1][0] in hashes and len(memory.nearest(query, 1000)) == 301
    assert memory.vector_of("missing") is None
