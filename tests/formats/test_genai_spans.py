"""The span helpers the trace formats share: values, messages, usage, attribute vocabularies."""

from __future__ import annotations

import json

import pytest

from logviz_assets.formats.common import decode
from logviz_assets.formats.ids import clean_id
from logviz_assets.formats.messages import normalize_messages, output_summary, usage_tokens
from logviz_assets.formats.span_conventions import span_facts
from logviz_assets.formats.span_model import AGENT, LLM, TOOL, span_time


def test_decode_json_in_strings_even_twice() -> None:
    inner = [{"role": "user", "content": "hi"}]
    assert decode(json.dumps(json.dumps(inner))) == inner
    assert decode('"plain"') == "plain"
    assert decode("[not json") == "[not json"
    assert decode(5) == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100927429609276267646756448943279827607, "100927429609276267646756448943279827607"),
        ("0x5b8efff798038103", "5b8efff798038103"),
        ("W47/95gDgQPSabYzgT/GDA==", "5b8efff798038103d269b633813fc60c"),  # protobuf JSON: base64
        ("0000000000000000", None),
        ("", None),
        (0, None),
        ("a/b", "a_b"),
    ],
)
def test_clean_id(value: object, expected: str | None) -> None:
    assert clean_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        1_700_000_000_123_456_000,
        "1700000000123456000",
        1_700_000_000_123_456,
        [1_700_000_000, 123_456_000],
        "2023-11-14T22:13:20.123456Z",
        "2023-11-14T23:13:20.123456+01:00",
    ],
)
def test_span_time_in_every_unit(value: object) -> None:
    assert span_time(value) == "2023-11-14T22:13:20.123456+00:00"


def test_span_time_in_milliseconds() -> None:
    assert span_time(1_700_000_000_123) == "2023-11-14T22:13:20.123000+00:00"


def test_messages_in_every_shape() -> None:
    parts = {
        "role": "assistant",
        "parts": [
            {"type": "text", "content": "Looking."},
            {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"a": 1}},
        ],
    }
    anthropic = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Sure."},
            {"type": "tool_use", "id": "t1", "name": "g", "input": {"b": 2}},
        ],
    }
    responses = {"type": "function_call", "call_id": "c2", "name": "h", "arguments": '{"c": 3}'}
    result = {"type": "function_call_output", "call_id": "c2", "output": "ok"}
    langchain = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "HumanMessage"],
        "kwargs": {"content": "hello"},
    }
    gemini = {"role": "model", "parts": [{"functionCall": {"name": "k", "args": {"d": 4}}}]}
    messages = normalize_messages([parts, anthropic, responses, result, langchain, gemini])
    assert [m["role"] for m in messages] == ["assistant", "assistant", "assistant", "tool", "user", "assistant"]
    assert [m["text"] for m in messages] == ["Looking.", "Sure.", None, "ok", "hello", None]
    assert [[c["name"] for c in m["tool_calls"]] for m in messages] == [["f"], ["g"], ["h"], [], [], ["k"]]
    assert messages[2]["tool_calls"][0]["arguments"] == {"c": 3}
    assert messages[3]["tool_call_id"] == "c2"
    assert output_summary(messages[:1]) == 'Looking.\nf({"a":1})'


def test_provider_bodies() -> None:
    chat = {"choices": [{"message": {"role": "assistant", "content": "A"}}]}
    generations = {"generations": [[{"text": "B"}]]}
    responses = {
        "object": "response",
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "C"}]}],
    }
    assert [normalize_messages(body)[0]["text"] for body in (chat, generations, responses)] == ["A", "B", "C"]
    assert normalize_messages({"steps": [1, 2]}) == []


def test_usage_counts_cached_input_in_tokens_in() -> None:
    openai = {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 80}}
    anthropic = {
        "input_tokens": 10,
        "output_tokens": 5,
        "cache_read_input_tokens": 80,
        "cache_creation_input_tokens": 10,
    }
    langchain = {"input_tokens": 100, "output_tokens": 5, "input_token_details": {"cache_read": 80}}
    assert usage_tokens(openai) == (100, 5, 80, None)
    assert usage_tokens(anthropic) == (100, 5, 80, 10)
    assert usage_tokens(langchain) == (100, 5, 80, None)


def test_older_genai_attributes_and_events() -> None:
    facts = span_facts(
        {
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude",
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "hi",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.tool_calls.0.name": "search",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"q": 1}',
            "gen_ai.usage.prompt_tokens": 12,
            "gen_ai.usage.completion_tokens": 3,
        },
        "anthropic.chat",
        [{"name": "exception", "attributes": {"exception.message": "overloaded"}}],
    )
    assert (facts.kind, facts.provider, facts.model, facts.tokens_in, facts.tokens_out) == (
        LLM,
        "anthropic",
        "claude",
        12,
        3,
    )
    assert facts.input[0]["text"] == "hi"
    assert output_summary(facts.output) == 'search({"q":1})'
    assert (facts.is_error, facts.error_message) == (True, "overloaded")

    from_events = span_facts(
        {"gen_ai.operation.name": "chat"},
        "chat",
        [
            {"name": "gen_ai.content.prompt", "attributes": {"gen_ai.prompt": '[{"role": "user", "content": "q"}]'}},
            {
                "name": "gen_ai.content.completion",
                "attributes": {"gen_ai.completion": '[{"role": "assistant", "content": "a"}]'},
            },
        ],
    )
    assert (from_events.input[0]["text"], from_events.output[0]["text"]) == ("q", "a")


def test_openinference_nested_attributes_and_kinds() -> None:
    nested = {
        "openinference": {"span": {"kind": "LLM"}},
        "llm": {
            "model_name": "gpt",
            "token_count": {"prompt": 7},
            "input_messages": [{"message": {"role": "user", "content": "x"}}],
        },
    }
    facts = span_facts(nested)
    assert (facts.kind, facts.model, facts.tokens_in, facts.input[0]["text"]) == (LLM, "gpt", 7, "x")
    assert span_facts({"openinference.span.kind": "TOOL", "tool.name": "t"}).kind == TOOL
    assert span_facts({"gen_ai.operation.name": "invoke_agent"}).kind == AGENT
    assert span_facts({"gen_ai.operation.name": "embeddings"}).kind == "other"
    assert span_facts({"http.method": "GET"}).kind is None
