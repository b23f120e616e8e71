"""Claude Code transcripts: `~/.claude/projects/<encoded cwd>/<session>.jsonl`, and subagents' beside them.

One event a line, appended while the session runs, so the file is read as a stream.
What each line becomes: docs/formats.md, "Claude Code (`claude-code`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.base import FileContext, Item, JsonlFormat, Skip, reject, skipped_kind
from logviz_assets.formats.common import canonical_json, content_text, to_int, utc_iso
from logviz_assets.formats.ids import path_digest, tidy_text
from logviz_assets.formats.json_input import first_json_line
from logviz_assets.record import Record

NAME = "claude-code"
_RECENT_MESSAGE_IDS = 32
_RECENT_TOOL_CALLS = 256
_SIGNATURE = re.compile(rb'"sessionId"\s*:\s*"[^"]+"')
_LINE_TYPES = {"user", "assistant", "progress", "system", "summary", "file-history-snapshot", "queue-operation"}
# Lines the CLI writes for itself (titles, undo snapshots, hook progress, settings): counted, never shown.
_BOOKKEEPING = frozenset(
    {
        "progress",
        "system",
        "summary",
        "custom-title",
        "ai-title",
        "file-history-snapshot",
        "queue-operation",
        "attachment",
        "last-prompt",
        "agent-name",
        "agent-color",
        "agent-setting",
        "permission-mode",
        "pr-link",
        "worktree-state",
        "tag",
    }
)
# Only user and assistant lines make records; two thirds of a transcript is `progress`.
_USEFUL = re.compile(rb'"type"\s*:\s*"(?:user|assistant)"')
# Content blocks that are text: (record kind, the block's text field).
_TEXT_BLOCKS = {"text": ("message", "text"), "thinking": ("reasoning", "thinking")}
# Blocks of the Messages API that hold nothing to show as a step of their own.
_UNSHOWN_BLOCKS = frozenset(
    {
        "image",
        "document",
        "redacted_thinking",
        "server_tool_use",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "mcp_tool_use",
        "mcp_tool_result",
        "container_upload",
        "search_result",
        "tool_reference",
    }
)
_SUBAGENT_FILE = re.compile(r"agent-(.+)")
_SESSION_NAME = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


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


def file_run(source_file: str) -> tuple[str, str, str]:
    """(run id, session run id, agent name) a file's name implies, for a line that names no session.

    Claude Code names a transcript after its session, and a subagent's `agent-<id>.jsonl` sits in
    `<session>/subagents/`; a file named otherwise is named after a hash of its path.
    """
    path = PurePath(source_file)
    agent = _SUBAGENT_FILE.fullmatch(path.stem)
    if agent and path.parent.name == "subagents" and path.parent.parent.name:
        session = path.parent.parent.name
        return f"{session}:agent-{agent.group(1)}", session, f"agent-{agent.group(1)}"
    session = path.stem if _SESSION_NAME.fullmatch(path.stem) else path_digest(source_file)
    return session, session, "main"


def run_record_id(run_id: str) -> str:
    return f"{NAME}:{run_id}"


def tool_call_record_id(run_id: str, tool_use_id: str) -> str:
    return f"{NAME}:{run_id}:{tool_use_id}"


class ClaudeCode(JsonlFormat):
    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        event = first_json_line(head)
        if event is not None:
            return event.get("type") in _LINE_TYPES and (
                "sessionId" in event or event.get("type") in ("summary", "file-history-snapshot")
            )
        # A first line longer than the head: fall back to its shape.
        return head.lstrip().startswith(b"{") and bool(_SIGNATURE.search(head)) and b'"parentUuid"' in head

    def passed_over(self, stripped: bytes) -> str | None:
        """Only a line of a known bookkeeping type is passed over undecoded: a line of a type this
        parser does not know (a misspelt or a new one) is decoded, and rejected as such."""
        if stripped[:1] != b"{" or stripped[-1:] != b"}" or _USEFUL.search(stripped):
            return None
        kind = skipped_kind(stripped)
        return kind if kind in _BOOKKEEPING else None

    def parse_event(
        self, event: dict[str, Any], line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        kind = event.get("type")
        if kind not in ("user", "assistant"):
            if kind in _BOOKKEEPING:
                yield Skip(line_no, kind)
            else:
                what = f"a line of type {kind!r}" if isinstance(kind, str) else "a line without a type"
                yield reject(ctx, line_no, f"{what}: not a Claude Code line type this parser knows", NAME, event)
            return
        if event.get("isMeta"):
            yield Skip(line_no, f"{kind} (isMeta)")
            return
        message = event.get("message")
        if isinstance(message, str):  # the text alone, without its envelope: still what was said
            message = {"role": kind, "content": message}
        if not isinstance(message, dict):
            yield reject(ctx, line_no, f"a {kind} line without a message object", NAME, event)
            return
        run_id, session_run, agent_name = self._run_of(event, ctx, state)
        base = {
            "run_id": run_id,
            "source_format": NAME,
            "agent_name": agent_name,
            "is_subagent": run_id != session_run,
            "project": event.get("cwd"),
            "source_file": ctx.source_file,
            "source_line": line_no,
            "ts_start": utc_iso(event.get("timestamp")),
        }
        yield from self._run_record(session_run, run_id, base, state)

        if "content" not in message:
            yield reject(ctx, line_no, f"a {kind} message without content", NAME, event)
            return
        blocks = message["content"]
        if isinstance(blocks, str) or blocks is None:
            blocks = [{"type": "text", "text": blocks or ""}]
        elif isinstance(blocks, dict):  # one block, not in a list
            blocks = [blocks]
        elif not isinstance(blocks, list):
            reason = f"a {kind} message whose content is a {type(blocks).__name__}, not text or a list of blocks"
            yield reject(ctx, line_no, reason, NAME, event)
            return
        uuid = event.get("uuid") or f"line{line_no}"
        usage = self._usage_once(message, state)
        shown = 0
        for index, block in enumerate(blocks):
            if isinstance(block, str):  # a list of strings, as other chat formats write text
                block = {"type": "text", "text": block}
            if not isinstance(block, dict):
                continue
            record = self._block_record(block, message, event, run_id, f"{NAME}:{run_id}:{uuid}:{index}", base)
            if record is None:
                continue
            record.seq = _next_seq(state, run_id)
            _pair_tool_name(record, state)
            if record.role == "assistant" and usage:
                record.tokens_in, record.tokens_out, record.tokens_cache_read, record.tokens_cache_write = usage
                usage = None
            shown += 1
            yield tidy_text(record)
        if not shown:
            yield _nothing_shown(blocks, kind, line_no, ctx, event)

    def _run_of(self, event: dict[str, Any], ctx: FileContext, state: dict[str, Any]) -> tuple[str, str, str]:
        """(run id, session run id, agent name) of a line: its own, else the previous line's, else the file's."""
        run_id = run_id_of(event)
        if run_id is not None:
            agent = event.get("agentId")
            return run_id, str(event.get("sessionId")), f"agent-{agent}" if agent else "main"
        previous = state.get("last_run")
        if previous:
            return tuple(previous)
        return file_run(ctx.source_file)

    def _run_record(
        self, session_run: str, run_id: str, base: dict[str, Any], state: dict[str, Any]
    ) -> Iterator[Record]:
        state["last_run"] = [run_id, session_run, base["agent_name"]]
        seen = state.setdefault("runs", [])
        if run_id in seen:
            return
        seen.append(run_id)
        # A subagent hangs under its session until the spawning tool call is known.
        parent = run_record_id(session_run) if base["is_subagent"] else None
        yield tidy_text(
            Record(
                record_id=run_record_id(run_id),
                kind="run",
                parent_id=parent,
                seq=-1,
                text=None,
                **base,
            )
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
        self,
        block: dict[str, Any],
        message: dict[str, Any],
        event: dict[str, Any],
        run_id: str,
        record_id: str,
        base: dict[str, Any],
    ) -> Record | None:
        role = message.get("role") or event.get("type")
        block_type = block.get("type")
        run_parent = run_record_id(run_id)
        common = {"model": message.get("model"), "provider": "anthropic" if role == "assistant" else None}
        if isinstance(block_type, str) and block_type in _TEXT_BLOCKS:
            kind, field = _TEXT_BLOCKS[block_type]
            text = block.get(field)
            if text is not None and not isinstance(text, str):
                text = content_text(text)
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


def _nothing_shown(blocks: list[Any], kind: str, line_no: int, ctx: FileContext, event: dict[str, Any]) -> Item:
    """Why a user or assistant line gave no step: a skip for what is empty or has nothing to show,
    a reject for blocks of no known shape (a text block without its text field among them)."""
    unknown: list[str] = []
    unshown: list[str] = []
    for block in blocks:
        if isinstance(block, str):  # an empty string: empty text
            continue
        block_type = block.get("type") if isinstance(block, dict) else None
        known = isinstance(block_type, str)
        if known and block_type in _TEXT_BLOCKS:
            field = _TEXT_BLOCKS[block_type][1]
            if field not in block:
                unknown.append(f"{block_type} without {field!r}")
        elif known and block_type in _UNSHOWN_BLOCKS:
            unshown.append(block_type)
        else:
            unknown.append(repr(block_type) if isinstance(block, dict) else type(block).__name__)
        if len(unknown) == 5:  # enough to say why; a huge list need not be read to its end
            break
    if unknown:
        reason = f"a {kind} message with no content block of a known shape ({', '.join(unknown)})"
        return reject(ctx, line_no, reason, NAME, event)
    return Skip(line_no, f"{unshown[0]} block" if unshown else "empty message")


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
