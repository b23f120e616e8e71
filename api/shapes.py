"""Query rows into the response models shared by several routers."""

from __future__ import annotations

from typing import Any

from api.models import Point


def point_of(row: dict[str, Any]) -> Point:
    return Point(**{name: row[name] for name in Point.model_fields})


def text_of(row: dict[str, Any]) -> str | None:
    """A step's text; a tool call's is its tool and arguments."""
    return row.get("text") or (f"{row.get('tool_name') or ''} {row.get('tool_args') or ''}".strip() or None)
