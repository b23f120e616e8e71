"""Synthetic OTLP/JSON export requests: spans of one trace, with GenAI attributes, for the format tests."""

from __future__ import annotations

import json

TRACE = "5b8efff798038103d269b633813fc60c"
T0 = 1_700_000_000_000_000_000


def kv(attributes: dict) -> list[dict]:
    items = []
    for key, value in attributes.items():
        if isinstance(value, int):
            items.append({"key": key, "value": {"intValue": str(value)}})
        else:
            items.append({"key": key, "value": {"stringValue": value}})
    return items


def otlp_span(span_id: str, parent: str, name: str, attributes: dict, start: int, end: int, **extra) -> dict:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0 + start),
        "endTimeUnixNano": str(T0 + end),
        "attributes": kv(attributes),
        **extra,
    }


def request(*spans: dict, service: str | None = "weather-app") -> dict:
    resource = {"attributes": kv({"service.name": service})} if service else {}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "t"}, "spans": list(spans)}]}]}


CHAT = otlp_span(
    "1111111111111111",
    "aaaaaaaaaaaaaaaa",
    "chat gpt-4o",
    {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.provider.name": "openai",
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Paris?"}]}]),
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [
                        {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
                    ],
                }
            ]
        ),
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 20,
        "gen_ai.usage.cache_read.input_tokens": 60,
    },
    1000,
    2000,
)
TOOL = otlp_span(
    "2222222222222222",
    "aaaaaaaaaaaaaaaa",
    "execute_tool get_weather",
    {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "call_1",
        "gen_ai.tool.call.arguments": '{"city": "Paris"}',
    },
    3000,
    4000,
    status={"code": 2, "message": "weather service timed out"},
)
SUBAGENT = otlp_span(
    "3333333333333333",
    "aaaaaaaaaaaaaaaa",
    "invoke_agent helper",
    {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper"},
    5000,
    8000,
)
SUB_CHAT = otlp_span(
    "4444444444444444",
    "3333333333333333",
    "chat",
    {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.system": "openai",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "look it up",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "It rains.",
    },
    6000,
    7000,
)
AGENT = otlp_span(
    "aaaaaaaaaaaaaaaa",
    "",
    "invoke_agent main",
    {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "main"},
    0,
    9000,
)
