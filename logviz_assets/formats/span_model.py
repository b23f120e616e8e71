"""A span as the trace formats hand it over: ids, times, and the GenAI facts it holds.

Every trace format (otel-genai, langfuse, langsmith) reduces its unit (an OpenTelemetry
span, a Langfuse observation, a LangSmith run) to a `Span`; `genai_spans` builds the
records from those alone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from logviz_assets.formats.common import utc_iso

# Kinds of span, as far as records go.
AGENT, LLM, TOOL, EVENT, OTHER = "agent", "llm", "tool", "event", "other"


@dataclass
class SpanFacts:
    """What one span says about a GenAI step; None where it says nothing."""

    kind: str | None = None
    agent_name: str | None = None
    model: str | None = None
    provider: str | None = None
    input: list[dict[str, Any]] | None = None
    output: list[dict[str, Any]] | None = None
    output_text: str | None = None
    tool_name: str | None = None
    tool_call_id: str | None = None
    tool_args: Any = None
    tool_result: Any = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    tokens_cache_read: int | None = None
    tokens_cache_write: int | None = None
    cost_usd: float | None = None
    is_error: bool | None = None
    error_message: str | None = None

    def fill(self, other: SpanFacts) -> SpanFacts:
        """These facts, with gaps filled from `other`."""
        for item in fields(self):
            if getattr(self, item.name) in (None, [], "") and getattr(other, item.name) not in (None, [], ""):
                setattr(self, item.name, getattr(other, item.name))
        return self


@dataclass
class Span:
    """One span of a trace, as a format parser hands it over."""

    trace_id: str
    span_id: str
    parent_id: str | None
    facts: SpanFacts
    name: str | None = None
    start: str | None = None
    end: str | None = None
    line: int | None = None
    project: str | None = None
    order: int = 0


def span_time(value: Any) -> str | None:
    """A span timestamp in UTC ISO form: ns/µs/ms/s numbers, `[seconds, nanos]` pairs, ISO text."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        value = value[0] * 1_000_000_000 + value[1]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool) and 1e14 < value <= 1e17:
        value = int(value * 1000)  # microseconds (JavaScript span dumps)
    try:
        return utc_iso(value)
    except (ValueError, OverflowError, OSError):
        return None


def epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def status_error(status: Any) -> tuple[bool, str | None]:
    """Whether a span status says ERROR (OTLP code 2, "ERROR", "StatusCode.ERROR"), and its message."""
    message = None
    code: Any = status
    if isinstance(status, dict):
        code = status.get("code", status.get("status_code"))
        message = status.get("message") or status.get("description")
    text = str(code).upper() if code is not None else ""
    is_error = code == 2 or text in {"2", "ERROR", "STATUS_CODE_ERROR", "STATUSCODE.ERROR"}
    return is_error, (str(message) if is_error and message else None)
