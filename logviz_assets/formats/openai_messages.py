"""OpenAI chat `messages`: a JSON array, JSON Lines of messages, or JSON Lines of `{"messages": [...]}`.

The format holds no run id, so runs are named after the file (and line). What each
message becomes: docs/formats.md, "OpenAI chat messages (`openai-messages`)".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.base import DocumentFormat, FileContext, Item, JsonlFormat, Skip, load_json_document, reject
from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_int
from logviz_assets.formats.ids import file_run_id, run_record_id, tidy_text
from logviz_assets.formats.json_input import first_array_element, first_json_line
from logviz_assets.record import Record

NAME = "openai-messages"
_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def is_chat_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("role") in _ROLES
        and ("content" in value or "tool_calls" in value or "function_call" in value)
    )


def message_records(
    message: dict[str, Any],
    run_id: str,
    key: str,
    seq_start: int,
    ctx: FileContext,
    line: int | None,
    extra: dict[str, Any] | None = None,
) -> list[Record]:
    """The records of one chat message: its text, then one per tool call it makes.

    `key` makes the record ids unique within the run (e.g. the message index). Call ids go into
    record ids as written, "/" included (not through `ids.call_record_id`): this format always
    named its records so, and a record id must stay what earlier loads stored.
    """
    extra = extra or {}
    base = {
        "run_id": run_id,
        "source_format": extra.pop("source_format", NAME),
        "source_file": ctx.source_file,
        "source_line": line,
        **extra,
    }
    if message.get("role") in ("tool", "function"):
        records = [_tool_result(message, run_id, key, base)]
    else:
        records = _said(message, run_id, key, base)
    for offset, record in enumerate(records):
        record.seq = seq_start + offset
        tidy_text(record)  # names and ids of odd types (a number, an object) become text
    return records


def _tool_result(message: dict[str, Any], run_id: str, key: str, base: dict[str, Any]) -> Record:
    """A tool's answer, under the call with its `tool_call_id` (the older `function` role: with its name)."""
    role = message.get("role")
    call_id = message.get("tool_call_id") or (f"{run_id}:fn:{message.get('name')}" if role == "function" else None)
    return Record(
        record_id=f"{run_id}:{key}",
        kind="tool_result",
        role="tool",
        text=content_text(message.get("content")) or "",
        tool_name=message.get("name"),
        tool_call_id=call_id,
        parent_id=f"{run_id}:call:{call_id}" if call_id else run_record_id(run_id),
        **base,
    )


def _said(message: dict[str, Any], run_id: str, key: str, base: dict[str, Any]) -> list[Record]:
    """Its reasoning, its text, then a tool call per entry of `tool_calls` (or the older `function_call`)."""
    role = message.get("role")
    run_parent = run_record_id(run_id)
    records: list[Record] = []
    text = content_text(message.get("content"))
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        records.append(
            Record(
                record_id=f"{run_id}:{key}:reasoning",
                kind="reasoning",
                role=role,
                text=reasoning,
                parent_id=run_parent,
                **base,
            )
        )
    if text:
        records.append(
            Record(record_id=f"{run_id}:{key}", kind="message", role=role, text=text, parent_id=run_parent, **base)
        )
    calls = tool_calls_of(message)
    if isinstance(message.get("function_call"), dict):
        fn = message["function_call"]
        calls.append({"id": f"{run_id}:fn:{fn.get('name')}", "function": fn})
    for index, call in enumerate(calls):
        if not isinstance(call, dict):
            continue
        function = call.get("function") if isinstance(call.get("function"), dict) else call
        call_id = str(call.get("id") or f"{key}.{index}")
        records.append(
            Record(
                record_id=f"{run_id}:call:{call_id}",
                kind="tool_call",
                role=role,
                tool_name=function.get("name"),
                tool_call_id=call_id,
                tool_args=canonical_json(maybe_json(function.get("arguments", {}))),
                parent_id=run_parent,
                **base,
            )
        )
    return records


def tool_calls_of(message: dict[str, Any]) -> list[Any]:
    """A message's `tool_calls` as a list: one call not in a list, or the list written as JSON text, too."""
    calls = maybe_json(message.get("tool_calls"))
    if isinstance(calls, dict):
        return [calls]
    return list(calls) if isinstance(calls, list) else []


def run_record(run_id: str, ctx: FileContext, line: int | None, fields: dict[str, Any] | None = None) -> Record:
    values = {"source_format": NAME, **(fields or {})}
    return tidy_text(
        Record(
            record_id=run_record_id(run_id),
            run_id=run_id,
            kind="run",
            seq=-1,
            source_file=ctx.source_file,
            source_line=line,
            **values,
        )
    )


def conversation_records(
    messages: list[Any], run_id: str, ctx: FileContext, line: int | None, fields: dict[str, Any] | None = None
) -> Iterator[Item]:
    """A whole conversation: its run record, then every message's records in order."""
    yield run_record(run_id, ctx, line, fields)
    seq = 0
    for index, message in enumerate(messages):
        if not is_chat_message(message):
            yield reject(
                ctx, line, f"message {index} is not a chat message (no role/content)", NAME, canonical_json(message)
            )
            continue
        records = message_records(message, run_id, str(index), seq, ctx, line, dict(fields or {}))
        seq += len(records)
        yield from records


def _usage_fields(value: dict[str, Any]) -> dict[str, Any]:
    usage = value.get("usage") if isinstance(value.get("usage"), dict) else {}
    return {
        key: val
        for key, val in {
            "model": value.get("model"),
            "tokens_in": to_int(usage.get("prompt_tokens")),
            "tokens_out": to_int(usage.get("completion_tokens")),
        }.items()
        if val is not None
    }


class OpenAIMessagesJsonl(JsonlFormat):
    """One chat message a line, or one `{"messages": [...]}` conversation a line."""

    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        first = first_json_line(head)
        return first is not None and (
            is_chat_message(first)
            or (isinstance(first.get("messages"), list) and "role" in head.decode("utf-8", "ignore"))
        )

    def parse_event(
        self, event: dict[str, Any], line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        if isinstance(event.get("messages"), list):
            yield from conversation_records(
                event["messages"], f"{file_run_id(NAME, ctx.source_file)}:{line_no}", ctx, line_no, _usage_fields(event)
            )
            return
        if not is_chat_message(event):
            yield reject(
                ctx,
                line_no,
                "line is neither a chat message nor a {messages: [...]} object",
                NAME,
                canonical_json(event),
            )
            return
        run_id = file_run_id(NAME, ctx.source_file)
        if not state.get("run_emitted"):
            state["run_emitted"] = True
            yield run_record(run_id, ctx, line_no)
        seq = state.get("seq", 0)
        records = message_records(event, run_id, f"line{line_no}", seq, ctx, line_no)
        state["seq"] = seq + len(records)
        yield from records
        if not records:
            if event.get("tool_calls"):  # calls written, yet not one of them a call object
                reason = "a message whose tool_calls hold no call of a known shape"
                yield reject(ctx, line_no, reason, NAME, canonical_json(event))
            else:
                yield Skip(line_no, "empty message")


class OpenAIMessagesDocument(DocumentFormat):
    """A JSON array of chat messages, or an object with a `messages` array."""

    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        first = first_array_element(head)
        if first is not None:
            return is_chat_message(first)
        start = head.lstrip()[:200]
        return start.startswith(b"{") and b'"messages"' in start

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        value, problem = load_json_document(data, ctx, NAME)
        if problem:
            yield problem
            return
        fields: dict[str, Any] = {}
        if isinstance(value, dict):
            fields = _usage_fields(value)
            value = value.get("messages")
        if not isinstance(value, list):
            yield reject(ctx, None, "expected a JSON array of chat messages", NAME)
            return
        yield from conversation_records(value, file_run_id(NAME, ctx.source_file), ctx, None, fields)
