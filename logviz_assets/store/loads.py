"""The SQL of a Load: records, rejects and the file manifest written in one transaction, and
the manifest read back. Plain functions over an open connection; `RecordStore` opens it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from logviz_assets.index.text import embed_text, text_hash
from logviz_assets.load.source import KnownFile
from logviz_assets.record import REJECT_COLUMNS, Record, Reject
from logviz_assets.store.schema import STORED_COLUMNS, records_table, select_list


@dataclass
class FileWrite:
    """Everything one load learned about one file, written in the same transaction."""

    known: KnownFile
    format_name: str | None
    lines: int
    parser_state: str
    records: list[Record]
    text_hashes: list[str]  # one per record, see `index.text.text_hashes_of`
    rejects: list[Reject]
    replace: bool  # new or rewritten: drop what the file held before
    # How the lines of this read were accounted for (added to the file's earlier reads when it grew).
    record_lines: int = 0
    rejected_lines: int = 0
    skipped: Counter = field(default_factory=Counter)
    # False for a file that could not be read at all: its rejects are written, but it is not
    # marked as read, so the next load tries it again.
    recorded: bool = True
    format_is_lines: bool = False  # JSON Lines: `lines` counts what the accounting adds up to
    redactions: Counter = field(default_factory=Counter)  # what the redaction step replaced in records, by rule
    redactions_elsewhere: int = 0  # ... and in rejects and parser state


# The reason of a reject for a file that could not be read at all; the next read of the file
# (failed again or not) replaces it.
READ_FAILURE = "could not read file: "


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
        con.execute(
            "DELETE FROM rejects WHERE source_line IS NULL AND starts_with(reason, ?) "
            "AND source_file IN (SELECT unnest(?))",
            [READ_FAILURE, [w.known.path for w in writes]],
        )
        # One record id can only be written once per statement: the last occurrence wins.
        latest: dict[str, tuple[Record, str]] = {}
        for write in writes:
            for record, hash_ in zip(write.records, write.text_hashes, strict=True):
                latest[record.record_id] = (record, hash_)
        if latest:
            con.register("batch_records", records_table(latest.values()))
            con.execute(
                f"INSERT OR REPLACE INTO records ({', '.join(STORED_COLUMNS)}) "
                f"SELECT {select_list(STORED_COLUMNS)} FROM batch_records"
            )
            con.unregister("batch_records")
        rejects = [r for w in writes for r in w.rejects]
        if rejects:
            table = pa.table({name: [getattr(r, name) for r in rejects] for name in REJECT_COLUMNS})
            con.register("batch_rejects", table)
            con.execute(f"INSERT INTO rejects ({', '.join(REJECT_COLUMNS)}) SELECT * FROM batch_rejects")
            con.unregister("batch_rejects")
        _write_manifest(con, [w for w in writes if w.recorded])
        # In the same transaction, so a crash between batches leaves no half-finished run behind.
        complete_runs(con, sorted({r.run_id for r, _ in latest.values()}))
        linked = link_spawned_runs(con)
        con.commit()
        return linked
    except BaseException:
        con.rollback()
        raise


def _write_manifest(con: duckdb.DuckDBPyConnection, writes: list[FileWrite]) -> None:
    """The files' manifest rows; a grown file's line counts add to those of its earlier reads."""
    if not writes:
        return
    grown = [w.known.path for w in writes if not w.replace]
    before: dict[str, tuple[int, int, str]] = {}
    if grown:
        rows = con.execute(
            "SELECT path, record_lines, rejected_lines, skipped FROM files WHERE path IN (SELECT unnest(?))", [grown]
        ).fetchall()
        before = {path: (records, rejected, skipped) for path, records, rejected, skipped in rows}
    record_lines, rejected_lines, skipped = [], [], []
    for w in writes:
        old_records, old_rejected, old_skipped = (0, 0, "{}") if w.replace else before.get(w.known.path, (0, 0, "{}"))
        record_lines.append(old_records + w.record_lines)
        rejected_lines.append(old_rejected + w.rejected_lines)
        skipped.append(json.dumps(dict(Counter(json.loads(old_skipped)) + w.skipped), sort_keys=True))
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
            "record_lines": record_lines,
            "rejected_lines": rejected_lines,
            "skipped": skipped,
        }
    )
    con.register("batch_files", manifest)
    con.execute(
        'INSERT OR REPLACE INTO files (path, format, size, mtime_ns, "offset", lines, head_len, head_hash, '
        "append_only, parser_state, record_lines, rejected_lines, skipped, vanished, loaded_at) "
        'SELECT path, format, size, mtime_ns, "offset", lines, head_len, head_hash, append_only, parser_state, '
        "record_lines, rejected_lines, skipped, false, current_timestamp FROM batch_files"
    )
    con.unregister("batch_files")


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
