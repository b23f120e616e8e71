"""Load: bring the RecordStore up to date with the log files, reading only what changed.

The record store is read once to plan and written once per batch of records, and never
held while files are parsed, so the API's readers get in between batches. When there is a
lot to read, worker processes parse the files while this one writes the batches they have
handed back.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from logviz_assets.formats import format_named
from logviz_assets.index.text import text_hashes_of
from logviz_assets.load.file_read import FileRead, read_file
from logviz_assets.load.redaction import redact_rest
from logviz_assets.load.source import HEAD_CHECK_BYTES, Change, DataSource, FoundFile, KnownFile, head_hash
from logviz_assets.progress import ProgressCallback, ProgressMeter, message
from logviz_assets.record import ParseState, Reject
from logviz_assets.redact import Mode, Redactor
from logviz_assets.store import FileWrite, RecordStore
from logviz_assets.store.loads import READ_FAILURE

ReadJob = tuple[FoundFile, Change, KnownFile | None, tuple[int, int, str | None] | None]
log = logging.getLogger(__name__)

# What `load` redacts with unless told otherwise: the secret shapes, placeholders without a tag.
DEFAULT_REDACTOR = Redactor()

# Below this much to read, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 32 * 1024 * 1024


@dataclass
class LoadReport:
    plan: dict[str, int] = field(default_factory=dict)
    files_read: int = 0
    records_read: int = 0
    records_added: int = 0
    records_in_rewritten_files: int = 0
    rejects: int = 0
    lines_read: int = 0
    record_lines: int = 0
    rejected_lines: int = 0
    lines_skipped: Counter = field(default_factory=Counter)  # by kind of bookkeeping line
    files_unreadable: int = 0
    runs_linked: int = 0
    formats: Counter = field(default_factory=Counter)
    # Secrets (and personal data, when configured) replaced before storing, by rule.
    redactions: Counter = field(default_factory=Counter)  # in records
    records_redacted: int = 0
    redactions_in_rejects_and_state: int = 0
    records_total: int = 0
    seconds: float = 0.0


def load(
    source: DataSource,
    store: RecordStore,
    batch_records: int = 50_000,
    progress: ProgressCallback = log.info,
    workers: int = 1,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
    redactor: Redactor | None = DEFAULT_REDACTOR,
) -> LoadReport:
    """Read the source's new and grown log files into the store; mark vanished ones.

    `workers` parse files in other processes when the files hold at least
    `parallel_min_bytes` to read; the writes stay in this process. `redactor` replaces secrets
    in what was read before it is stored (by default the well-known secret shapes, untagged;
    None stores the text as read).
    """
    started = time.perf_counter()
    report = LoadReport()
    known, before = store.load_state()
    plan = source.plan(known)
    resume = store.resume_points([f.path for f in plan.grown])
    report.plan = plan.counts()
    progress(message(f"load plan: {report.plan}", "load"))

    pending: list[FileWrite] = [_unreadable(path, why) for path, why in plan.unreadable]
    report.files_unreadable = len(pending)
    pending_records = 0
    to_read = plan.to_read
    jobs = [(file, change, known.get(file.path), resume.get(file.path)) for change, file in to_read]
    size = sum(_bytes_to_read(job) for job in jobs)
    workers = workers if size >= parallel_min_bytes and len(jobs) > 1 else 1
    if workers > 1:
        progress(message(f"reading {len(jobs)} files ({size / 2**20:.0f} MiB) in {workers} processes", "load"))
    meter = ProgressMeter(
        progress,
        "load",
        len(jobs),
        "files",
        lambda done, total: f"read {done}/{total} files, {report.records_read} records",
    )
    for (_, change, _, resumed), write in zip(jobs, _read_all(jobs, workers, redactor), strict=True):
        report.files_read += 1
        report.records_read += len(write.records)
        report.rejects += len(write.rejects)
        report.files_unreadable += not write.recorded
        if write.format_is_lines:
            report.lines_read += write.lines - (resumed[1] if change is Change.GROWN and resumed else 0)
        report.record_lines += write.record_lines
        report.rejected_lines += write.rejected_lines
        report.lines_skipped += write.skipped
        report.formats[write.format_name or "unknown"] += 1
        report.redactions.update(write.redactions)
        report.redactions_in_rejects_and_state += write.redactions_elsewhere
        report.records_redacted += sum(record.redactions is not None for record in write.records)
        if change is Change.REWRITTEN:
            report.records_in_rewritten_files += len(write.records)
        pending.append(write)
        pending_records += len(write.records)
        if pending_records >= batch_records:
            report.runs_linked += store.write_files(pending)[0]
            pending, pending_records = [], 0
        meter.advance()

    report.records_total = before
    if jobs or pending or plan.vanished or not store.exists():  # the last batch and the vanished files, in one opening
        linked, report.records_total = store.write_files(pending, plan.vanished)
        report.runs_linked += linked
    report.records_added = report.records_total - before
    report.seconds = round(time.perf_counter() - started, 3)
    progress(
        message(
            f"load done: {report.files_read} files read, {report.records_added} records added, "
            f"{report.rejects} rejects in {report.seconds}s",
            "load",
        )
    )
    return report


def _bytes_to_read(job: ReadJob) -> int:
    file, change, _, resume = job
    return file.size - resume[0] if change is Change.GROWN and resume else file.size


def _read_all(jobs: list[ReadJob], workers: int, redactor: Redactor | None) -> Iterator[FileWrite]:
    """Each job's FileWrite, in job order."""
    done = 0
    if workers > 1:
        try:
            for write in _read_in_processes(jobs, workers, redactor):
                done += 1
                yield write
            return
        except BrokenProcessPool as err:
            # A process that cannot start workers (its main module cannot be imported again,
            # say) still loads: what the workers did not hand back is read here.
            log.warning("worker processes failed (%s); reading the remaining %d files here", err, len(jobs) - done)
    yield from (_read(*job, redactor) for job in jobs[done:])


def _read_in_processes(jobs: list[ReadJob], workers: int, redactor: Redactor | None) -> Iterator[FileWrite]:
    # Spawned, not forked: the caller may be a Dagster run or the API, with threads of its own.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        # A bounded window of tasks in flight, so parsed records cannot pile up in memory
        # faster than the batches are written.
        window: deque[Future[list[FileWrite]]] = deque()
        for task in _tasks(jobs):
            window.append(pool.submit(_read_task, task, redactor))
            if len(window) >= 4 * workers:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


def _tasks(jobs: list[ReadJob], task_bytes: int = 8 * 1024 * 1024, task_files: int = 64) -> Iterator[list[ReadJob]]:
    """Consecutive jobs grouped so that many small files do not cost a round trip each."""
    task: list[ReadJob] = []
    size = 0
    for job in jobs:
        task.append(job)
        size += _bytes_to_read(job)
        if size >= task_bytes or len(task) >= task_files:
            yield task
            task, size = [], 0
    if task:
        yield task


def _read_task(jobs: list[ReadJob], redactor: Redactor | None) -> list[FileWrite]:
    return [_read(*job, redactor) for job in jobs]


def _read(
    file: FoundFile,
    change: Change,
    before: KnownFile | None,
    resume: tuple[int, int, str | None] | None,
    redactor: Redactor | None = None,
) -> FileWrite:
    path = Path(file.path)
    active = redactor if redactor is not None and redactor.mode is not Mode.OFF else None
    try:
        if change is Change.GROWN and before is not None and resume is not None:
            offset, line, state_text = resume
            fmt = format_named(ParseState.loads(state_text).values["format"])
            parser_state = ParseState.loads(state_text).values.get("parser", {})
            result = read_file(path, fmt, offset, line, parser_state, redactor=active)
        else:
            result = read_file(path, redactor=active)
    except Exception as err:  # one unreadable file must not stop the load
        result = _failed_read(file, f"{type(err).__name__}: {err}")
    redactions_elsewhere = redact_rest(result, active)
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
    return FileWrite(
        known=known,
        format_name=result.format_name,
        lines=result.end_line,
        parser_state=state.dumps(),
        records=result.records,
        text_hashes=text_hashes_of(result.records),
        rejects=result.rejects,
        # A file that could not be read keeps what it held: its records are not replaced by nothing.
        replace=change is not Change.GROWN and not result.unreadable,
        record_lines=result.record_lines,
        rejected_lines=result.rejected_lines,
        skipped=result.skipped,
        recorded=not result.unreadable,
        format_is_lines=fmt_append_only or (result.format_name is not None and result.lines_accounted),
        redactions=result.record_redactions,
        redactions_elsewhere=redactions_elsewhere,
    )


def _unreadable(path: str, why: str) -> FileWrite:
    """A file the scan listed but could not look at: a reject now, and another try next load."""
    reject = Reject(source_file=path, source_line=None, reason=f"{READ_FAILURE}{why}")
    nothing = KnownFile(path=path, size=0, mtime_ns=0, offset=0, head_len=0, head_hash="", append_only=False)
    return FileWrite(nothing, None, 0, "{}", [], [], [reject], replace=False, recorded=False)


def _safe_head_hash(path: str, length: int) -> str:
    try:
        return head_hash(path, length)
    except OSError:
        return ""


def _failed_read(file: FoundFile, reason: str) -> FileRead:
    return FileRead(
        rejects=[Reject(source_file=file.path, source_line=None, reason=f"{READ_FAILURE}{reason}")], unreadable=True
    )
