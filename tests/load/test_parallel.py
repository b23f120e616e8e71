"""Load with worker processes writes exactly what a serial Load writes, and falls back to reading
in its own process when the workers cannot start."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.claude_code import expected_files, lines_of
from tests.helpers.processes import REPO_ROOT
from tests.helpers.samples import FUM_SESSION
from tests.helpers.store import dump, kinds, load, query


def test_parallel_load_writes_what_a_serial_load_writes(tmp_path: Path, samples_dir: Path) -> None:
    # Every format's samples, read by two worker processes (the size threshold lowered to 0).
    serial, parallel = tmp_path / "serial.duckdb", tmp_path / "parallel.duckdb"
    one = load(samples_dir, serial, workers=1)
    two = load(samples_dir, parallel, workers=2, parallel_min_bytes=0)

    assert one.files_read == two.files_read > 10 and one.records_added == two.records_added > 1000
    assert one.formats == two.formats
    assert dump(serial) == dump(parallel)


def test_parallel_load_of_grown_files_resumes_where_the_last_read_stopped(tmp_path: Path, samples_dir: Path) -> None:
    logs = tmp_path / "logs"
    shutil.copytree(samples_dir / "claude-code", logs, ignore=shutil.ignore_patterns("agent-aac57f5.jsonl"))
    donor = lines_of(samples_dir / "claude-code" / "agent-aac57f5.jsonl")
    targets = [logs / "tool_heavy.jsonl", logs / FUM_SESSION]
    cut = {t: lines_of(t) for t in targets}
    for target, lines in cut.items():
        target.write_text("".join(lines[: len(lines) // 2]))
    db = tmp_path / "records.duckdb"
    load(logs, db, workers=2, parallel_min_bytes=0)

    for target, lines in cut.items():
        target.write_text("".join(lines))
    (logs / "donor.jsonl").write_text("".join(donor))
    report = load(logs, db, workers=2, parallel_min_bytes=0)

    assert report.plan["grown"] == 2 and report.plan["new"] == 1 and report.files_read == 3
    want = expected_files(sorted(logs.rglob("*.jsonl")))
    assert kinds(db) == want
    assert query(db, "SELECT count(*) = count(DISTINCT record_id) FROM records")[0][0]


def test_rejects_found_by_worker_processes_are_written(logs: Path, tmp_path: Path) -> None:
    with (logs / "tool_heavy.jsonl").open("a") as handle:
        handle.write('{"type": "assistant", "message": {"content": [\n')
    (logs / "notes.jsonl").write_text("just some notes\n")
    serial, parallel = tmp_path / "serial.duckdb", tmp_path / "parallel.duckdb"
    load(logs, serial, workers=1)
    report = load(logs, parallel, workers=2, parallel_min_bytes=0)

    rejects = query(parallel, "SELECT source_file, source_line FROM rejects ORDER BY 1")
    assert rejects == [
        (str(logs / "notes.jsonl"), None),
        (str(logs / "tool_heavy.jsonl"), len(lines_of(logs / "tool_heavy.jsonl"))),
    ]
    assert report.rejects == 2
    assert dump(serial) == dump(parallel)


FROM_STDIN = """
import sys
from pathlib import Path
from logviz_assets.load.operation import load
from logviz_assets.load.source import DataSource
from logviz_assets.store import RecordStore

store = RecordStore(Path(sys.argv[2]))
report = load(DataSource([sys.argv[1]]), store, progress=print, workers=2, parallel_min_bytes=0)
print("records added", report.records_added)
"""


def test_a_load_whose_workers_cannot_start_reads_the_files_itself(logs: Path, tmp_path: Path) -> None:
    # A script piped to python cannot be imported again by spawned workers, so the pool breaks.
    db, serial = tmp_path / "stdin.duckdb", tmp_path / "serial.duckdb"
    out = subprocess.run(
        [sys.executable, "-", str(logs), str(db)],
        input=FROM_STDIN,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "worker processes failed" in out.stderr
    load(logs, serial, workers=1)
    assert dump(db) == dump(serial)
