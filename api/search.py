"""Search: semantic (the map's model over vectors held in memory), full-text, and both fused.

Rankings are lists of (text hash, score); `Searcher.hits` maps the best of them back to
records through the RecordStore, applying the same filters as the map.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.queries import POINT_COLUMNS, PointFilter, rows
from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.index.vectors import InMemoryVectors, VectorTable
from logviz_assets.store import RecordStore

Ranked = list[tuple[str, float]]


class Searcher:
    """Semantic and full-text search over the vectors table, mapped back to records.

    Holds the embedding model once loaded (the first semantic query pays for it).
    """

    def __init__(self, store: RecordStore, vectors_path: Path, embedder: TextEmbedder) -> None:
        self.store = store
        self.vectors_path = vectors_path
        self.model = embedder.model_name
        self.embedder = embedder
        self._memory: InMemoryVectors | None = None

    def warm_up(self) -> None:
        """Load the model and the vectors now; a model that cannot load is reported by /health, not here."""
        with contextlib.suppress(Exception):
            _ = self.embedder.loaded_model
            memory = self._vectors()
            if memory is not None:
                memory.refresh()

    def _vectors(self) -> InMemoryVectors | None:
        if self._memory is None:
            if not self.vectors_path.exists():
                return None
            self._memory = InMemoryVectors(VectorTable(str(self.vectors_path)), self.model)
        return self._memory if self._memory.table.exists() else None

    def semantic(self, query: str) -> Callable[[int], Ranked]:
        """A ranking function: the `depth` texts nearest in meaning to `query`."""
        memory = self._vectors()
        if memory is None:
            return lambda depth: []
        vector = self.embedder.encode([query])[0]
        return lambda depth: memory.nearest(vector, depth)

    def text(self, query: str) -> Callable[[int], Ranked]:
        """A ranking function: the `depth` best full-text matches of `query`."""
        memory = self._vectors()
        if memory is None:
            return lambda depth: []
        return lambda depth: memory.table.full_text(query, self.model, depth)

    def neighbors(self, text_hash: str) -> Callable[[int], Ranked]:
        """A ranking function: the `depth` texts nearest to this one, itself excluded."""
        memory = self._vectors()
        vector = memory.vector_of(text_hash) if memory is not None else None
        if vector is None:
            return lambda depth: []
        return lambda depth: [(h, s) for h, s in memory.nearest(vector, depth + 1) if h != text_hash]

    def hits(
        self, rankings: list[Callable[[int], Ranked]], flt: PointFilter, k: int, exclude: str | None = None
    ) -> list[dict[str, Any]]:
        """The best `k` records of the (fused) rankings that pass the filter.

        Several records share one text and filters drop some, so the rankings are asked
        for more texts than `k`, and for more again until `k` records pass or the
        rankings run out.
        """
        depth = max(k * 5, 50)
        while True:
            ranked = [rank(depth) for rank in rankings]
            fused = ranked[0] if len(ranked) == 1 else fuse(*ranked)
            found = self._records(fused, flt, k, exclude)
            exhausted = all(len(r) < depth for r in ranked)
            if len(found) >= k or exhausted:
                return found
            depth *= 4

    def _records(self, scored: Ranked, flt: PointFilter, k: int, exclude: str | None) -> list[dict[str, Any]]:
        if not scored:
            return []
        where, params = flt.where()
        if exclude is not None:
            where += " AND r.record_id <> ?"
            params.append(exclude)
        # The ranking goes in as list parameters, unnested in SQL, not as a registered Arrow table:
        # `register` on concurrent connections races inside DuckDB's Python module and fails
        # ("Table Function with name python_arrow_scan does not exist") for a few requests in a hundred.
        ranking = (
            "ranking AS MATERIALIZED (SELECT unnest(?::VARCHAR[]) AS text_hash, unnest(?::DOUBLE[]) AS score, "
            "unnest(?::BIGINT[]) AS rank)"
        )
        ranking_params: list[Any] = [[h for h, _ in scored], [float(s) for _, s in scored], list(range(len(scored)))]
        with self.store.reading_or_empty() as con:
            # The best k records by the narrow columns first, then all columns of those k rows
            # alone, by primary key: the text column is wide, and a fresh connection reads it from
            # disk for every row a join lets through.
            best = con.execute(
                f"WITH {ranking} SELECT r.record_id FROM records AS r JOIN ranking USING (text_hash) "
                f"WHERE {where} ORDER BY ranking.rank, r.run_id, r.seq LIMIT ?",
                [*ranking_params, *params, k],
            ).fetchall()
            if not best:
                return []
            ids = [record_id for (record_id,) in best]
            return rows(
                con,
                f"WITH {ranking}, r AS MATERIALIZED "
                f"(SELECT * FROM records WHERE record_id IN ({', '.join('?' * len(ids))})) "
                f"SELECT {POINT_COLUMNS}, r.text, r.tool_args, ranking.score "
                "FROM r JOIN ranking USING (text_hash) LEFT JOIN points AS p USING (text_hash) "
                "ORDER BY ranking.rank, r.run_id, r.seq",
                [*ranking_params, *ids],
            ).to_pylist()


def fuse(*rankings: Ranked, k: int = 60) -> Ranked:
    """Reciprocal rank fusion: robust to the two searches' scores being on other scales."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (key, _) in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: -item[1])
