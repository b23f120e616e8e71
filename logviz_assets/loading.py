"""Load: bring the RecordStore up to date with the log files, reading only what changed.

The DuckDB file is opened three times at most per batch (plan, write, finish) and never
while files are parsed, so the API's readers get in between batches.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from logviz_assets import store
from logviz_assets.formats import format_named
from logviz_assets.parsing import FileRead, read_file
from logviz_assets.record import ParseState, Reject
from logviz_assets.sources import HEAD_CHECK_BYTES, Change, FoundFile, KnownFile, classify, head_hash, scan

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    plan: dict[str, int] = field(default_factory=dict)
    files_read: int = 0
    records_read: int = 0
    records_added: int = 0
    records_in_rewritten_files: int = 0
    rejects: int = 0
    runs_linked: int = 0
    formats: Counter = field(default_factory=Counter)
    records_total: int = 0
    seconds: float = 0.0


def load(
    roots: Iterable[Path],
    connect: Connect,
    batch_records: int = 50_000,
    progress: Callable[[str], None] = log.info,
) -> LoadReport:
    """Read new and grown log files below `roots` into the store; mark vanished ones."""
    started = time.perf_counter()
    report = LoadReport()
    with connect() as con:
        store.ensure_schema(con)
        known = store.known_files(con)
        plan = classify(scan(roots), known)
        resume = {f.path: store.file_resume_point(con, f.path) for f in plan.grown}
        (before,) = con.execute("SELECT count(*) FROM records").fetchone()
    report.plan = plan.counts()
    progress(f"load plan: {report.plan}")

    pending: list[store.FileWrite] = []
    pending_records = 0
    to_read = plan.to_read
    for index, (change, file) in enumerate(to_read, start=1):
        write = _read(file, change, known.get(file.path), resume.get(file.path))
        report.files_read += 1
        report.records_read += len(write.records)
        report.rejects += len(write.rejects)
        report.formats[write.format_name or "unknown"] += 1
        if change is Change.REWRITTEN:
            report.records_in_rewritten_files += len(write.records)
        pending.append(write)
        pending_records += len(write.records)
        if pending_records >= batch_records:
            report.runs_linked += _flush(connect, pending)
            progress(f"loaded {index}/{len(to_read)} files, {report.records_read} records read")
            pending, pending_records = [], 0
    if pending:
        report.runs_linked += _flush(connect, pending)

    with connect() as con:
        store.mark_vanished(con, plan.vanished)
        (report.records_total,) = con.execute("SELECT count(*) FROM records").fetchone()
    report.records_added = report.records_total - before
    report.seconds = round(time.perf_counter() - started, 3)
    progress(
        f"load done: {report.files_read} files read, {report.records_added} records added, "
        f"{report.rejects} rejects in {report.seconds}s"
    )
    return report


def _flush(connect: Connect, writes: list[store.FileWrite]) -> int:
    with connect() as con:
        return store.write_files(con, writes)


def _read(
    file: FoundFile, change: Change, before: KnownFile | None, resume: tuple[int, int, str | None] | None
) -> store.FileWrite:
    path = Path(file.path)
    try:
        if change is Change.GROWN and before is not None and resume is not None:
            offset, line, state_text = resume
            fmt = format_named(ParseState.loads(state_text).values["format"])
            result = read_file(path, fmt, offset, line, ParseState.loads(state_text).values.get("parser", {}))
        else:
            result = read_file(path)
    except Exception as err:  # one unreadable file must not stop the load
        result = _failed_read(file, f"could not read file: {type(err).__name__}: {err}")
    fmt_append_only = result.format_name is not None and format_named(result.format_name).append_only
    head_len = min(HEAD_CHECK_BYTES, result.end_offset)
    known = KnownFile(
        path=file.path,
        size=file.size,
        mtime_ns=file.mtime_ns,
        offset=result.end_offset,
        head_len=head_len,
        head_hash=_safe_head_hash(file.path, head_len),
        append_only=fmt_append_only,
    )
    state = ParseState({"format": result.format_name, "parser": result.state})
    return store.FileWrite(
        known=known,
        format_name=result.format_name,
        lines=result.end_line,
        parser_state=state.dumps(),
        records=result.records,
        rejects=result.rejects,
        replace=change is not Change.GROWN,
    )


def _safe_head_hash(path: str, length: int) -> str:
    try:
        return head_hash(path, length)
    except OSError:
        return ""


def _failed_read(file: FoundFile, reason: str) -> FileRead:
    return FileRead(rejects=[Reject(source_file=file.path, source_line=None, reason=reason)], end_offset=file.size)
