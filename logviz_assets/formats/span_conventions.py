"""Span attributes in the three GenAI vocabularies found in the wild, read into `SpanFacts`.

The current OpenTelemetry GenAI semantic conventions, their older forms, and
OpenInference (see docs/formats.md, "OpenTelemetry GenAI spans"). Where the vocabularies
name the same fact, the key lists below put the current conventions first. Also here:
the OTLP/JSON encoding of attribute values, which otel-genai files use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from logviz_assets.formats.common import decode, first_of, text_of, to_float, to_int
from logviz_assets.formats.messages import message, normalize_message, normalize_messages
from logviz_assets.formats.span_model import AGENT, LLM, OTHER, TOOL, SpanFacts

_AGENT_OPS = {"invoke_agent"}
_TOOL_OPS = {"execute_tool"}
_LLM_OPS = {"chat", "text_completion", "generate_content", "completion", "call_llm", "generate", "responses"}
_OI_KINDS = {"AGENT": AGENT, "TOOL": TOOL, "LLM": LLM}
_TRACELOOP_KINDS = {"agent": AGENT, "tool": TOOL}
_LLM_KEY_PREFIXES = ("gen_ai.prompt", "gen_ai.completion", "gen_ai.usage.", "llm.input_messages", "llm.output_messages")
_EVENT_MESSAGE = re.compile(r"gen_ai\.(system|user|assistant|tool)\.message")

_MODEL_KEYS = (
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "llm.response.model",
    "llm.request.model",
)
_PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
_TOOL_CALL_ID_KEYS = ("gen_ai.tool.call.id", "tool_call.id", "tool.call.id", "tool.id")
_TOOL_ARGS_KEYS = (
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.args",
    "tool.arguments",
    "input.value",
    "traceloop.entity.input",
    "tool_call.function.arguments",
    # OpenInference's declaration of the tool's parameters: shown only where no call names its arguments.
    "tool.parameters",
)
_TOOL_RESULT_KEYS = (
    "gen_ai.tool.call.result",
    "gen_ai.tool.output",
    "gen_ai.output",
    "output.value",
    "traceloop.entity.output",
)
# Span events may carry message content instead of the span's attributes.
_EVENT_CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt", "gen_ai.completion")
_TOKEN_KEYS = {
    "tokens_in": (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "llm.token_count.prompt",
        "llm.usage.prompt_tokens",
    ),
    "tokens_out": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
        "llm.usage.completion_tokens",
    ),
    "tokens_cache_read": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "llm.token_count.prompt_details.cache_read",
    ),
    "tokens_cache_write": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
        "llm.token_count.prompt_details.cache_write",
    ),
}


def otlp_value(value: Any) -> Any:
    """The plain value of an OTLP/JSON `AnyValue` (`{"stringValue": ...}` and friends; `string_value` as
    protobuf's JSON printer writes it when it keeps the field names)."""
    if not isinstance(value, dict):
        return value
    for camel, snake, convert in _VALUE_KINDS:
        if camel in value or snake in value:
            return convert(value[camel] if camel in value else value[snake])
    return None


def _values_of(container: Any) -> list[Any]:
    values = container.get("values") if isinstance(container, dict) else None
    return values if isinstance(values, list) else []


_VALUE_KINDS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("stringValue", "string_value", lambda v: v),
    ("intValue", "int_value", to_int),
    ("doubleValue", "double_value", to_float),
    ("boolValue", "bool_value", bool),
    ("arrayValue", "array_value", lambda v: [otlp_value(item) for item in _values_of(v)]),
    ("kvlistValue", "kvlist_value", lambda v: otlp_attributes(_values_of(v))),
    ("bytesValue", "bytes_value", lambda v: v),
)


def otlp_attributes(items: Any) -> dict[str, Any]:
    """OTLP/JSON attributes (`[{"key": ..., "value": {...}}]`) as a flat dict; a dict passes through."""
    if isinstance(items, dict):
        return items
    result: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            result[item["key"]] = otlp_value(item.get("value"))
    return result


def flatten_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Nested attribute dicts (`{"llm": {"model_name": ...}}`) as dotted keys; flat ones unchanged."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        else:
            flat[prefix] = value

    for key, value in attributes.items():
        if "." not in key and isinstance(value, dict):
            walk(key, value)
        else:
            flat[key] = value
    return flat


def span_facts(
    attributes: dict[str, Any], name: str | None = None, events: list[dict[str, Any]] | None = None
) -> SpanFacts:
    """The GenAI facts in one span's attributes (flat or nested; values may be JSON strings).

    `events` are the span's events as `{"name", "attributes": dict}`; prompt and
    completion content that older instrumentations put there is read too.
    """
    attrs = flatten_attributes(attributes or {})
    events = [e for e in events or [] if isinstance(e, dict)]
    for event in events:
        event_attrs = event.get("attributes") or {}
        for key in _EVENT_CONTENT_KEYS:
            if key in event_attrs and key not in attrs:
                attrs[key] = event_attrs[key]
    facts = SpanFacts(kind=_kind(attrs))
    facts.model = first_of(attrs, *_MODEL_KEYS)
    facts.provider = first_of(attrs, *_PROVIDER_KEYS)
    facts.agent_name = first_of(attrs, "gen_ai.agent.name", "agent.name")
    if facts.kind == AGENT and not facts.agent_name and attrs.get("traceloop.span.kind") == "agent":
        facts.agent_name = attrs.get("traceloop.entity.name")
    facts.input = _input_messages(attrs, events)
    _read_output(facts, attrs, events)
    _read_tool(facts, attrs, name)
    for field, keys in _TOKEN_KEYS.items():
        setattr(facts, field, to_int(first_of(attrs, *keys)))
    facts.cost_usd = _cost(attrs)
    _read_errors(facts, attrs, events)
    return facts


def _kind(attrs: dict[str, Any]) -> str | None:
    operation = attrs.get("gen_ai.operation.name")
    operation = operation if isinstance(operation, str) else None
    if operation in _AGENT_OPS:
        return AGENT
    if operation in _TOOL_OPS:
        return TOOL
    if operation in _LLM_OPS:
        return LLM
    if operation:
        return OTHER
    oi_kind = attrs.get("openinference.span.kind")
    if isinstance(oi_kind, str):
        return _OI_KINDS.get(oi_kind.upper(), OTHER)
    traceloop_kind = attrs.get("traceloop.span.kind")
    if isinstance(traceloop_kind, str) and traceloop_kind in _TRACELOOP_KINDS:
        return _TRACELOOP_KINDS[traceloop_kind]
    if attrs.get("gen_ai.tool.name"):
        return TOOL
    if any(key.startswith(_LLM_KEY_PREFIXES) for key in attrs) or attrs.get("gen_ai.request.model"):
        return LLM
    return None


def _input_messages(attrs: dict[str, Any], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    raw = first_of(attrs, "gen_ai.input.messages", "gen_ai.prompt")
    messages = (
        normalize_messages(raw)
        or _indexed_messages(attrs, "gen_ai.prompt")
        or _openinference_messages(attrs, "llm.input_messages")
        or _event_messages(events)[0]
    )
    if messages:
        return messages
    fallback = decode(first_of(attrs, "input.value", "traceloop.entity.input"))
    if isinstance(fallback, str):
        return [message("user", fallback)] if fallback.strip() else []
    return normalize_messages(fallback)


def _read_output(facts: SpanFacts, attrs: dict[str, Any], events: list[dict[str, Any]]) -> None:
    raw_output = first_of(attrs, "gen_ai.output.messages", "gen_ai.completion")
    facts.output = (
        normalize_messages(raw_output)
        or _indexed_messages(attrs, "gen_ai.completion")
        or _openinference_messages(attrs, "llm.output_messages")
        or _event_messages(events)[1]
    )
    if not facts.output:
        fallback = first_of(attrs, "gen_ai.output", "output.value", "traceloop.entity.output")
        facts.output = normalize_messages(fallback) if not isinstance(decode(fallback), str) else []
        if not facts.output:
            facts.output_text = fallback if isinstance(fallback, str) else text_of(fallback)


def _read_tool(facts: SpanFacts, attrs: dict[str, Any], name: str | None) -> None:
    facts.tool_name = first_of(attrs, "gen_ai.tool.name", "tool.name", "tool_call.function.name")
    if not facts.tool_name and attrs.get("traceloop.span.kind") == "tool":
        facts.tool_name = attrs.get("traceloop.entity.name")
    if not facts.tool_name and facts.kind == TOOL and name:
        facts.tool_name = re.sub(r"^execute_tool\s+", "", name)
    call_id = first_of(attrs, *_TOOL_CALL_ID_KEYS)
    facts.tool_call_id = str(call_id) if call_id is not None else None
    facts.tool_args = first_of(attrs, *_TOOL_ARGS_KEYS)
    facts.tool_result = first_of(attrs, *_TOOL_RESULT_KEYS)


def _read_errors(facts: SpanFacts, attrs: dict[str, Any], events: list[dict[str, Any]]) -> None:
    if attrs.get("error.type"):
        facts.is_error = True
        facts.error_message = str(attrs["error.type"])
    for event in events:
        if event.get("name") == "exception":
            event_attrs = event.get("attributes") or {}
            facts.is_error = True
            facts.error_message = first_of(event_attrs, "exception.message", "exception.type") or facts.error_message


def _cost(attrs: dict[str, Any]) -> float | None:
    total = to_float(first_of(attrs, "gen_ai.usage.cost", "gen_ai.usage.total_cost", "llm.cost.total"))
    if total is not None:
        return total
    parts = [to_float(attrs.get(key)) for key in ("gen_ai.usage.input_cost", "gen_ai.usage.output_cost")]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def _indexed(attributes: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """`prefix.N.a.b` attributes as a list of nested dicts (lists where keys are numbers)."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.(.+)$")
    root: dict[int, dict[Any, Any]] = {}
    for key, value in attributes.items():
        match = pattern.match(key)
        if not match:
            continue
        node = root.setdefault(int(match.group(1)), {})
        path = match.group(2).split(".")
        for step in path[:-1]:
            name: Any = int(step) if step.isdigit() else step
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]
        last = path[-1]
        node[int(last) if last.isdigit() else last] = value
    return [_listify(root[index]) for index in sorted(root)]


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value) for key, value in node.items()}
    if converted and all(isinstance(key, int) for key in converted):
        return [converted[key] for key in sorted(converted)]
    return converted


def _indexed_messages(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [m for m in (normalize_message(entry) for entry in _indexed(attrs, prefix)) if m]


def _openinference_messages(attributes: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = attributes.get(key)
    if not isinstance(entries, list):
        entries = _indexed(attributes, key)
    result = []
    for entry in entries:
        msg = entry.get("message", entry) if isinstance(entry, dict) else None
        if not isinstance(msg, dict):
            continue
        msg = dict(msg)
        if "content" not in msg and isinstance(msg.get("contents"), list):
            msg["content"] = [c.get("message_content", c) for c in msg["contents"] if isinstance(c, dict)]
        if isinstance(msg.get("tool_calls"), list):
            msg["tool_calls"] = [c.get("tool_call", c) for c in msg["tool_calls"] if isinstance(c, dict)]
        normalized = normalize_message(msg)
        if normalized:
            result.append(normalized)
    return result


def _event_messages(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Input and output messages from the event-based GenAI conventions (gen_ai.user.message, gen_ai.choice)."""
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    for event in events:
        name = str(event.get("name") or "")
        attrs = event.get("attributes") or {}
        match = _EVENT_MESSAGE.fullmatch(name)
        if match:
            normalized = normalize_message({"role": match.group(1), **_event_body(attrs)})
            if normalized:
                inputs.append(normalized)
        elif name == "gen_ai.choice":
            body = _event_body(attrs)
            normalized = normalize_message(body.get("message") or {"role": "assistant", **body})
            if normalized:
                outputs.append(normalized)
    return inputs, outputs


def _event_body(attrs: dict[str, Any]) -> dict[str, Any]:
    body = decode(attrs.get("body") or attrs.get("gen_ai.event.content"))
    if isinstance(body, dict):
        return body
    return {key: decode(value) for key, value in attrs.items() if key in ("content", "tool_calls", "id", "message")}
