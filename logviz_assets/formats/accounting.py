"""Accounting for every value of a document format: trace files value by value, safe excerpts.

The trace formats (otel-genai, langfuse, langsmith) read a file that holds one JSON document, JSON
Lines (one export request, trace or run a line, as collectors and SDK exporters append them), or
pretty-printed values one after another (console exporters). `TraceFile` reads those values and,
for a file of several, gives a `Skip` for each line that gave neither a record nor a reject, so
that no line read vanishes. A file of one value is one unit: its lines are not counted one by one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from logviz_assets.formats.base import FileContext, Item, Skip, decode_utf8, guarded, reject
from logviz_assets.formats.common import canonical_json
from logviz_assets.formats.json_input import decode_line, iter_json_values, line_text
from logviz_assets.record import Record, Reject

BLANK_LINE = "blank line"
_BOM = b"\xef\xbb\xbf"


def excerpt_of(value: Any) -> str | None:
    """A value as JSON for a reject's excerpt, or None where it cannot be shown (nested too deeply to encode)."""
    try:
        return canonical_json(value)[:500]
    except (TypeError, ValueError, RecursionError):
        return None


class TraceFile:
    """The values of one trace file, and what each line of a multi-value file gave.

    `empty_kind` names a value line that gave no record and no reject; a format narrows it with
    `note` (a line whose spans are all containers is not the same as one that held no span).
    """

    def __init__(self, ctx: FileContext, fmt: str, empty_kind: str) -> None:
        self.ctx = ctx
        self.fmt = fmt
        self.empty_kind = empty_kind
        self.values = 0
        self.units = 0  # values read, broken ones included
        self.kinds: dict[int, str] = {}  # value line -> why it gave no record, should it give none
        self.blank: list[int] = []

    @property
    def several(self) -> bool:
        """Whether line numbers mean something: in a file of one value they would mislead."""
        return self.units > 1

    def where(self, line: int | None) -> int | None:
        return line if self.several else None

    def note(self, line: int | None, kind: str) -> None:
        """Why `line` gives no record, should it give none (the latest note wins)."""
        if line in self.kinds:
            self.kinds[line] = kind

    def read(self, data: bytes, take: Callable[[Any, int], Iterable[Item]]) -> Iterator[Item]:
        """Hand each JSON value, with its line, to `take`; broken values and shapes `take` trips over are rejects."""
        lines = data.split(b"\n")
        if _json_lines(lines):
            yield from self._json_lines(lines, take)
        else:
            yield from self._values(data, take)

    def _json_lines(self, lines: list[bytes], take: Callable[[Any, int], Iterable[Item]]) -> Iterator[Item]:
        # Line by line, so that a line nested too deeply or not UTF-8 costs that line only.
        last = len(lines) - 1
        for index, raw in enumerate(lines):
            line = index + 1
            stripped = raw.strip().removeprefix(_BOM) if index == 0 else raw.strip()
            if not stripped:
                if index < last:  # the empty piece after the final newline is no line
                    self.blank.append(line)
                continue
            try:
                value = decode_line(stripped)
            except json.JSONDecodeError as err:
                if index == last and self.units:
                    return  # a last line without its newline: the writer may still be writing it
                problem = f"invalid JSON: {err.msg} at column {err.colno}"
            except RecursionError:
                problem = "JSON nested too deeply to read"
            else:
                problem = None
            self.units += 1
            if problem:
                yield reject(self.ctx, line, problem, self.fmt, line_text(raw[:500]))
                continue
            yield from self._take(take, value, line, line_text(raw[:500]))

    def _values(self, data: bytes, take: Callable[[Any, int], Iterable[Item]]) -> Iterator[Item]:
        """One document, or pretty-printed values one after another."""
        text, problem = decode_utf8(data, self.ctx, self.fmt)
        if problem:
            self.units += 1
            yield problem
            return
        values = iter_json_values(text)
        while True:
            try:
                line, value, problem = next(values)
            except StopIteration:
                return
            except RecursionError:  # the decoder gives up on the rest of the text: one reject says so
                self.units += 1
                yield reject(self.ctx, None, "JSON nested too deeply to read", self.fmt)
                return
            self.units += 1
            if problem:
                yield reject(self.ctx, line, problem, self.fmt)
                continue
            yield from self._take(take, value, line, None)

    def _take(
        self, take: Callable[[Any, int], Iterable[Item]], value: Any, line: int, excerpt: str | None
    ) -> Iterator[Item]:
        self.values += 1
        self.kinds[line] = self.empty_kind
        yield from guarded(lambda: take(value, line), self.ctx, line, self.fmt, "unexpected value shape", excerpt)

    def accounted(self, items: Iterable[Item]) -> Iterator[Item]:
        """`items` as they come; then, in a file of several values, a `Skip` for each line that gave nothing."""
        covered: set[int] = set()
        for item in items:
            if isinstance(item, Record | Reject) and item.source_line is not None:
                covered.add(item.source_line)
            yield item
        if not self.several:
            return
        for line in self.blank:
            yield Skip(line, BLANK_LINE)
        for line, kind in sorted(self.kinds.items()):
            if line not in covered:
                yield Skip(line, kind)


def _json_lines(lines: list[bytes]) -> bool:
    """Whether a file is JSON Lines: two lines or more, the first of them one whole value by its look."""
    found: list[bytes] = []
    for line in lines:
        if line.strip():
            found.append(line.strip())
            if len(found) == 2:
                break
    if len(found) < 2:
        return False
    first = found[0].removeprefix(_BOM)
    return first[:1] in (b"{", b"[") and first[-1:] in (b"}", b"]")
