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


def decode(value: Any) -> Any:
    """JSON held in a string, decoded; also JSON encoded twice (`"\\"[...]\\""`), as trace exports do."""
    for _ in range(3):
        if isinstance(value, str):
            text = value.strip()
            if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    return value
                continue
            decoded = maybe_json(text)
            if decoded is text:
                return value
            value = decoded
            continue
        return value
    return value


def text_of(value: Any) -> str | None:
    """A value as readable text: strings as they are (JSON text kept as written), anything else as JSON."""
    decoded = decode(value)
    if decoded is None:
        return None
    if isinstance(decoded, str):
        return decoded
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        return value
    return json.dumps(decoded, ensure_ascii=False, default=str)


def first_of(mapping: dict[str, Any], *keys: str) -> Any:
    """The value of the first key that holds something (not None, not "")."""
    for key in keys:
        value = mapping.get(key)
        if value is not None and value != "":
            return value
    return None


def split_model(name: Any) -> tuple[str | None, str | None]:
    """`provider/model` (LiteLLM style) as (model, provider); a bare name has no provider."""
    if not isinstance(name, str) or not name:
        return None, None
    if "/" in name:
        provider, model = name.split("/", 1)
        return model, provider
    return name, None


def chat_completion_usage(response: dict[str, Any]) -> dict[str, int | None]:
    """Token fields from the `usage` of a chat-completion response as LiteLLM returns it.

    `prompt_tokens` already counts cached prompt tokens (OpenAI convention); Anthropic
    models routed through LiteLLM name their cache reads `cache_read_input_tokens`.
    """
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    cache_read = to_int(usage.get("cache_read_input_tokens"))
    if cache_read is None:
        cache_read = to_int(details.get("cached_tokens"))
    return {
        "tokens_in": to_int(usage.get("prompt_tokens")),
        "tokens_out": to_int(usage.get("completion_tokens")),
        "tokens_cache_read": cache_read,
        "tokens_cache_write": to_int(usage.get("cache_creation_input_tokens")),
    }
