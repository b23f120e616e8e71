"""Damaged input for the format tests: bytes that trip decoders, and the accounting every load must add up to."""

from __future__ import annotations

from pathlib import Path

from logviz_assets.formats import LogFormat
from logviz_assets.formats.base import FileContext, Skip
from logviz_assets.load.file_read import FileRead, read_file
from logviz_assets.record import Record, Reject

DEEP = 100_000
# Deep enough to trip Python's recursion after decoding, shallow enough for the decoder (orjson: 1024 levels).
DEEPISH = 1_000


def deep_line(depth: int = DEEP) -> bytes:
    return b"[" * depth + b"]" * depth


def with_deep_value(line: bytes, depth: int = DEEPISH) -> bytes:
    """`line` with its `"DEEP"` string replaced by objects nested `depth` deep."""
    return line.replace(b'"DEEP"', b'{"a":' * depth + b"{}" + b"}" * depth)


def load(tmp_path: Path, name: str, content: bytes, fmt: LogFormat) -> FileRead:
    path = tmp_path / name
    path.write_bytes(content)
    return read_file(path, fmt)


def assert_lines_counted(result: FileRead) -> None:
    """A document whose parser accounted for every line counts in the load line by line, as JSON Lines do."""
    assert result.lines_accounted, result
    assert result.record_lines + result.rejected_lines + sum(result.skipped.values()) == result.end_line, result


def assert_one_unit(result: FileRead) -> None:
    """A document counts once in the load's accounting: its records, or its rejects, or a skip."""
    assert result.record_lines + result.rejected_lines + sum(result.skipped.values()) == 1, result


def assert_every_line_accounted(fmt: LogFormat, content: bytes) -> list:
    """Every newline-ended line of a multi-value file gives a record, a reject or a skip; returns the items."""
    items = list(fmt.parse_document(content, FileContext(source_file="/t/damaged.jsonl")))
    covered = {i.source_line for i in items if isinstance(i, Record | Reject)} | {
        i.line for i in items if isinstance(i, Skip)
    }
    assert set(range(1, content.count(b"\n") + 1)) <= covered, sorted(covered)
    return items


def ids(result: FileRead) -> set[str]:
    return {r.record_id for r in result.records}


def reasons(result: FileRead) -> str:
    return " | ".join(r.reason for r in result.rejects)
