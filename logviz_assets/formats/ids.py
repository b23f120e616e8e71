"""Record and run ids: how formats name them, and the one rule that makes an id safe.

Ids end up in URL paths, so no id may hold "/": `safe_id` is that rule, and every
other helper here applies it. `tidied` is the last pass over a format's records.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from logviz_assets.formats.common import canonical_json
from logviz_assets.record import Record, Reject

_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={1,2}")
_TEXT_FIELDS = ("text", "tool_name", "tool_call_id", "role", "model", "provider", "agent_name", "project")
_ID_FIELDS = ("record_id", "run_id", "parent_id")


def safe_id(value: Any) -> str:
    """A value as a piece of an id: text without "/"."""
    return str(value).replace("/", "_")


def clean_id(value: Any) -> str | None:
    """A trace or span id as a safe string, or None.

    Integers (some SDKs dump 128-bit ids as numbers) are kept exactly as decimal text;
    `0x` prefixes are dropped; base64 ids (protobuf JSON) become hex; all-zero ids,
    which OpenTelemetry uses for "none", are None.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int):
        return str(value) if value else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[:2].lower() == "0x":
        text = text[2:]
    if not text or text.strip("0") == "":
        return None
    if len(text) in (12, 24) and _BASE64.fullmatch(text) and not _HEX.fullmatch(text):
        with contextlib.suppress(binascii.Error, ValueError):
            text = base64.b64decode(text, validate=True).hex()
    return safe_id(text)


def path_digest(source_file: str, length: int = 16) -> str:
    """A stable short name for a file, for formats whose files hold no run id."""
    return hashlib.sha1(source_file.encode()).hexdigest()[:length]


def file_run_id(fmt: str, source_file: str) -> str:
    return f"{fmt}:{path_digest(source_file)}"


def instance_run_id(fmt: str, instance: Any, source_file: str) -> str:
    """A run of a benchmark instance: instance ids repeat across runs, so the file is part of the id."""
    return f"{fmt}:{safe_id(instance)}:{path_digest(source_file, 12)}"


def run_record_id(run_id: str) -> str:
    return f"{run_id}:run"


def call_record_id(run_key: str, call_id: Any) -> str:
    """The record id of a tool call, which its result's `parent_id` names too."""
    return f"{run_key}:call:{safe_id(call_id)}"


def tidy_text(record: Record) -> Record:
    """Text fields as text, whatever odd values the file held (ids left as they are)."""
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if value is not None and not isinstance(value, str):
            setattr(record, name, canonical_json(value) if isinstance(value, dict | list) else str(value))
    return record


def tidy(record: Record) -> Record:
    """Text fields as text and safe ids, whatever odd values the file held."""
    tidy_text(record)
    for name in _ID_FIELDS:
        value = getattr(record, name)
        if value is not None:
            setattr(record, name, safe_id(value))
    return record


def tidied(items: Iterable[Record | Reject]) -> Iterator[Record | Reject]:
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
