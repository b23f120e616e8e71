"""LangSmith runs, as JSON: run objects, run lists, and the SDKs' post/patch ingest payloads.

Runs (patches merged in) become spans for `genai_spans`. What each field becomes:
docs/formats.md, "LangSmith runs (`langsmith`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from logviz_assets.formats.accounting import TraceFile, excerpt_of
from logviz_assets.formats.base import DocumentFormat, FileContext, Item, reject
from logviz_assets.formats.common import decode, first_of, text_of, to_float
from logviz_assets.formats.genai_spans import add_span, assembled
from logviz_assets.formats.ids import clean_id
from logviz_assets.formats.json_input import sniff_json
from logviz_assets.formats.messages import normalize_messages, task_text, usage_tokens
from logviz_assets.formats.span_model import AGENT, LLM, OTHER, TOOL, Span, SpanFacts, span_time

NAME = "langsmith"
_RUN_TYPES = {"llm", "chain", "tool", "retriever", "prompt", "parser", "embedding"}
_BATCH_START = re.compile(r'^\s*\{\s*"(post|patch)"\s*:\s*\[')
_RUN_TYPE_KEY = re.compile(r'"run_type"\s*:\s*"(llm|chain|tool|retriever|prompt|parser|embedding)"')
_DOTTED = re.compile(r"^\d{8}T\d{6}\d*Z(.+)$")
_UPDATES = "updates of runs read from another line"


def is_run(value: Any) -> bool:
    """A run object: an id (or a dotted order) and a run type or dotted order."""
    return (
        isinstance(value, dict)
        and ("id" in value or "dotted_order" in value)
        and (str(value.get("run_type")) in _RUN_TYPES or "dotted_order" in value)
        and any(key in value for key in ("trace_id", "inputs", "dotted_order", "parent_run_id"))
    )


def is_batch(value: Any) -> bool:
    if not isinstance(value, dict) or not ({"post", "patch"} & value.keys()):
        return False
    posts, patches = value.get("post") or [], value.get("patch") or []
    if not isinstance(posts, list) or not isinstance(patches, list):
        return False
    items = posts + patches
    return not items or is_run(items[0])


def _looks_like_runs(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and is_run(value[0])
    if isinstance(value, dict):
        if is_batch(value) or is_run(value):
            return True
        runs = value.get("runs")
        return isinstance(runs, list) and bool(runs) and is_run(runs[0])
    return False


class LangSmith(DocumentFormat):
    """LangSmith run JSON, run lists, and post/patch ingest payloads."""

    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        value = sniff_json(head)
        if value is not None:
            return _looks_like_runs(value)
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
        # A first run longer than the head: its opening is enough.
        if not text.startswith(("{", "[")) or not _RUN_TYPE_KEY.search(text):
            return False
        return bool(_BATCH_START.match(text)) or any(
            f'"{key}"' in text for key in ("dotted_order", "trace_id", "parent_run_id", "session_name")
        )

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        trace_file = TraceFile(ctx, NAME, "batch without runs")
        yield from trace_file.accounted(self._items(data, ctx, trace_file))

    def _items(self, data: bytes, ctx: FileContext, trace_file: TraceFile) -> Iterator[Item]:
        posts: list[tuple[dict[str, Any], int]] = []
        patches: list[tuple[dict[str, Any], int]] = []
        yield from trace_file.read(data, lambda value, line: _Value(ctx, line, trace_file).take(value, posts, patches))
        runs = yield from _merge(posts, patches, ctx, trace_file)
        _fill_trace_ids([run for run, _ in runs])
        spans: list[Span] = []
        for run, line in runs:
            where = trace_file.where(line)
            yield from add_span(partial(run_span, run, where), spans, ctx, where, NAME, run, "run")
        yield from assembled(spans, NAME, ctx)


class _Value:
    """The runs and patches of one value of a file; odd shapes are rejects."""

    def __init__(self, ctx: FileContext, line: int, trace_file: TraceFile) -> None:
        self.ctx = ctx
        self.line = line
        self.trace_file = trace_file

    def _reject(self, reason: str, value: Any = None) -> Item:
        return reject(self.ctx, self.line, reason, NAME, excerpt_of(value) if value is not None else None)

    def take(
        self, value: Any, posts: list[tuple[dict[str, Any], int]], patches: list[tuple[dict[str, Any], int]]
    ) -> Iterator[Item]:
        if isinstance(value, dict) and ({"post", "patch"} & value.keys()):
            for key, into in (("post", posts), ("patch", patches)):
                items = value.get(key) or []
                if not isinstance(items, list):
                    yield self._reject(f"`{key}` is not a list", items)
                    continue
                for item in items:
                    if isinstance(item, dict):
                        yield from self._add(item, into)
                    else:
                        yield self._reject(f"a `{key}` entry is not an object", item)
            return
        if isinstance(value, dict) and isinstance(value.get("runs"), list):
            value = value["runs"]
        items = value if isinstance(value, list) else [value]
        for item in items:
            if is_run(item):
                yield from self._add(item, posts)
            else:
                yield self._reject("not a LangSmith run (id, run_type, trace_id / dotted_order)", item)

    def _add(self, run: dict[str, Any], into: list[tuple[dict[str, Any], int]]) -> Iterator[Item]:
        """The run and its nested `child_runs`; a child that is not a run object is a reject."""
        self.trace_file.note(self.line, "runs that are not steps")
        into.append((run, self.line))
        children = run.get("child_runs")
        if children is not None and not isinstance(children, list):
            yield self._reject("`child_runs` is not a list", children)
            return
        for child in children or []:
            if not isinstance(child, dict):
                yield self._reject("a `child_runs` entry is not an object", child)
                continue
            child = dict(child)
            child["parent_run_id"] = child.get("parent_run_id") or run.get("id")
            child["trace_id"] = child.get("trace_id") or run.get("trace_id")
            yield from self._add(child, into)


def _merge(
    posts: list[tuple[dict[str, Any], int]],
    patches: list[tuple[dict[str, Any], int]],
    ctx: FileContext,
    trace_file: TraceFile,
) -> Iterator[Item]:
    """Runs with their patches applied; a run posted twice keeps the later fields. (Generator returning runs.)"""
    merged: dict[str, tuple[dict[str, Any], int]] = {}
    by_order: dict[str, str] = {}
    for number, (run, line) in enumerate(posts):
        # A run with neither id nor dotted order is kept apart, to be rejected on its own.
        key = str(run.get("id") or run.get("dotted_order") or f"#{number}")
        previous = merged.get(key)
        if previous:
            trace_file.note(line, _UPDATES)
        merged[key] = (_apply(previous[0], run) if previous else dict(run), previous[1] if previous else line)
        if run.get("dotted_order"):
            by_order[str(run["dotted_order"])] = key
    for patch, line in patches:
        key = str(patch["id"]) if patch.get("id") else by_order.get(str(patch.get("dotted_order")))
        if key and key in merged:
            trace_file.note(line, _UPDATES)
            merged[key] = (_apply(merged[key][0], patch), merged[key][1])
        elif patch.get("id"):  # posted in another payload: keep what the patch says
            merged[str(patch["id"])] = (dict(patch), line)
        else:
            reason = "a patch matches no posted run (no id, unknown dotted_order)"
            yield reject(ctx, line, reason, NAME, excerpt_of(patch))
    return list(merged.values())


def _fill_trace_ids(runs: list[dict[str, Any]]) -> None:
    """A run without `trace_id` or `dotted_order` belongs to the trace of its topmost known ancestor."""
    by_id = {str(run["id"]): run for run in runs if run.get("id")}
    for run in runs:
        if run.get("trace_id") or run.get("dotted_order"):
            continue
        current, seen = run, {id(run)}
        while current.get("parent_run_id") and str(current["parent_run_id"]) in by_id:
            current = by_id[str(current["parent_run_id"])]
            if id(current) in seen:
                break
            seen.add(id(current))
        if current.get("trace_id"):
            run["trace_id"] = current["trace_id"]
        elif not current.get("parent_run_id") and current.get("id"):
            run["trace_id"] = current["id"]


def _apply(run: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    result = dict(run)
    for key, value in update.items():
        if value is None:
            continue
        if key == "extra" and isinstance(value, dict) and isinstance(result.get("extra"), dict):
            extra = dict(result["extra"])
            for inner, inner_value in value.items():
                if isinstance(inner_value, dict) and isinstance(extra.get(inner), dict):
                    extra[inner] = {**extra[inner], **inner_value}
                else:
                    extra[inner] = inner_value
            result["extra"] = extra
        else:
            result[key] = value
    return result


def _dotted_ids(dotted_order: Any) -> list[str]:
    """Run ids along a `dotted_order` (`<time>Z<id>.<time>Z<id>...`), root first."""
    if not isinstance(dotted_order, str):
        return []
    ids = []
    for segment in dotted_order.split("."):
        match = _DOTTED.match(segment)
        if match:
            ids.append(match.group(1))
    return ids


def run_span(run: dict[str, Any], line: int | None) -> Span | str:
    """One LangSmith run as a span."""
    path = _dotted_ids(run.get("dotted_order"))
    run_id = clean_id(run.get("id")) or (clean_id(path[-1]) if path else None)
    if run_id is None:
        return "run without an id"
    parent_id = clean_id(run.get("parent_run_id")) or (clean_id(path[-2]) if len(path) > 1 else None)
    trace_id = clean_id(run.get("trace_id")) or (clean_id(path[0]) if path else None)
    if trace_id is None:
        trace_id = run_id if parent_id is None else None
    if trace_id is None:
        return "run without a trace id (no trace_id, dotted_order or root)"
    extra = run.get("extra") if isinstance(run.get("extra"), dict) else {}
    metadata = extra.get("metadata") if isinstance(extra.get("metadata"), dict) else {}
    return Span(
        trace_id=trace_id,
        span_id=run_id,
        parent_id=parent_id,
        facts=run_facts(run, is_root=parent_id is None),
        name=run.get("name") if isinstance(run.get("name"), str) else None,
        start=span_time(run.get("start_time")),
        end=span_time(run.get("end_time")),
        line=line,
        project=first_of(run, "session_name") or metadata.get("ls_project") or None,
    )


def run_facts(run: dict[str, Any], is_root: bool) -> SpanFacts:
    run_type = run.get("run_type") if isinstance(run.get("run_type"), str) else None
    kind = {"llm": LLM, "tool": TOOL}.get(run_type, OTHER)
    if is_root and kind == OTHER and run_type in ("chain", None):
        kind = AGENT
    inputs, outputs = decode(run.get("inputs")), decode(run.get("outputs"))
    extra = run.get("extra") if isinstance(run.get("extra"), dict) else {}
    metadata = extra.get("metadata") if isinstance(extra.get("metadata"), dict) else {}
    invocation = extra.get("invocation_params") if isinstance(extra.get("invocation_params"), dict) else {}
    error = run.get("error")
    facts = SpanFacts(
        kind=kind,
        provider=metadata.get("ls_provider"),
        is_error=bool(error) or run.get("status") == "error",
        error_message=str(error) if error else None,
    )
    if kind == LLM:
        response = outputs if isinstance(outputs, dict) else {}
        llm_output = response.get("llm_output") if isinstance(response.get("llm_output"), dict) else {}
        facts.model = (
            first_of(response, "model")
            or first_of(llm_output, "model_name", "model")
            or first_of(metadata, "ls_model_name")
            or first_of(invocation, "model", "model_name")
            or (first_of(inputs, "model") if isinstance(inputs, dict) else None)
        )
        facts.input = normalize_messages(inputs)
        facts.output = normalize_messages(outputs)
        if not facts.output and outputs not in (None, {}, []):
            facts.output_text = text_of(outputs)
        usage = (
            run.get("usage_metadata")
            or response.get("usage_metadata")
            or metadata.get("usage_metadata")
            or llm_output.get("token_usage")
            or llm_output.get("usage")
            or response.get("usage")
        )
        tokens = usage_tokens(usage)
        if tokens[0] is None and tokens[1] is None:
            tokens = usage_tokens(
                {"prompt_tokens": run.get("prompt_tokens"), "completion_tokens": run.get("completion_tokens")}
            )
        facts.tokens_in, facts.tokens_out, facts.tokens_cache_read, facts.tokens_cache_write = tokens
        facts.cost_usd = _cost(run)
    elif kind == TOOL:
        facts.tool_name = run.get("name")
        facts.tool_args = inputs.get("input") if isinstance(inputs, dict) and set(inputs) == {"input"} else inputs
        facts.tool_result = outputs.get("output") if isinstance(outputs, dict) and "output" in outputs else outputs
        call_id = first_of(metadata, "tool_call_id") or (
            first_of(inputs, "tool_call_id") if isinstance(inputs, dict) else None
        )
        facts.tool_call_id = str(call_id) if call_id else None
    elif kind == AGENT:
        facts.agent_name = run.get("name")
        facts.input = _task_messages(inputs)
        facts.output = normalize_messages(outputs) if not isinstance(outputs, str) else []
        if not facts.output and outputs not in (None, {}, []):
            facts.output_text = text_of(
                outputs.get("output") if isinstance(outputs, dict) and "output" in outputs else outputs
            )
    return facts


def _task_messages(inputs: Any) -> list[dict[str, Any]]:
    """A root run's inputs as messages: its messages, else its one text input, else the inputs as JSON."""
    messages = normalize_messages(inputs) if not isinstance(inputs, str) else []
    if task_text(messages):
        return messages
    if isinstance(inputs, dict):
        texts = [v for v in inputs.values() if isinstance(v, str) and v.strip()]
        if len(texts) == 1:
            return normalize_messages([{"role": "user", "content": texts[0]}])
    text = text_of(inputs) if inputs not in (None, {}, []) else None
    return normalize_messages([{"role": "user", "content": text}]) if text else []


def _cost(run: dict[str, Any]) -> float | None:
    total = to_float(run.get("total_cost"))
    if total is not None:
        return total
    parts = [to_float(run.get(key)) for key in ("prompt_cost", "completion_cost")]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None
