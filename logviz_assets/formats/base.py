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
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from logviz_assets.formats.common import canonical_json
from logviz_assets.record import Record, Reject

Item = Record | Reject


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
    # Lines that cannot make a record may be passed over without decoding them, which is
    # most of the cost of a load: a whole JSON object (`{...}`) in which this pattern does
    # not occur is skipped. A broken line still fails the `{...}` test and is rejected.
    useful_line: re.Pattern[bytes] | None = None

    def parse_lines(
        self, lines: Iterable[tuple[int, bytes]], ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        """Decode each (line number, raw line) and hand objects to `parse_event`."""
        for line_no, raw in lines:
            stripped = raw.strip()
            if not stripped:
                continue
            if (
                self.useful_line is not None
                and stripped[:1] == b"{"
                and stripped[-1:] == b"}"
                and not self.useful_line.search(stripped)
            ):
                continue
            try:
                event = _decode_line(stripped)
            except json.JSONDecodeError as err:
                yield reject(ctx, line_no, f"invalid JSON: {err.msg} at column {err.colno}", self.name, _text(raw))
                continue
            if not isinstance(event, dict):
                yield reject(ctx, line_no, f"expected a JSON object, got {type(event).__name__}", self.name, _text(raw))
                continue
            try:
                yield from self.parse_event(event, line_no, ctx, state)
            except (KeyError, TypeError, ValueError, AttributeError) as err:
                yield reject(
                    ctx, line_no, f"unexpected event shape: {type(err).__name__}: {err}", self.name, _text(raw)
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


_TEXT_FIELDS = ("text", "tool_name", "tool_call_id", "role", "model", "provider", "agent_name", "project")


def tidy(record: Record) -> Record:
    """Text fields as text and ids without "/", whatever odd values the file held."""
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value is not None and not isinstance(value, str):
            setattr(record, name, canonical_json(value) if isinstance(value, dict | list) else str(value))
    for name in ("record_id", "run_id", "parent_id"):
        value = getattr(record, name)
        if value is not None:
            setattr(record, name, str(value).replace("/", "_"))
    return record


def tidied(items: Iterable[Item]) -> Iterator[Item]:
    """Tidy each record; a record id seen before (a malformed file repeating an id) gets `~n`."""
    seen: dict[str, int] = {}
    for item in items:
        if isinstance(item, Record):
            item = tidy(item)
            count = seen.get(item.record_id, 0) + 1
            seen[item.record_id] = count
            if count > 1:
                item.record_id = f"{item.record_id}~{count}"
        yield item


def _text(raw: bytes) -> str:
    # A line that is not valid UTF-8 is read with replacement characters, not rejected for it.
    return raw.decode("utf-8", errors="replace")


def _decode_line(raw: bytes) -> Any:
    """One JSON line; orjson is several times faster, json.loads takes what orjson refuses
    (NaN, Infinity) and words the error when both fail."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = _text(raw)
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)


def reject(ctx: FileContext, line: int | None, reason: str, fmt: str | None, excerpt: Any = None) -> Reject:
    """A reject row; `excerpt` is the offending text, or a decoded value shown as JSON."""
    if excerpt is not None and not isinstance(excerpt, str):
        try:
            excerpt = canonical_json(excerpt)
        except (TypeError, ValueError):
            excerpt = None
    return Reject(
        source_file=ctx.source_file,
        source_line=line,
        reason=reason,
        source_format=fmt,
        excerpt=excerpt[:500] if excerpt else None,
    )


def decode_utf8(data: bytes, ctx: FileContext, fmt: str) -> tuple[str | None, Reject | None]:
    """A whole file as text, or the reject that says where it is not UTF-8."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        return None, reject(ctx, None, f"not UTF-8 text: {err.reason} at byte {err.start}", fmt)


def first_json_line(head: bytes) -> dict[str, Any] | None:
    """The first line of `head` as a JSON object, or None (for JSONL detection)."""
    line = head.split(b"\n", 1)[0].strip()
    if not line:
        return None
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def load_json_document(data: bytes, ctx: FileContext, fmt: str) -> tuple[Any, Reject | None]:
    """Decode a whole-file JSON document, or say where it is broken."""
    text, problem = decode_utf8(data, ctx, fmt)
    if problem:
        return None, problem
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        return None, reject(ctx, err.lineno, f"invalid JSON: {err.msg} at column {err.colno}", fmt)


def first_array_element(head: bytes) -> Any:
    """The first element of a JSON array that starts in `head`, if it fits there."""
    text = head.decode("utf-8", errors="ignore").lstrip()
    if not text.startswith("["):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text[1:].lstrip())
    except json.JSONDecodeError:
        return None
    return value
