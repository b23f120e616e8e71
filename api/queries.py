"""Read-only queries behind the map endpoints, over the RecordStore's read connection.

Each call opens a short read-only connection (`RecordStore.reading_or_empty`), which waits
while a load or index run writes a batch, so the API keeps answering during writes. Before
anything is loaded the same queries run on an empty in-memory store, so every answer keeps
its shape.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from logviz_assets.store import RecordStore

POINT_COLUMNS = """
    r.record_id AS id, p.x, p.y,
    (r.text_hash IS NOT NULL AND p.x IS NULL) AS pending,
    r.kind, r.role, r.tool_name, r.is_error, r.run_id, r.model, r.source_format, r.project,
    r.ts_start AS timestamp
"""
POINTS_FROM = "records AS r LEFT JOIN points AS p USING (text_hash)"
# The points' low-cardinality text columns, sent dictionary-encoded in the Arrow answer: the
# viewer reads them as integer codes into a few labels instead of decoding a string a cell
# (at 1M points the body halves, and building the page's table drops from seconds to ~0.2 s).
CATEGORY_COLUMNS = ("kind", "role", "tool_name", "run_id", "model", "source_format", "project")


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
    project: str | None = None
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


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pa.Table:
    return con.sql(sql, params=params or []).to_arrow_table()


def _points_query(columns: str, flt: PointFilter, limit: int | None, offset: int) -> tuple[str, list[Any]]:
    """The points in map order (a run's steps together), filtered and paged."""
    where, params = flt.where()
    sql = f"SELECT {columns} FROM {POINTS_FROM} WHERE {where} ORDER BY r.run_id, r.seq, r.record_id"
    sql += f" LIMIT {int(limit)}" if limit is not None else ""
    return sql + f" OFFSET {int(offset)}", params


def points_table(store: RecordStore, flt: PointFilter, limit: int | None, offset: int) -> pa.Table:
    """The points for the Arrow answer, the category columns dictionary-encoded."""
    sql, params = _points_query(POINT_COLUMNS, flt, limit, offset)
    with store.reading_or_empty() as con:
        table = rows(con, sql, params)
    for name in CATEGORY_COLUMNS:
        column = table.column(name).cast(pa.string())  # free for DuckDB's strings; a view, if ever, made plain
        table = table.set_column(table.schema.get_field_index(name), name, column.dictionary_encode())
    # One dictionary per column for every batch: the stream then carries each dictionary once.
    return table.unify_dictionaries()


def points_json(store: RecordStore, flt: PointFilter, limit: int | None, offset: int) -> bytes:
    """The same points as `points_table`, serialised to JSON by DuckDB (for 100k points,
    several times faster than building Python dicts and encoding them)."""
    # ISO 8601 from DuckDB's own UTC text ("2026-01-25 06:21:47.841+00" → "…T06:21:47.841Z", as the
    # other endpoints write it): cheaper than strftime.
    columns = POINT_COLUMNS.replace(
        "r.ts_start AS timestamp", "replace(replace(CAST(r.ts_start AS VARCHAR), ' ', 'T'), '+00', 'Z') AS timestamp"
    )
    sql, params = _points_query(columns, flt, limit, offset)
    with store.reading_or_empty() as con:
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


def record(store: RecordStore, record_id: str) -> dict[str, Any]:
    with store.reading_or_empty() as con:
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


def runs(store: RecordStore, source_format: str | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    where, params = ("AND run.source_format = ?", [source_format]) if source_format else ("", [])
    with store.reading_or_empty() as con:
        ((total,),) = con.execute(f"SELECT count(*) FROM ({RUN_SUMMARY} {where})", params).fetchall()
        found = rows(
            con,
            f"{RUN_SUMMARY} {where} ORDER BY started_at DESC NULLS LAST, run_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    return total, found.to_pylist()


def trajectory(store: RecordStore, run_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with store.reading_or_empty() as con:
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


def stats(store: RecordStore) -> dict[str, Any]:
    """Totals by kind and format, and how many points are placed or pending (vectors are counted elsewhere)."""
    counts = store.counts()
    with store.reading_or_empty() as con:
        ((points, pending),) = con.execute(
            f"SELECT count(p.x), count(*) FILTER (WHERE r.text_hash IS NOT NULL AND p.x IS NULL) FROM {POINTS_FROM}"
        ).fetchall()
        by_kind = dict(con.execute("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind").fetchall())
        by_format = dict(con.execute("SELECT source_format, count(*) FROM records GROUP BY 1 ORDER BY 1").fetchall())
        ((redacted,),) = con.execute("SELECT count(redactions) FROM records").fetchall()
        by_rule = dict(
            con.execute(
                "SELECT j.key, sum(CAST(j.value AS BIGINT)) FROM records, json_each(records.redactions) AS j "
                "GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
        )
    return {
        **{name: counts[name] for name in ("records", "runs", "files", "vanished_files", "rejects")},
        "points": points,
        "pending": pending,
        "by_kind": by_kind,
        "by_format": by_format,
        "records_redacted": redacted,
        "redactions_by_rule": by_rule,
    }


def text_hash_of(store: RecordStore, record_id: str) -> str | None:
    with store.reading_or_empty() as con:
        found = con.execute("SELECT text_hash FROM records WHERE record_id = ?", [record_id]).fetchall()
    if not found:
        raise NotFound(f"no record with id {record_id!r}")
    return found[0][0]
