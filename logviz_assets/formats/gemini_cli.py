"""Gemini CLI chat recordings: `~/.gemini/tmp/<projectHash>/chats/session-<time>-<id8>.json`.

Gemini CLI records each session as one JSON object (`sessionId`, `projectHash`,
`startTime`, `lastUpdated`, `messages`, optional `summary`, `directories`, `kind`) and
rewrites the whole file after every change, so it is read as a document. Newer
versions write `session-*.jsonl` instead (subagents: `chats/<parent session id>/<id>.jsonl`):
a metadata line, then message records where a message is written again, whole, each
time it changes, plus `{"$set": {...}}` metadata patches and `{"$rewindTo": id}` lines
that drop that message and every later one. That is not an append-only log of steps
either, so it is also read whole and folded the way Gemini CLI loads it (last write of
an id wins in its first position; a rewind to an unknown id drops everything; a
non-empty `$set.messages` replaces the list).

One file is one run; `run_id` is `sessionId`. What maps to what:

- `type: "user"` -> a `message` step, role `user`, text = `content` (a string or a list
  of parts; text parts are joined).
- `type: "gemini"` -> its `thoughts` (each `{subject, description}`) as `reasoning`
  steps, then its `content` as an assistant `message` (when not empty), then for each
  of its `toolCalls` a `tool_call` (name, `args`) and a `tool_result` paired by the call
  `id`: text = the `functionResponse.response` `output` (or `error`), else the
  `resultDisplay` string; `is_error` when `status` is `error` or the response holds an
  `error` (which is how cancelled calls are answered).
- `tokens` of a gemini message go on its first step (so a message's tokens are counted
  once): `tokens_in` = `input` (prompt tokens, cached ones included) + `tool` (tool-use
  prompt tokens, counted apart from the prompt by the Gemini API), `tokens_cache_read` =
  `cached`, `tokens_out` = `output` + `thoughts` (thinking tokens are billed as output;
  so `tokens_in + tokens_out` = `total`). A gemini message with tokens but nothing to
  show becomes an `llm_call` step that carries them.
- `model` of a gemini message goes on its steps; the run record takes the first one.
- The run record (`<format>:<sessionId>:run`): text = the first user message (else the
  session `summary`), `ts_start`/`ts_end` = `startTime`/`lastUpdated`, `project` = the
  first of `directories` when recorded (the project hash is not a path). A session
  with `kind: "subagent"` is marked `is_subagent` and, when its folder is named after
  another session id, hangs under that session's run record.
- `type: "error"` messages (errors the CLI showed) -> a `message` step, role `system`,
  `is_error` true.

Skipped: `info` and `warning` messages (CLI notices), `displayContent` (the text as
shown, where `content` is what the model got), `description`/`displayName` of tools,
unknown fields. `source_line` is the line where the message's `id` (its last write, for
JSONL) is found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.base import (
    DocumentFormat,
    FileContext,
    Item,
    first_json_line,
    load_json_document,
    reject,
)
from logviz_assets.formats.common import canonical_json, content_text, to_int, utc_iso
from logviz_assets.record import Record

NAME = "gemini-cli"
_SESSION_KEY = re.compile(rb'"sessionId"\s*:\s*"')
_PROJECT_KEY = re.compile(rb'"projectHash"\s*:\s*"')
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def run_record_id(run_id: str) -> str:
    return f"{NAME}:{run_id}:run"


def _safe(value: Any) -> str:
    return str(value).replace("/", "_")


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


def _json_object(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


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
        if b"\n" in stripped and _json_object(stripped.split(b"\n", 1)[0]) is not None:
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
        metadata: dict[str, Any] = {}
        folded: dict[str, tuple[dict[str, Any], int]] = {}
        replaced: list[tuple[Any, int]] | None = None
        for line_no, raw in enumerate(data.split(b"\n"), start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as err:
                yield reject(
                    ctx, line_no, f"invalid JSON: {err.msg} at column {err.colno}", NAME, raw.decode("utf-8", "replace")
                )
                continue
            except UnicodeDecodeError as err:
                yield reject(ctx, line_no, f"not UTF-8 text: {err.reason}", NAME, raw.decode("utf-8", "replace"))
                continue
            if not isinstance(record, dict):
                yield reject(
                    ctx,
                    line_no,
                    f"expected a JSON object, got {type(record).__name__}",
                    NAME,
                    raw.decode("utf-8", "replace"),
                )
                continue
            if isinstance(record.get("$rewindTo"), str):
                target = record["$rewindTo"]
                if target in folded:
                    ids = list(folded)
                    for message_id in ids[ids.index(target) :]:
                        del folded[message_id]
                else:
                    folded.clear()
            elif isinstance(record.get("id"), str):
                folded[record["id"]] = (record, line_no)  # a known id keeps its place, takes the newest content
            elif isinstance(record.get("$set"), dict):
                patch = record["$set"]
                metadata.update({k: v for k, v in patch.items() if k != "messages"})
                if isinstance(patch.get("messages"), list) and patch["messages"]:
                    replaced = [(m, line_no) for m in patch["messages"]]
            elif isinstance(record.get("sessionId"), str):
                metadata.update({k: v for k, v in record.items() if k != "messages"})
                if isinstance(record.get("messages"), list):
                    for message in record["messages"]:
                        if isinstance(message, dict) and isinstance(message.get("id"), str):
                            folded[message["id"]] = (message, line_no)
            else:
                yield reject(
                    ctx,
                    line_no,
                    "line is neither a message, a $set, a $rewindTo nor session metadata",
                    NAME,
                    raw.decode("utf-8", "replace")[:500],
                )
        if not isinstance(metadata.get("sessionId"), str):
            yield reject(ctx, None, "no sessionId in the session metadata", NAME)
            return
        messages = replaced if replaced is not None else [(m, line) for m, line in folded.values()]
        yield from self._session(metadata, messages, ctx)

    def _session(
        self,
        session: dict[str, Any],
        messages: list[tuple[Any, int | None]],
        ctx: FileContext,
    ) -> Iterator[Item]:
        run_id = _safe(session.get("sessionId") or "")
        if not run_id:
            yield reject(ctx, None, "no sessionId in the session", NAME)
            return
        directories = session.get("directories")
        is_subagent = session.get("kind") == "subagent"
        parent = None
        if is_subagent:
            folder = PurePath(ctx.source_file).parent.name
            if _UUID.match(folder) and folder != run_id:
                parent = run_record_id(folder)
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
            record_id=run_record_id(run_id),
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
            for record in self._message_records(message, index, run_id, line, base):
                record.seq = seq
                seq += 1
                yield record

    def _message_records(
        self, message: dict[str, Any], index: int, run_id: str, line: int | None, base: dict[str, Any]
    ) -> list[Record]:
        kind = message.get("type")
        key = f"{NAME}:{run_id}:{_safe(message.get('id') or f'm{index}')}"
        ts = utc_iso(message.get("timestamp"))
        run_parent = run_record_id(run_id)
        common = {"source_line": line, "parent_id": run_parent, **base}
        if kind == "user":
            text = _parts_text(message.get("content"))
            return (
                [Record(record_id=key, kind="message", role="user", text=text, ts_start=ts, **common)] if text else []
            )
        if kind == "error":
            text = _parts_text(message.get("content"))
            if not text:
                return []
            return [
                Record(record_id=key, kind="message", role="system", text=text, is_error=True, ts_start=ts, **common)
            ]
        if kind != "gemini":
            return []  # info / warning notices of the CLI
        model = message.get("model")
        assistant = {"role": "assistant", "model": model, "provider": "google" if model else None}
        records: list[Record] = []
        for number, thought in enumerate(message.get("thoughts") or []):
            if not isinstance(thought, dict):
                continue
            subject, description = thought.get("subject"), thought.get("description")
            text = "\n\n".join(str(p).strip() for p in (subject, description) if isinstance(p, str) and p.strip())
            if text:
                records.append(
                    Record(
                        record_id=f"{key}:thought{number}",
                        kind="reasoning",
                        text=text,
                        ts_start=utc_iso(thought.get("timestamp")) or ts,
                        **assistant,
                        **common,
                    )
                )
        text = _parts_text(message.get("content"))
        if text:
            records.append(Record(record_id=key, kind="message", text=text, ts_start=ts, **assistant, **common))
        for number, call in enumerate(message.get("toolCalls") or []):
            if not isinstance(call, dict):
                continue
            call_id = str(call.get("id") or f"{message.get('id') or index}.{number}")
            call_record = f"{NAME}:{run_id}:call:{_safe(call_id)}"
            call_ts = utc_iso(call.get("timestamp")) or ts
            records.append(
                Record(
                    record_id=call_record,
                    kind="tool_call",
                    tool_name=call.get("name"),
                    tool_call_id=call_id,
                    tool_args=canonical_json(call.get("args") or {}),
                    ts_start=call_ts,
                    **assistant,
                    **common,
                )
            )
            result_text, has_error = _result_text(call)
            records.append(
                Record(
                    record_id=f"{call_record}:result",
                    kind="tool_result",
                    role="tool",
                    text=result_text,
                    tool_name=call.get("name"),
                    tool_call_id=call_id,
                    is_error=call.get("status") == "error" or has_error,
                    ts_start=call_ts,
                    **{**common, "parent_id": call_record},
                )
            )
        usage = _tokens(message.get("tokens"))
        if usage and any(v is not None for v in usage.values()):
            if not records:
                records.append(Record(record_id=key, kind="llm_call", ts_start=ts, **assistant, **common))
            for name, value in usage.items():
                setattr(records[0], name, value)
        return records
