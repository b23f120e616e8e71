"""Read-only queries behind the map endpoints, over the RecordStore (DuckDB) and LanceDB.

Each call opens a short read-only DuckDB connection (waiting out a writer's lock) so the
API keeps answering while a load or index run writes. Before anything is loaded the same
queries run on an empty in-memory store, so every answer keeps its shape.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from logviz_assets import config, store
from logviz_assets.embedding import TextEmbedder
from logviz_assets.vectors import InMemoryVectors, VectorTable

POINT_COLUMNS = """
    r.record_id AS id, p.x, p.y,
    (r.text_hash IS NOT NULL AND p.x IS NULL) AS pending,
    r.kind, r.role, r.tool_name, r.is_error, r.run_id, r.model, r.source_format,
    r.ts_start AS timestamp
"""
POINTS_FROM = "records AS r LEFT JOIN points AS p USING (text_hash)"

Ranked = list[tuple[str, float]]


class NotFound(LookupError):
    """The id asked for is not in the store."""


@dataclass
class PointFilter:
    """The fields a map can be coloured and filtered by; None means any."""

    kind: str | None = None
    role: str | None = None
    tool_name: str | None = None
    is_error: bool | None = None
    run_id: str | None = None
    model: str | None = None
    source_format: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["true"], []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if f.name == "since":
                clauses.append("r.ts_start >= ?")
            elif f.name == "until":
                clauses.append("r.ts_start < ?")
            else:
                clauses.append(f"r.{f.name} = ?")
            params.append(value)
        return " AND ".join(clauses), params

    def is_set(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


@contextlib.contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with store.read_connection(config.duckdb_path()) as con:
        if con is not None:
            yield con
            return
    empty = duckdb.connect()
    try:
        store.ensure_schema(empty)
        yield empty
    finally:
        empty.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pa.Table:
    return con.sql(sql, params=params or []).to_arrow_table()


def _points_query(columns: str, flt: PointFilter, limit: int | None, offset: int) -> tuple[str, list[Any]]:
    """The points in map order (a run's steps together), filtered and paged."""
    where, params = flt.where()
    sql = f"SELECT {columns} FROM {POINTS_FROM} WHERE {where} ORDER BY r.run_id, r.seq, r.record_id"
    sql += f" LIMIT {int(limit)}" if limit is not None else ""
    return sql + f" OFFSET {int(offset)}", params


def points_table(flt: PointFilter, limit: int | None, offset: int) -> pa.Table:
    sql, params = _points_query(POINT_COLUMNS, flt, limit, offset)
    with connection() as con:
        return rows(con, sql, params)


def points_json(flt: PointFilter, limit: int | None, offset: int) -> bytes:
    """The same points as `points_table`, serialised to JSON by DuckDB (for 100k points,
    several times faster than building Python dicts and encoding them)."""
    # ISO 8601 from DuckDB's own UTC text ("2026-01-25 06:21:47.841+00" → "…T06:21:47.841Z", as the
    # other endpoints write it): cheaper than strftime.
    columns = POINT_COLUMNS.replace(
        "r.ts_start AS timestamp", "replace(replace(CAST(r.ts_start AS VARCHAR), ' ', 'T'), '+00', 'Z') AS timestamp"
    )
    sql, params = _points_query(columns, flt, limit, offset)
    with connection() as con:
        # DuckDB encodes the rows in parallel, each followed by a comma, so the array's
        # values, back to back in Arrow's buffer, are already the JSON list.
        encoded = rows(con, f"SELECT to_json(q)::VARCHAR || ',' FROM ({sql}) AS q", params).column(0)
    parts = [_values_bytes(chunk) for chunk in encoded.chunks if len(chunk)]
    if parts:
        parts[-1] = parts[-1][:-1]  # the last comma
    return b"".join([b'{"count":%d,"points":[' % len(encoded), *parts, b"]}"])


def _values_bytes(strings: pa.Array) -> memoryview:
    """The UTF-8 bytes of a string array's values, concatenated, without copying them."""
    if not (pa.types.is_string(strings.type) or pa.types.is_large_string(strings.type)):
        strings = strings.cast(pa.large_string())  # string views keep no contiguous value buffer
    _, offsets, data = strings.buffers()
    width = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    bounds = np.frombuffer(offsets, dtype=width)[strings.offset : strings.offset + len(strings) + 1]
    return memoryview(data)[bounds[0] : bounds[-1]]


def record(record_id: str) -> dict[str, Any]:
    with connection() as con:
        found = rows(
            con,
            """
            SELECT r.* EXCLUDE (raw, text_hash, loaded_at), coalesce(f.vanished, false) AS source_vanished, p.x, p.y
            FROM records AS r
            LEFT JOIN files AS f ON f.path = r.source_file
            LEFT JOIN points AS p USING (text_hash)
            WHERE r.record_id = ?
            """,
            [record_id],
        ).to_pylist()
    if not found:
        raise NotFound(f"no record with id {record_id!r}")
    return found[0]


RUN_SUMMARY = """
    SELECT run.run_id, run.record_id, run.text AS title, run.source_format, run.agent_name, run.is_subagent,
           run.parent_id, coalesce(run.model, s.model) AS model, run.project,
           run.ts_start AS started_at, run.ts_end AS ended_at,
           coalesce(s.steps, 0) AS steps, coalesce(s.tool_calls, 0) AS tool_calls, coalesce(s.errors, 0) AS errors,
           coalesce(run.tokens_in, s.tokens_in) AS tokens_in, coalesce(run.tokens_out, s.tokens_out) AS tokens_out
    FROM records AS run
    LEFT JOIN (
        SELECT run_id, count(*) AS steps,
               count(*) FILTER (WHERE kind = 'tool_call') AS tool_calls,
               count(*) FILTER (WHERE is_error) AS errors,
               sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out,
               any_value(model) FILTER (WHERE model IS NOT NULL) AS model
        FROM records WHERE kind <> 'run' GROUP BY run_id
    ) AS s USING (run_id)
    WHERE run.kind = 'run'
"""


def runs(source_format: str | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    where, params = ("AND run.source_format = ?", [source_format]) if source_format else ("", [])
    with connection() as con:
        ((total,),) = con.execute(f"SELECT count(*) FROM ({RUN_SUMMARY} {where})", params).fetchall()
        found = rows(
            con,
            f"{RUN_SUMMARY} {where} ORDER BY started_at DESC NULLS LAST, run_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    return total, found.to_pylist()


def trajectory(run_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with connection() as con:
        summary = rows(con, f"{RUN_SUMMARY} AND run.run_id = ?", [run_id]).to_pylist()
        if not summary:
            raise NotFound(f"no run with id {run_id!r}")
        steps = rows(
            con,
            f"SELECT {POINT_COLUMNS}, r.seq, r.text, r.tool_args, r.parent_id FROM {POINTS_FROM} "
            "WHERE r.run_id = ? AND r.kind <> 'run' ORDER BY r.seq, r.source_line, r.record_id",
            [run_id],
        )
    return summary[0], steps.to_pylist()


def stats() -> dict[str, Any]:
    model = config.model()
    vectors = VectorTable(str(config.lancedb_path())).count(model) if config.lancedb_path().exists() else 0
    with connection() as con:
        counts = store.counts(con)
        ((points, pending),) = con.execute(
            f"SELECT count(p.x), count(*) FILTER (WHERE r.text_hash IS NOT NULL AND p.x IS NULL) FROM {POINTS_FROM}"
        ).fetchall()
        by_kind = dict(con.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind").fetchall())
        by_format = dict(con.execute("SELECT source_format, count(*) FROM records GROUP BY 1 ORDER BY 1").fetchall())
    return {
        **{name: counts[name] for name in ("records", "runs", "files", "vanished_files", "rejects")},
        "points": points,
        "pending": pending,
        "vectors": vectors,
        "by_kind": by_kind,
        "by_format": by_format,
        "model": model,
    }


def text_hash_of(record_id: str) -> str | None:
    with connection() as con:
        found = con.execute("SELECT text_hash FROM records WHERE record_id = ?", [record_id]).fetchall()
    if not found:
        raise NotFound(f"no record with id {record_id!r}")
    return found[0][0]


# --- search -----------------------------------------------------------------------------


class Searcher:
    """Semantic and full-text search over the vectors table, mapped back to records.

    Holds the embedding model once loaded (the first semantic query pays for it).
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.embedder = TextEmbedder(model)
        self._memory: InMemoryVectors | None = None

    def warm_up(self) -> None:
        """Load the model and the vectors now; a model that cannot load is reported by /health, not here."""
        with contextlib.suppress(Exception):
            _ = self.embedder.model
            memory = self._vectors()
            if memory is not None:
                memory.refresh()

    def _vectors(self) -> InMemoryVectors | None:
        if self._memory is None:
            if not config.lancedb_path().exists():
                return None
            self._memory = InMemoryVectors(VectorTable(str(config.lancedb_path())), self.model)
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
        ranking = pa.table(
            {"text_hash": [h for h, _ in scored], "score": [s for _, s in scored], "rank": list(range(len(scored)))}
        )
        with connection() as con:
            con.register("ranking", ranking)
            # The best k records by the narrow columns first, then all columns of those k rows
            # alone, by primary key: the text column is wide, and a fresh connection reads it from
            # disk for every row a join lets through.
            best = con.execute(
                "SELECT r.record_id FROM records AS r JOIN ranking USING (text_hash) "
                f"WHERE {where} ORDER BY ranking.rank, r.run_id, r.seq LIMIT ?",
                [*params, k],
            ).fetchall()
            if not best:
                return []
            ids = [record_id for (record_id,) in best]
            return rows(
                con,
                f"WITH r AS MATERIALIZED (SELECT * FROM records WHERE record_id IN ({', '.join('?' * len(ids))})) "
                f"SELECT {POINT_COLUMNS}, r.text, r.tool_args, ranking.score "
                "FROM r JOIN ranking USING (text_hash) LEFT JOIN points AS p USING (text_hash) "
                "ORDER BY ranking.rank, r.run_id, r.seq",
                ids,
            ).to_pylist()


def fuse(*rankings: Ranked, k: int = 60) -> Ranked:
    """Reciprocal rank fusion: robust to the two searches' scores being on other scales."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (key, _) in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: -item[1])
