"""The record: one step of an agent run, as every format parser emits it.

Parsers build `Record`s and `Reject`s from plain values; the store writes them as
rows of the `records` and `rejects` tables in the column order given here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_args

Kind = Literal["run", "message", "reasoning", "tool_call", "tool_result", "llm_call"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass
class Record:
    """One step a person would want to see as a point on the map.

    `spawned_run_id` is set on a tool call (or its result) that started another run,
    such as a Claude Code `Task` that ran a subagent; after a load the store points
    that run's `parent_id` at the tool call, whichever file was read first.
    """

    record_id: str
    run_id: str
    kind: Kind
    source_format: str
    parent_id: str | None = None
    seq: int | None = None
    role: str | None = None
    text: str | None = None
    tool_name: str | None = None
    tool_call_id: str | None = None
    tool_args: str | None = None
    is_error: bool | None = None
    agent_name: str | None = None
    is_subagent: bool = False
    model: str | None = None
    provider: str | None = None
    ts_start: str | None = None
    ts_end: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    tokens_cache_read: int | None = None
    tokens_cache_write: int | None = None
    cost_usd: float | None = None
    spawned_run_id: str | None = None
    project: str | None = None
    source_file: str | None = None
    source_line: int | None = None
    raw: str | None = None
    # The full length in characters of a text or tool arguments cut to `limits.MAX_TEXT_CHARS`.
    text_cut_from: int | None = None
    tool_args_cut_from: int | None = None
    # Which redaction rules replaced something in this record, and how often: JSON such as
    # {"github-token": 1}; None when nothing was redacted. Never the values.
    redactions: str | None = None


RECORD_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Record))


@dataclass
class Reject:
    """A piece of input that could not be read: where it is and why."""

    source_file: str
    source_line: int | None
    reason: str
    source_format: str | None = None
    excerpt: str | None = None


REJECT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Reject))


@dataclass
class ParseState:
    """What a streaming parser carries from one read of a growing file to the next."""

    values: dict[str, Any] = field(default_factory=dict)

    def dumps(self) -> str:
        return json.dumps(self.values, sort_keys=True)

    @classmethod
    def loads(cls, text: str | None) -> ParseState:
        return cls(json.loads(text) if text else {})
