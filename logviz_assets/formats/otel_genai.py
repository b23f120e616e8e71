"""OpenTelemetry traces of GenAI apps, as JSON files: spans that follow the GenAI
semantic conventions (`gen_ai.*`), their older forms, or OpenInference (`llm.*`).

Three wrappers are read, all by `OtelGenAI`:

- OTLP/JSON export requests, `{"resourceSpans": [{"resource", "scopeSpans": [{"spans"}]}]}`,
  with attributes as `[{"key", "value": {"stringValue" | "intValue" | ...}}]`: one
  document, or one request a line as the OpenTelemetry Collector's `file` exporter
  writes them (wherever its `path` points, e.g. `/var/log/otel/traces.jsonl`);
- span lists as SDKs dump them: a JSON array of spans with plain dict `attributes`
  (Python's `span.to_json()`, JavaScript's console exporter), one span a line, or an
  object with a `spans` array (any-agent's `AgentTrace`, whose 128-bit ids are JSON
  integers: kept exactly, as decimal strings);
- the same objects pretty-printed one after another (console exporter output).

One run per trace id. invoke_agent spans give the run record (a nested agent is a child
run, `is_subagent`); chat spans an `llm_call` (text: the last output message, or a
summary of its tool calls); execute_tool spans a `tool_call` + `tool_result` pair.
`parent_id` follows the span parent to the nearest span that gave a record; times
come from start/end (nanoseconds or ISO), errors from span status (and `error.type`,
exception events). See `genai_spans` for the attribute vocabulary.

The file is read whole, also as JSON Lines: spans of one trace are spread over many
lines, children before parents, so runs can only be put together once all are read.
Skipped: spans that are not agent, LLM or tool steps (HTTP, chains, retrievers,
embeddings), span links, metrics and logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.base import DocumentFormat, FileContext, Item, decode_utf8, reject
from logviz_assets.formats.common import canonical_json
from logviz_assets.formats.genai_spans import (
    Span,
    clean_id,
    iter_json_values,
    otlp_attributes,
    sniff_json,
    span_facts,
    span_time,
    status_error,
    trace_records,
)

NAME = "otel-genai"
_OTLP_START = re.compile(r'^\s*\{\s*"resource_?[sS]pans"\s*:')
_SPANS_START = re.compile(r'^\s*\{\s*"spans"\s*:\s*\[\s*\{')
_ARRAY_START = re.compile(r"^\s*\[\s*\{")
_TRACE_KEY = re.compile(r'"(trace_id|traceId)"\s*:')
_SPAN_KEY = re.compile(r'"(span_id|spanId)"\s*:')


def is_span(value: Any) -> bool:
    """Whether a dict looks like one span as an SDK or OTLP writes it."""
    if not isinstance(value, dict) or "name" not in value:
        return False
    context = value.get("context") if isinstance(value.get("context"), dict) else {}
    return bool(
        ("traceId" in value and ("spanId" in value or ("id" in value and "duration" in value)))
        or ("trace_id" in value and "span_id" in value)
        or ("trace_id" in context and "span_id" in context)
        or ("traceId" in context and "spanId" in context)
    )


def _resource_spans(value: dict[str, Any]) -> Any:
    return value.get("resourceSpans", value.get("resource_spans"))


def service_project(resource_attributes: dict[str, Any]) -> str | None:
    name = resource_attributes.get("service.name")
    if isinstance(name, str) and name and not name.startswith("unknown_service"):
        return name
    return None


class OtelGenAI(DocumentFormat):
    """OTLP/JSON requests (document or one a line) and SDK span dumps with GenAI attributes."""

    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
        if _OTLP_START.match(text):
            return True
        value = sniff_json(head)
        if isinstance(value, dict):
            if _resource_spans(value) is not None:
                return True
            spans = value.get("spans")
            if isinstance(spans, list):
                return bool(spans) and is_span(spans[0])
            return is_span(value)
        if isinstance(value, list):
            return bool(value) and is_span(value[0])
        # A first span longer than the head: judge by its opening keys.
        start = text[:4096]
        return bool(
            (_SPANS_START.match(text) or _ARRAY_START.match(text))
            and _TRACE_KEY.search(start)
            and _SPAN_KEY.search(start)
        )

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        text, problem = decode_utf8(data, ctx, NAME)
        if problem:
            yield problem
            return
        spans: list[Span] = []
        values = 0
        for line, value, problem in iter_json_values(text):
            if problem:
                yield reject(ctx, line, problem, NAME)
                continue
            values += 1
            yield from self._collect(value, line, ctx, spans)
        if values == 1:  # one document: line numbers of its values would mislead
            for span in spans:
                span.line = None
        try:
            yield from trace_records(spans, NAME, ctx.source_file)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            yield reject(ctx, None, f"could not assemble traces: {type(err).__name__}: {err}", NAME)

    def _collect(self, value: Any, line: int, ctx: FileContext, spans: list[Span]) -> Iterator[Item]:
        if isinstance(value, dict) and _resource_spans(value) is not None:
            yield from self._otlp_request(value, line, ctx, spans)
        elif isinstance(value, dict) and isinstance(value.get("spans"), list):
            for span in value["spans"]:
                yield from self._add(sdk_span, span, None, line, ctx, spans)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and _resource_spans(item) is not None:
                    yield from self._otlp_request(item, line, ctx, spans)
                else:
                    yield from self._add(sdk_span, item, None, line, ctx, spans)
        elif is_span(value):
            yield from self._add(sdk_span, value, None, line, ctx, spans)
        else:
            yield reject(ctx, line, "neither an OTLP export request nor a span", NAME, canonical_json(value))

    def _otlp_request(self, request: dict[str, Any], line: int, ctx: FileContext, spans: list[Span]) -> Iterator[Item]:
        resource_spans = _resource_spans(request)
        if not isinstance(resource_spans, list):
            yield reject(ctx, line, "resourceSpans is not a list", NAME)
            return
        for group in resource_spans:
            if not isinstance(group, dict):
                yield reject(ctx, line, "a resourceSpans entry is not an object", NAME, canonical_json(group))
                continue
            resource = group.get("resource") if isinstance(group.get("resource"), dict) else {}
            project = service_project(otlp_attributes(resource.get("attributes")))
            scopes = group.get("scopeSpans", group.get("scope_spans", group.get("instrumentationLibrarySpans")))
            for scope in scopes if isinstance(scopes, list) else []:
                for span in (scope.get("spans") if isinstance(scope, dict) else None) or []:
                    yield from self._add(otlp_span, span, project, line, ctx, spans)

    def _add(
        self, build: Any, raw: Any, project: str | None, line: int, ctx: FileContext, spans: list[Span]
    ) -> Iterator[Item]:
        try:
            span = build(raw, project, line)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            yield reject(ctx, line, f"unexpected span shape: {type(err).__name__}: {err}", NAME, raw)
            return
        if isinstance(span, str):
            yield reject(ctx, line, span, NAME, raw)
        else:
            spans.append(span)


def _events(raw: Any) -> list[dict[str, Any]]:
    return [
        {"name": event.get("name"), "attributes": otlp_attributes(event.get("attributes"))}
        for event in raw or []
        if isinstance(event, dict)
    ]


def _finish(
    trace_id: Any,
    span_id: Any,
    parent_id: Any,
    raw: dict[str, Any],
    attributes: dict[str, Any],
    start: Any,
    end: Any,
    status: Any,
    project: str | None,
    line: int,
) -> Span | str:
    trace, span = clean_id(trace_id), clean_id(span_id)
    if not trace or not span:
        return "span without a trace id or span id"
    events = _events(raw.get("events"))
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    facts = span_facts(attributes, name, events)
    failed, message = status_error(status)
    if failed:
        facts.is_error = True
        facts.error_message = message or facts.error_message
    return Span(
        trace_id=trace,
        span_id=span,
        parent_id=clean_id(parent_id),
        facts=facts,
        name=name,
        start=span_time(start),
        end=span_time(end),
        line=line,
        project=project,
    )


def otlp_span(raw: Any, project: str | None, line: int) -> Span | str:
    """One span of an OTLP/JSON request (camelCase or protobuf field names)."""
    if not isinstance(raw, dict):
        return "a span is not an object"
    return _finish(
        raw.get("traceId", raw.get("trace_id")),
        raw.get("spanId", raw.get("span_id")),
        raw.get("parentSpanId", raw.get("parent_span_id")),
        raw,
        otlp_attributes(raw.get("attributes")),
        raw.get("startTimeUnixNano", raw.get("start_time_unix_nano")),
        raw.get("endTimeUnixNano", raw.get("end_time_unix_nano")),
        raw.get("status"),
        project,
        line,
    )


def sdk_span(raw: Any, project: str | None, line: int) -> Span | str:
    """One span as an SDK serialises it (Python `to_json`, any-agent, JavaScript console exporter)."""
    if not isinstance(raw, dict):
        return "a span is not an object"
    context = raw.get("context") if isinstance(raw.get("context"), dict) else {}
    span_context = raw.get("spanContext") if isinstance(raw.get("spanContext"), dict) else {}
    trace_id = _first(
        raw.get("traceId"),
        raw.get("trace_id"),
        context.get("trace_id"),
        context.get("traceId"),
        span_context.get("traceId"),
    )
    span_id = _first(
        raw.get("spanId"),
        raw.get("span_id"),
        context.get("span_id"),
        context.get("spanId"),
        span_context.get("spanId"),
        raw.get("id"),
    )
    parent = raw.get("parent") if isinstance(raw.get("parent"), dict) else {}
    parent_context = raw.get("parentSpanContext") if isinstance(raw.get("parentSpanContext"), dict) else {}
    parent_id = _first(
        raw.get("parentSpanId"),
        raw.get("parent_span_id"),
        raw.get("parent_id"),
        raw.get("parentId"),
        parent.get("span_id"),
        parent.get("spanId"),
        parent_context.get("spanId"),
    )
    start = _first(raw.get("start_time"), raw.get("startTime"), raw.get("startTimeUnixNano"))
    end = _first(raw.get("end_time"), raw.get("endTime"), raw.get("endTimeUnixNano"))
    if start is None and isinstance(raw.get("timestamp"), int | float):  # JavaScript: microseconds + duration
        start = raw["timestamp"]
        if isinstance(raw.get("duration"), int | float):
            end = raw["timestamp"] + raw["duration"]
        start, end = _micros(start), _micros(end)
    status = raw.get("status")
    if status is None and "status_code" in raw:
        status = {"status_code": raw.get("status_code"), "message": raw.get("status_message")}
    resource = raw.get("resource") if isinstance(raw.get("resource"), dict) else {}
    project = project or service_project(otlp_attributes(resource.get("attributes")))
    attributes = otlp_attributes(raw.get("attributes"))
    return _finish(trace_id, span_id, parent_id, raw, attributes, start, end, status, project, line)


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None and v != ""), None)


def _micros(value: Any) -> int | None:
    return int(value * 1000) if isinstance(value, int | float) else None
