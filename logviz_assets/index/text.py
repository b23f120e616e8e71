"""The text a record is embedded as, and the key its vector is stored under.

The text is derived from the record rather than stored a second time: a tool call is its
tool name and normalised arguments, a result is marked when it failed, and long texts are
cut to what the model reads anyway (all-MiniLM-L6-v2 stops at 256 word pieces, about
1,000 characters of prose or code), which also keeps tokenising a 100 KB output cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from logviz_assets.record import Record

MAX_EMBED_CHARS = 1200


def embed_text(
    kind: str,
    text: str | None,
    tool_name: str | None = None,
    tool_args: str | None = None,
    is_error: bool | None = None,
) -> str:
    """What the model sees for a record.

    A step with no text (an empty tool output, say) still gets a point: all such steps
    of one kind share the placeholder text, so they gather in one spot of the map.
    """
    body = " ".join(part for part in (tool_name, tool_args) if part) if kind == "tool_call" else (text or "")
    body = body.strip() or f"(empty {kind.replace('_', ' ')})"
    if kind == "tool_result" and is_error:
        body = f"error: {body}"
    return body[:MAX_EMBED_CHARS]


def text_hash(text: str) -> str:
    """Stable key of an embedded text (the model is added to it in the vector key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def vector_key(text_key: str, model: str) -> str:
    """Key of one vector: the same text under another model is another vector."""
    return hashlib.sha256(f"{model}\0{text_key}".encode()).hexdigest()[:32]


def text_hashes_of(records: Iterable[Record]) -> list[str]:
    """The hash of the text each record will be embedded as (computed where the file is read)."""
    return [text_hash(embed_text(r.kind, r.text, r.tool_name, r.tool_args, r.is_error)) for r in records]
