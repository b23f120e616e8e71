"""The RecordStore's tables, derived from the one record definition (`logviz_assets.record`).

The `records` DDL and the Arrow schema that batches are written in both come from the
fields of `Record`, so a new field is added in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING, fields
from operator import attrgetter

import pyarrow as pa

from logviz_assets.record import RECORD_COLUMNS, Record

TIMESTAMP_COLUMNS = frozenset({"ts_start", "ts_end"})
STORED_COLUMNS = (*RECORD_COLUMNS, "text_hash")

_SQL_TYPES = {"int": "BIGINT", "bool": "BOOLEAN", "float": "DOUBLE", "str": "VARCHAR"}
_ARROW_TYPES = {"int": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}


def _base_type(annotation: object) -> str:
    """ "int | None" → "int"; the Record's annotations are strings (postponed evaluation)."""
    return str(annotation).split("|")[0].strip()


def _column_sql(name: str, annotation: object, required: bool) -> str:
    sql_type = "TIMESTAMPTZ" if name in TIMESTAMP_COLUMNS else _SQL_TYPES.get(_base_type(annotation), "VARCHAR")
    key = " PRIMARY KEY" if name == "record_id" else (" NOT NULL" if required else "")
    return f"    {name} {sql_type}{key}"


def _records_ddl() -> str:
    columns = [_column_sql(f.name, f.type, f.default is MISSING) for f in fields(Record)]
    columns += ["    text_hash VARCHAR", "    loaded_at TIMESTAMPTZ DEFAULT current_timestamp"]
    return "CREATE TABLE IF NOT EXISTS records (\n" + ",\n".join(columns) + "\n);"


DDL = (
    _records_ddl()
    + """
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
    loaded_at TIMESTAMPTZ DEFAULT current_timestamp,
    record_lines BIGINT NOT NULL DEFAULT 0,
    rejected_lines BIGINT NOT NULL DEFAULT 0,
    skipped VARCHAR NOT NULL DEFAULT '{}'
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
)

# Timestamps stay ISO text until the INSERT casts them, as DuckDB parses offsets and "Z" alike.
RECORDS_ARROW_SCHEMA = pa.schema(
    [(f.name, _ARROW_TYPES.get(_base_type(f.type), pa.string())) for f in fields(Record)]
    + [pa.field("text_hash", pa.string())]
)


def records_table(rows: Iterable[tuple[Record, str]]) -> pa.Table:
    """(record, text hash) pairs as an Arrow table in the stored column order.

    A parser's stray value type (a float token count, say) is cast rather than failing the load.
    """
    # One C-level attrgetter per record and one transpose: a getattr per cell cost a quarter of a Load.
    values_of = attrgetter(*RECORD_COLUMNS)
    tuples = [(*values_of(record), hash_) for record, hash_ in rows]
    columns = [list(column) for column in zip(*tuples, strict=True)] if tuples else [[] for _ in RECORDS_ARROW_SCHEMA]
    return pa.Table.from_arrays(
        [_array(values, f.type) for values, f in zip(columns, RECORDS_ARROW_SCHEMA, strict=True)],
        schema=RECORDS_ARROW_SCHEMA,
    )


def _array(values: list, type_: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array(values).cast(type_, safe=False)


def select_list(columns: Iterable[str]) -> str:
    """The SELECT list that casts ISO timestamp text to TIMESTAMPTZ on insert."""
    return ", ".join(f"CAST({c} AS TIMESTAMPTZ)" if c in TIMESTAMP_COLUMNS else c for c in columns)


def migrations(existing: dict[str, set[str]]) -> list[str]:
    """ALTER statements adding the columns a store made by an earlier version lacks.

    `existing` maps each table to its columns; new columns go at the end, and every reader
    names its columns, so their order does not matter.
    """
    wanted = {
        "records": [
            _column_sql(f.name, f.type, required=False).strip() for f in fields(Record) if f.name != "record_id"
        ]
        + ["text_hash VARCHAR"],
        "files": [
            "record_lines BIGINT NOT NULL DEFAULT 0",
            "rejected_lines BIGINT NOT NULL DEFAULT 0",
            "skipped VARCHAR NOT NULL DEFAULT '{}'",
        ],
    }
    statements = []
    for table, columns in wanted.items():
        if table not in existing:
            continue  # created just now from DDL, with every column
        for column in columns:
            if column.split()[0] not in existing[table]:
                statements.append(f"ALTER TABLE {table} ADD COLUMN {column}")
    return statements
