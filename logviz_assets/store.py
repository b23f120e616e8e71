"""The RecordStore's tables and the SQL that writes and reads them.

Plain functions over a DuckDB connection, so the Dagster assets and the API share them and
tests can call them on a temporary file. DuckDB lets one process write at a time and locks
even readers out while it does, so writers keep each connection short (one batch, one
transaction) and readers retry briefly on the lock (`read_connection`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import pyarrow as pa

from logviz_assets.record import RECORD_COLUMNS, REJECT_COLUMNS, Record, Reject
from logviz_assets.sources import KnownFile
from logviz_assets.text import embed_text, text_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    record_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL,
    parent_id VARCHAR,
    seq BIGINT,
    role VARCHAR,
    text VARCHAR,
    tool_name VARCHAR,
    tool_call_id VARCHAR,
    tool_args VARCHAR,
    is_error BOOLEAN,
    agent_name VARCHAR,
    is_subagent BOOLEAN,
    model VARCHAR,
    provider VARCHAR,
    ts_start TIMESTAMPTZ,
    ts_end TIMESTAMPTZ,
    tokens_in BIGINT,
    tokens_out BIGINT,
    tokens_cache_read BIGINT,
    tokens_cache_write BIGINT,
    cost_usd DOUBLE,
    spawned_run_id VARCHAR,
    project VARCHAR,
    source_file VARCHAR,
    source_line BIGINT,
    raw VARCHAR,
    text_hash VARCHAR,
    loaded_at TIMESTAMPTZ DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS files (
    path VARCHAR PRIMARY KEY,
    format VARCHAR,
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    "offset" BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    head_len BIGINT NOT NULL,
    head_hash VARCHAR NOT NULL,
    append_only BOOLEAN NOT NULL,
    parser_state VARCHAR,
    vanished BOOLEAN NOT NULL DEFAULT false,
    loaded_at TIMESTAMPTZ DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS rejects (
    source_file VARCHAR NOT NULL,
    source_line BIGINT,
    reason VARCHAR NOT NULL,
    source_format VARCHAR,
    excerpt VARCHAR,
    loaded_at TIMESTAMPTZ DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS points (
    text_hash VARCHAR PRIMARY KEY,
    x DOUBLE NOT NULL,
    y DOUBLE NOT NULL,
    layout_id VARCHAR NOT NULL,
    placed_by VARCHAR NOT NULL,
    placed_at TIMESTAMPTZ DEFAULT current_timestamp
);
"""

_TIMESTAMP_COLUMNS = {"ts_start", "ts_end"}
_STORED_COLUMNS = (*RECORD_COLUMNS, "text_hash")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'UTC'")
    con.execute(SCHEMA)


@contextlib.contextmanager
def read_connection(path: Path, wait_seconds: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A short-lived read-only connection, waiting while a writer holds the file.

    Yields None when the database does not exist yet (nothing loaded), so readers can
    answer "empty" instead of failing.
    """
    if not path.exists():
        yield None
        return
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


# --- Load -----------------------------------------------------------------------------


@dataclass
class FileWrite:
    """Everything one load learned about one file, written in the same transaction."""

    known: KnownFile
    format_name: str | None
    lines: int
    parser_state: str
    records: list[Record]
    text_hashes: list[str]  # one per record, see `text_hashes_of`
    rejects: list[Reject]
    replace: bool  # new or rewritten: drop what the file held before


def _arrow_type(annotation: str) -> pa.DataType:
    """The Arrow type of a Record field from its annotation ("int | None" → int64); text otherwise."""
    return {"int": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}.get(
        annotation.split("|")[0].strip(), pa.string()
    )


# Timestamps stay ISO text until the INSERT casts them, as DuckDB parses offsets and "Z" alike.
RECORDS_SCHEMA = pa.schema(
    [(f.name, _arrow_type(str(f.type))) for f in fields(Record)] + [pa.field("text_hash", pa.string())]
)


def records_table(rows: Iterable[tuple[Record, str]]) -> pa.Table:
    """(record, text hash) pairs as an Arrow table in the stored column order.

    A parser's stray value type (a float token count, say) is cast rather than failing the load.
    """
    rows = list(rows)
    columns = [[getattr(record, name) for record, _ in rows] for name in RECORD_COLUMNS]
    columns.append([hash_ for _, hash_ in rows])
    return pa.Table.from_arrays(
        [_array(values, f.type) for values, f in zip(columns, RECORDS_SCHEMA, strict=True)], schema=RECORDS_SCHEMA
    )


def _array(values: list, type_: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array(values).cast(type_, safe=False)


def text_hashes_of(records: Iterable[Record]) -> list[str]:
    """The hash of the text each record will be embedded as (computed where the file is read)."""
    return [text_hash(embed_text(r.kind, r.text, r.tool_name, r.tool_args, r.is_error)) for r in records]


def _select_list(columns: Iterable[str]) -> str:
    return ", ".join(f"CAST({c} AS TIMESTAMPTZ)" if c in _TIMESTAMP_COLUMNS else c for c in columns)


def write_files(con: duckdb.DuckDBPyConnection, writes: list[FileWrite]) -> int:
    """Write the records, rejects and manifest rows of several files in one transaction.

    Completes the runs those files touch and links spawned runs to their tool calls in the
    same transaction. A crash before the commit leaves the store as it was, so the next
    load reads the same files again from the same offsets: loads converge on the state of
    a clean run. Returns how many runs were newly linked.
    """
    con.begin()
    try:
        replaced = [w.known.path for w in writes if w.replace]
        if replaced:
            paths = pa.table({"path": replaced})
            con.register("replaced_paths", paths)
            con.execute("DELETE FROM records WHERE source_file IN (SELECT path FROM replaced_paths)")
            con.execute("DELETE FROM rejects WHERE source_file IN (SELECT path FROM replaced_paths)")
            con.unregister("replaced_paths")
        # One record id can only be written once per statement: the last occurrence wins.
        latest: dict[str, tuple[Record, str]] = {}
        for write in writes:
            for record, hash_ in zip(write.records, write.text_hashes, strict=True):
                latest[record.record_id] = (record, hash_)
        if latest:
            con.register("batch_records", records_table(latest.values()))
            con.execute(
                f"INSERT OR REPLACE INTO records ({', '.join(_STORED_COLUMNS)}) "
                f"SELECT {_select_list(_STORED_COLUMNS)} FROM batch_records"
            )
            con.unregister("batch_records")
        rejects = [r for w in writes for r in w.rejects]
        if rejects:
            table = pa.table({name: [getattr(r, name) for r in rejects] for name in REJECT_COLUMNS})
            con.register("batch_rejects", table)
            con.execute(f"INSERT INTO rejects ({', '.join(REJECT_COLUMNS)}) SELECT * FROM batch_rejects")
            con.unregister("batch_rejects")
        manifest = pa.table(
            {
                "path": [w.known.path for w in writes],
                "format": [w.format_name for w in writes],
                "size": [w.known.size for w in writes],
                "mtime_ns": [w.known.mtime_ns for w in writes],
                "offset": [w.known.offset for w in writes],
                "lines": [w.lines for w in writes],
                "head_len": [w.known.head_len for w in writes],
                "head_hash": [w.known.head_hash for w in writes],
                "append_only": [w.known.append_only for w in writes],
                "parser_state": [w.parser_state for w in writes],
            }
        )
        con.register("batch_files", manifest)
        con.execute(
            'INSERT OR REPLACE INTO files (path, format, size, mtime_ns, "offset", lines, head_len, head_hash, '
            "append_only, parser_state, vanished, loaded_at) "
            'SELECT path, format, size, mtime_ns, "offset", lines, head_len, head_hash, append_only, parser_state, '
            "false, current_timestamp FROM batch_files"
        )
        con.unregister("batch_files")
        # In the same transaction, so a crash between batches leaves no half-finished run behind.
        complete_runs(con, sorted({r.run_id for r, _ in latest.values()}))
        linked = link_spawned_runs(con)
        con.commit()
        return linked
    except BaseException:
        con.rollback()
        raise


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, KnownFile]:
    rows = con.execute(
        'SELECT path, size, mtime_ns, "offset", head_len, head_hash, append_only, vanished FROM files'
    ).fetchall()
    return {row[0]: KnownFile(*row) for row in rows}


def file_resume_point(con: duckdb.DuckDBPyConnection, path: str) -> tuple[int, int, str | None]:
    """(byte offset, line count, parser state) where the last read of `path` stopped."""
    row = con.execute('SELECT "offset", lines, parser_state FROM files WHERE path = ?', [path]).fetchone()
    return (row[0], row[1], row[2]) if row else (0, 0, None)


def mark_vanished(con: duckdb.DuckDBPyConnection, paths: list[str]) -> None:
    """Keep a vanished file's records (the run happened), but say the file is gone."""
    if paths:
        con.execute("UPDATE files SET vanished = true WHERE path IN (SELECT unnest(?))", [paths])


def link_spawned_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Point each spawned run's record at the tool call that started it.

    The spawning call and the spawned run usually lie in different files loaded in any
    order, so this runs after every load over the whole table; it touches only runs
    whose link is missing or wrong, so it is cheap once done.
    """
    links = con.execute(
        """
        WITH spawning AS (
            SELECT marker.spawned_run_id,
                   CASE WHEN marker.kind = 'tool_call' THEN marker.record_id ELSE call.record_id END AS call_id
            FROM records AS marker
            LEFT JOIN records AS call
              ON marker.kind = 'tool_result' AND call.kind = 'tool_call'
             AND call.run_id = marker.run_id AND call.tool_call_id = marker.tool_call_id
            WHERE marker.spawned_run_id IS NOT NULL
        )
        SELECT child.record_id, spawning.call_id
        FROM spawning JOIN records AS child ON child.kind = 'run' AND child.run_id = spawning.spawned_run_id
        WHERE spawning.call_id IS NOT NULL AND child.parent_id IS DISTINCT FROM spawning.call_id
        """
    ).fetchall()
    if links:
        con.register("run_links", pa.table({"child": [a for a, _ in links], "call": [b for _, b in links]}))
        con.execute("UPDATE records SET parent_id = l.call FROM run_links AS l WHERE records.record_id = l.child")
        con.unregister("run_links")
    return len(links)


_UNTITLED_RUN_HASH = text_hash(embed_text("run", None))


def complete_runs(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> None:
    """Fill what a run record can only know once its steps are in: span and title.

    The title (the run's text, and so its point on the map) is the first user message
    when the format gave none.
    """
    if not run_ids:
        return
    con.register("touched_runs", pa.table({"run_id": run_ids}))
    con.execute(
        """
        UPDATE records SET
            ts_start = least(records.ts_start, s.first_ts),
            ts_end = greatest(records.ts_end, s.last_ts, s.first_ts)
        FROM (
            SELECT run_id, min(ts_start) AS first_ts, max(coalesce(ts_end, ts_start)) AS last_ts
            FROM records WHERE kind <> 'run' AND run_id IN (SELECT run_id FROM touched_runs)
            GROUP BY run_id
        ) AS s
        WHERE records.kind = 'run' AND records.run_id = s.run_id
        """
    )
    # Most touched runs have their title already. An untitled run is embedded as the
    # placeholder, so its text hash finds it without reading the wide text column, which a
    # fresh connection would read from disk in whole.
    untitled_runs = con.execute(
        "SELECT run_id FROM records WHERE kind = 'run' AND text_hash = ? "
        "AND run_id IN (SELECT run_id FROM touched_runs)",
        [_UNTITLED_RUN_HASH],
    ).fetchall()
    con.unregister("touched_runs")
    if not untitled_runs:
        return
    con.register("untitled_runs", pa.table({"run_id": [run_id for (run_id,) in untitled_runs]}))
    untitled = con.execute(
        """
        SELECT r.record_id, arg_min(m.text, m.seq)
        FROM records AS r JOIN records AS m ON m.run_id = r.run_id
        WHERE r.kind = 'run' AND r.text IS NULL AND r.run_id IN (SELECT run_id FROM untitled_runs)
          AND m.run_id IN (SELECT run_id FROM untitled_runs)
          AND m.kind = 'message' AND m.role = 'user' AND m.text IS NOT NULL AND m.text <> ''
        GROUP BY r.record_id
        """
    ).fetchall()
    con.unregister("untitled_runs")
    if untitled:
        titles = [text for _, text in untitled]
        hashes = [text_hash(embed_text("run", text)) for text in titles]
        con.register(
            "titles",
            pa.table({"record_id": [rid for rid, _ in untitled], "text": titles, "text_hash": hashes}),
        )
        con.execute(
            "UPDATE records SET text = t.text, text_hash = t.text_hash FROM titles AS t "
            "WHERE records.record_id = t.record_id"
        )
        con.unregister("titles")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    records, runs, embeddable = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE kind = 'run'), count(DISTINCT text_hash) FROM records"
    ).fetchone()
    files, vanished = con.execute("SELECT count(*), count(*) FILTER (WHERE vanished) FROM files").fetchone()
    (rejects,) = con.execute("SELECT count(*) FROM rejects").fetchone()
    return {
        "records": records,
        "runs": runs,
        "distinct_texts": embeddable,
        "files": files,
        "vanished_files": vanished,
        "rejects": rejects,
    }
