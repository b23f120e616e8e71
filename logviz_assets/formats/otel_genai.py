"""OpenTelemetry traces of GenAI apps as JSON: OTLP/JSON requests (a document or one a line) and SDK span dumps.

Spans become `Span`s for `genai_spans`, their attributes read by `span_conventions`.
Which shapes are read and what each span becomes: docs/formats.md,
"OpenTelemetry GenAI spans (`otel-genai`)".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from logviz_assets.formats.accounting import TraceFile, excerpt_of
from logviz_assets.formats.base import DocumentFormat, FileContext, Item, reject
from logviz_assets.formats.genai_spans import add_span, assembled
from logviz_assets.formats.ids import clean_id
from logviz_assets.formats.json_input import sniff_json
from logviz_assets.formats.span_conventions import otlp_attributes, span_facts
from logviz_assets.formats.span_model import Span, span_time, status_error

NAME = "otel-genai"
_OTLP_START = re.compile(r'^\s*(\[\s*)?\{\s*"resource_?[sS]pans"\s*:')
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


def is_request(value: Any) -> bool:
    """Whether a value is one OTLP export request (`resourceSpans`, or `resource_spans` as protobuf names it)."""
    return isinstance(value, dict) and _resource_spans(value) is not None


def _scope_spans(group: dict[str, Any]) -> Any:
    for key in ("scopeSpans", "scope_spans", "instrumentationLibrarySpans", "instrumentation_library_spans"):
        if key in group:
            return group[key]
    return None


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
            if is_request(value):
                return True
            spans = value.get("spans")
            if isinstance(spans, list):
                return bool(spans) and is_span(spans[0])
            return is_span(value)
        if isinstance(value, list):  # spans, or export requests as a collector's JSON array holds them
            return bool(value) and (is_span(value[0]) or is_request(value[0]))
        # A first span longer than the head: judge by its opening keys.
        start = text[:4096]
        return bool(
            (_SPANS_START.match(text) or _ARRAY_START.match(text))
            and _TRACE_KEY.search(start)
            and _SPAN_KEY.search(start)
        )

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        trace_file = TraceFile(ctx, NAME, "export request without spans")
        yield from trace_file.accounted(self._items(data, ctx, trace_file))

    def _items(self, data: bytes, ctx: FileContext, trace_file: TraceFile) -> Iterator[Item]:
        spans: list[Span] = []
        yield from trace_file.read(data, lambda value, line: _Value(ctx, spans, trace_file, line).take(value))
        if not trace_file.several:  # one document: line numbers of its values would mislead
            for span in spans:
                span.line = None
        yield from assembled(spans, NAME, ctx)


class _Value:
    """The spans of one value of a file (a request, a span list or a span) into `spans`; odd shapes are rejects."""

    def __init__(self, ctx: FileContext, spans: list[Span], trace_file: TraceFile, line: int) -> None:
        self.ctx = ctx
        self.spans = spans
        self.trace_file = trace_file
        self.line = line

    def take(self, value: Any) -> Iterator[Item]:
        if is_request(value):
            yield from self._request(value)
        elif isinstance(value, dict) and isinstance(value.get("spans"), list):
            for span in value["spans"]:
                yield from self._add(sdk_span, span, None)
        elif isinstance(value, list):
            for item in value:
                if is_request(item):
                    yield from self._request(item)
                else:
                    yield from self._add(sdk_span, item, None)
        elif is_span(value):
            yield from self._add(sdk_span, value, None)
        else:
            yield self._reject("neither an OTLP export request nor a span", value)

    def _reject(self, reason: str, value: Any = None) -> Item:
        return reject(self.ctx, self.line, reason, NAME, excerpt_of(value) if value is not None else None)

    def _request(self, request: dict[str, Any]) -> Iterator[Item]:
        resource_spans = _resource_spans(request)
        if not isinstance(resource_spans, list):
            yield self._reject("resourceSpans is not a list", resource_spans)
            return
        for group in resource_spans:
            if not isinstance(group, dict):
                yield self._reject("a resourceSpans entry is not an object", group)
                continue
            resource = group.get("resource") if isinstance(group.get("resource"), dict) else {}
            project = service_project(otlp_attributes(resource.get("attributes")))
            scopes = _scope_spans(group)
            if scopes is not None and not isinstance(scopes, list):
                yield self._reject("scopeSpans is not a list", scopes)
                continue
            for scope in scopes or []:
                spans = scope.get("spans") if isinstance(scope, dict) else None
                if not isinstance(scope, dict) or not isinstance(spans, list | None):
                    yield self._reject("a scopeSpans entry is not an object with a list of spans", scope)
                    continue
                for span in spans or []:
                    yield from self._add(otlp_span, span, project)

    def _add(
        self, build: Callable[[Any, str | None, int], Span | str], raw: Any, project: str | None
    ) -> Iterator[Item]:
        self.trace_file.note(self.line, "span that is not a step")
        return add_span(lambda: build(raw, project, self.line), self.spans, self.ctx, self.line, NAME, raw, "span")


def _events(raw: Any) -> list[dict[str, Any]]:
    return [
        {"name": event.get("name"), "attributes": otlp_attributes(event.get("attributes"))}
        for event in (raw if isinstance(raw, list) else [])
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
    trace_id = _pick(raw, "traceId", "trace_id", "context.trace_id", "context.traceId", "spanContext.traceId")
    span_id = _pick(raw, "spanId", "span_id", "context.span_id", "context.spanId", "spanContext.spanId", "id")
    parent_id = _pick(
        raw,
        "parentSpanId",
        "parent_span_id",
        "parent_id",
        "parentId",
        "parent.span_id",
        "parent.spanId",
        "parentSpanContext.spanId",
    )
    start = _pick(raw, "start_time", "startTime", "startTimeUnixNano")
    end = _pick(raw, "end_time", "endTime", "endTimeUnixNano")
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


def _pick(raw: dict[str, Any], *paths: str) -> Any:
    """The first of these dotted paths (`context.trace_id`) that holds something; a part that is not an object
    holds nothing."""
    for path in paths:
        value: Any = raw
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and value != "":
            return value
    return None


def _micros(value: Any) -> int | None:
    return int(value * 1000) if isinstance(value, int | float) else None
