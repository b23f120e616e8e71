"""The vector store: one LanceDB table `vectors`, a row per distinct embedded text.

Rows are keyed by `vector_key(text_hash, model)`, so writing the same batch twice (a
retried run) changes nothing, and a text shared by a thousand records is stored once.
LanceDB tables are versioned: readers never wait for a writer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import lancedb
import numpy as np
import pyarrow as pa
from lancedb.index import FTS

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
        self._handle = None

    def _table(self):
        """The table at its latest version (an open handle is kept; reopening costs more)."""
        if self._handle is not None:
            self._handle.checkout_latest()
            return self._handle
        try:
            self._handle = self._db.open_table(TABLE)
        except (ValueError, FileNotFoundError):
            return None
        return self._handle

    def exists(self) -> bool:
        return self._table() is not None

    def version(self) -> int | None:
        """Moves on every write: what a reader's cache of the table is keyed by."""
        table = self._table()
        return None if table is None else table.version

    def dimension(self) -> int | None:
        table = self._table()
        return None if table is None else table.schema.field("vector").type.list_size

    def ensure(self, dimension: int) -> None:
        """Create the table; recreate it when a new model's vectors have another size."""
        if self.dimension() not in (None, dimension):
            self._db.drop_table(TABLE)
            self._handle = None
        if self._table() is None:
            self._handle = self._db.create_table(TABLE, schema=vectors_schema(dimension))

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

    def iter_vectors(
        self, model: str, wanted: set[str] | None = None, batch_rows: int = 65_536
    ) -> Iterator[tuple[list[str], np.ndarray]]:
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

    # --- search (read-only; LanceDB readers never wait for writers) ------------------

    def ensure_text_index(self) -> None:
        """Build the full-text index over the embedded texts, or fold new rows into it.

        Rows added since the last index update are still searched (unindexed, slower).
        """
        table = self._table()
        if table is None or table.count_rows() == 0:
            return
        if any("text" in index.columns for index in table.list_indices()):
            table.optimize()
        else:
            table.create_index("text", config=FTS(with_position=True), replace=True)

    def nearest(self, vector: np.ndarray, model: str, limit: int) -> list[tuple[str, float]]:
        """(text hash, cosine similarity) of the `limit` nearest vectors under `model`."""
        table = self._table()
        if table is None:
            return []
        rows = (
            table.search(vector.astype(np.float32), vector_column_name="vector")
            .distance_type("cosine")
            .where(f"model = {_quote(model)}", prefilter=True)
            .select(["text_hash", "_distance"])
            .limit(limit)
            .to_arrow()
        )
        return list(
            zip(
                rows.column("text_hash").to_pylist(),
                (1.0 - d for d in rows.column("_distance").to_pylist()),
                strict=True,
            )
        )

    def full_text(self, query: str, model: str, limit: int) -> list[tuple[str, float]]:
        """(text hash, BM25 score) of the best full-text matches; a "quoted" query is a phrase."""
        table = self._table()
        if table is None or not query.strip():
            return []
        text = query.strip()
        builder = table.search(text.strip('"'), query_type="fts", fts_columns="text")
        if len(text) > 1 and text.startswith('"') and text.endswith('"'):
            builder = builder.phrase_query(True)
        try:
            rows = (
                builder.where(f"model = {_quote(model)}", prefilter=True)
                .select(["text_hash", "_score"])
                .limit(limit)
                .to_arrow()
            )
        except (RuntimeError, ValueError) as err:
            if "index" in str(err).lower():  # no text index yet: nothing was indexed
                return []
            raise
        return list(zip(rows.column("text_hash").to_pylist(), rows.column("_score").to_pylist(), strict=True))


class InMemoryVectors:
    """Every vector of one model in memory, for exact nearest-neighbour search in milliseconds.

    For a long-lived reader (the API): a flat scan through LanceDB reads the whole column
    on each query. Reloaded when the table's version moves; holds 4 bytes per dimension
    and text (100k texts of all-MiniLM-L6-v2: 150 MB).
    """

    def __init__(self, table: VectorTable, model: str) -> None:
        self.table, self.model = table, model
        self._version: int | None = None
        self._hashes: list[str] = []
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._lock = threading.Lock()

    def refresh(self) -> tuple[list[str], dict[str, int], np.ndarray]:
        """(hashes, row of each hash, matrix), read again if the table moved since the last call."""
        with self._lock:
            version = self.table.version()
            if version != self._version:
                hashes, matrix = self.table.load_vectors(self.model)
                self._hashes, self._matrix, self._version = hashes, matrix, version
                self._rows = {h: i for i, h in enumerate(hashes)}
            return self._hashes, self._rows, self._matrix

    def nearest(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        """(text hash, cosine similarity) of the `limit` nearest vectors (all are unit length)."""
        hashes, _, matrix = self.refresh()
        if not hashes or limit <= 0:
            return []
        sims = matrix @ vector.astype(np.float32)
        top = np.argpartition(-sims, limit - 1)[:limit] if limit < len(sims) else np.arange(len(sims))
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(hashes[i], float(sims[i])) for i in top]

    def vector_of(self, text_hash: str) -> np.ndarray | None:
        _, rows, matrix = self.refresh()
        row = rows.get(text_hash)
        return None if row is None else matrix[row]


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
