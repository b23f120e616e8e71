"""Reading a DuckDB record store directly (not through the code under test), and loading one."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import duckdb

from logviz_assets.load.operation import LoadReport
from logviz_assets.load.operation import load as run_load
from logviz_assets.load.source import DataSource
from logviz_assets.store import RecordStore


def load(roots: list[Path] | Path, db: Path, **kwargs) -> LoadReport:
    """A Load of `roots` into the store at `db`, quietly."""
    roots = roots if isinstance(roots, list) else [roots]
    return run_load(DataSource(roots), RecordStore(db), progress=lambda _: None, **kwargs)


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def kinds(db: Path, where: str = "true", params: list | None = None) -> Counter:
    return Counter(dict(query(db, f"SELECT kind, count(*) FROM records WHERE {where} GROUP BY kind", params)))


def total(db: Path) -> int:
    return query(db, "SELECT count(*) FROM records")[0][0]


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, minus load timestamps, in a stable order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table, order in (("records", "record_id"), ("files", "path"), ("rejects", "source_file, source_line")):
            columns = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if c != "loaded_at"
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f"SELECT {select} FROM {table} ORDER BY {order}").fetchall()
        return out
    finally:
        con.close()


def duck(db: Path, sql: str, params: list | None = None, wait: float = 60.0) -> list[tuple]:
    """Rows of `sql` on a short read-only connection, waiting out a writer's lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(db), read_only=True)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def duck_ids(db: Path, where: str = "true", params: list | None = None) -> set[str]:
    return {row[0] for row in duck(db, f"SELECT record_id FROM records WHERE {where}", params)}


def duck_count(db: Path, where: str = "true", params: list | None = None) -> int:
    return duck(db, f"SELECT count(*) FROM records WHERE {where}", params)[0][0]
