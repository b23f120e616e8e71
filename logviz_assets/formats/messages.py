"""Chat messages in any of the shapes SDKs and providers write, reduced to one shape.

The one shape is a dict `{"role", "text", "tool_calls": [{"id", "name", "arguments"}],
"tool_call_id"}`. The trace formats read span inputs and outputs through it; the usage
dicts of the same providers are read here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.common import canonical_json, content_text, decode, first_of, text_of, to_int

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


def message(
    role: str | None, text: str | None, tool_calls: list[dict[str, Any]] | None = None, tool_call_id: str | None = None
) -> dict[str, Any]:
    """A message in the one shape the trace formats work with."""
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
        return _langchain_serialized(value)
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
    return _chat_message(value, role)


def _langchain_serialized(value: dict[str, Any]) -> dict[str, Any] | None:
    class_path = value["id"] if isinstance(value.get("id"), list) and value["id"] else [None]
    inner = dict(value["kwargs"])
    role = _LANGCHAIN_CLASSES.get(str(class_path[-1])) or inner.get("role")
    inner["role"] = role
    inner.pop("type", None)
    return normalize_message(inner) if role or "content" in inner else None


def _chat_message(value: dict[str, Any], role: str | None) -> dict[str, Any]:
    """A role-bearing message: its text from parts, content or `text`, its calls from parts and call lists."""
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
    calls.extend(_listed_calls(value))
    return message(role, "\n\n".join(texts) or None, calls, str(call_id) if call_id else None)


def _listed_calls(value: dict[str, Any]) -> list[dict[str, Any]]:
    """Calls named beside the content: `tool_calls` (or LangChain's `additional_kwargs`), then `function_call`."""
    calls = []
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
    return calls


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
        return _generations(value["generations"])
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


def _generations(generations: list[Any]) -> list[dict[str, Any]]:
    """LangChain LLM results: generations (nested per prompt), each a message or a text."""
    result = []
    for generation in _flat(generations):
        if isinstance(generation, dict):
            normalized = normalize_message(generation.get("message")) if generation.get("message") else None
            if normalized is None and isinstance(generation.get("text"), str):
                normalized = message("assistant", generation["text"])
            if normalized:
                result.append(normalized)
    return result


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
