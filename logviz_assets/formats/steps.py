"""The two records every agent format builds alike: a tool call and the result it got."""

from __future__ import annotations

from typing import Any

from logviz_assets.record import Record


def tool_call(record_id: str, call_id: str | None, name: Any, arguments: str | None, **fields: Any) -> Record:
    """An assistant's call of tool `name`; `fields` are the rest (run, parent, times, model, ...)."""
    return _tool_step(record_id, "tool_call", "assistant", call_id, name, tool_args=arguments, **fields)


def tool_result(record_id: str, call_id: str | None, name: Any, text: str, **fields: Any) -> Record:
    """What tool `name` answered to call `call_id`; `fields` are the rest (run, parent, error, ...)."""
    return _tool_step(record_id, "tool_result", "tool", call_id, name, text=text, **fields)


def _tool_step(record_id: str, kind: str, role: str, call_id: str | None, name: Any, **fields: Any) -> Record:
    return Record(record_id=record_id, kind=kind, role=role, tool_name=name, tool_call_id=call_id, **fields)
