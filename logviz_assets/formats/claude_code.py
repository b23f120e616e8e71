"""Claude Code transcripts: `~/.claude/projects/<encoded cwd>/<session>.jsonl`, and subagents' beside them.

One event a line, appended while the session runs, so the file is read as a stream.
What each line becomes: docs/formats.md, "Claude Code (`claude-code`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.base import FileContext, Item, JsonlFormat
from logviz_assets.formats.common import canonical_json, content_text, to_int, utc_iso
from logviz_assets.formats.json_input import first_json_line
from logviz_assets.record import Record

NAME = "claude-code"
_RECENT_MESSAGE_IDS = 32
_RECENT_TOOL_CALLS = 256
_SIGNATURE = re.compile(rb'"sessionId"\s*:\s*"[^"]+"')
_LINE_TYPES = {"user", "assistant", "progress", "system", "summary", "file-history-snapshot", "queue-operation"}
# Content blocks that are text: (record kind, the block's text field).
_TEXT_BLOCKS = {"text": ("message", "text"), "thinking": ("reasoning", "thinking")}


def run_id_of(event: dict[str, Any]) -> str | None:
    """Session id for the main agent, `<session>:agent-<id>` for a subagent."""
    session = event.get("sessionId")
    if not session:
        return None
    agent = event.get("agentId")
    if agent:
        return f"{session}:agent-{agent}"
    if event.get("isSidechain"):
        return f"{session}:sidechain"
    return str(session)


def run_record_id(run_id: str) -> str:
    return f"{NAME}:{run_id}"


def tool_call_record_id(run_id: str, tool_use_id: str) -> str:
    return f"{NAME}:{run_id}:{tool_use_id}"


class ClaudeCode(JsonlFormat):
    name = NAME
    # Only user and assistant lines make records; two thirds of a transcript is `progress`.
    useful_line = re.compile(rb'"type"\s*:\s*"(?:user|assistant)"')

    def detect(self, head: bytes, path: str) -> bool:
        event = first_json_line(head)
        if event is not None:
            return event.get("type") in _LINE_TYPES and (
                "sessionId" in event or event.get("type") in ("summary", "file-history-snapshot")
            )
        # A first line longer than the head: fall back to its shape.
        return head.lstrip().startswith(b"{") and bool(_SIGNATURE.search(head)) and b'"parentUuid"' in head

    def parse_event(
        self, event: dict[str, Any], line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        kind = event.get("type")
        if kind not in ("user", "assistant") or event.get("isMeta"):
            return
        run_id = run_id_of(event)
        message = event.get("message")
        if run_id is None or not isinstance(message, dict):
            return
        base = {
            "run_id": run_id,
            "source_format": NAME,
            "agent_name": f"agent-{event['agentId']}" if event.get("agentId") else "main",
            "is_subagent": run_id != str(event.get("sessionId")),
            "project": event.get("cwd"),
            "source_file": ctx.source_file,
            "source_line": line_no,
            "ts_start": utc_iso(event.get("timestamp")),
        }
        yield from self._run_record(event, run_id, base, state)

        blocks = message.get("content")
        if isinstance(blocks, str) or blocks is None:
            blocks = [{"type": "text", "text": blocks or ""}]
        uuid = event.get("uuid") or f"line{line_no}"
        usage = self._usage_once(message, state)
        for index, block in enumerate(blocks):
            if not isinstance(block, dict):
                continue
            record = self._block_record(block, event, run_id, f"{NAME}:{run_id}:{uuid}:{index}", base)
            if record is None:
                continue
            record.seq = _next_seq(state, run_id)
            _pair_tool_name(record, state)
            if record.role == "assistant" and usage:
                record.tokens_in, record.tokens_out, record.tokens_cache_read, record.tokens_cache_write = usage
                usage = None
            yield record

    def _run_record(
        self, event: dict[str, Any], run_id: str, base: dict[str, Any], state: dict[str, Any]
    ) -> Iterator[Record]:
        seen = state.setdefault("runs", [])
        if run_id in seen:
            return
        seen.append(run_id)
        session_run = str(event.get("sessionId"))
        # A subagent hangs under its session until the spawning tool call is known.
        parent = run_record_id(session_run) if base["is_subagent"] else None
        yield Record(
            record_id=run_record_id(run_id),
            kind="run",
            parent_id=parent,
            seq=-1,
            text=None,
            **base,
        )

    def _usage_once(self, message: dict[str, Any], state: dict[str, Any]) -> tuple[int | None, ...] | None:
        usage = message.get("usage")
        if message.get("role") != "assistant" or not isinstance(usage, dict):
            return None
        message_id = message.get("id")
        recent: list[str] = state.setdefault("message_ids", [])
        if message_id:
            if message_id in recent:
                return None
            recent.append(message_id)
            del recent[:-_RECENT_MESSAGE_IDS]
        cache_read = to_int(usage.get("cache_read_input_tokens"))
        cache_write = to_int(usage.get("cache_creation_input_tokens"))
        # Anthropic's input_tokens excludes cached tokens; ours counts every prompt token.
        tokens_in = sum(v for v in (to_int(usage.get("input_tokens")), cache_read, cache_write) if v is not None)
        return tokens_in, to_int(usage.get("output_tokens")), cache_read, cache_write

    def _block_record(
        self, block: dict[str, Any], event: dict[str, Any], run_id: str, record_id: str, base: dict[str, Any]
    ) -> Record | None:
        message = event["message"]
        role = message.get("role") or event.get("type")
        block_type = block.get("type")
        run_parent = run_record_id(run_id)
        common = {"model": message.get("model"), "provider": "anthropic" if role == "assistant" else None}
        if isinstance(block_type, str) and block_type in _TEXT_BLOCKS:
            kind, field = _TEXT_BLOCKS[block_type]
            text = block.get(field)
            if not text:
                return None
            return Record(record_id=record_id, kind=kind, role=role, text=text, parent_id=run_parent, **common, **base)
        if block_type == "tool_use":
            call_id = str(block.get("id") or record_id)
            return Record(
                record_id=tool_call_record_id(run_id, call_id),
                kind="tool_call",
                role=role,
                tool_name=block.get("name"),
                tool_call_id=call_id,
                tool_args=canonical_json(block.get("input") or {}),
                parent_id=run_parent,
                **common,
                **base,
            )
        if block_type == "tool_result":
            call_id = str(block.get("tool_use_id") or "")
            result = event.get("toolUseResult")
            spawned = None
            if isinstance(result, dict) and result.get("agentId"):
                spawned = f"{event.get('sessionId')}:agent-{result['agentId']}"
            return Record(
                record_id=f"{tool_call_record_id(run_id, call_id)}:result" if call_id else record_id,
                kind="tool_result",
                role="tool",
                text=content_text(block.get("content")) or "",
                tool_call_id=call_id or None,
                is_error=bool(block.get("is_error")),
                parent_id=tool_call_record_id(run_id, call_id) if call_id else run_parent,
                spawned_run_id=spawned,
                **base,
            )
        return None


def _pair_tool_name(record: Record, state: dict[str, Any]) -> None:
    """Give a tool result its call's tool name: the result line does not repeat it.

    Recent calls are remembered as a list (state is saved as JSON with sorted keys, so a
    dict would lose its order); a result comes within a few lines of its call.
    """
    recent: list[list[str]] = state.setdefault("tool_names", [])
    if record.kind == "tool_call" and record.tool_call_id and record.tool_name:
        recent.append([record.tool_call_id, record.tool_name])
        del recent[:-_RECENT_TOOL_CALLS]
    elif record.kind == "tool_result" and record.tool_call_id:
        record.tool_name = next((name for call, name in reversed(recent) if call == record.tool_call_id), None)


def _next_seq(state: dict[str, Any], run_id: str) -> int:
    counters: dict[str, int] = state.setdefault("seq", {})
    value = counters.get(run_id, 0)
    counters[run_id] = value + 1
    return value
