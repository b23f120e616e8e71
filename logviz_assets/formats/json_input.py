"""JSON as log files hold it: one line, the head of a file, values one after another.

Pure decoding, no rejects: detectors call these on a file's first bytes, parsers on
its lines and documents, and turn a failure into a reject themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson

_SPACE = re.compile(r"\s*")


def line_text(raw: bytes) -> str:
    # A line that is not valid UTF-8 is read with replacement characters, not rejected for it.
    return raw.decode("utf-8", errors="replace")


def decode_line(raw: bytes) -> Any:
    """One JSON line; orjson is several times faster, json.loads takes what orjson refuses
    (NaN, Infinity) and words the error when both fail."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = line_text(raw)
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)


def json_object(line: bytes) -> dict[str, Any] | None:
    """A line as a JSON object, or None when it is not one."""
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def first_json_line(head: bytes) -> dict[str, Any] | None:
    """The first line of `head` as a JSON object, or None (for JSONL detection)."""
    line = head.split(b"\n", 1)[0].strip()
    if not line:
        return None
    return json_object(line)


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


def sniff_json(head: bytes) -> Any:
    """The start of a file as JSON, for `detect`: the whole head if it parses, else its first
    value (JSON Lines, objects one after another), else a list holding the first element of a
    top-level array that the head cuts off."""
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    try:
        return decoder.raw_decode(text)[0]
    except json.JSONDecodeError:
        pass
    if text.startswith("["):
        try:
            return [decoder.raw_decode(text[1:].lstrip())[0]]
        except json.JSONDecodeError:
            return None
    return None


def iter_json_values(text: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line, value, problem) for each JSON value in `text`: one document, JSON Lines, or
    pretty-printed objects one after another.

    A broken value gives a problem and reading goes on at the next line that starts
    with `{` or `[`. A broken last value in a file of several that does not end in a
    newline is left out silently: the writer may still be writing it.
    """
    decoder = json.JSONDecoder()
    position, line, counted = 0, 1, 0
    found = 0
    while True:
        position = _SPACE.match(text, position).end()
        if position >= len(text):
            return
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as err:
            restarts = [i for i in (text.find("\n{", position), text.find("\n[", position)) if i != -1]
            if not restarts and found and not text.endswith("\n"):
                return
            # Past the next line that starts a value, the value was cut short on its own line.
            where = line if restarts and err.pos > min(restarts) else err.lineno
            yield where, None, f"invalid JSON: {err.msg} at line {err.lineno} column {err.colno}"
            if not restarts:
                return
            position = min(restarts) + 1
            continue
        found += 1
        yield line, value, None
        position = end
