"""The RecordStore's tables follow the Record, and a store written by an earlier version is
brought up to date in place, its rows kept."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import duckdb

from logviz_assets.limits import MAX_RAW_CHARS, MAX_TEXT_CHARS
from logviz_assets.load.file_read import _within_limits
from logviz_assets.record import Record
from logviz_assets.store import RecordStore
from tests.helpers.store import query

# The tables as the first released version made them: no cut lengths, no line accounting.
EARLIER_DDL = """
CREATE TABLE records (record_id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL, text VARCHAR, text_hash VARCHAR,
    loaded_at TIMESTAMPTZ DEFAULT current_timestamp);
CREATE TABLE files (path VARCHAR PRIMARY KEY, format VARCHAR, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL,
    "offset" BIGINT NOT NULL, lines BIGINT NOT NULL, head_len BIGINT NOT NULL, head_hash VARCHAR NOT NULL,
    append_only BOOLEAN NOT NULL, parser_state VARCHAR, vanished BOOLEAN NOT NULL DEFAULT false,
    loaded_at TIMESTAMPTZ DEFAULT current_timestamp);
INSERT INTO records (record_id, run_id, kind, source_format, text) VALUES ('r1', 'run', 'message', 'x', 'kept');
INSERT INTO files VALUES ('/a.jsonl', 'x', 1, 1, 1, 1, 1, 'h', true, '{}', false, current_timestamp);
"""


def test_the_records_table_has_a_column_per_record_field(tmp_path: Path) -> None:
    db = tmp_path / "records.duckdb"
    RecordStore(db).write_files([])
    columns = [name for name, *_ in query(db, "DESCRIBE records")]
    assert columns == [f.name for f in fields(Record)] + ["text_hash", "loaded_at"]


def test_a_store_of_an_earlier_version_gains_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "records.duckdb"
    con = duckdb.connect(str(db))
    con.execute(EARLIER_DDL)
    con.close()

    RecordStore(db).write_files([])

    records = {name for name, *_ in query(db, "DESCRIBE records")}
    assert {f.name for f in fields(Record)} <= records
    assert {"record_lines", "rejected_lines", "skipped"} <= {name for name, *_ in query(db, "DESCRIBE files")}
    assert query(db, "SELECT record_id, text, text_cut_from FROM records") == [("r1", "kept", None)]
    assert query(db, "SELECT path, record_lines, skipped FROM files") == [("/a.jsonl", 0, "{}")]


def test_long_texts_are_cut_and_keep_their_length() -> None:
    long = Record("id", "run", "message", "x", text="é" * (MAX_TEXT_CHARS + 5), tool_args="a" * 10)
    cut = _within_limits(long)
    assert cut.text == "é" * MAX_TEXT_CHARS and cut.text_cut_from == MAX_TEXT_CHARS + 5
    assert cut.tool_args == "a" * 10 and cut.tool_args_cut_from is None
    raw = _within_limits(Record("id", "run", "tool_call", "x", tool_args="b" * (MAX_TEXT_CHARS + 1), raw="r" * 10**6))
    assert raw.tool_args_cut_from == MAX_TEXT_CHARS + 1 and len(raw.raw) == MAX_RAW_CHARS
    short = Record("id", "run", "message", "x", text="short")
    assert _within_limits(short) is short
