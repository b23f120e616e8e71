"""Readers never make a writer fail, and writers never make a reader fail.

Before the access lock, a Load whose `connect` raced a handful of clients polling the map
lost every race and failed ("Could not set lock on file"). These tests run real processes
and threads against a real DuckDB file.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from logviz_assets.store import RecordStore
from logviz_assets.store.access import AccessLock, StoreBusy
from tests.helpers.processes import run_python
from tests.helpers.store import total

LOADER = """
import sys
from pathlib import Path
from logviz_assets.defs.resources import RecordStoreResource
from logviz_assets.load.operation import load
from logviz_assets.load.source import DataSource

# The store as a Dagster run opens it: write connections from dagster-duckdb's resource.
store = RecordStoreResource(database=sys.argv[2]).store()
report = load(DataSource([sys.argv[1]]), store, batch_records=10, progress=lambda _: None)
print(report.records_added)
"""


def test_a_waiting_writer_holds_new_readers_back(tmp_path: Path) -> None:
    lock = AccessLock(tmp_path / "records.duckdb")
    events: list[str] = []
    reader_inside = threading.Event()
    release_first_reader = threading.Event()

    def first_reader() -> None:
        with lock.reading(wait_seconds=5):
            events.append("reader 1 in")
            reader_inside.set()
            release_first_reader.wait(5)
            events.append("reader 1 out")

    def writer() -> None:
        with lock.writing(wait_seconds=5):
            events.append("writer in")
            time.sleep(0.2)
            events.append("writer out")

    def second_reader() -> None:
        with lock.reading(wait_seconds=5):
            events.append("reader 2 in")

    threads = [threading.Thread(target=first_reader)]
    threads[0].start()
    assert reader_inside.wait(5)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    time.sleep(0.2)  # the writer is now waiting at the gate for reader 1
    threads.append(threading.Thread(target=second_reader))
    threads[2].start()
    time.sleep(0.2)
    assert events == ["reader 1 in"]  # neither the writer nor a new reader got in
    release_first_reader.set()
    for thread in threads:
        thread.join(10)
    assert events == ["reader 1 in", "reader 1 out", "writer in", "writer out", "reader 2 in"]


def test_a_reader_gives_up_clearly_when_a_writer_holds_on(tmp_path: Path) -> None:
    lock = AccessLock(tmp_path / "records.duckdb")
    with lock.writing(wait_seconds=1), pytest.raises(StoreBusy, match="busy"), lock.reading(wait_seconds=0.3):
        pass


def test_a_load_succeeds_while_several_clients_read_all_the_time(tmp_path: Path, samples_dir: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(samples_dir / "claude-code", logs)
    db = tmp_path / "records.duckdb"
    RecordStore(db).write_files([])  # the file exists, so readers connect from the first moment
    store = RecordStore(db)
    stop = threading.Event()
    outcomes: Counter = Counter()
    counts: list[list[int]] = [[] for _ in range(4)]

    def poll(seen: list[int]) -> None:
        while not stop.is_set():
            try:
                with store.reading(wait_seconds=60) as con:
                    seen.append(con.execute("SELECT count(*) FROM records").fetchone()[0])
                outcomes["ok"] += 1
            except Exception as err:  # every failure is counted and reported
                outcomes[f"{type(err).__name__}: {err}"[:200]] += 1

    readers = [threading.Thread(target=poll, args=(seen,)) for seen in counts]
    for reader in readers:
        reader.start()
    try:
        loader = run_python(LOADER, str(logs), str(db))
    finally:
        stop.set()
        for reader in readers:
            reader.join(60)

    assert int(loader.stdout.split()[-1]) == total(db) > 0
    failures = {outcome: n for outcome, n in outcomes.items() if outcome != "ok"}
    assert not failures, failures
    assert outcomes["ok"] > 20
    for seen in counts:  # each client saw the store only grow, batch by batch
        assert seen == sorted(seen)
    assert len({n for seen in counts for n in seen}) > 2
