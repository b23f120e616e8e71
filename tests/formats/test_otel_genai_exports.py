"""OTLP/JSON as collectors and SDKs write it: arrays of export requests, base64 ids, span kinds
as enum names, protobuf field names, and OpenInference attributes."""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from pathlib import Path

from logviz_assets.formats.base import FileContext, Skip
from logviz_assets.formats.otel_genai import OtelGenAI
from logviz_assets.load.file_read import read_file
from tests.helpers.otlp import AGENT, CHAT, T0, TOOL, TRACE, otlp_span, request


def as_protobuf_json(request_: dict) -> dict:
    """The request as protobuf's JSON printer writes it: ids in base64, span kinds as enum names."""

    def b64(hex_id: str) -> str:
        return base64.b64encode(bytes.fromhex(hex_id)).decode() if hex_id else ""

    converted = copy.deepcopy(request_)
    for group in converted["resourceSpans"]:
        for scope in group["scopeSpans"]:
            for span in scope["spans"]:
                span.update(traceId=b64(span["traceId"]), spanId=b64(span["spanId"]))
                span["parentSpanId"] = b64(span["parentSpanId"])
                span["kind"] = {1: "SPAN_KIND_INTERNAL", 3: "SPAN_KIND_CLIENT"}[span["kind"]]
    return converted


def comparable(records: list) -> list[tuple]:
    return sorted((r.record_id, r.kind, r.parent_id, r.text, r.tool_call_id, r.ts_start) for r in records)


def test_an_array_of_export_requests_with_base64_ids_and_enum_kinds(tmp_path: Path) -> None:
    plain = [request(AGENT, {**CHAT, "kind": 3}), request(TOOL)]
    (tmp_path / "hex.json").write_text(json.dumps(plain))
    protobuf = [as_protobuf_json(r) for r in plain]
    assert protobuf[0]["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["kind"] == "SPAN_KIND_CLIENT"
    path = tmp_path / "base64.json"
    path.write_text(json.dumps(protobuf, indent=2))
    assert OtelGenAI().detect(path.read_bytes(), str(path))
    assert OtelGenAI().detect((tmp_path / "hex.json").read_bytes(), "hex.json")
    hex_result, b64_result = read_file(tmp_path / "hex.json", OtelGenAI()), read_file(path, OtelGenAI())
    assert hex_result.rejects == b64_result.rejects == []
    assert Counter(r.kind for r in b64_result.records) == Counter(run=1, llm_call=1, tool_call=1, tool_result=1)
    assert comparable(b64_result.records) == comparable(hex_result.records)
    assert f"otel-genai:{TRACE}:1111111111111111" in {r.record_id for r in b64_result.records}


def test_protobuf_field_names_one_request_a_line(tmp_path: Path) -> None:
    # `MessageToJson(request, preserving_proto_field_name=True)`: snake_case fields and value kinds.
    span = {
        "trace_id": TRACE,
        "span_id": "1111111111111111",
        "name": "chat",
        "kind": "SPAN_KIND_CLIENT",
        "start_time_unix_nano": str(T0),
        "end_time_unix_nano": str(T0 + 1000),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"string_value": "chat"}},
            {"key": "gen_ai.request.model", "value": {"string_value": "gpt-4o"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"int_value": "12"}},
            {"key": "gen_ai.output.messages", "value": {"string_value": '[{"role": "assistant", "content": "ok"}]'}},
        ],
    }
    line = {"resource_spans": [{"resource": {}, "scope_spans": [{"spans": [span]}]}]}
    path = tmp_path / "otlp.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(line | {"resource_spans": []}) + "\n")
    result = read_file(path, OtelGenAI())
    llm = next(r for r in result.records if r.kind == "llm_call")
    assert (llm.model, llm.tokens_in, llm.text, llm.source_line) == ("gpt-4o", 12, "ok", 1)
    items = list(OtelGenAI().parse_document(path.read_bytes(), FileContext(source_file=str(path))))
    assert [(i.line, i.kind) for i in items if isinstance(i, Skip)] == [(2, "export request without spans")]


def test_openinference_attributes_in_otlp(tmp_path: Path) -> None:
    agent = otlp_span("aaaaaaaaaaaaaaaa", "", "agent", {"openinference.span.kind": "AGENT", "input.value": "Sum"}, 0, 9)
    llm = otlp_span(
        "1111111111111111",
        "aaaaaaaaaaaaaaaa",
        "ChatOpenAI",
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Add 2 and 3",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Calling add.",
            "llm.token_count.prompt": 30,
            "llm.token_count.completion": 4,
        },
        1,
        2,
    )
    tool = otlp_span(
        "2222222222222222",
        "aaaaaaaaaaaaaaaa",
        "add",
        {"openinference.span.kind": "TOOL", "tool.name": "add", "input.value": '{"a": 2, "b": 3}', "output.value": "5"},
        3,
        4,
    )
    declared = otlp_span(
        "3333333333333333",
        "aaaaaaaaaaaaaaaa",
        "lookup",
        {"openinference.span.kind": "TOOL", "tool.name": "lookup", "tool.parameters": '{"q": "string"}'},
        5,
        6,
    )
    chain = otlp_span("4444444444444444", "aaaaaaaaaaaaaaaa", "chain", {"openinference.span.kind": "CHAIN"}, 7, 8)
    path = tmp_path / "openinference.json"
    path.write_text(json.dumps(request(agent, llm, tool, declared, chain)))
    records = {r.record_id: r for r in read_file(path, OtelGenAI()).records}
    main = f"otel-genai:{TRACE}"
    assert Counter(r.kind for r in records.values()) == Counter(run=1, llm_call=1, tool_call=2, tool_result=2)
    assert (records[f"{main}:run"].agent_name, records[f"{main}:run"].text) == ("agent", "Sum")
    chat = records[f"{main}:1111111111111111"]
    assert (chat.model, chat.text, chat.tokens_in, chat.tokens_out) == ("gpt-4o", "Calling add.", 30, 4)
    call = records[f"{main}:2222222222222222"]
    assert (call.tool_name, call.tool_args, records[f"{main}:2222222222222222:result"].text) == (
        "add",
        '{"a":2,"b":3}',
        "5",
    )
    # Only the tool's declared parameters are known: they stand in for the arguments.
    assert records[f"{main}:3333333333333333"].tool_args == '{"q":"string"}'
