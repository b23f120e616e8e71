"""Inspect AI eval logs: `.eval` (a ZIP archive) and `.json` (one JSON document).

One run per sample and epoch. What each part of a log becomes: docs/formats.md,
"Inspect AI eval logs (`inspect-ai`)".
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.accounting import excerpt_of
from logviz_assets.formats.base import (
    DOCUMENT_ERRORS,
    DocumentFormat,
    FileContext,
    Item,
    guarded,
    load_json_document,
    reject,
)
from logviz_assets.formats.common import canonical_json, content_text, split_model, to_float, to_int, utc_iso
from logviz_assets.formats.ids import call_record_id, run_record_id, safe_id, tidied
from logviz_assets.limits import MAX_DOCUMENT_BYTES
from logviz_assets.record import Record, Reject

NAME = "inspect-ai"

_ZIP_MAGIC = b"PK\x03\x04"
_ZIP_MEMBERS = (b"header.json", b"samples/", b"_journal/start.json")
_VERSION_FIRST = re.compile(rb'^\s*\{\s*"version"\s*:\s*\d+')
_EVAL_KEY = re.compile(rb'"eval"\s*:\s*\{')
_ATTACHMENT = "attachment://"


def resolve_attachments(value: Any, attachments: dict[str, Any]) -> Any:
    """`value` with every `attachment://<hash>` string replaced by the text it stands for."""
    if isinstance(value, str):
        if value.startswith(_ATTACHMENT):
            return attachments.get(value[len(_ATTACHMENT) :], value)
        return value
    if isinstance(value, list):
        return [resolve_attachments(item, attachments) for item in value]
    if isinstance(value, dict):
        return {key: resolve_attachments(item, attachments) for key, item in value.items()}
    return value


def prompt_tokens(usage: dict[str, Any]) -> int | None:
    """All prompt tokens of an Inspect `ModelUsage`, cached ones included.

    Inspect's Anthropic provider reports `input_tokens` without cache reads and writes and
    sets `total_tokens` = input + cache write + cache read + output; the OpenAI provider's
    `input_tokens` already includes cached tokens (total = input + output).
    """
    tokens_in = to_int(usage.get("input_tokens"))
    if tokens_in is None:
        return None
    cache_read = to_int(usage.get("input_tokens_cache_read")) or 0
    cache_write = to_int(usage.get("input_tokens_cache_write")) or 0
    output = to_int(usage.get("output_tokens")) or 0
    total = to_int(usage.get("total_tokens"))
    if (cache_read or cache_write) and total == tokens_in + cache_read + cache_write + output:
        return tokens_in + cache_read + cache_write
    return tokens_in


def _usage_fields(usage: Any) -> dict[str, Any]:
    if not isinstance(usage, dict):
        return {}
    return {
        "tokens_in": prompt_tokens(usage),
        "tokens_out": to_int(usage.get("output_tokens")),
        "tokens_cache_read": to_int(usage.get("input_tokens_cache_read")),
        "tokens_cache_write": to_int(usage.get("input_tokens_cache_write")),
        "cost_usd": to_float(usage.get("total_cost")),
    }


class InspectAI(DocumentFormat):
    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        if head.startswith(_ZIP_MAGIC):
            return any(member in head for member in _ZIP_MEMBERS)
        start = head[:4096]
        return bool(_VERSION_FIRST.match(start)) and bool(_EVAL_KEY.search(start)) and b'"task"' in start

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        if data.startswith(_ZIP_MAGIC):
            yield from self._parse_zip(data, ctx)
            return
        value, problem = load_json_document(data, ctx, NAME)
        if problem:
            yield problem
            return
        if not isinstance(value, dict) or not isinstance(value.get("eval"), dict):
            yield reject(ctx, None, "expected an Inspect eval log object with an `eval` section", NAME)
            return
        samples = value.get("samples") or []
        if not isinstance(samples, list):
            yield reject(ctx, None, "`samples` is not a list", NAME)
            return
        for index, sample in enumerate(samples):
            yield from _sample_records(sample, value["eval"], ctx, f"samples[{index}]")

    def _parse_zip(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            yield reject(ctx, None, f"not a readable .eval ZIP archive: {err}", NAME)
            return
        with archive:
            names = archive.namelist()
            eval_spec: dict[str, Any] = {}
            for member in ("header.json", "_journal/start.json"):
                if member not in names:
                    continue
                header = _read_member(archive, member, ctx)
                if isinstance(header, Reject):
                    yield header
                    continue
                if isinstance(header, dict) and isinstance(header.get("eval"), dict):
                    eval_spec = header["eval"]
                    break
            if not eval_spec:
                yield reject(
                    ctx, None, "header.json: no `eval` section (neither header.json nor _journal/start.json)", NAME
                )
            for member in sorted(n for n in names if n.startswith("samples/") and n.endswith(".json")):
                sample = _read_member(archive, member, ctx)
                if isinstance(sample, Reject):
                    yield sample
                    continue
                yield from _sample_records(sample, eval_spec, ctx, member)


def _read_member(archive: zipfile.ZipFile, member: str, ctx: FileContext) -> Any:
    # Read at most the limit, whatever the member's header claims: a ZIP bomb costs its reject only.
    try:
        too_big = archive.getinfo(member).file_size > MAX_DOCUMENT_BYTES
        if not too_big:
            with archive.open(member) as handle:
                data = handle.read(MAX_DOCUMENT_BYTES + 1)
            too_big = len(data) > MAX_DOCUMENT_BYTES
        if too_big:
            reason = f"{member}: decompresses to more than the limit of {MAX_DOCUMENT_BYTES:,} bytes: not read"
            return reject(ctx, None, reason, NAME, member)
    # RuntimeError: an encrypted member; NotImplementedError: a compression method this Python lacks.
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        ValueError,
        KeyError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as err:
        return reject(ctx, None, f"{member}: unreadable ZIP member: {err}", NAME, member)
    value, problem = load_json_document(data, ctx, NAME)
    if problem:
        problem.reason = f"{member}: {problem.reason}"
        problem.excerpt = member
        problem.source_line = None
        return problem
    return value


def _sample_records(sample: Any, eval_spec: dict[str, Any], ctx: FileContext, where: str) -> Iterator[Item]:
    if not isinstance(sample, dict):
        yield reject(ctx, None, f"{where}: a sample must be a JSON object", NAME, where)
        return
    # All of a sample's records or none: `_records` builds them all before the first is given.
    yield from guarded(
        lambda: tidied(_records(sample, eval_spec, ctx, where)),
        ctx,
        None,
        NAME,
        f"{where}: unexpected sample shape",
        where,
        DOCUMENT_ERRORS,
    )


def _eval_key(eval_spec: dict[str, Any]) -> str:
    if eval_spec.get("eval_id"):
        return str(eval_spec["eval_id"])
    parts = [str(eval_spec[k]) for k in ("run_id", "task_id") if eval_spec.get(k)]
    return "-".join(parts) or "unknown"


def _input_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        pieces = [content_text(m.get("content")) for m in value if isinstance(m, dict)]
        return "\n\n".join(p for p in pieces if p) or None
    return None


def _scores(sample: dict[str, Any]) -> dict[str, Any]:
    scores = sample.get("scores") if isinstance(sample.get("scores"), dict) else {}
    summary = {}
    for name, score in scores.items():
        if isinstance(score, dict):
            summary[name] = {k: score.get(k) for k in ("value", "answer") if score.get(k) is not None}
        else:
            summary[name] = score
    return summary


class _Sample:
    """One sample (and epoch) of an eval: one run, its messages the steps."""

    def __init__(self, sample: dict[str, Any], eval_spec: dict[str, Any], ctx: FileContext, where: str) -> None:
        self.sample = sample
        self.eval_spec = eval_spec
        self.ctx = ctx
        self.attachments = sample.get("attachments") if isinstance(sample.get("attachments"), dict) else {}
        # A sample without an id is named by where it is (`samples[3]`, its archive member): still one run each.
        self.sample_id = sample.get("id") if sample.get("id") not in (None, "") else where
        self.epoch = sample.get("epoch", 1)
        self.run_id = f"{NAME}:{safe_id(_eval_key(eval_spec))}:{safe_id(self.sample_id)}:{safe_id(self.epoch)}"
        self.run_parent = run_record_id(self.run_id)
        self.model, self.provider = split_model(eval_spec.get("model"))
        self.base = {
            "run_id": self.run_id,
            "source_format": NAME,
            "source_file": ctx.source_file,
            "source_line": None,
            "project": eval_spec.get("task"),
        }
        events = sample.get("events")
        self.events = [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []

    def resolve(self, value: Any) -> Any:
        return resolve_attachments(value, self.attachments)

    def run_record(self) -> Record:
        sample = self.sample
        stamps = [e["timestamp"] for e in self.events if e.get("timestamp")]
        totals: dict[str, Any] = {}
        model_usage = sample.get("model_usage") if isinstance(sample.get("model_usage"), dict) else {}
        for usage in model_usage.values():
            for field, value in _usage_fields(usage).items():
                if value is not None:
                    totals[field] = totals.get(field, 0) + value
        error = sample.get("error")
        return Record(
            record_id=self.run_parent,
            kind="run",
            seq=-1,
            text=_input_text(self.resolve(sample.get("input"))),
            model=self.model,
            provider=self.provider,
            ts_start=utc_iso(sample.get("started_at") or (stamps[0] if stamps else None)),
            ts_end=utc_iso(sample.get("completed_at") or (stamps[-1] if stamps else None)),
            is_error=bool(error),
            raw=canonical_json(
                {
                    "task": self.eval_spec.get("task"),
                    "sample_id": self.sample_id,
                    "epoch": self.epoch,
                    "target": self.resolve(sample.get("target")),
                    "scores": self.resolve(_scores(sample)),
                    "error": self.resolve(error.get("message") if isinstance(error, dict) else error),
                }
            ),
            **totals,
            **self.base,
        )

    def model_events(self, messages: list[Any]) -> dict[int, dict[str, Any]]:
        """The model event behind each generated assistant message, by message index: by message id, else in order."""
        model_events = [e for e in self.events if e.get("event") == "model" and isinstance(e.get("output"), dict)]
        by_message_id: dict[str, dict[str, Any]] = {}
        for event in model_events:
            choices = event["output"].get("choices") or []
            message = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
            if isinstance(message, dict) and message.get("id"):
                by_message_id[str(message["id"])] = event
        generated = [
            i
            for i, m in enumerate(messages)
            if isinstance(m, dict) and m.get("role") == "assistant" and m.get("source", "generate") == "generate"
        ]
        by_index: dict[int, dict[str, Any]] = {}
        if by_message_id:
            for i in generated:
                event = by_message_id.get(str(messages[i].get("id")))
                if event:
                    by_index[i] = event
        elif len(generated) == len(model_events):
            by_index = dict(zip(generated, model_events, strict=True))
        return by_index

    def message_records(
        self, message: dict[str, Any], index: int, event: dict[str, Any] | None, tools: dict[str, dict[str, Any]]
    ) -> list[Record]:
        """The records of one sample message; `event` is the model event that generated it."""
        key = f"{self.run_id}:{safe_id(message.get('id') or index)}"
        if message["role"] == "tool":
            return [self._tool_result(message, key, tools)]
        return self._chat_records(message, key, index, event, tools)

    def _tool_result(self, message: dict[str, Any], key: str, tools: dict[str, dict[str, Any]]) -> Record:
        call_id = str(message.get("tool_call_id") or "")
        error = message.get("error")
        text = content_text(message.get("content")) or ""
        if not text and isinstance(error, dict):
            text = error.get("message") or ""
        event = tools.get(call_id, {})
        call_record = call_record_id(self.run_id, call_id)
        return Record(
            record_id=f"{key}:result" if message.get("id") else f"{call_record}:result",
            kind="tool_result",
            role="tool",
            text=text,
            tool_name=message.get("function"),
            tool_call_id=call_id or None,
            is_error=bool(error) or bool(event.get("error")),
            parent_id=call_record if call_id else self.run_parent,
            ts_start=utc_iso(event.get("completed") or event.get("timestamp")),
            **self.base,
        )

    def _chat_records(
        self,
        message: dict[str, Any],
        key: str,
        index: int,
        event: dict[str, Any] | None,
        tools: dict[str, dict[str, Any]],
    ) -> list[Record]:
        """A reasoning record per reasoning part, its text, a tool call per entry of `tool_calls`."""
        role = message["role"]
        content = message.get("content")
        common: dict[str, Any] = {"parent_id": self.run_parent, "role": role, **self.base}
        if role == "assistant":
            common |= {"model": self.model, "provider": self.provider}
            if event:
                common |= {"ts_start": utc_iso(event.get("timestamp")), "ts_end": utc_iso(event.get("completed"))}
        records: list[Record] = []
        parts = content if isinstance(content, list) else []
        for number, part in enumerate(parts):
            if isinstance(part, dict) and part.get("type") == "reasoning" and not part.get("redacted"):
                text = part.get("reasoning") or part.get("summary")
                if isinstance(text, str) and text.strip():
                    records.append(Record(record_id=f"{key}:reasoning{number}", kind="reasoning", text=text, **common))
        text = content_text(content)
        if text and text.strip():
            records.append(Record(record_id=key, kind="message", text=text, **common))
        calls = message.get("tool_calls")
        for number, call in enumerate(calls if isinstance(calls, list) else [calls] if isinstance(calls, dict) else []):
            if not isinstance(call, dict):
                continue
            call_id = str(call.get("id") or f"{index}.{number}")
            function = call.get("function")
            tool_event = tools.get(call_id, {})
            records.append(
                Record(
                    record_id=call_record_id(self.run_id, call_id),
                    kind="tool_call",
                    tool_name=function.get("name") if isinstance(function, dict) else function,
                    tool_call_id=call_id,
                    tool_args=canonical_json(call.get("arguments") if call.get("arguments") is not None else {}),
                    **(
                        common
                        | {
                            "ts_start": utc_iso(tool_event.get("timestamp")) or common.get("ts_start"),
                            "ts_end": utc_iso(tool_event.get("completed")) or common.get("ts_end"),
                        }
                    ),
                )
            )
        if records and event and role == "assistant":
            output = event.get("output") or {}
            for field, value in _usage_fields(output.get("usage")).items():
                setattr(records[0], field, value)
        return records


def _records(sample: dict[str, Any], eval_spec: dict[str, Any], ctx: FileContext, where: str) -> list[Item]:
    run = _Sample(sample, eval_spec, ctx, where)
    items: list[Item] = [run.run_record()]
    messages = sample.get("messages") or []
    if not isinstance(messages, list):
        reason = f"sample {run.sample_id} epoch {run.epoch}: `messages` is not a list"
        return [*items, reject(ctx, None, reason, NAME, excerpt_of(messages))]
    by_index = run.model_events(messages)
    tools = {str(e["id"]): e for e in run.events if e.get("event") == "tool" and e.get("id")}
    seq = 0
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            reason = f"sample {run.sample_id} epoch {run.epoch}: messages[{index}] is not a chat message"
            items.append(reject(ctx, None, reason, NAME, excerpt_of(message)))
            continue
        if not isinstance(message.get("tool_calls"), list | dict | None):  # the message itself still loads
            reason = f"sample {run.sample_id} epoch {run.epoch}: messages[{index}]: `tool_calls` is not a list"
            items.append(reject(ctx, None, reason, NAME, excerpt_of(message["tool_calls"])))
        produced = run.message_records(run.resolve(message), index, by_index.get(index), tools)
        for record in produced:
            record.seq = seq
            seq += 1
        items.extend(produced)
    return items
