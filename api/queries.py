"""Read-only queries behind the map endpoints, over the RecordStore (DuckDB) and LanceDB.

Each call opens a short read-only DuckDB connection (waiting out a writer's lock) so the
API keeps answering while a load or index run writes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from logviz_assets import config, store
from logviz_assets.embedding import TextEmbedder
from logviz_assets.vectors import VectorTable

POINT_COLUMNS = """
    r.record_id AS id, p.x, p.y,
    (r.text_hash IS NOT NULL AND p.x IS NULL) AS pending,
    r.kind, r.role, r.tool_name, r.is_error, r.run_id, r.model, r.source_format,
    r.ts_start AS timestamp
"""
POINTS_FROM = "records AS r LEFT JOIN points AS p USING (text_hash)"
POINT_SELECT = f"{POINT_COLUMNS} FROM {POINTS_FROM}"


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


def connection():
    return store.read_connection(config.duckdb_path())


def points_table(flt: PointFilter, limit: int | None, offset: int) -> pa.Table:
    where, params = flt.where()
    sql = f"SELECT {POINT_SELECT} WHERE {where} ORDER BY r.run_id, r.seq, r.record_id"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    with connection() as con:
        if con is None:
            return pa.table({})
        return con.execute(sql, params).to_arrow_table()


def count_points(flt: PointFilter) -> int:
    where, params = flt.where()
    with connection() as con:
        if con is None:
            return 0
        return con.execute(f"SELECT count(*) FROM {POINTS_FROM} WHERE {where}", params).fetchone()[0]


def points_for(con: duckdb.DuckDBPyConnection, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    con.register("wanted_ids", pa.table({"record_id": record_ids}))
    rows = (
        con.execute(
            f"SELECT {POINT_COLUMNS}, r.text, r.tool_args, r.parent_id, r.seq FROM {POINTS_FROM} "
            "WHERE r.record_id IN (SELECT record_id FROM wanted_ids)"
        )
        .to_arrow_table()
        .to_pylist()
    )
    con.unregister("wanted_ids")
    return {row["id"]: row for row in rows}


def record(record_id: str) -> dict[str, Any]:
    with connection() as con:
        row = None
        if con is not None:
            cursor = con.execute(
                """
                SELECT r.* EXCLUDE (raw, text_hash, loaded_at), coalesce(f.vanished, false) AS source_vanished,
                       p.x, p.y
                FROM records AS r
                LEFT JOIN files AS f ON f.path = r.source_file
                LEFT JOIN points AS p USING (text_hash)
                WHERE r.record_id = ?
                """,
                [record_id],
            )
            row = cursor.to_arrow_table().to_pylist()
    if not row:
        raise NotFound(f"no record with id {record_id!r}")
    return row[0]


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
        if con is None:
            return 0, []
        total = con.execute(f"SELECT count(*) FROM ({RUN_SUMMARY} {where})", params).fetchone()[0]
        rows = con.execute(
            f"{RUN_SUMMARY} {where} ORDER BY started_at DESC NULLS LAST, run_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).to_arrow_table()
    return total, rows.to_pylist()


def trajectory(run_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with connection() as con:
        summary = None
        if con is not None:
            summary = con.execute(f"{RUN_SUMMARY} AND run.run_id = ?", [run_id]).to_arrow_table().to_pylist()
        if not summary:
            raise NotFound(f"no run with id {run_id!r}")
        steps = con.execute(
            f"SELECT {POINT_COLUMNS}, r.seq, r.text, r.tool_args, r.parent_id FROM {POINTS_FROM} "
            "WHERE r.run_id = ? AND r.kind <> 'run' ORDER BY r.seq, r.source_line, r.record_id",
            [run_id],
        ).to_arrow_table()
    return summary[0], steps.to_pylist()


def stats() -> dict[str, Any]:
    model = config.model()
    vectors = VectorTable(str(config.lancedb_path())).count(model) if config.lancedb_path().exists() else 0
    with connection() as con:
        if con is None:
            return {
                "records": 0,
                "runs": 0,
                "files": 0,
                "vanished_files": 0,
                "rejects": 0,
                "points": 0,
                "pending": 0,
                "vectors": vectors,
                "by_kind": {},
                "by_format": {},
                "model": model,
            }
        counts = store.counts(con)
        points, pending = con.execute(
            f"SELECT count(p.x), count(*) FILTER (WHERE r.text_hash IS NOT NULL AND p.x IS NULL) FROM {POINTS_FROM}"
        ).fetchone()
        by_kind = dict(con.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind").fetchall())
        by_format = dict(con.execute("SELECT source_format, count(*) FROM records GROUP BY 1 ORDER BY 1").fetchall())
    return {
        "records": counts["records"],
        "runs": counts["runs"],
        "files": counts["files"],
        "vanished_files": counts["vanished_files"],
        "rejects": counts["rejects"],
        "points": points,
        "pending": pending,
        "vectors": vectors,
        "by_kind": by_kind,
        "by_format": by_format,
        "model": model,
    }


# --- search -----------------------------------------------------------------------------


class Searcher:
    """Semantic and full-text search over the vectors table, mapped back to records.

    Holds the embedding model once loaded (the first semantic query pays for it).
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.embedder = TextEmbedder(model)

    def _vectors(self) -> VectorTable | None:
        if not config.lancedb_path().exists():
            return None
        table = VectorTable(str(config.lancedb_path()))
        return table if table.exists() else None

    def semantic_hashes(self, query: str, limit: int) -> list[tuple[str, float]]:
        table = self._vectors()
        if table is None:
            return []
        vector = self.embedder.encode([query])[0]
        return table.nearest(vector, self.model, limit)

    def text_hashes(self, query: str, limit: int) -> list[tuple[str, float]]:
        table = self._vectors()
        return [] if table is None else table.full_text(query, self.model, limit)

    def neighbor_hashes(self, text_hash: str, limit: int) -> list[tuple[str, float]]:
        table = self._vectors()
        if table is None:
            return []
        vector = table.vector_of(text_hash, self.model)
        if vector is None:
            return []
        return [(h, s) for h, s in table.nearest(vector, self.model, limit + 1) if h != text_hash][:limit]

    def hits(
        self, scored: list[tuple[str, float]], flt: PointFilter, k: int, exclude: str | None = None
    ) -> list[dict[str, Any]]:
        """Records for ranked text hashes, filtered, best first, at most `k`."""
        if not scored:
            return []
        where, params = flt.where()
        rank = pa.table(
            {"text_hash": [h for h, _ in scored], "score": [s for _, s in scored], "rank": list(range(len(scored)))}
        )
        with connection() as con:
            if con is None:
                return []
            con.register("ranked", rank)
            rows = (
                con.execute(
                    f"SELECT {POINT_COLUMNS}, r.text, r.tool_args, ranked.score "
                    f"FROM ranked JOIN records AS r USING (text_hash) LEFT JOIN points AS p USING (text_hash) "
                    f"WHERE {where} ORDER BY ranked.rank, r.run_id, r.seq LIMIT ?",
                    [*params, k + (1 if exclude else 0)],
                )
                .to_arrow_table()
                .to_pylist()
            )
            con.unregister("ranked")
        return [row for row in rows if row["id"] != exclude][:k]


def fuse(*rankings: list[tuple[str, float]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: robust to the two searches' scores being on other scales."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (key, _) in enumerate(ranking):
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: -item[1])


def text_hash_of(record_id: str) -> str | None:
    with connection() as con:
        row = con.execute("SELECT text_hash FROM records WHERE record_id = ?", [record_id]).fetchone() if con else None
    if row is None:
        raise NotFound(f"no record with id {record_id!r}")
    return row[0]
