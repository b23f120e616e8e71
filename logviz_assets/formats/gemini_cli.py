"""Gemini CLI chat recordings: `~/.gemini/tmp/<project hash>/chats/session-*.json` (newer: `.jsonl`).

Both forms are rewritten (or re-logged) as the chat changes, so they are read whole; one
file is one run. What each message becomes: docs/formats.md, "Gemini CLI (`gemini-cli`)".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.base import DocumentFormat, FileContext, Item, Skip, load_json_document, object_line, reject
from logviz_assets.formats.common import canonical_json, content_text, to_int, utc_iso
from logviz_assets.formats.ids import call_record_id, run_record_id, safe_id, tidy_text
from logviz_assets.formats.json_input import first_json_line, json_object, line_text
from logviz_assets.record import Record, Reject

NAME = "gemini-cli"
_SESSION_KEY = re.compile(rb'"sessionId"\s*:\s*"')
_PROJECT_KEY = re.compile(rb'"projectHash"\s*:\s*"')
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Notices of the CLI itself, not steps of the chat.
_NOTICES = ("info", "warning")
_MESSAGE_TYPES = ("user", "gemini", "error", *_NOTICES)


def _record_key(run_id: str) -> str:
    """The start of every record id of a run: the run id is the bare session id, record ids name the format."""
    return f"{NAME}:{run_id}"


def _parts_text(content: Any) -> str | None:
    """Text of Gemini `PartListUnion` content: a string, a part, or a list of them."""
    if isinstance(content, list):
        content = [part for part in content if not (isinstance(part, dict) and part.get("thought") is True)]
    return content_text(content)


def _result_text(call: dict[str, Any]) -> tuple[str, bool]:
    """(text, holds an error) of a tool call's recorded result."""
    pieces: list[str] = []
    has_error = False
    result = call.get("result")
    for part in result if isinstance(result, list) else [result] if result is not None else []:
        if isinstance(part, str):
            pieces.append(part)
            continue
        if not isinstance(part, dict):
            continue
        function_response = part.get("functionResponse")
        response = function_response.get("response") if isinstance(function_response, dict) else None
        if isinstance(response, dict):
            if "error" in response:
                has_error = True
            value = response.get("output", response.get("error", response))
            pieces.append(value if isinstance(value, str) else canonical_json(value))
        elif isinstance(part.get("text"), str):
            pieces.append(part["text"])
    if not pieces and isinstance(call.get("resultDisplay"), str):
        pieces.append(call["resultDisplay"])
    return "\n\n".join(p for p in pieces if p), has_error


def _tokens(tokens: Any) -> dict[str, int | None] | None:
    if not isinstance(tokens, dict):
        return None
    prompt, tool = to_int(tokens.get("input")), to_int(tokens.get("tool"))
    output, thoughts = to_int(tokens.get("output")), to_int(tokens.get("thoughts"))
    tokens_in = None if prompt is None and tool is None else (prompt or 0) + (tool or 0)
    tokens_out = None if output is None and thoughts is None else (output or 0) + (thoughts or 0)
    return {"tokens_in": tokens_in, "tokens_out": tokens_out, "tokens_cache_read": to_int(tokens.get("cached"))}


class _LineFinder:
    """Line numbers of message ids in the raw text, searched forward (one pass overall)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0
        self.line = 1

    def line_of(self, message_id: Any) -> int | None:
        if not isinstance(message_id, str):
            return None
        pattern = re.compile(rb'"id"\s*:\s*' + re.escape(json.dumps(message_id).encode()))
        match = pattern.search(self.data, self.position)
        if match is None:
            return None
        self.line += self.data.count(b"\n", self.position, match.start())
        self.position = match.start()
        return self.line


class _Fold:
    """A JSONL session folded the way Gemini CLI loads it: metadata, and messages with the line of their last write.

    It also keeps what became of each line it took, so that a line whose message is not in the
    folded session (written again later, taken back, replaced) is still accounted for.
    """

    def __init__(self) -> None:
        self.metadata: dict[str, Any] = {}
        self.folded: dict[str, tuple[dict[str, Any], int]] = {}
        self.replaced: list[tuple[Any, int]] | None = None
        self.kinds: dict[int, str] = {}  # the kind of each line taken
        self.fates: dict[int, str] = {}  # why a message line is not in the folded session

    def take(self, record: dict[str, Any], line_no: int) -> bool:
        """Fold one line in; False when it is none of the line kinds."""
        message_id = record.get("id")
        if isinstance(message_id, int) and not isinstance(message_id, bool):
            message_id = str(message_id)
        if isinstance(record.get("$rewindTo"), str):
            self.kinds[line_no] = "$rewindTo"
            target = record["$rewindTo"]
            ids = list(self.folded)
            for dropped in ids[ids.index(target) :] if target in self.folded else ids:
                self._fate(self.folded.pop(dropped)[1], "message taken back by a rewind")
        elif isinstance(message_id, str):
            self._message(record if message_id == record["id"] else {**record, "id": message_id}, line_no)
        elif isinstance(record.get("$set"), dict):
            self.kinds[line_no] = "$set"
            patch = record["$set"]
            self.metadata.update({k: v for k, v in patch.items() if k != "messages"})
            if isinstance(patch.get("messages"), list) and patch["messages"]:
                self.replaced = [(m, line_no) for m in patch["messages"]]
        elif isinstance(record.get("sessionId"), str):
            self.kinds[line_no] = "session metadata"
            self.metadata.update({k: v for k, v in record.items() if k != "messages"})
            if isinstance(record.get("messages"), list):
                for message in record["messages"]:
                    if isinstance(message, dict) and isinstance(message.get("id"), str):
                        self.folded[message["id"]] = (message, line_no)
        elif record.get("type") in _MESSAGE_TYPES and "id" not in record:
            # A message without its id: named after its line, so it is still one step, and only once.
            self._message({**record, "id": f"line{line_no}"}, line_no)
        else:
            return False
        return True

    def _message(self, message: dict[str, Any], line_no: int) -> None:
        self.kinds[line_no] = "message"
        earlier = self.folded.get(message["id"])
        if earlier is not None:
            self._fate(earlier[1], "message written again later")
        self.folded[message["id"]] = (message, line_no)  # a known id keeps its place, takes the newest content

    def _fate(self, line_no: int, fate: str) -> None:
        if self.kinds.get(line_no) == "message":
            self.fates[line_no] = fate

    def messages(self) -> list[tuple[Any, int]]:
        return self.replaced if self.replaced is not None else [(m, line) for m, line in self.folded.values()]

    def unshown(self) -> Iterator[Skip]:
        """A skip for each line taken whose content is not in the folded session's messages."""
        live = {line for _, line in self.messages()}
        for line_no, kind in self.kinds.items():
            if line_no not in live:
                fate = self.fates.get(line_no) or ("message replaced by $set.messages" if kind == "message" else kind)
                yield Skip(line_no, fate)


class GeminiCli(DocumentFormat):
    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        start = head.lstrip()
        if not start.startswith(b"{"):
            return False
        first = first_json_line(head)
        if first is not None:
            # One line: a JSONL metadata line, or a whole session written without indentation.
            return (
                isinstance(first.get("sessionId"), str)
                and isinstance(first.get("projectHash"), str)
                and ("type" not in first)
            )
        window = start[:2048]
        return bool(_SESSION_KEY.search(window) and _PROJECT_KEY.search(window)) and b'"parentUuid"' not in window

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        stripped = data.strip()
        if b"\n" in stripped and json_object(stripped.split(b"\n", 1)[0]) is not None:
            yield from self._jsonl(data, ctx)
            return
        value, problem = load_json_document(data, ctx, NAME)
        if problem:
            yield problem
            return
        if not isinstance(value, dict) or not isinstance(value.get("sessionId"), str):
            yield reject(ctx, None, "expected a Gemini CLI session object (sessionId, messages)", NAME)
            return
        lines = _LineFinder(data)
        listed = value.get("messages") if isinstance(value.get("messages"), list) else []
        messages = [(m, lines.line_of(m.get("id")) if isinstance(m, dict) else None) for m in listed]
        yield from self._session(value, messages, ctx)

    def _jsonl(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        """Every line accounted for, as for a stream: records, a reject, or a skip naming its kind."""
        fold = _Fold()
        lines = data.split(b"\n")
        if lines and not lines[-1]:  # the newline that ends the last line starts no line
            lines.pop()
        for line_no, raw in enumerate(lines, start=1):
            if not raw.strip():
                yield Skip(line_no, "blank line")
                continue
            record = object_line(raw, raw, line_no, ctx, NAME, json.loads)
            if isinstance(record, Reject):
                yield record
            elif not fold.take(record, line_no):
                reason = "line is neither a message, a $set, a $rewindTo nor session metadata"
                yield reject(ctx, line_no, reason, NAME, line_text(raw))
        if not isinstance(fold.metadata.get("sessionId"), str):
            yield reject(ctx, None, "no sessionId in the session metadata", NAME)
            return
        yield from self._session(fold.metadata, fold.messages(), ctx)
        yield from fold.unshown()

    def _session(
        self,
        session: dict[str, Any],
        messages: list[tuple[Any, int | None]],
        ctx: FileContext,
    ) -> Iterator[Item]:
        run_id = safe_id(session.get("sessionId") or "")
        if not run_id:
            yield reject(ctx, None, "no sessionId in the session", NAME)
            return
        directories = session.get("directories")
        is_subagent = session.get("kind") == "subagent"
        parent = None
        if is_subagent:
            folder = PurePath(ctx.source_file).parent.name
            if _UUID.match(folder) and folder != run_id:
                parent = run_record_id(_record_key(folder))
        base = {
            "run_id": run_id,
            "source_format": NAME,
            "source_file": ctx.source_file,
            "agent_name": "subagent" if is_subagent else "main",
            "is_subagent": is_subagent,
            "project": directories[0] if isinstance(directories, list) and directories else None,
        }
        prompt = next(
            (_parts_text(m.get("content")) for m, _ in messages if isinstance(m, dict) and m.get("type") == "user"),
            None,
        )
        model = next(
            (
                m.get("model")
                for m, _ in messages
                if isinstance(m, dict) and m.get("type") == "gemini" and m.get("model")
            ),
            None,
        )
        yield Record(
            record_id=run_record_id(_record_key(run_id)),
            kind="run",
            parent_id=parent,
            seq=-1,
            text=prompt or session.get("summary"),
            model=model,
            provider="google" if model else None,
            ts_start=utc_iso(session.get("startTime")),
            ts_end=utc_iso(session.get("lastUpdated")),
            source_line=1,
            **base,
        )
        seq = 0
        for index, (message, line) in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                yield reject(ctx, line, f"message {index} has no type", NAME, canonical_json(message)[:500])
                continue
            records = _message_records(message, index, run_id, line, base)
            for record in records:
                record.seq = seq
                seq += 1
                yield tidy_text(record)  # names of odd types (a number, an object) become text
            if not records:
                why = _nothing_shown(message, line, ctx)
                if isinstance(why, Reject) or line is not None:  # a skip without a line would count as a unit
                    yield why


@dataclass
class _Message:
    """One session message and what all its records share."""

    body: dict[str, Any]
    index: int
    key: str
    ts: str | None
    common: dict[str, Any]
    run_key: str


def _message_records(
    message: dict[str, Any], index: int, run_id: str, line: int | None, base: dict[str, Any]
) -> list[Record]:
    run_key = _record_key(run_id)
    key = f"{run_key}:{safe_id(message.get('id') or f'm{index}')}"
    ts = utc_iso(message.get("timestamp"))
    common = {"source_line": line, "parent_id": run_record_id(run_key), **base}
    handler = _HANDLERS.get(message["type"])
    if handler is None:
        return []  # a notice of the CLI, or a type this parser does not know: see `_nothing_shown`
    return handler(_Message(message, index, key, ts, common, run_key))


def _nothing_shown(message: dict[str, Any], line: int | None, ctx: FileContext) -> Item:
    """Why a message gave no step: a skip for a notice or an empty message, a reject for a shape not known."""
    kind = message["type"]
    if kind in _NOTICES:
        return Skip(line, f"{kind} message")
    if kind not in _HANDLERS:
        reason = f"a message of type {kind!r}: not a Gemini CLI message type this parser knows"
        return reject(ctx, line, reason, NAME, canonical_json(message)[:500])
    if "content" not in message:
        return reject(ctx, line, f"a {kind} message without content", NAME, canonical_json(message)[:500])
    return Skip(line, "empty message")


def _user(m: _Message) -> list[Record]:
    text = _parts_text(m.body.get("content"))
    return [Record(record_id=m.key, kind="message", role="user", text=text, ts_start=m.ts, **m.common)] if text else []


def _error(m: _Message) -> list[Record]:
    text = _parts_text(m.body.get("content"))
    if not text:
        return []
    return [Record(record_id=m.key, kind="message", role="system", text=text, is_error=True, ts_start=m.ts, **m.common)]


def _gemini(m: _Message) -> list[Record]:
    """Its thoughts, its text, its tool calls with their results; its tokens on the first of them."""
    model = m.body.get("model")
    assistant = {"role": "assistant", "model": model, "provider": "google" if model else None}
    records: list[Record] = []
    for number, thought in enumerate(m.body.get("thoughts") or []):
        if not isinstance(thought, dict):
            continue
        subject, description = thought.get("subject"), thought.get("description")
        text = "\n\n".join(str(p).strip() for p in (subject, description) if isinstance(p, str) and p.strip())
        if text:
            ts = utc_iso(thought.get("timestamp")) or m.ts
            records.append(
                Record(
                    record_id=f"{m.key}:thought{number}",
                    kind="reasoning",
                    text=text,
                    ts_start=ts,
                    **assistant,
                    **m.common,
                )
            )
    text = _parts_text(m.body.get("content"))
    if text:
        records.append(Record(record_id=m.key, kind="message", text=text, ts_start=m.ts, **assistant, **m.common))
    for number, call in enumerate(m.body.get("toolCalls") or []):
        if isinstance(call, dict):
            records += _tool_records(m, number, call, assistant)
    usage = _tokens(m.body.get("tokens"))
    if usage and any(v is not None for v in usage.values()):
        if not records:
            records.append(Record(record_id=m.key, kind="llm_call", ts_start=m.ts, **assistant, **m.common))
        for name, value in usage.items():
            setattr(records[0], name, value)
    return records


def _tool_records(m: _Message, number: int, call: dict[str, Any], assistant: dict[str, Any]) -> list[Record]:
    call_id = str(call.get("id") or f"{m.body.get('id') or m.index}.{number}")
    call_record = call_record_id(m.run_key, call_id)
    call_ts = utc_iso(call.get("timestamp")) or m.ts
    result_text, has_error = _result_text(call)
    return [
        Record(
            record_id=call_record,
            kind="tool_call",
            tool_name=call.get("name"),
            tool_call_id=call_id,
            tool_args=canonical_json(call.get("args") or {}),
            ts_start=call_ts,
            **assistant,
            **m.common,
        ),
        Record(
            record_id=f"{call_record}:result",
            kind="tool_result",
            role="tool",
            text=result_text,
            tool_name=call.get("name"),
            tool_call_id=call_id,
            is_error=call.get("status") == "error" or has_error,
            ts_start=call_ts,
            **{**m.common, "parent_id": call_record},
        ),
    ]


_HANDLERS: dict[str, Callable[[_Message], list[Record]]] = {"user": _user, "error": _error, "gemini": _gemini}
