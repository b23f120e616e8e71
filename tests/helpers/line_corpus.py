"""Corpora of damaged JSON Lines and the checks that every line of them is accounted for.

A `Line` is one line of a corpus and the outcome it must have: records, a reject, or a skip of
a named kind. `check_corpus` writes a corpus, reads it as the load does, and checks each line's
outcome, the load's counts, that the records can be stored, and that the good lines give the
records they give alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from logviz_assets.formats import HEAD_BYTES, FileContext, JsonlFormat, LogFormat
from logviz_assets.formats.base import Item, Skip
from logviz_assets.index.text import text_hashes_of
from logviz_assets.load.file_read import FileRead, read_file
from logviz_assets.record import Record, Reject
from logviz_assets.store.schema import records_table

RECORD = "record"
REJECT = "reject"
BLANK = "blank line"
# A value nested far deeper than any decoder or Python's recursion limit allows.
DEEP = b"[" * 100_000 + b"]" * 100_000
TEXT_FIELDS = ("record_id", "run_id", "parent_id", "role", "text", "tool_name", "tool_call_id", "tool_args", "model")


def accounted(read: FileRead) -> int:
    return read.record_lines + read.rejected_lines + sum(read.skipped.values())


@dataclass(frozen=True)
class Line:
    """One line of a corpus, what it must give (records, a reject, or a skip of that kind), and
    whether it is damage (left out of the clean file the good records are compared with)."""

    raw: bytes
    outcome: str
    damaged: bool = False


def ok(value: Any, outcome: str = RECORD) -> Line:
    return Line(value if isinstance(value, bytes) else json.dumps(value).encode(), outcome)


def bad(value: Any, outcome: str = REJECT) -> Line:
    return Line(value if isinstance(value, bytes) else json.dumps(value).encode(), outcome, damaged=True)


def outcomes(items: Iterable[Item]) -> dict[int, str]:
    """What each line gave, by the loader's rule: rejected if any reject names it, else records, else its skip."""
    rejected, recorded, skipped = set(), set(), {}
    for item in items:
        if isinstance(item, Reject):
            rejected.add(item.source_line)
        elif isinstance(item, Record):
            recorded.add(item.source_line)
        elif isinstance(item, Skip):
            skipped.setdefault(item.line, item.kind)
    result = {line: kind for line, kind in skipped.items()}
    result.update({line: RECORD for line in recorded})
    result.update({line: REJECT for line in rejected})
    return result


def shown(records: Iterable[Record]) -> list[tuple[Any, ...]]:
    """What a record shows, without what depends on its line (ids named after lines, seq, source_line)."""
    return [
        (r.kind, r.role, r.text, r.tool_name, r.tool_call_id, r.tool_args, r.is_error, r.model, r.tokens_in, r.ts_start)
        for r in records
    ]


def write(path: Path, lines: list[Line]) -> Path:
    path.write_bytes(b"".join(line.raw + b"\n" for line in lines))
    return path


def check_corpus(fmt: LogFormat, lines: list[Line], folder: Path, name: str) -> FileRead:
    """Read the corpus as the loader does and check that each line gave what it must, and that the
    good lines gave what they give without the damage around them."""
    path = write(folder / name, lines)
    assert fmt.detect(path.read_bytes()[:HEAD_BYTES], str(path))
    read = read_file(path, fmt)
    items = list(_items(fmt, path))
    got = outcomes(items)
    want = {number: line.outcome for number, line in enumerate(lines, start=1)}
    assert {n: got.get(n, "nothing") for n in want} == want
    assert read.end_line == len(lines)
    # Records that break the store's types would fail a whole batch: they must be text.
    records_table(zip(read.records, text_hashes_of(read.records), strict=True))
    for record in read.records:
        assert all(getattr(record, f) is None or isinstance(getattr(record, f), str) for f in TEXT_FIELDS), record
    # The good lines give the same steps with the damage around them as without it.
    clean = read_file(write(folder / f"clean-{name}", [line for line in lines if not line.damaged]), fmt)
    damaged_lines = {number for number, line in enumerate(lines, start=1) if line.damaged}
    assert shown(r for r in read.records if r.source_line not in damaged_lines) == shown(clean.records)
    assert clean.rejects == []
    return read


def _items(fmt: LogFormat, path: Path) -> Iterable[Item]:
    ctx = FileContext(source_file=str(path))
    if isinstance(fmt, JsonlFormat):
        numbered = enumerate(path.read_bytes().splitlines(keepends=True), start=1)
        return fmt.parse_lines(numbered, ctx, {})
    return fmt.parse_document(path.read_bytes(), ctx)


def check_counts(read: FileRead, lines: list[Line]) -> None:
    """The loader's counts for the file agree with the corpus line by line."""
    want = Counter(line.outcome for line in lines)
    assert read.end_line == accounted(read) == len(lines)
    assert (read.record_lines, read.rejected_lines) == (want.pop(RECORD), want.pop(REJECT))
    assert read.skipped == want
    assert len({r.source_line for r in read.rejects}) == read.rejected_lines
    assert all(r.reason and r.source_line is not None for r in read.rejects)


def check_read_in_two_parts(fmt: JsonlFormat, lines: list[Line], path: Path) -> None:
    """A file read in two parts, as a growing log is, accounts for the same lines as one whole read."""
    write(path, lines)
    whole = read_file(path, fmt)
    write(path, lines[: len(lines) // 2])
    first = read_file(path, fmt)
    write(path, lines)
    second = read_file(path, fmt, first.end_offset, first.end_line, json.loads(json.dumps(first.state)))
    assert first.end_line + (second.end_line - first.end_line) == whole.end_line == len(lines)
    assert accounted(first) + accounted(second) == accounted(whole)
    assert first.skipped + second.skipped == whole.skipped
    assert sorted(r.record_id for r in first.records + second.records) == sorted(r.record_id for r in whole.records)
