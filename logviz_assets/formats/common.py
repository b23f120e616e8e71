"""Small value conversions every parser needs, kept in one place so formats agree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def utc_iso(value: Any) -> str | None:
    """A timestamp as ISO 8601 in UTC (`2026-02-10T22:57:54.684000+00:00`), or None.

    Accepts ISO strings (with `Z`, an offset, or none: taken as UTC), and numbers of
    seconds, milliseconds or nanoseconds since the epoch.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
        if seconds > 1e17:  # nanoseconds
            seconds /= 1e9
        elif seconds > 1e11:  # milliseconds
            seconds /= 1e3
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):  # not a plausible time
            return None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return utc_iso(int(text))
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).isoformat()
    return None


def to_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal arguments give equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def maybe_json(value: Any) -> Any:
    """Decode a string that holds JSON (as many trace exports store fields); else return it."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def content_text(content: Any) -> str | None:
    """The readable text of a message's content: a string, or a list of parts.

    Text parts are joined by blank lines; images and other binary parts are named
    by a placeholder so a step that was only an image still has something to show.
    """
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return str(content)
    pieces: list[str] = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
        elif isinstance(part, dict):
            kind = part.get("type")
            if isinstance(part.get("text"), str):
                pieces.append(part["text"])
            elif isinstance(part.get("content"), str):
                pieces.append(part["content"])
            elif kind in ("image", "image_url", "input_image"):
                pieces.append("[image]")
    return "\n\n".join(pieces) if pieces else None
