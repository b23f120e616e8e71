"""Langfuse trace exports: a trace with its observations, as JSON (one, an array, or JSON Lines).

Observations become spans for `genai_spans`, their OTel attributes read first and
Langfuse's own fields filling the gaps. What each field becomes: docs/formats.md,
"Langfuse trace exports (`langfuse`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from logviz_assets.formats.accounting import TraceFile, excerpt_of
from logviz_assets.formats.base import DocumentFormat, FileContext, Item, reject
from logviz_assets.formats.common import decode, first_of, text_of, to_float, to_int
from logviz_assets.formats.genai_spans import add_span, assembled
from logviz_assets.formats.ids import clean_id
from logviz_assets.formats.json_input import sniff_json
from logviz_assets.formats.messages import normalize_messages, task_text
from logviz_assets.formats.span_conventions import span_facts
from logviz_assets.formats.span_model import AGENT, EVENT, LLM, OTHER, TOOL, Span, SpanFacts, span_time

NAME = "langfuse"
# Every other type (SPAN, CHAIN, RETRIEVER, EMBEDDING, GUARDRAIL, EVALUATOR, ...) is a span: a step when it
# carries an input or an output, else a container of steps.
_TYPES = {"GENERATION": LLM, "TOOL": TOOL, "AGENT": AGENT, "EVENT": EVENT}
_TRACE_START = re.compile(r'^\s*\{\s*"trace"\s*:\s*\{')
_OBSERVATION_KEYS = ("traceId", "type", "startTime")


def is_observation(value: Any) -> bool:
    return isinstance(value, dict) and "id" in value and all(key in value for key in _OBSERVATION_KEYS)


def is_trace_export(value: Any) -> bool:
    """`{"trace": {...}, "observations": [...]}` or a trace object carrying its observations."""
    if not isinstance(value, dict):
        return False
    if isinstance(value.get("trace"), dict):
        trace = value["trace"]
        return "observations" in value or ("projectId" in trace and "id" in trace)
    observations = value.get("observations")
    return (
        isinstance(observations, list)
        and "id" in value
        and ("projectId" in value or "timestamp" in value)
        and (not observations or is_observation(observations[0]) or isinstance(observations[0], str))
    )


class Langfuse(DocumentFormat):
    """A Langfuse trace with its observations."""

    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        value = sniff_json(head)
        if isinstance(value, list):
            return bool(value) and is_trace_export(value[0])
        if isinstance(value, dict):
            return is_trace_export(value)
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
        # A trace longer than the head: its opening is enough.
        return bool(_TRACE_START.match(text)) and '"projectId"' in text and '"bookmarked"' in text

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        trace_file = TraceFile(ctx, NAME, "trace export without steps of its own")
        yield from trace_file.accounted(self._items(data, ctx, trace_file))

    def _items(self, data: bytes, ctx: FileContext, trace_file: TraceFile) -> Iterator[Item]:
        spans: list[Span] = []
        traces: dict[str, dict[str, Any]] = {}
        yield from trace_file.read(data, lambda value, line: _Value(ctx, line, spans, traces, trace_file).take(value))
        if not trace_file.several:  # one document: line numbers of its values would mislead
            for span in spans:
                span.line = None
            for fields in traces.values():
                fields["source_line"] = None
        yield from assembled(spans, NAME, ctx, traces)


class _Value:
    """The traces and observations of one value of a file (an export, or an array of them); odd shapes are rejects."""

    def __init__(
        self,
        ctx: FileContext,
        line: int,
        spans: list[Span],
        traces: dict[str, dict[str, Any]],
        trace_file: TraceFile,
    ) -> None:
        self.ctx = ctx
        self.line = line
        self.spans = spans
        self.traces = traces
        self.trace_file = trace_file

    def take(self, value: Any) -> Iterator[Item]:
        for export in value if isinstance(value, list) else [value]:
            if not is_trace_export(export):
                reason = "not a Langfuse trace export (trace with observations)"
                yield reject(self.ctx, self.line, reason, NAME, excerpt_of(export))
                continue
            yield from self._export(export)

    def _export(self, export: dict[str, Any]) -> Iterator[Item]:
        ctx, line = self.ctx, self.line
        trace = export["trace"] if isinstance(export.get("trace"), dict) else export
        observations = export.get("observations")
        if observations is None:
            observations = trace.get("observations")
        if observations is not None and not isinstance(observations, list):
            # The trace still loads as a run; only its observations are lost, and the reject says so.
            yield reject(ctx, line, "observations is not a list", NAME, excerpt_of(observations))
            observations = []
        observations = observations or []
        trace_id = clean_id(trace.get("id")) or next(
            (clean_id(o.get("traceId")) for o in observations if isinstance(o, dict) and o.get("traceId")), None
        )
        if trace_id is None:
            yield reject(ctx, line, "trace without an id", NAME, excerpt_of(trace))
            return
        self.traces[trace_id] = {**trace_fields(trace), "source_line": line}
        if observations and all(isinstance(o, str) for o in observations):
            yield reject(ctx, line, "observations are listed by id only; export the trace with its observations", NAME)
            return
        project = trace.get("projectId")
        if observations:
            self.trace_file.note(line, "observations that are not steps")
        for raw in observations:
            build = partial(observation_span, raw, trace_id, project, line)
            yield from add_span(build, self.spans, ctx, line, NAME, raw, "observation")


def trace_fields(trace: dict[str, Any]) -> dict[str, Any]:
    """Run-record fields the trace object itself gives."""
    raw_input = decode(trace.get("input"))
    text = task_text(normalize_messages(raw_input)) if not isinstance(raw_input, str) else raw_input
    if not text and isinstance(raw_input, dict):  # {"question": "..."}: its one text
        texts = [v for v in raw_input.values() if isinstance(v, str) and v.strip()]
        text = texts[0] if len(texts) == 1 else None
    if not text and raw_input not in (None, "", [], {}):
        text = text_of(raw_input)
    return {
        "text": text or None,
        "agent_name": trace.get("name") if isinstance(trace.get("name"), str) else None,
        "project": trace.get("projectId"),
        "ts_start": span_time(trace.get("timestamp")),
    }


def usage_from_details(details: Any) -> tuple[int | None, int | None, int | None, int | None]:
    """(tokens_in incl. cached, tokens_out, cache read, cache write) from Langfuse `usageDetails`.

    Langfuse keeps cached input under keys of its own (`input_cached_tokens`,
    `cache_read_input_tokens`, ...) beside `input`, so every input-side key is summed.
    """
    details = decode(details)
    if not isinstance(details, dict):
        return None, None, None, None
    counts = {str(key): to_int(value) for key, value in details.items()}
    counts = {key: value for key, value in counts.items() if value is not None}
    cache_read = (
        sum(v for k, v in counts.items() if "cache_read" in k or "cached" in k)
        if any("cache_read" in k or "cached" in k for k in counts)
        else None
    )
    cache_write = (
        sum(v for k, v in counts.items() if "cache_creation" in k or "cache_write" in k)
        if any("cache_creation" in k or "cache_write" in k for k in counts)
        else None
    )
    input_keys = [k for k in counts if k.startswith(("input", "prompt")) or "cache_read" in k or "cache_creation" in k]
    tokens_in = sum(counts[k] for k in input_keys) if input_keys else None
    tokens_out = counts.get("output", counts.get("completion"))
    return tokens_in, tokens_out, cache_read, cache_write


def _langfuse_facts(obs: dict[str, Any], kind: str | None) -> SpanFacts:
    """The facts Langfuse's own observation fields hold."""
    raw_input, raw_output = decode(obs.get("input")), decode(obs.get("output"))
    usage = obs.get("usageDetails") if obs.get("usageDetails") not in (None, {}) else obs.get("usage")
    tokens_in, tokens_out, cache_read, cache_write = usage_from_details(usage)
    costs = decode(obs.get("costDetails"))
    cost = to_float(first_of(costs, "total")) if isinstance(costs, dict) else None
    if cost is None:
        cost = to_float(first_of(obs, "calculatedTotalCost", "totalCost"))
        cost = cost if cost else None  # Langfuse writes 0 where it knows no price
    is_error = obs.get("level") == "ERROR"
    facts = SpanFacts(
        kind=kind,
        model=obs.get("model"),
        input=normalize_messages(raw_input) if not isinstance(raw_input, str) else _user(raw_input),
        output=normalize_messages(raw_output) if not isinstance(raw_output, str) else [],
        output_text=raw_output if isinstance(raw_output, str) else None,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        tokens_cache_read=cache_read,
        tokens_cache_write=cache_write,
        cost_usd=cost,
        is_error=is_error,
        error_message=obs.get("statusMessage") if is_error else None,
    )
    if not facts.output and raw_output is not None and not facts.output_text:
        facts.output_text = text_of(raw_output)
    if kind == TOOL:
        facts.tool_name = obs.get("name")
        facts.tool_args = raw_input
        facts.tool_result = raw_output
    if kind == AGENT:
        facts.agent_name = obs.get("name")
    return facts


def observation_kind(obs: dict[str, Any]) -> str:
    """What an observation is as a step: its type's kind; a span-like type is a step when it carries something."""
    kind = _TYPES.get(str(obs.get("type") or "").upper())
    if kind is not None:
        return kind
    # Exports hold fields as JSON text, so an empty one may read "null".
    carries = any(decode(obs.get(key)) not in (None, "", "null", [], {}) for key in ("input", "output"))
    return EVENT if carries else OTHER


def _user(text: str) -> list[dict[str, Any]]:
    return normalize_messages([{"role": "user", "content": text}]) if text.strip() else []


def observation_span(obs: Any, trace_id: str, project: Any, line: int) -> Span | str:
    """One observation as a span: its OTel attributes first, Langfuse's own fields after."""
    if not isinstance(obs, dict):
        return "an observation is not an object"
    span_id = clean_id(obs.get("id"))
    if span_id is None:
        return "observation without an id"
    metadata = decode(obs.get("metadata"))
    attributes = metadata.get("attributes") if isinstance(metadata, dict) else None
    attributes = decode(attributes) if attributes is not None else {}
    name = obs.get("name") if isinstance(obs.get("name"), str) else None
    facts = span_facts(attributes if isinstance(attributes, dict) else {}, name)
    kind = observation_kind(obs)
    if kind == EVENT and facts.kind == OTHER:  # its attributes name a container kind; what it carries says more
        facts.kind = EVENT
    if obs.get("level") == "ERROR":
        facts.is_error = True
        facts.error_message = obs.get("statusMessage") or facts.error_message
    facts.fill(_langfuse_facts(obs, kind))
    return Span(
        trace_id=clean_id(obs.get("traceId")) or trace_id,
        span_id=span_id,
        parent_id=clean_id(obs.get("parentObservationId")),
        facts=facts,
        name=name,
        start=span_time(obs.get("startTime")),
        end=span_time(obs.get("endTime")),
        line=line,
        project=obs.get("projectId") or project,
    )
