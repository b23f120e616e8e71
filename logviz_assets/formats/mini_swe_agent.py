"""mini-SWE-agent trajectories (`<instance_id>.traj.json`), a kind of `swe-agent` file.

`messages` are chat messages whose `extra` holds per-call usage; actions are bash blocks
(text mode) or `tool_calls`. What each message becomes: docs/formats.md, "SWE-agent and
mini-SWE-agent (`swe-agent`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.accounting import excerpt_of
from logviz_assets.formats.base import FileContext, Item, reject
from logviz_assets.formats.common import (
    canonical_json,
    chat_completion_usage,
    content_text,
    maybe_json,
    split_model,
    to_float,
    to_int,
    utc_iso,
)
from logviz_assets.formats.ids import call_record_id, instance_run_id, run_record_id
from logviz_assets.formats.steps import tool_call
from logviz_assets.record import Record

_BASH_BLOCK = re.compile(r"```(?:bash|mswea_bash_command|sh)\s*\n(.*?)\n```", re.DOTALL)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")


def _mini_usage(extra: dict[str, Any]) -> dict[str, Any]:
    """Per-call usage of an assistant message from its LiteLLM response in `extra`."""
    response = extra.get("response") if isinstance(extra.get("response"), dict) else {}
    fields = {
        **chat_completion_usage(response),
        "cost_usd": to_float(extra.get("cost")),
        "ts_start": utc_iso(extra.get("timestamp")),
    }
    model, provider = split_model(response.get("model"))
    if model:
        fields["model"] = model
        fields["provider"] = provider
    return {key: value for key, value in fields.items() if value is not None}


def _returncode(message: dict[str, Any], extra: dict[str, Any]) -> int | None:
    code = to_int(extra.get("returncode"))
    if code is None:
        found = _RETURNCODE.search(content_text(message.get("content")) or "")
        code = int(found.group(1)) if found else None
    return code


def mini_records(doc: dict[str, Any], ctx: FileContext, fmt: str, file_instance: str) -> Iterator[Item]:
    """The run and steps of a mini-SWE-agent trajectory; `file_instance` is the instance its file name gives."""
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    model_config = config.get("model") if isinstance(config.get("model"), dict) else {}
    instance = doc.get("instance_id") or info.get("instance_id") or file_instance
    run_id = instance_run_id(fmt, instance, ctx.source_file)
    run = _MiniRun(run_id, fmt, ctx, model_config.get("model_name") or info.get("model_name"))
    messages = doc["messages"]

    # The prompt: the system message(s), then the first user message (the task).
    start, task = 0, None
    while start < len(messages) and isinstance(messages[start], dict) and messages[start].get("role") == "system":
        start += 1
    if start < len(messages) and isinstance(messages[start], dict) and messages[start].get("role") == "user":
        task = content_text(messages[start].get("content"))
        start += 1
    stamps = [
        m["extra"]["timestamp"]
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("extra"), dict) and m["extra"].get("timestamp") is not None
    ]
    yield Record(
        record_id=run.run_parent,
        kind="run",
        seq=-1,
        text=task,
        model=run.model,
        provider=run.provider,
        tokens_in=to_int(stats.get("tokens_sent", stats.get("input_tokens"))),
        tokens_out=to_int(stats.get("tokens_received", stats.get("output_tokens"))),
        cost_usd=to_float(stats.get("instance_cost")),
        ts_start=utc_iso(stamps[0]) if stamps else None,
        ts_end=utc_iso(stamps[-1]) if stamps else None,
        raw=canonical_json(
            {
                "instance_id": instance,
                "exit_status": info.get("exit_status"),
                "api_calls": stats.get("api_calls"),
                "mini_version": info.get("mini_version"),
                "trajectory_format": doc.get("trajectory_format"),
            }
        ),
        **run.base,
    )
    seq = 0
    for index in range(start, len(messages)):
        message = messages[index]
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            yield reject(ctx, None, f"messages[{index}] is not a chat message", fmt, excerpt_of(message))
            continue
        records = run.message_records(message, index)
        for record in records:
            record.seq = seq
            seq += 1
        yield from records


class _MiniRun:
    """A mini-SWE-agent run, message by message: which actions still wait for their output, and call names."""

    def __init__(self, run_id: str, fmt: str, ctx: FileContext, model_name: Any) -> None:
        self.run_id = run_id
        self.run_parent = run_record_id(run_id)
        self.model, self.provider = split_model(model_name)
        self.base = {
            "run_id": run_id,
            "source_format": fmt,
            "source_file": ctx.source_file,
            "source_line": None,
            "agent_name": "mini-swe-agent",
        }
        self.pending: list[tuple[str, str]] = []  # text-mode actions waiting for their output: (record id, call id)
        self.call_names: dict[str, str] = {}

    def message_records(self, message: dict[str, Any], index: int) -> list[Record]:
        extra = message.get("extra") if isinstance(message.get("extra"), dict) else {}
        role = message["role"]
        key = f"{self.run_id}:m{index}"
        if role == "assistant":
            self.pending = []
            return self._assistant(message, extra, key)
        if role == "tool" and message.get("tool_call_id"):
            call_id = str(message["tool_call_id"])
            parent = call_record_id(self.run_id, call_id)
            return [self._result(message, extra, key, call_id, self.call_names.get(call_id), parent)]
        if role in ("user", "tool") and self.pending and not extra.get("interrupt_type"):
            record_id, call_id = self.pending.pop(0)
            return [self._result(message, extra, key, call_id, "bash", record_id)]
        if role == "tool":  # names no call and no action waits: a result under the run
            return [self._result(message, extra, key, None, None, self.run_parent)]
        if role == "exit":
            return []  # the end of the run: its status is in `info`
        text = content_text(message.get("content"))
        if not text:
            return []
        # A user or system message, or one of a role this reader does not know: shown as it is.
        return [
            Record(
                record_id=key,
                kind="message",
                role=role,
                text=text,
                parent_id=self.run_parent,
                ts_start=utc_iso(extra.get("timestamp")),
                **self.base,
            )
        ]

    def _result(
        self, message: dict[str, Any], extra: dict[str, Any], key: str, call_id: str | None, name: Any, parent: str
    ) -> Record:
        code = _returncode(message, extra)
        return Record(
            record_id=f"{key}:result",
            kind="tool_result",
            role="tool",
            text=content_text(message.get("content")) or "",
            tool_call_id=call_id,
            tool_name=name,
            is_error=bool(extra.get("exception_info")) or code not in (None, 0),
            parent_id=parent,
            ts_start=utc_iso(extra.get("timestamp")),
            **self.base,
        )

    def _assistant(self, message: dict[str, Any], extra: dict[str, Any], key: str) -> list[Record]:
        """Its reasoning; the text around its actions as reasoning (or, with no action, a message); its actions."""
        usage = _mini_usage(extra)
        common = {
            "model": usage.pop("model", self.model),
            "provider": usage.pop("provider", self.provider),
            "ts_start": usage.pop("ts_start", None),
            **self.base,
        }
        text = content_text(message.get("content")) or ""
        records: list[Record] = []
        reasoning = message.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning.strip():
            records.append(self._said(f"{key}:reasoning", "reasoning", reasoning, common))
        calls = self._calls(message, extra, text, key, common)
        if calls:
            thought = _BASH_BLOCK.sub("", text).strip() if not message.get("tool_calls") else text.strip()
            if thought:
                records.append(self._said(f"{key}:thought", "reasoning", thought, common))
        elif text.strip():
            records.append(self._said(key, "message", text, common))
        records.extend(calls)
        if records and usage:
            for field, value in usage.items():
                setattr(records[0], field, value)
        return records

    def _said(self, record_id: str, kind: str, text: str, common: dict[str, Any]) -> Record:
        return Record(record_id=record_id, kind=kind, role="assistant", text=text, parent_id=self.run_parent, **common)

    def _calls(
        self, message: dict[str, Any], extra: dict[str, Any], text: str, key: str, common: dict[str, Any]
    ) -> list[Record]:
        """Tool calls (tool-call mode), else the commands of `extra.actions` or of the one bash block (text mode)."""
        calls: list[Record] = []
        number = key.rsplit(":", 1)[-1]
        for index, call in enumerate(message.get("tool_calls") or []):
            if not isinstance(call, dict):
                continue
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            call_id = str(call.get("id") or f"{number}.{index}")
            name = function.get("name") or call.get("name")
            self.call_names[call_id] = name
            arguments = canonical_json(maybe_json(function.get("arguments", {})))
            calls.append(self._call(call_record_id(self.run_id, call_id), call_id, name, arguments, common))
        if calls:
            return calls
        actions = extra.get("actions") if isinstance(extra.get("actions"), list) else None
        if actions:
            commands = [a.get("command") or a.get("action") for a in actions if isinstance(a, dict)]
        else:
            # mini-SWE-agent runs a text-mode reply only when it holds exactly one block.
            blocks = [found.strip() for found in _BASH_BLOCK.findall(text)]
            commands = blocks if len(blocks) == 1 else []
        for index, command in enumerate(c for c in commands if isinstance(c, str)):
            call_id = f"{number}.{index}"
            record_id = call_record_id(self.run_id, call_id)
            calls.append(self._call(record_id, call_id, "bash", canonical_json({"command": command}), common))
            self.pending.append((record_id, call_id))
        return calls

    def _call(self, record_id: str, call_id: str, name: Any, arguments: str, common: dict[str, Any]) -> Record:
        return tool_call(record_id, call_id, name, arguments, parent_id=self.run_parent, **common)
