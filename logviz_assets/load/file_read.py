"""Reading one log file into records: detection, the resumable JSONL read, whole documents.

Pure logic over the file system, no Dagster and no store, so Load's hardest part can be
tested alone. The loader calls `read_file` for each new or grown file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logviz_assets.formats import HEAD_BYTES, DocumentFormat, FileContext, JsonlFormat, LogFormat, detect_format
from logviz_assets.formats.base import reject
from logviz_assets.record import Record, Reject


@dataclass
class FileRead:
    """What one read of a file gave, and where the next read of it must start."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    format_name: str | None = None
    end_offset: int = 0
    end_line: int = 0
    state: dict[str, Any] = field(default_factory=dict)


def sniff(path: Path) -> LogFormat | None:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return detect_format(head, str(path))


def complete_lines(path: Path, offset: int, first_line: int) -> Iterator[tuple[int, bytes, int]]:
    """(line number, raw line, offset after the line) for each whole line from `offset`.

    A last line without its newline is not yielded: the agent may still be writing it,
    and the next read starts at its first byte. Lines stay bytes: the parser decodes only
    those it needs.
    """
    with path.open("rb") as handle:
        handle.seek(offset)
        line_no = first_line
        position = offset
        for raw in handle:
            if not raw.endswith(b"\n"):
                return
            line_no += 1
            position += len(raw)
            yield line_no, raw, position


def read_file(
    path: Path,
    fmt: LogFormat | None = None,
    offset: int = 0,
    line: int = 0,
    state: dict[str, Any] | None = None,
) -> FileRead:
    """Parse `path` from byte `offset` (JSONL only; documents are always read whole).

    `line` is the number of lines before `offset` and `state` the parser state left by
    the read that ended there. A file in no known format gives one reject saying so.
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

        def lines() -> Iterator[tuple[int, bytes]]:
            for line_no, raw, end in complete_lines(path, offset, line):
                positions["line"], positions["offset"] = line_no, end
                yield line_no, raw

        _collect(fmt.parse_lines(lines(), ctx, result.state), result, ctx)
        result.end_line = positions.get("line", line)
        result.end_offset = positions.get("offset", offset)
    elif isinstance(fmt, DocumentFormat):
        data = path.read_bytes()
        _collect(fmt.parse_document(data, ctx), result, ctx)
        result.end_offset = len(data)
        result.end_line = data.count(b"\n")
    return result


def _collect(items: Iterator[Record | Reject], into: FileRead, ctx: FileContext) -> None:
    """Sort a parser's output; a parser tripped by content it did not expect keeps the
    records it gave so far, and the rest of the file becomes one reject saying why."""
    try:
        for item in items:
            if isinstance(item, Record):
                into.records.append(item)
            else:
                into.rejects.append(item)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as err:
        into.rejects.append(reject(ctx, None, f"unexpected content: {type(err).__name__}: {err}", into.format_name))
