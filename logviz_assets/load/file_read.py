"""Reading one log file into records: detection, the resumable JSONL read, whole documents.

Pure logic over the file system, no Dagster and no store, so Load's hardest part can be
tested alone. The loader calls `read_file` for each new or grown file. Every line read is
accounted for: it became records, was skipped on purpose (counted by kind), or was rejected.
Reading is bounded by `logviz_assets.limits`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from logviz_assets.formats import HEAD_BYTES, DocumentFormat, FileContext, JsonlFormat, LogFormat, detect_format
from logviz_assets.formats.base import Item, Skip, reject
from logviz_assets.limits import MAX_DOCUMENT_BYTES, MAX_LINE_BYTES, MAX_RAW_CHARS, MAX_TEXT_CHARS
from logviz_assets.load.redaction import redact_record
from logviz_assets.record import Record, Reject
from logviz_assets.redact import Redactor


@dataclass
class FileRead:
    """What one read of a file gave, and where the next read of it must start."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    format_name: str | None = None
    end_offset: int = 0
    end_line: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    # The accounting of the lines this read covered (for a document, of the file as one unit).
    record_lines: int = 0
    rejected_lines: int = 0
    skipped: Counter = field(default_factory=Counter)
    unreadable: bool = False  # the file could not be opened or read: try it again next load
    record_redactions: Counter = field(default_factory=Counter)  # what redaction replaced in the records, by rule
    lines_accounted: bool = True  # False for a document counted as one unit


def sniff(path: Path) -> LogFormat | None:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return detect_format(head, str(path))


class OversizedLine(bytes):
    """The head of a line longer than `MAX_LINE_BYTES`, carrying the line's full length."""

    length: int


def complete_lines(path: Path, offset: int, first_line: int) -> Iterator[tuple[int, bytes, int]]:
    """(line number, raw line, offset after the line) for each whole line from `offset`.

    A last line without its newline is not yielded: the agent may still be writing it,
    and the next read starts at its first byte. Lines stay bytes: the parser decodes only
    those it needs. A line over `MAX_LINE_BYTES` is never held whole: it comes as an
    `OversizedLine`, its first bytes only.
    """
    with path.open("rb") as handle:
        handle.seek(offset)
        line_no = first_line
        position = offset
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raw = _rest_of_long_line(handle, raw)
                if raw is None:
                    return
            elif not raw.endswith(b"\n"):
                return
            line_no += 1
            position += raw.length if isinstance(raw, OversizedLine) else len(raw)
            yield line_no, raw, position


def _rest_of_long_line(handle, head: bytes) -> OversizedLine | None:
    """Read past the rest of an oversized line; None when it has no newline yet."""
    length = len(head)
    while chunk := handle.readline(1024 * 1024):
        length += len(chunk)
        if chunk.endswith(b"\n"):
            line = OversizedLine(head[:4096])
            line.length = length
            return line
    return None


def read_file(
    path: Path,
    fmt: LogFormat | None = None,
    offset: int = 0,
    line: int = 0,
    state: dict[str, Any] | None = None,
    redactor: Redactor | None = None,
) -> FileRead:
    """Parse `path` from byte `offset` (JSONL only; documents are always read whole).

    `line` is the number of lines before `offset` and `state` the parser state left by
    the read that ended there. A file in no known format gives one reject saying so.
    `redactor` replaces secrets in each record before it is cut to the length limits.
    """
    source = str(path)
    ctx = FileContext(source_file=source)
    fmt = fmt or sniff(path)
    result = FileRead(format_name=fmt.name if fmt else None, end_offset=offset, end_line=line)
    if fmt is None:
        if path.stat().st_size == 0:  # nothing written yet: nothing to say about it
            return result
        result.rejects.append(
            reject(ctx, None, "not a known agent log format (see docs/formats.md for what logviz reads)", None)
        )
        result.end_offset = path.stat().st_size
        return result
    if isinstance(fmt, JsonlFormat):
        result.state = dict(state or {})
        positions: dict[int, int] = {}

        oversized: list[Reject] = []

        def lines() -> Iterator[tuple[int, bytes]]:
            for line_no, raw, end in complete_lines(path, offset, line):
                positions["line"], positions["offset"] = line_no, end
                if isinstance(raw, OversizedLine):
                    reason = f"line of {raw.length:,} bytes is over the limit of {MAX_LINE_BYTES:,}: not read"
                    oversized.append(reject(ctx, line_no, reason, fmt.name, raw.decode("utf-8", "replace")))
                    continue
                yield line_no, raw

        _collect(
            fmt.parse_lines(lines(), ctx, result.state),
            result,
            ctx,
            extra=oversized,
            after_line=line,
            redactor=redactor,
        )
        result.end_line = positions.get("line", line)
        result.end_offset = positions.get("offset", offset)
    elif isinstance(fmt, DocumentFormat):
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            reason = f"a {fmt.name} document of {size:,} bytes is over the limit of {MAX_DOCUMENT_BYTES:,}: not read"
            _collect(iter([reject(ctx, None, reason, fmt.name)]), result, ctx)
            result.end_offset = size
            return result
        data = path.read_bytes()
        result.end_line = data.count(b"\n")  # whole lines; `_collect` adds a last one without newline it read
        _collect(fmt.parse_document(data, ctx), result, ctx, document_lines=result.end_line, redactor=redactor)
        result.end_offset = len(data)
    return result


def _collect(
    items: Iterator[Item],
    into: FileRead,
    ctx: FileContext,
    extra: list[Reject] = (),
    document_lines: int | None = None,
    after_line: int = 0,
    redactor: Redactor | None = None,
) -> None:
    """Sort a parser's output and account for the lines it covered.

    A parser tripped by content it did not expect keeps the records it gave so far, and the
    rest of the file becomes one reject saying why. A line counts once: as rejected if any
    reject names it, else as a line of records, else as skipped. Lines up to `after_line`
    belong to an earlier read (a record completed only now, such as a run, may name one).

    A whole document (`document_lines` given) is accounted line by line when its parser
    accounted for every one of its lines (a JSON Lines trace export, say); otherwise the file
    is one unit: it gave records, or a reject, or was skipped.
    """
    record_lines: set[int] = set()
    rejected_lines: set[int] = set()
    skipped: dict[int, str] = {}
    unit_skips: Counter = Counter()  # skips that name no line: of a document as a whole
    try:
        for item in items:
            if isinstance(item, Record):
                if redactor is not None:
                    item, found = redact_record(item, redactor)
                    into.record_redactions.update(found)
                into.records.append(_within_limits(item))
                if item.source_line is not None:
                    record_lines.add(item.source_line)
            elif isinstance(item, Skip):
                if item.line is not None:
                    skipped.setdefault(item.line, item.kind)
                else:
                    unit_skips[item.kind] += 1
            else:
                into.rejects.append(item)
                if item.source_line is not None:
                    rejected_lines.add(item.source_line)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as err:
        into.rejects.append(reject(ctx, None, f"unexpected content: {type(err).__name__}: {err}", into.format_name))
    for problem in extra:
        into.rejects.append(problem)
        rejected_lines.add(problem.source_line)
    covered = record_lines | rejected_lines | set(skipped)
    whole_lines = set(range(1, (document_lines or 0) + 1))
    # A last line without its newline counts when the parser read it (and gave something for it).
    every_line = bool(document_lines) and whole_lines <= covered <= whole_lines | {document_lines + 1}
    into.lines_accounted = document_lines is None or every_line
    if every_line:
        into.end_line = max(covered)
    if not into.lines_accounted:
        into.rejected_lines = int(bool(into.rejects))
        into.record_lines = int(bool(into.records) and not into.rejects)
        if not into.records and not into.rejects:
            into.skipped[next(iter(unit_skips), "document without steps")] += 1
        return
    record_lines = {line for line in record_lines if line > after_line}
    into.rejected_lines = len(rejected_lines)
    into.record_lines = len(record_lines - rejected_lines)
    counted = rejected_lines | record_lines
    into.skipped.update(kind for line, kind in skipped.items() if line not in counted)


def _within_limits(record: Record) -> Record:
    """The record with its text and tool arguments cut to `MAX_TEXT_CHARS`, saying how long they were."""
    long_text = record.text is not None and len(record.text) > MAX_TEXT_CHARS
    long_args = record.tool_args is not None and len(record.tool_args) > MAX_TEXT_CHARS
    long_raw = record.raw is not None and len(record.raw) > MAX_RAW_CHARS
    if not (long_text or long_args or long_raw):
        return record
    changes: dict[str, Any] = {}
    if long_text:
        changes.update(text=record.text[:MAX_TEXT_CHARS], text_cut_from=len(record.text))
    if long_args:
        changes.update(tool_args=record.tool_args[:MAX_TEXT_CHARS], tool_args_cut_from=len(record.tool_args))
    if long_raw:
        changes.update(raw=record.raw[:MAX_RAW_CHARS])
    return replace(record, **changes)
