"""Run Load or Index in this process and, on request, SIGKILL it at a chosen point.

    python -m tests.helpers.crash_runner load|index HOME SOURCES [--kill-at POINT] [--batch-records N]
        [--chunk-texts N]

Kill points (the process kills itself with SIGKILL, as `kill -9` or the OOM killer would):

- `sql:N`: before the N-th statement on a DuckDB write connection (begin, execute, commit):
  inside a batch's transaction, or between two of them;
- `encode:N`: as the N-th chunk of texts is being embedded (earlier chunks are written);
- `before-prune`: the points are written, the old layouts not yet removed.

The run prints one JSON line at its end: how many of each point it passed (`sql`, `encode`),
so a test can spread kill points over a whole run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb

from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.index.operation import Indexer
from logviz_assets.index.projection import LayoutStore
from logviz_assets.index.vectors import VectorTable
from logviz_assets.load.operation import load
from logviz_assets.load.source import DataSource
from logviz_assets.settings import DEFAULT_MODEL_NAME, Settings
from logviz_assets.store import RecordStore

COUNTED_CALLS = frozenset({"begin", "execute", "executemany", "sql", "commit"})
KILLED_AT = "killing myself at"


class Points:
    """Counts the points passed; kills the process at the one asked for."""

    def __init__(self, kill_at: str | None) -> None:
        self.kill_at = kill_at
        self.passed: Counter[str] = Counter()

    def reached(self, name: str) -> None:
        self.passed[name] += 1
        here = f"{name}:{self.passed[name]}"
        if self.kill_at in (name, here):
            print(f"{KILLED_AT} {here}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


class CountingConnection:
    """A DuckDB connection that reports every statement to `points` before running it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, points: Points) -> None:
        self._con, self._points = con, points

    def __getattr__(self, name: str):
        attribute = getattr(self._con, name)
        if name not in COUNTED_CALLS:
            return attribute

        def counted(*args, **kwargs):
            self._points.reached("sql")
            return attribute(*args, **kwargs)

        return counted


def counting_connect(path: Path, points: Points):
    @contextlib.contextmanager
    def connect() -> Iterator[CountingConnection]:
        con = duckdb.connect(str(path))
        try:
            yield CountingConnection(con, points)
        finally:
            con.close()

    return connect


def run_load(settings: Settings, points: Points, batch_records: int) -> None:
    store = RecordStore(settings.duckdb_path, connect=counting_connect(settings.duckdb_path, points))
    load(DataSource(settings.sources), store, batch_records=batch_records, progress=lambda _: None, workers=1)


def run_index(settings: Settings, points: Points, chunk_texts: int) -> None:
    store = RecordStore(settings.duckdb_path, connect=counting_connect(settings.duckdb_path, points))
    embedder = TextEmbedder(DEFAULT_MODEL_NAME, models_dir=settings.models_path)
    encode, layouts = embedder.encode, LayoutStore(settings.layouts_path)
    prune = layouts.prune

    def encode_counted(texts: list[str]):
        points.reached("encode")
        return encode(texts)

    def prune_after_maybe_dying(*args, **kwargs):
        points.reached("before-prune")
        return prune(*args, **kwargs)

    embedder.encode = encode_counted
    layouts.prune = prune_after_maybe_dying
    # A fixed seed, as a map compared with another run's must be reproducible.
    indexer = Indexer(
        store, VectorTable(str(settings.lancedb_path)), embedder, layouts, chunk_texts=chunk_texts, random_state=0
    )
    indexer.embed_missing(progress=lambda _: None)
    indexer.place_points(progress=lambda _: None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=["load", "index"])
    parser.add_argument("home", type=Path)
    parser.add_argument("sources", type=Path)
    parser.add_argument("--kill-at")
    parser.add_argument("--batch-records", type=int, default=25)
    parser.add_argument("--chunk-texts", type=int, default=32)
    args = parser.parse_args(argv)
    settings = Settings(home=args.home, sources=(args.sources,))
    points = Points(args.kill_at)
    if args.operation == "load":
        run_load(settings, points, args.batch_records)
    else:
        run_index(settings, points, args.chunk_texts)
    print(json.dumps(dict(points.passed)), flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
