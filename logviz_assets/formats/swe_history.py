"""SWE-agent files that hold only a `history` (demonstrations), a kind of `swe-agent` file.

A demonstration is a finished run kept as the chat the model saw: assistant messages with
`thought` and `action` (and `tool_calls` in function-calling mode), observations as `tool` or
`user` messages. The file is one run. What each message becomes: docs/formats.md, "SWE-agent
and mini-SWE-agent (`swe-agent`)".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.accounting import excerpt_of
from logviz_assets.formats.base import FileContext, Item, reject
from logviz_assets.formats.common import canonical_json, content_text, maybe_json
from logviz_assets.formats.ids import call_record_id, instance_run_id, run_record_id
from logviz_assets.formats.steps import tool_call, tool_result
from logviz_assets.record import Record


def is_demonstration(message: dict[str, Any]) -> bool:
    return bool(message.get("is_demo")) or message.get("message_type") == "demonstration"


def history_records(doc: dict[str, Any], ctx: FileContext, fmt: str, instance: str) -> Iterator[Item]:
    """The run and steps of a file holding only a `history`; `instance` is the one its file name gives."""
    history = doc["history"]
    run = _HistoryRun(instance_run_id(fmt, instance, ctx.source_file), fmt, ctx)
    task_index = next(
        (
            i
            for i, m in enumerate(history)
            if isinstance(m, dict) and m.get("role") == "user" and not is_demonstration(m)
        ),
        None,
    )
    yield Record(
        record_id=run.run_parent,
        kind="run",
        seq=-1,
        text=content_text(history[task_index].get("content")) if task_index is not None else None,
        raw=canonical_json({"instance_id": instance, "history_only": True}),
        **run.base,
    )
    seq = 0
    for index, message in enumerate(history):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            yield reject(ctx, None, f"history[{index}] is not a chat message", fmt, excerpt_of(message))
            continue
        if index == task_index or message["role"] == "system" or is_demonstration(message):
            continue  # the task is the run's text; the system prompt and nested demonstrations are the setup
        for record in run.message_records(message, index):
            record.seq = seq
            seq += 1
            yield record


class _HistoryRun:
    """A history, message by message: the text-mode actions waiting for their observation, and call names."""

    def __init__(self, run_id: str, fmt: str, ctx: FileContext) -> None:
        self.run_id = run_id
        self.run_parent = run_record_id(run_id)
        self.base = {
            "run_id": run_id,
            "source_format": fmt,
            "source_file": ctx.source_file,
            "source_line": None,
            "agent_name": fmt,
        }
        self.pending: list[tuple[str, str, str]] = []  # text-mode actions: (record id, call id, tool name)
        self.call_names: dict[str, Any] = {}

    def message_records(self, message: dict[str, Any], index: int) -> list[Record]:
        key = f"{self.run_id}:h{index}"
        role = message["role"]
        text = content_text(message.get("content")) or ""
        if role == "assistant":
            return self._assistant(message, key, index, text)
        answered = _answered_ids(message)
        if role == "tool" and answered:
            call_id = answered[0]
            return [
                self._result(key, text, call_id, self.call_names.get(call_id), call_record_id(self.run_id, call_id))
            ]
        if role in ("tool", "user") and self.pending:
            record_id, call_id, name = self.pending.pop(0)
            return [self._result(key, text, call_id, name, record_id)]
        if role == "tool":
            return [self._result(key, text, None, None, self.run_parent)]
        return [self._step(key, "message", role, text)] if text.strip() else []

    def _assistant(self, message: dict[str, Any], key: str, index: int, text: str) -> list[Record]:
        """Its thought as reasoning beside its action(s), or its text as a message when it took none."""
        self.pending = []
        thought = message.get("thought") if isinstance(message.get("thought"), str) else text
        action = message.get("action") if isinstance(message.get("action"), str) else ""
        calls = self._calls(message, key, index, action)
        records = []
        if calls and thought.strip():
            records.append(self._step(f"{key}:thought", "reasoning", "assistant", thought.strip()))
        elif not calls and (text.strip() or thought.strip()):
            records.append(self._step(key, "message", "assistant", text.strip() or thought.strip()))
        return records + calls

    def _calls(self, message: dict[str, Any], key: str, index: int, action: str) -> list[Record]:
        """One tool call per entry of `tool_calls` (function calling), else the `action` as a command."""
        calls = []
        raw_calls = message.get("tool_calls") if isinstance(message.get("tool_calls"), list) else []
        for number, call in enumerate(c for c in raw_calls if isinstance(c, dict)):
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            call_id = str(call.get("id") or f"h{index}.{number}")
            name = function.get("name") or call.get("name")
            self.call_names[call_id] = name
            arguments = canonical_json(maybe_json(function.get("arguments", {})))
            calls.append(self._call(call_record_id(self.run_id, call_id), call_id, name, arguments))
        if calls or not action.strip():
            return calls
        command = action.strip("\n")
        name = command.split(maxsplit=1)[0]
        record_id, call_id = f"{key}:call", f"h{index}"
        self.pending.append((record_id, call_id, name))
        return [self._call(record_id, call_id, name, canonical_json({"command": command}))]

    def _step(self, record_id: str, kind: str, role: str, text: str) -> Record:
        return Record(record_id=record_id, kind=kind, role=role, text=text, parent_id=self.run_parent, **self.base)

    def _call(self, record_id: str, call_id: str, name: Any, arguments: str) -> Record:
        return tool_call(record_id, call_id, name, arguments, parent_id=self.run_parent, **self.base)

    def _result(self, key: str, text: str, call_id: str | None, name: Any, parent: str) -> Record:
        return tool_result(f"{key}:result", call_id, name, text, parent_id=parent, **self.base)


def _answered_ids(message: dict[str, Any]) -> list[str]:
    ids = message.get("tool_call_ids")
    if isinstance(ids, list):
        return [str(i) for i in ids if i]
    single = message.get("tool_call_id")
    return [str(single)] if single else []
