"""What a format parser is, and the reading both kinds of parser share.

Two kinds of log file exist in the wild:

- append-only JSON Lines (Claude Code, Codex CLI): the agent writes one event a line
  while it runs, so a load may read just the lines added since the last one. Such a
  parser is a `JsonlFormat`; it sees one decoded event at a time and keeps whatever it
  must remember between reads in a small JSON-able `state` dict.
- whole documents (a JSON trajectory, a ZIP eval log): the file is rewritten as a
  whole, so it is parsed as a whole. Such a parser is a `DocumentFormat`.

Malformed input never raises out of a parser: it becomes a `Reject` with file, line
and reason, and the records around it still load.

Every line is accounted for: a JSONL parser turns each line into records, a `Reject`, or a
`Skip` that names the kind of bookkeeping line it passed over on purpose. A line that gives
none of these becomes a reject, so a line of an unexpected shape can never vanish silently.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from logviz_assets.formats.common import canonical_json
from logviz_assets.formats.json_input import decode_line, line_text
from logviz_assets.record import Record, Reject


@dataclass(frozen=True)
class Skip:
    """A line passed over on purpose, and what kind of line it was (counted, never stored)."""

    line: int | None
    kind: str


Item = Record | Reject | Skip

# What a builder raises when a value has a shape it did not expect (a value nested deeper than
# Python's recursion limit included: it costs its line, not the rest of the file).
SHAPE_ERRORS: tuple[type[Exception], ...] = (KeyError, TypeError, ValueError, AttributeError, RecursionError)
# Whole documents also meet numbers too large for a timestamp.
DOCUMENT_ERRORS: tuple[type[Exception], ...] = (*SHAPE_ERRORS, OverflowError, OSError)


@dataclass(frozen=True)
class FileContext:
    """Where the input comes from, as the records will name it."""

    source_file: str


class LogFormat(ABC):
    """A log format: a cheap `detect` on the first bytes and a parser."""

    name: str
    append_only: bool = False

    @abstractmethod
    def detect(self, head: bytes, path: str) -> bool:
        """Whether a file starting with `head` is in this format (no full read)."""


class JsonlFormat(LogFormat):
    """A format of one JSON object per line, readable from any line on."""

    append_only = True

    def passed_over(self, stripped: bytes) -> str | None:
        """The kind of bookkeeping a line is, when it can be counted without decoding it (most of
        the cost of a load); None to decode it. A parser overrides this to skip its known kinds."""
        return None

    def parse_lines(
        self, lines: Iterable[tuple[int, bytes]], ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        """Decode each (line number, raw line) and hand objects to `parse_event`."""
        for line_no, raw in lines:
            stripped = raw.strip()
            if not stripped:
                yield Skip(line_no, "blank line")
                continue
            kind = self.passed_over(stripped)
            if kind is not None:
                yield Skip(line_no, kind)
                continue
            event = object_line(stripped, raw, line_no, ctx, self.name)
            if isinstance(event, Reject):
                yield event
                continue
            # `guarded`, inlined: this runs once a line, and the excerpt is only made for a reject.
            gave_nothing = True
            try:
                for item in self.parse_event(event, line_no, ctx, state):
                    gave_nothing = False
                    yield item
            except SHAPE_ERRORS as err:
                gave_nothing = False
                reason = f"unexpected event shape: {type(err).__name__}: {err}"
                yield reject(ctx, line_no, reason, self.name, line_text(raw))
            if gave_nothing:
                kind = event.get("type")
                what = f"an event of type {kind!r}" if isinstance(kind, str) else "an event without a type"
                yield reject(
                    ctx, line_no, f"nothing to show from {what}: not a shape this parser knows", self.name, event
                )

    @abstractmethod
    def parse_event(
        self, event: dict[str, Any], line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        """Records for one decoded line; `state` persists across lines and loads."""


class DocumentFormat(LogFormat):
    """A format read as one whole file."""

    @abstractmethod
    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        """Records and rejects for the whole file."""


_TYPE_FIELD = re.compile(rb'"type"\s*:\s*"([^"\\]{1,64})"')


def skipped_kind(line: bytes) -> str:
    """The `type` a line passed over undecoded declares (its first one), for the count of skipped lines."""
    found = _TYPE_FIELD.search(line)
    return found.group(1).decode("utf-8", errors="replace") if found else "line without a type"


EXCERPT_CHARS = 500  # of the offending text a reject keeps


def reject(ctx: FileContext, line: int | None, reason: str, fmt: str | None, excerpt: Any = None) -> Reject:
    """A reject row; `excerpt` is the offending text, or a decoded value shown as JSON."""
    if excerpt is not None and not isinstance(excerpt, str):
        try:
            excerpt = canonical_json(excerpt)
        except (TypeError, ValueError, RecursionError):  # a value too odd or too deep to show
            excerpt = None
    return Reject(
        source_file=ctx.source_file,
        source_line=line,
        reason=reason,
        source_format=fmt,
        excerpt=excerpt[:EXCERPT_CHARS] if excerpt else None,
    )


def guarded(
    build: Callable[[], Iterable[Item]],
    ctx: FileContext,
    line: int | None,
    fmt: str,
    what: str,
    excerpt: Any = None,
    errors: tuple[type[Exception], ...] = SHAPE_ERRORS,
) -> Iterator[Item]:
    """The items `build` gives, until it trips over a shape it did not expect: then one
    reject, `what` with the error, in place of the rest. Items given before the error stay."""
    try:
        yield from build()
    except errors as err:
        yield reject(ctx, line, f"{what}: {type(err).__name__}: {err}", fmt, excerpt)


def object_line(
    line: bytes, raw: bytes, line_no: int, ctx: FileContext, fmt: str, loads: Callable[[bytes], Any] = decode_line
) -> dict[str, Any] | Reject:
    """`line` (the `raw` line, or part of it) as a JSON object, or the reject that says why it is not one."""
    try:
        value = loads(line)
    except json.JSONDecodeError as err:
        return reject(ctx, line_no, f"invalid JSON: {err.msg} at column {err.colno}", fmt, line_text(raw))
    except UnicodeDecodeError as err:
        return reject(ctx, line_no, f"not UTF-8 text: {err.reason}", fmt, line_text(raw))
    except RecursionError:
        return reject(ctx, line_no, "JSON nested too deeply to read", fmt, line_text(raw[:500]))
    if not isinstance(value, dict):
        return reject(ctx, line_no, f"expected a JSON object, got {type(value).__name__}", fmt, line_text(raw))
    return value


def decode_utf8(data: bytes, ctx: FileContext, fmt: str) -> tuple[str | None, Reject | None]:
    """A whole file as text, or the reject that says where it is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        return None, reject(ctx, None, f"not UTF-8 text: {err.reason} at byte {err.start}", fmt)


def load_json_document(data: bytes, ctx: FileContext, fmt: str) -> tuple[Any, Reject | None]:
    """Decode a whole-file JSON document, or say where it is broken."""
    text, problem = decode_utf8(data, ctx, fmt)
    if problem:
        return None, problem
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        return None, reject(ctx, err.lineno, f"invalid JSON: {err.msg} at column {err.colno}", fmt)
    except RecursionError:
        return None, reject(ctx, None, "JSON nested too deeply to read", fmt)


def typed_document(data: bytes, ctx: FileContext, fmt: str, kind: type, expected: str) -> Generator[Reject, None, Any]:
    """The whole-file JSON document when it is a `kind`; else None, once the reject saying why is given."""
    value, problem = load_json_document(data, ctx, fmt)
    if problem:
        yield problem
        return None
    if not isinstance(value, kind):
        yield reject(ctx, None, f"expected {expected}, got {type(value).__name__}", fmt)
        return None
    return value
