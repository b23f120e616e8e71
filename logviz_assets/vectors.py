"""The vector store: one LanceDB table `vectors`, a row per distinct embedded text.

Rows are keyed by `vector_key(text_hash, model)`, so writing the same batch twice (a
retried run) changes nothing, and a text shared by a thousand records is stored once.
LanceDB tables are versioned: readers never wait for a writer.
"""

from __future__ import annotations

from collections.abc import Iterator

import lancedb
import numpy as np
import pyarrow as pa

TABLE = "vectors"


def vectors_schema(dimension: int) -> pa.Schema:
    return pa.schema(
        [
            pa.field("key", pa.string(), nullable=False),
            pa.field("text_hash", pa.string(), nullable=False),
            pa.field("model", pa.string(), nullable=False),
            pa.field("text", pa.string()),
            pa.field("vector", pa.list_(pa.float32(), dimension)),
        ]
    )


class VectorTable:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        self._db = lancedb.connect(uri)

    def _table(self):  # noqa: ANN202 - lancedb.table.Table
        try:
            return self._db.open_table(TABLE)
        except (ValueError, FileNotFoundError):
            return None

    def exists(self) -> bool:
        return self._table() is not None

    def dimension(self) -> int | None:
        table = self._table()
        return None if table is None else table.schema.field("vector").type.list_size

    def ensure(self, dimension: int) -> None:
        """Create the table; recreate it when a new model's vectors have another size."""
        if self.dimension() not in (None, dimension):
            self._db.drop_table(TABLE)
        if self._table() is None:
            self._db.create_table(TABLE, schema=vectors_schema(dimension))

    def text_hashes(self, model: str) -> set[str]:
        """Hashes of every text that has a vector under `model` (reads one column)."""
        table = self._table()
        if table is None:
            return set()
        data = table.to_lance().to_table(columns=["text_hash"], filter=f"model = {_quote(model)}")
        return set(data.column("text_hash").to_pylist())

    def count(self, model: str | None = None) -> int:
        table = self._table()
        if table is None:
            return 0
        return table.count_rows(None if model is None else f"model = {_quote(model)}")

    def upsert(self, keys: list[str], hashes: list[str], model: str, texts: list[str], vectors: np.ndarray) -> None:
        table = self._table()
        dimension = vectors.shape[1]
        data = pa.table(
            {
                "key": keys,
                "text_hash": hashes,
                "model": [model] * len(keys),
                "text": texts,
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1), pa.float32()), dimension),
            },
            schema=vectors_schema(dimension),
        )
        table.merge_insert("key").when_not_matched_insert_all().execute(data)

    def iter_vectors(self, model: str, wanted: set[str] | None = None, batch_rows: int = 65_536) -> Iterator[
        tuple[list[str], np.ndarray]
    ]:
        """(text hashes, matrix) batches of the vectors under `model`, optionally only `wanted`."""
        table = self._table()
        if table is None:
            return
        dataset = table.to_lance()
        for batch in dataset.to_batches(
            columns=["text_hash", "vector"], filter=f"model = {_quote(model)}", batch_size=batch_rows
        ):
            hashes = batch.column("text_hash").to_pylist()
            matrix = batch.column("vector").flatten().to_numpy(zero_copy_only=False).reshape(len(hashes), -1)
            if wanted is not None:
                keep = [i for i, h in enumerate(hashes) if h in wanted]
                if not keep:
                    continue
                hashes = [hashes[i] for i in keep]
                matrix = matrix[keep]
            yield hashes, matrix

    def load_vectors(self, model: str, wanted: set[str] | None = None) -> tuple[list[str], np.ndarray]:
        hashes: list[str] = []
        parts: list[np.ndarray] = []
        for batch_hashes, matrix in self.iter_vectors(model, wanted):
            hashes.extend(batch_hashes)
            parts.append(matrix.astype(np.float32, copy=False))
        if not parts:
            return [], np.zeros((0, self.dimension() or 0), dtype=np.float32)
        return hashes, np.vstack(parts)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
