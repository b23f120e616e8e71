"""Span logic shared by the trace formats (otel-genai, langfuse, langsmith).

Pure functions, no I/O. A format parser turns each span (an OpenTelemetry span, a
Langfuse observation, a LangSmith run) into a `Span`: ids, times, and `SpanFacts`,
the facts one span holds about a GenAI step. `span_facts` reads those facts from
span attributes in the three vocabularies found in the wild:

- OpenTelemetry GenAI semantic conventions, current: `gen_ai.operation.name`
  (chat / execute_tool / invoke_agent), `gen_ai.input.messages` and
  `gen_ai.output.messages` (parts-based JSON), `gen_ai.tool.*`, `gen_ai.usage.*`,
  `gen_ai.request.model` / `gen_ai.response.model`, `gen_ai.provider.name`;
- the older GenAI forms: `gen_ai.system`, `gen_ai.prompt.N.role/content`,
  `gen_ai.completion.N.*`, `gen_ai.usage.prompt_tokens`, prompt/completion span events;
- OpenInference: `openinference.span.kind`, `llm.input_messages.N.message.*`,
  `llm.output_messages.N.message.*`, `llm.token_count.*`, `llm.model_name`,
  `tool.name`, `input.value` / `output.value`.

`trace_records` then turns all spans of a file into records: one run per trace id,
each span an `llm_call`, a `tool_call` + `tool_result` pair, or (agent spans) the run
record; an agent nested in another agent is a child run (`is_subagent`), unless it is
the only thing its parent agent does (a workflow wrapper), in which case the two are
one run. Other spans (HTTP, chains, retrievers) are skipped, but the records beneath
them still find their nearest recorded ancestor as parent.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_float, to_int, utc_iso
from logviz_assets.record import Record

# Kinds of span, as far as records go.
AGENT, LLM, TOOL, EVENT, OTHER = "agent", "llm", "tool", "event", "other"

_AGENT_OPS = {"invoke_agent"}
_TOOL_OPS = {"execute_tool"}
_LLM_OPS = {"chat", "text_completion", "generate_content", "completion", "call_llm", "generate", "responses"}
_OI_KINDS = {"AGENT": AGENT, "TOOL": TOOL, "LLM": LLM}
_TRACELOOP_KINDS = {"agent": AGENT, "tool": TOOL}
_ROLE_ALIASES = {"human": "user", "ai": "assistant", "model": "assistant", "bot": "assistant", "function": "tool"}
_LANGCHAIN_CLASSES = {
    "HumanMessage": "user",
    "HumanMessageChunk": "user",
    "AIMessage": "assistant",
    "AIMessageChunk": "assistant",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "tool",
}
_CALL_PART_TYPES = {"tool_call", "tool_use", "function_call", "server_tool_call"}
_RESULT_PART_TYPES = {"tool_call_response", "tool_result", "function_call_output", "server_tool_call_response"}
_SKIPPED_PART_TYPES = {"reasoning", "thinking", "redacted_thinking"}
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={1,2}")


# ---------------------------------------------------------------- values


def decode(value: Any) -> Any:
    """JSON held in a string, decoded; also JSON encoded twice (`"\\"[...]\\""`), as exports do."""
    for _ in range(3):
        if isinstance(value, str):
            text = value.strip()
            if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    return value
                continue
            decoded = maybe_json(text)
            if decoded is text:
                return value
            value = decoded
            continue
        return value
    return value


def text_of(value: Any) -> str | None:
    """A value as readable text: strings as they are (JSON text kept as written), anything else as JSON."""
    decoded = decode(value)
    if decoded is None:
        return None
    if isinstance(decoded, str):
        return decoded
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        return value
    return json.dumps(decoded, ensure_ascii=False, default=str)


def clean_id(value: Any) -> str | None:
    """A trace or span id as a string safe for record ids (no "/"), or None.

    Integers (some SDKs dump 128-bit ids as numbers) are kept exactly as decimal text;
    `0x` prefixes are dropped; base64 ids (protobuf JSON) become hex; all-zero ids,
    which OpenTelemetry uses for "none", are None.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int):
        return str(value) if value else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[:2].lower() == "0x":
        text = text[2:]
    if not text or text.strip("0") == "":
        return None
    if len(text) in (12, 24) and _BASE64.fullmatch(text) and not _HEX.fullmatch(text):
        with contextlib.suppress(binascii.Error, ValueError):
            text = base64.b64decode(text, validate=True).hex()
    return text.replace("/", "_")


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


def otlp_value(value: Any) -> Any:
    """The plain value of an OTLP/JSON `AnyValue` (`{"stringValue": ...}` and friends)."""
    if not isinstance(value, dict):
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return to_int(value["intValue"])
    if "doubleValue" in value:
        return to_float(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        return [otlp_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in value:
        return otlp_attributes((value["kvlistValue"] or {}).get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def otlp_attributes(items: Any) -> dict[str, Any]:
    """OTLP/JSON attributes (`[{"key": ..., "value": {...}}]`) as a flat dict; a dict passes through."""
    if isinstance(items, dict):
        return items
    result: dict[str, Any] = {}
    for item in items or []:
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


def first_of(mapping: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = mapping.get(key)
        if value is not None and value != "":
            return value
    return None


# ---------------------------------------------------------------- messages


def message(
    role: str | None, text: str | None, tool_calls: list[dict[str, Any]] | None = None, tool_call_id: str | None = None
) -> dict[str, Any]:
    """A message in the one shape this module works with."""
    return {"role": role, "text": text, "tool_calls": tool_calls or [], "tool_call_id": tool_call_id}


def _tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {"id": str(call_id) if call_id not in (None, "") else None, "name": name, "arguments": decode(arguments)}


def normalize_message(value: Any) -> dict[str, Any] | None:
    """One chat message in any common shape, or None if `value` is not one.

    Shapes: OpenAI chat (`role`, `content`, `tool_calls`, `tool_call_id`); GenAI
    parts-based (`role`, `parts` of text / tool_call / tool_call_response); Anthropic
    content blocks (tool_use / tool_result); OpenAI Responses items (message,
    function_call, function_call_output); Gemini (`role: model`, functionCall parts);
    LangChain dicts (`type: human/ai/...`) and serialized classes (`lc`, `kwargs`).
    """
    value = decode(value)
    if isinstance(value, str):
        return message(None, value) if value.strip() else None
    if not isinstance(value, dict):
        return None
    if value.get("lc") == 1 and isinstance(value.get("kwargs"), dict):
        class_path = value["id"] if isinstance(value.get("id"), list) and value["id"] else [None]
        inner = dict(value["kwargs"])
        role = _LANGCHAIN_CLASSES.get(str(class_path[-1])) or inner.get("role")
        inner["role"] = role
        inner.pop("type", None)
        return normalize_message(inner) if role or "content" in inner else None
    if "tool.name" in value:  # any-agent's summary of a model's tool call
        return message("assistant", None, [_tool_call(None, value.get("tool.name"), value.get("tool.args"))])
    kind = value.get("type")
    if kind == "function_call":
        call = _tool_call(value.get("call_id") or value.get("id"), value.get("name"), value.get("arguments"))
        return message("assistant", None, [call])
    if kind == "function_call_output":
        return message("tool", text_of(value.get("output")), tool_call_id=value.get("call_id"))
    if kind in _SKIPPED_PART_TYPES:
        return None
    role = value.get("role")
    if role is None and kind in ("human", "ai", "system", "tool", "function"):
        role = kind
    role = _ROLE_ALIASES.get(role, role) if isinstance(role, str) else None
    if role is None and not any(key in value for key in ("content", "parts", "tool_calls")):
        return None

    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    call_id = value.get("tool_call_id") or value.get("tool_use_id")
    parts = value.get("parts") if isinstance(value.get("parts"), list) else None
    content = value.get("content")
    if parts is None and isinstance(content, list):
        parts = content
    if parts is not None:
        for part in parts:
            part_text, part_call, part_result_id = _part(part)
            if part_text:
                texts.append(part_text)
            if part_call:
                calls.append(part_call)
            if part_result_id and not call_id:
                call_id = part_result_id
    elif content is not None:
        text = content if isinstance(content, str) else content_text(content)
        if text:
            texts.append(text)
    elif isinstance(value.get("text"), str):
        texts.append(value["text"])

    raw_calls = value.get("tool_calls")
    if not raw_calls and isinstance(value.get("additional_kwargs"), dict):
        raw_calls = value["additional_kwargs"].get("tool_calls")
    for raw in raw_calls if isinstance(raw_calls, list) else []:
        if isinstance(raw, dict):
            function = raw.get("function") if isinstance(raw.get("function"), dict) else raw
            arguments = function.get("arguments", function.get("args"))
            calls.append(_tool_call(raw.get("id"), function.get("name"), arguments))
    if isinstance(value.get("function_call"), dict):
        function = value["function_call"]
        calls.append(_tool_call(None, function.get("name"), function.get("arguments")))
    return message(role, "\n\n".join(texts) or None, calls, str(call_id) if call_id else None)


def _part(part: Any) -> tuple[str | None, dict[str, Any] | None, str | None]:
    """(text, tool call, id of the call it answers) of one message part."""
    if isinstance(part, str):
        return part, None, None
    if not isinstance(part, dict):
        return None, None, None
    kind = part.get("type")
    if kind in _CALL_PART_TYPES:
        arguments = part.get("arguments", part.get("input", part.get("args")))
        return None, _tool_call(part.get("id") or part.get("call_id"), part.get("name"), arguments), None
    if isinstance(part.get("functionCall"), dict):
        call = part["functionCall"]
        return None, _tool_call(call.get("id"), call.get("name"), call.get("args")), None
    if isinstance(part.get("toolUse"), dict):
        call = part["toolUse"]
        return None, _tool_call(call.get("toolUseId"), call.get("name"), call.get("input")), None
    if kind in _RESULT_PART_TYPES:
        result = first_of(part, "response", "result", "content", "output")
        if isinstance(result, list):
            result = content_text(result) or result
        return text_of(result), None, part.get("id") or part.get("tool_use_id") or part.get("call_id")
    if isinstance(part.get("functionResponse"), dict):
        response = part["functionResponse"]
        return text_of(response.get("response")), None, response.get("id")
    if isinstance(part.get("toolResult"), dict):
        result = part["toolResult"]
        inner = result.get("content")
        return (content_text(inner) if isinstance(inner, list) else text_of(inner)), None, result.get("toolUseId")
    if kind in _SKIPPED_PART_TYPES:
        return None, None, None
    return content_text([part]), None, None


def normalize_messages(value: Any) -> list[dict[str, Any]]:
    """A list of messages from a message list, one message, or a provider request/response body."""
    value = decode(value)
    if value is None:
        return []
    if isinstance(value, str):
        return [message(None, value)] if value.strip() else []
    if isinstance(value, list):
        result: list[dict[str, Any]] = []
        for item in value:
            if isinstance(item, list):  # LangChain batches: [[message, ...]]
                result.extend(normalize_messages(item))
                continue
            normalized = normalize_message(item)
            if normalized:
                result.append(normalized)
        return result
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("messages"), list):
        return normalize_messages(value["messages"])
    if isinstance(value.get("choices"), list):
        return normalize_messages(
            [c.get("message") or c.get("delta") or c.get("text") for c in value["choices"] if isinstance(c, dict)]
        )
    if isinstance(value.get("generations"), list):
        result = []
        for generation in _flat(value["generations"]):
            if isinstance(generation, dict):
                normalized = normalize_message(generation.get("message")) if generation.get("message") else None
                if normalized is None and isinstance(generation.get("text"), str):
                    normalized = message("assistant", generation["text"])
                if normalized:
                    result.append(normalized)
        return result
    if isinstance(value.get("candidates"), list):  # Gemini response
        return normalize_messages([c.get("content") for c in value["candidates"] if isinstance(c, dict)])
    if isinstance(value.get("output"), list) and value.get("object") in ("response", None):  # OpenAI Responses
        return normalize_messages(value["output"])
    if isinstance(value.get("output"), dict):
        return normalize_messages(value["output"])
    if isinstance(value.get("prompts"), list):
        return [message("user", p) for p in value["prompts"] if isinstance(p, str) and p]
    normalized = normalize_message(value)
    return [normalized] if normalized else []


def _flat(items: list[Any]) -> Iterator[Any]:
    for item in items:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


def call_summary(call: dict[str, Any]) -> str:
    arguments = call.get("arguments")
    shown = arguments if isinstance(arguments, str) else canonical_json(arguments if arguments is not None else {})
    return f"{call.get('name') or 'tool'}({shown})"


def output_summary(messages: list[dict[str, Any]]) -> str | None:
    """The text of the last output message that says something: its text, then its tool calls."""
    for msg in reversed(messages):
        pieces = [msg["text"]] if msg.get("text") else []
        pieces += [call_summary(call) for call in msg.get("tool_calls") or []]
        if pieces:
            return "\n".join(pieces)
    return None


def task_text(messages: list[dict[str, Any]]) -> str | None:
    """What was asked: the last user message with text, else the first message with text."""
    for msg in reversed(messages):
        if msg.get("role") == "user" and msg.get("text"):
            return msg["text"]
    for msg in messages:
        if msg.get("text"):
            return msg["text"]
    return None


# ---------------------------------------------------------------- usage


def usage_tokens(usage: Any) -> tuple[int | None, int | None, int | None, int | None]:
    """(tokens_in incl. cached, tokens_out, cache read, cache write) from a provider or SDK usage dict.

    OpenAI chat (`prompt_tokens`, which include cached ones), OpenAI Responses and
    LangChain `usage_metadata` (`input_tokens`, inclusive), and Anthropic (`input_tokens`
    without the cache, `cache_read_input_tokens` / `cache_creation_input_tokens` beside it).
    """
    usage = decode(usage)
    if not isinstance(usage, dict):
        return None, None, None, None
    details = first_of(usage, "input_token_details", "input_tokens_details", "prompt_tokens_details") or {}
    details = details if isinstance(details, dict) else {}
    cache_read = to_int(first_of(details, "cache_read", "cached_tokens"))
    cache_write = to_int(first_of(details, "cache_creation", "cache_write_tokens"))
    tokens_in = to_int(first_of(usage, "input_tokens", "prompt_tokens", "promptTokens", "inputTokens"))
    tokens_out = to_int(first_of(usage, "output_tokens", "completion_tokens", "completionTokens", "outputTokens"))
    anthropic_read = to_int(usage.get("cache_read_input_tokens"))
    anthropic_write = to_int(usage.get("cache_creation_input_tokens"))
    if (anthropic_read is not None or anthropic_write is not None) and "prompt_tokens" not in usage:
        cache_read = anthropic_read if anthropic_read is not None else cache_read
        cache_write = anthropic_write if anthropic_write is not None else cache_write
        if tokens_in is not None:
            tokens_in += (anthropic_read or 0) + (anthropic_write or 0)
    return tokens_in, tokens_out, cache_read, cache_write


# ---------------------------------------------------------------- span facts


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
        match = re.fullmatch(r"gen_ai\.(system|user|assistant|tool)\.message", name)
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
        for key in ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.prompt", "gen_ai.completion"):
            if key in event_attrs and key not in attrs:
                attrs[key] = event_attrs[key]
    facts = SpanFacts(kind=_kind(attrs))

    facts.model = first_of(
        attrs,
        "gen_ai.response.model",
        "gen_ai.request.model",
        "llm.model_name",
        "llm.response.model",
        "llm.request.model",
    )
    facts.provider = first_of(attrs, "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
    facts.agent_name = first_of(attrs, "gen_ai.agent.name", "agent.name")
    if facts.kind == AGENT and not facts.agent_name and attrs.get("traceloop.span.kind") == "agent":
        facts.agent_name = attrs.get("traceloop.entity.name")

    facts.input = _input_messages(attrs, events)
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

    facts.tool_name = first_of(attrs, "gen_ai.tool.name", "tool.name")
    if not facts.tool_name and attrs.get("traceloop.span.kind") == "tool":
        facts.tool_name = attrs.get("traceloop.entity.name")
    if not facts.tool_name and facts.kind == TOOL and name:
        facts.tool_name = re.sub(r"^execute_tool\s+", "", name)
    call_id = first_of(attrs, "gen_ai.tool.call.id", "tool_call.id", "tool.call.id", "tool.id")
    facts.tool_call_id = str(call_id) if call_id is not None else None
    facts.tool_args = first_of(
        attrs,
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.args",
        "tool.arguments",
        "input.value",
        "traceloop.entity.input",
    )
    facts.tool_result = first_of(
        attrs,
        "gen_ai.tool.call.result",
        "gen_ai.tool.output",
        "gen_ai.output",
        "output.value",
        "traceloop.entity.output",
    )

    facts.tokens_in = to_int(
        first_of(
            attrs,
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.token_count.prompt",
            "llm.usage.prompt_tokens",
        )
    )
    facts.tokens_out = to_int(
        first_of(
            attrs,
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.token_count.completion",
            "llm.usage.completion_tokens",
        )
    )
    facts.tokens_cache_read = to_int(
        first_of(
            attrs,
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read",
        )
    )
    facts.tokens_cache_write = to_int(
        first_of(
            attrs,
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
            "llm.token_count.prompt_details.cache_write",
        )
    )
    facts.cost_usd = _cost(attrs)

    if attrs.get("error.type"):
        facts.is_error = True
        facts.error_message = str(attrs["error.type"])
    for event in events:
        if event.get("name") == "exception":
            event_attrs = event.get("attributes") or {}
            facts.is_error = True
            facts.error_message = first_of(event_attrs, "exception.message", "exception.type") or facts.error_message
    return facts


def _kind(attrs: dict[str, Any]) -> str | None:
    operation = attrs.get("gen_ai.operation.name")
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
    if any(
        key.startswith(
            ("gen_ai.prompt", "gen_ai.completion", "gen_ai.usage.", "llm.input_messages", "llm.output_messages")
        )
        for key in attrs
    ) or attrs.get("gen_ai.request.model"):
        return LLM
    return None


def _indexed_messages(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [m for m in (normalize_message(entry) for entry in _indexed(attrs, prefix)) if m]


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


def _cost(attrs: dict[str, Any]) -> float | None:
    total = to_float(first_of(attrs, "gen_ai.usage.cost", "gen_ai.usage.total_cost", "llm.cost.total"))
    if total is not None:
        return total
    parts = [to_float(attrs.get(key)) for key in ("gen_ai.usage.input_cost", "gen_ai.usage.output_cost")]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


# ---------------------------------------------------------------- spans into records


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


def run_record_id(run_id: str) -> str:
    return f"{run_id}:run"


def trace_records(
    spans: list[Span], fmt: str, source_file: str, trace_fields: dict[str, dict[str, Any]] | None = None
) -> Iterator[Record]:
    """Every record of the traces these spans belong to, run by run.

    `trace_fields` holds per-trace facts from outside the spans (a Langfuse trace's
    input, name, project): its `text` wins over what spans say; other fields fill gaps.
    """
    by_trace: dict[str, dict[str, Span]] = {}
    for order, span in enumerate(spans):
        span.order = order
        by_trace.setdefault(span.trace_id, {})[span.span_id] = span
    for trace_id in trace_fields or {}:
        by_trace.setdefault(trace_id, {})
    for trace_id, members in by_trace.items():
        yield from _trace(trace_id, members, fmt, source_file, (trace_fields or {}).get(trace_id, {}))


def _sort_key(iso: str | None, order: int, sub: int = 0) -> tuple[int, float, int, int]:
    moment = epoch(iso)
    return (0 if moment is not None else 1, moment or 0.0, order, sub)


def _trace(
    trace_id: str, members: dict[str, Span], fmt: str, source_file: str, outside: dict[str, Any]
) -> Iterator[Record]:
    run_id = f"{fmt}:{trace_id}"
    spans = sorted(members.values(), key=lambda s: _sort_key(s.start, s.order))
    kind = {s.span_id: s.facts.kind or OTHER for s in spans}

    def ancestors(span: Span) -> Iterator[Span]:
        seen = {span.span_id}
        parent = members.get(span.parent_id) if span.parent_id else None
        while parent is not None and parent.span_id not in seen:
            seen.add(parent.span_id)
            yield parent
            parent = members.get(parent.parent_id) if parent.parent_id else None

    agent_of: dict[str, str | None] = {}  # span -> nearest agent ancestor
    for span in spans:
        agent_of[span.span_id] = next((a.span_id for a in ancestors(span) if kind[a.span_id] == AGENT), None)
    agents = [s for s in spans if kind[s.span_id] == AGENT]
    child_agents: dict[str | None, list[Span]] = defaultdict(list)
    own_steps: dict[str | None, int] = defaultdict(int)
    for span in spans:
        if kind[span.span_id] == AGENT:
            child_agents[agent_of[span.span_id]].append(span)
        elif kind[span.span_id] in (LLM, TOOL, EVENT):
            own_steps[agent_of[span.span_id]] += 1

    # The trace's own agent: the one top-level agent, and inside it any agent that is all its parent does.
    run_of_agent: dict[str, str] = {}
    merged: list[Span] = []
    tops = child_agents[None]
    if len(tops) == 1:
        current = tops[0]
        while True:
            merged.append(current)
            run_of_agent[current.span_id] = run_id
            inner = child_agents[current.span_id]
            if len(inner) == 1 and own_steps[current.span_id] == 0:
                current = inner[0]
                continue
            break
    for agent in agents:
        run_of_agent.setdefault(agent.span_id, f"{run_id}:{agent.span_id}")

    def run_of(span: Span) -> str:
        if kind[span.span_id] == AGENT:
            return run_of_agent[span.span_id]
        owner = agent_of[span.span_id]
        return run_of_agent[owner] if owner else run_id

    in_run: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        in_run[run_of(span)].append(span)
    run_meta: dict[str, dict[str, Any]] = {run_id: _run_meta(merged, spans, outside)}
    for agent in agents:
        run = run_of_agent[agent.span_id]
        if run != run_id:
            run_meta[run] = _run_meta([agent], in_run[run], {"project": run_meta[run_id].get("project")})

    common = {"source_format": fmt, "source_file": source_file}
    steps: dict[str, Record] = {}  # span id -> its main record (tool_call, llm_call, message)
    entries: dict[str, list[tuple[tuple[int, float, int, int], Record]]] = defaultdict(list)
    requested: dict[str, list[tuple[str | None, str]]] = defaultdict(list)  # run -> (tool name, call id) asked for
    for span in spans:
        span_kind = kind[span.span_id]
        if span_kind not in (LLM, TOOL, EVENT):
            continue
        run = run_of(span)
        call_id = span.facts.tool_call_id
        if span_kind == LLM:
            for msg in span.facts.output or []:
                requested[run] += [(c.get("name"), c["id"]) for c in msg.get("tool_calls") or [] if c.get("id")]
        elif span_kind == TOOL and call_id:
            requested[run] = [item for item in requested[run] if item[1] != call_id]
        elif span_kind == TOOL:
            # A tool span that does not name its call: the earliest open call of that tool the model made.
            match = next((item for item in requested[run] if item[0] == span.facts.tool_name), None)
            if match:
                requested[run].remove(match)
                call_id = match[1]
        meta = run_meta[run]
        context = {
            **common,
            "run_id": run,
            "agent_name": meta.get("agent_name"),
            "is_subagent": run != run_id,
            "project": span.project or meta.get("project"),
            "source_line": span.line,
        }
        records = _step_records(span, span_kind, f"{run_id}:{span.span_id}", call_id or span.span_id, context)
        for sub, (moment, record) in enumerate(records):
            if sub == 0:
                steps[span.span_id] = record
            entries[run].append((_sort_key(moment, span.order, sub), record))

    def parent_in(span: Span, run: str) -> Record | str:
        """The nearest ancestor's record in `run`, else the run record's id."""
        for ancestor in ancestors(span):
            if kind[ancestor.span_id] == AGENT:
                return run_record_id(run_of_agent[ancestor.span_id])
            record = steps.get(ancestor.span_id)
            if record is not None and record.run_id == run:
                return record
        return run_record_id(run)

    for span_id, record in steps.items():
        if record.parent_id is None:
            parent = parent_in(members[span_id], record.run_id)
            record.parent_id = parent if isinstance(parent, str) else parent.record_id

    run_order = [run_id] + [run_of_agent[a.span_id] for a in agents if run_of_agent[a.span_id] != run_id]
    agent_by_run = {run_of_agent[a.span_id]: a for a in agents}
    for run in run_order:
        meta = dict(run_meta[run])
        parent_id = None
        if run != run_id:
            agent = agent_by_run[run]
            owner = agent_of[agent.span_id]
            owner_run = run_of_agent[owner] if owner else run_id
            parent = parent_in(agent, owner_run)
            if isinstance(parent, Record):
                parent.spawned_run_id = run
                parent_id = parent.record_id
            else:
                parent_id = parent
        yield Record(
            record_id=run_record_id(run),
            run_id=run,
            kind="run",
            seq=-1,
            parent_id=parent_id,
            is_subagent=run != run_id,
            **common,
            **meta,
        )
        for seq, (_, record) in enumerate(sorted(entries[run], key=lambda item: item[0])):
            record.seq = seq
            yield record


def _answer(facts: SpanFacts) -> str | None:
    return output_summary(facts.output or []) or facts.output_text


def _run_fields(facts: SpanFacts, span: Span) -> dict[str, Any]:
    return {
        "agent_name": facts.agent_name or (re.sub(r"^invoke_agent\s+", "", span.name) if span.name else None),
        "text": task_text(facts.input or []),
        "model": facts.model,
        "provider": facts.provider,
        "ts_start": span.start,
        "ts_end": span.end,
        "is_error": bool(facts.is_error),
        "project": span.project,
        "source_line": span.line,
    }


def _run_meta(merged: list[Span], spans: list[Span], outside: dict[str, Any]) -> dict[str, Any]:
    """A run record's fields: from its agent span(s) where there are, else (and for gaps) from its spans.

    `merged` are the agent spans that make up the run, outermost first.
    """
    llm_spans = [s for s in spans if s.facts.kind == LLM]
    first_llm = llm_spans[0].facts if llm_spans else SpanFacts()
    known = {s.span_id for s in spans}
    roots = [s for s in spans if s.parent_id not in known]
    starts = [s.start for s in spans if s.start]
    ends = [s.end for s in spans if s.end]
    result: dict[str, Any] = {
        "agent_name": None,
        "text": next((task_text(s.facts.input or []) for s in spans if task_text(s.facts.input or [])), None),
        "model": first_llm.model,
        "provider": first_llm.provider,
        "ts_start": min(starts, key=lambda t: epoch(t) or 0.0) if starts else None,
        "ts_end": max(ends, key=lambda t: epoch(t) or 0.0) if ends else None,
        "is_error": any(bool(s.facts.is_error) for s in roots) if roots else None,
        "project": next((s.project for s in spans if s.project), None),
        "source_line": spans[0].line if spans else None,
    }
    if merged:
        from_agents: dict[str, Any] = {}
        for agent in reversed(merged):  # the innermost agent names the run, the outermost times it
            for key, value in _run_fields(agent.facts, agent).items():
                if value in (None, ""):
                    continue
                if from_agents.get(key) in (None, "") or key in ("ts_start", "ts_end", "source_line"):
                    from_agents[key] = value
        from_agents["is_error"] = any(bool(a.facts.is_error) for a in merged)
        result.update(from_agents)
        result["text"] = result["text"] or next((_answer(a.facts) for a in merged if _answer(a.facts)), None)
    for key, value in outside.items():
        if value in (None, ""):
            continue
        if key == "text" or result.get(key) in (None, ""):
            result[key] = value
    return result


def _step_records(
    span: Span, span_kind: str, record_id: str, call_id: str, context: dict[str, Any]
) -> list[tuple[str | None, Record]]:
    """(sort moment, record) for one step span: an llm_call, a tool_call + tool_result, or a message."""
    facts = span.facts
    if span_kind == LLM:
        text = output_summary(facts.output or []) or facts.output_text
        if not text and facts.is_error:
            text = facts.error_message
        record = Record(
            record_id=record_id,
            kind="llm_call",
            role="assistant",
            text=text or span.name,
            model=facts.model,
            provider=facts.provider,
            ts_start=span.start,
            ts_end=span.end,
            tokens_in=facts.tokens_in,
            tokens_out=facts.tokens_out,
            tokens_cache_read=facts.tokens_cache_read,
            tokens_cache_write=facts.tokens_cache_write,
            cost_usd=facts.cost_usd,
            is_error=bool(facts.is_error),
            **context,
        )
        return [(span.start, record)]
    if span_kind == TOOL:
        arguments = decode(facts.tool_args)
        call = Record(
            record_id=record_id,
            kind="tool_call",
            role="assistant",
            tool_name=facts.tool_name,
            tool_call_id=call_id,
            tool_args=canonical_json(arguments) if arguments is not None else None,
            ts_start=span.start,
            ts_end=span.end,
            **context,
        )
        result_text = text_of(facts.tool_result)
        if not result_text and facts.is_error:
            result_text = facts.error_message
        result = Record(
            record_id=f"{record_id}:result",
            kind="tool_result",
            role="tool",
            text=result_text or "",
            tool_name=facts.tool_name,
            tool_call_id=call_id,
            is_error=bool(facts.is_error),
            parent_id=record_id,
            ts_start=span.end or span.start,
            ts_end=span.end,
            **context,
        )
        return [(span.start, call), (span.end or span.start, result)]
    text = facts.output_text or output_summary(facts.output or []) or task_text(facts.input or []) or span.name
    record = Record(
        record_id=record_id,
        kind="message",
        text=text,
        ts_start=span.start,
        ts_end=span.end,
        is_error=bool(facts.is_error) if facts.is_error is not None else None,
        **context,
    )
    return [(span.start, record)]


# ---------------------------------------------------------------- reading files


_SPACE = re.compile(r"\s*")


def iter_json_values(text: str) -> Iterator[tuple[int, Any, str | None]]:
    """(line, value, problem) for each JSON value in `text`: one document, JSON Lines, or
    pretty-printed objects one after another.

    A broken value gives a problem and reading goes on at the next line that starts
    with `{` or `[`. A broken last value in a file of several that does not end in a
    newline is left out silently: the writer may still be writing it.
    """
    decoder = json.JSONDecoder()
    position, line, counted = 0, 1, 0
    found = 0
    while True:
        position = _SPACE.match(text, position).end()
        if position >= len(text):
            return
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as err:
            restarts = [i for i in (text.find("\n{", position), text.find("\n[", position)) if i != -1]
            if not restarts and found and not text.endswith("\n"):
                return
            # Past the next line that starts a value, the value was cut short on its own line.
            where = line if restarts and err.pos > min(restarts) else err.lineno
            yield where, None, f"invalid JSON: {err.msg} at line {err.lineno} column {err.colno}"
            if not restarts:
                return
            position = min(restarts) + 1
            continue
        found += 1
        yield line, value, None
        position = end


def sniff_json(head: bytes) -> Any:
    """The start of a file as JSON, for `detect`: the whole head if it parses, else its first
    value (JSON Lines, objects one after another), else a list holding the first element of a
    top-level array that the head cuts off."""
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    try:
        return decoder.raw_decode(text)[0]
    except json.JSONDecodeError:
        pass
    if text.startswith("["):
        try:
            return [decoder.raw_decode(text[1:].lstrip())[0]]
        except json.JSONDecodeError:
            return None
    return None
