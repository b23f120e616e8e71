"""The RecordStore: the DuckDB file of records, files, rejects and points, and all its SQL.

Every read and write the pipeline and the API make goes through one `RecordStore`, which
opens connections two ways only: `writing()` (one batch, one transaction, then closed) and
`reading()` (short and read-only). Both first pass the store's `AccessLock`, so readers never
starve a writer and a writer never fails because clients are reading the map.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from logviz_assets.index.text import embed_text, text_hash
from logviz_assets.load.source import KnownFile
from logviz_assets.store import loads
from logviz_assets.store.access import AccessLock
from logviz_assets.store.loads import FileWrite
from logviz_assets.store.schema import DDL, migrations

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]

# A load's batch holds the write lock for seconds; a reader waits that out rather than fail.
READ_WAIT_SECONDS = 30.0
# A writer waits for the readers inside to finish; none holds the file for long.
WRITE_WAIT_SECONDS = 600.0


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET TimeZone = 'UTC'")
    columns: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    con.execute(DDL)
    for statement in migrations(columns):
        con.execute(statement)


class RecordStore:
    """One DuckDB file. `connect` opens a write connection (default: `duckdb.connect`); the
    Dagster resource passes dagster-duckdb's, so the same class serves runs, the API and tests."""

    def __init__(self, path: Path, connect: Connect | None = None) -> None:
        self.path = Path(path)
        self._connect = connect or self._plain_connect
        self.lock = AccessLock(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    # --- connections ------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, wait_seconds: float = WRITE_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write connection with the schema in place, held alone."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock.writing(wait_seconds), self._connect() as con:
            ensure_schema(con)
            yield con

    @contextlib.contextmanager
    def reading(self, wait_seconds: float = READ_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A short read-only connection; None when nothing was ever written (no file yet)."""
        if not self.path.exists():
            yield None
            return
        with self.lock.reading(wait_seconds):
            con = _retry_on_lock(lambda: duckdb.connect(str(self.path), read_only=True), wait_seconds)
            try:
                con.execute("SET TimeZone = 'UTC'")
                yield con
            finally:
                con.close()

    @contextlib.contextmanager
    def reading_or_empty(self, wait_seconds: float = READ_WAIT_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
        """Like `reading`, but an empty in-memory store before the first load, so answers keep their shape."""
        with self.reading(wait_seconds) as con:
            if con is not None:
                yield con
                return
        empty = duckdb.connect()
        try:
            ensure_schema(empty)
            yield empty
        finally:
            empty.close()

    @contextlib.contextmanager
    def _plain_connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # Another program (a DuckDB shell, say) may hold the file without our lock: wait it out.
        con = _retry_on_lock(lambda: duckdb.connect(str(self.path)), 60.0)
        try:
            yield con
        finally:
            con.close()

    # --- Load -------------------------------------------------------------------------

    def load_state(self) -> tuple[dict[str, KnownFile], int]:
        """The file manifest as the last load left it, and how many records there are."""
        with self.reading() as con:
            if con is None:
                return {}, 0
            ((count,),) = con.execute("SELECT count(*) FROM records").fetchall()
            return loads.known_files(con), count

    def resume_points(self, paths: list[str]) -> dict[str, tuple[int, int, str | None]]:
        """(byte offset, line count, parser state) where the last read of each file stopped."""
        if not paths:
            return {}
        with self.reading() as con:
            if con is None:
                return {}
            return {path: loads.file_resume_point(con, path) for path in paths}

    def write_files(self, batch: list[FileWrite], vanished: list[str] = ()) -> tuple[int, int]:
        """Write a batch of files in one transaction and mark vanished ones.

        Returns (runs newly linked to their spawning calls, records in the store).
        """
        with self.writing() as con:
            linked = loads.write_files(con, batch) if batch else 0
            loads.mark_vanished(con, list(vanished))
            ((total,),) = con.execute("SELECT count(*) FROM records").fetchall()
        return linked, total

    # --- Index ------------------------------------------------------------------------

    def text_hashes(self) -> set[str]:
        """Every distinct text hash of a record: what the vector store must hold."""
        with self.reading() as con:
            if con is None:
                return set()
            rows = con.execute("SELECT DISTINCT text_hash FROM records WHERE text_hash IS NOT NULL").fetchall()
        return {row[0] for row in rows}

    def texts_for(self, hashes: list[str]) -> tuple[list[str], list[str]]:
        """The embed text of one record per hash (records sharing a hash share the text)."""
        with self.reading() as con:
            if con is None:
                return [], []
            con.register("wanted_hashes", pa.table({"text_hash": hashes}))
            rows = con.execute(
                """
                SELECT DISTINCT ON (text_hash) text_hash, kind, text, tool_name, tool_args, is_error
                FROM records WHERE text_hash IN (SELECT text_hash FROM wanted_hashes)
                """
            ).fetchall()
        found_hashes, texts = [], []
        for key, kind, text, tool_name, tool_args, is_error in rows:
            body = embed_text(kind, text, tool_name, tool_args, is_error)
            if text_hash(body) == key:  # the record changed since the hash was read: next run
                found_hashes.append(key)
                texts.append(body)
        return found_hashes, texts

    def current_points(self) -> tuple[str | None, dict[str, tuple[float, float]]]:
        """(the layout most points were placed by, every placed text hash → (x, y))."""
        with self.reading() as con:
            if con is None:
                return None, {}
            rows = con.execute("SELECT text_hash, x, y, layout_id FROM points").fetchall()
        layouts = Counter(row[3] for row in rows)
        layout_id = layouts.most_common(1)[0][0] if layouts else None
        return layout_id, {row[0]: (row[1], row[2]) for row in rows}

    def write_points(
        self, hashes: list[str], coords: np.ndarray, layout_id: str, placed_by: str, replace: bool
    ) -> None:
        """Store points in one transaction; `replace` drops every other point first (a new fit)."""
        table = pa.table(
            {
                "text_hash": hashes,
                "x": coords[:, 0].astype(float),
                "y": coords[:, 1].astype(float),
                "layout_id": [layout_id] * len(hashes),
                "placed_by": [placed_by] * len(hashes),
            }
        )
        with self.writing() as con:
            con.begin()
            try:
                if replace:
                    con.execute("DELETE FROM points")
                con.register("new_points", table)
                con.execute(
                    "INSERT OR REPLACE INTO points (text_hash, x, y, layout_id, placed_by) "
                    "SELECT text_hash, x, y, layout_id, placed_by FROM new_points"
                )
                con.unregister("new_points")
                con.commit()
            except BaseException:
                con.rollback()
                raise

    def placed(self) -> tuple[int, Counter]:
        """(points on the map, records placed by kind)."""
        with self.reading() as con:
            if con is None:
                return 0, Counter()
            ((points,),) = con.execute("SELECT count(*) FROM points").fetchall()
            by_kind = con.execute("SELECT kind, count(*) FROM records JOIN points USING (text_hash) GROUP BY kind")
            return points, Counter(dict(by_kind.fetchall()))

    def preview_sample(self, size: int = 20_000) -> list[tuple[float, float, str]]:
        """(x, y, kind) of up to `size` random points, for a picture of the map."""
        with self.reading() as con:
            if con is None:
                return []
            return con.execute(
                "SELECT x, y, kind FROM points JOIN "
                "(SELECT text_hash, any_value(kind) AS kind FROM records GROUP BY text_hash) USING (text_hash) "
                f"USING SAMPLE {int(size)} ROWS"
            ).fetchall()

    # --- health -----------------------------------------------------------------------

    def counts(self, wait_seconds: float = READ_WAIT_SECONDS) -> dict[str, int]:
        """Records, runs, distinct texts, files, vanished files and rejects (all 0 before a load)."""
        with self.reading_or_empty(wait_seconds) as con:
            records, runs, texts = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE kind = 'run'), count(DISTINCT text_hash) FROM records"
            ).fetchone()
            files, vanished = con.execute("SELECT count(*), count(*) FILTER (WHERE vanished) FROM files").fetchone()
            (rejects,) = con.execute("SELECT count(*) FROM rejects").fetchone()
        return {
            "records": records,
            "runs": runs,
            "distinct_texts": texts,
            "files": files,
            "vanished_files": vanished,
            "rejects": rejects,
        }


def _retry_on_lock(connect: Callable[[], duckdb.DuckDBPyConnection], wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """`connect()`, retried while a process outside the access lock holds DuckDB's own file lock."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    while True:
        try:
            return connect()
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
