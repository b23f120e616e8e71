"""OpenTelemetry GenAI spans, checked against what the sample file holds, and synthetic OTLP."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from logviz_assets.formats.otel_genai import OtelGenAI
from logviz_assets.load.file_read import read_file
from tests.helpers.formats import assert_detects_only_its_folder
from tests.helpers.otlp import AGENT, CHAT, SUB_CHAT, SUBAGENT, T0, TOOL, TRACE, request

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ns_iso(nanos: int) -> str:
    return (EPOCH + timedelta(microseconds=nanos // 1000)).isoformat()


def sample(samples: Path) -> Path:
    return samples / "otel-genai" / "OPENAI_trace.json"


def test_sample_counts_match_the_spans(samples_dir: Path) -> None:
    path = sample(samples_dir)
    spans = json.loads(path.read_text())["spans"]
    operations = Counter(span["attributes"]["gen_ai.operation.name"] for span in spans)
    traces = {span["context"]["trace_id"] for span in spans}
    expected = Counter(
        {
            "run": len(traces),  # one agent, no nested one: one run per trace
            "llm_call": operations["call_llm"],
            "tool_call": operations["execute_tool"],
            "tool_result": operations["execute_tool"],
        }
    )
    result = read_file(path, OtelGenAI())
    assert result.format_name == "otel-genai"
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == expected


def test_sample_fields(samples_dir: Path) -> None:
    path = sample(samples_dir)
    spans = json.loads(path.read_text())["spans"]
    records = read_file(path, OtelGenAI()).records
    agent = next(s for s in spans if s["attributes"]["gen_ai.operation.name"] == "invoke_agent")
    trace_id = str(agent["context"]["trace_id"])  # a 128-bit integer in the file: kept exactly

    run = next(r for r in records if r.kind == "run")
    assert run.run_id == f"otel-genai:{trace_id}"
    assert run.agent_name == agent["attributes"]["gen_ai.agent.name"]
    assert run.ts_start == ns_iso(agent["start_time"])
    assert run.ts_end == ns_iso(agent["end_time"])
    first_llm = min(
        (s for s in spans if s["attributes"]["gen_ai.operation.name"] == "call_llm"), key=lambda s: s["start_time"]
    )
    user = [m for m in json.loads(first_llm["attributes"]["gen_ai.input.messages"]) if m["role"] == "user"]
    assert run.text == user[-1]["content"]

    tools = sorted(
        (s for s in spans if s["attributes"]["gen_ai.operation.name"] == "execute_tool"), key=lambda s: s["start_time"]
    )
    calls = [r for r in records if r.kind == "tool_call"]
    assert [c.tool_name for c in calls] == [t["attributes"]["gen_ai.tool.name"] for t in tools]
    assert [json.loads(c.tool_args) for c in calls] == [json.loads(t["attributes"]["gen_ai.tool.args"]) for t in tools]
    assert calls[0].ts_start == ns_iso(tools[0]["start_time"])
    result = next(r for r in records if r.kind == "tool_result" and r.parent_id == calls[0].record_id)
    assert json.loads(result.text) == json.loads(tools[0]["attributes"]["gen_ai.output"])
    assert result.tool_call_id == calls[0].tool_call_id

    llm_spans = sorted(
        (s for s in spans if s["attributes"]["gen_ai.operation.name"] == "call_llm"), key=lambda s: s["start_time"]
    )
    llm_calls = [r for r in records if r.kind == "llm_call"]
    assert [r.tokens_in for r in llm_calls] == [s["attributes"]["gen_ai.usage.input_tokens"] for s in llm_spans]
    assert [r.tokens_out for r in llm_calls] == [s["attributes"]["gen_ai.usage.output_tokens"] for s in llm_spans]
    assert {r.model for r in llm_calls} == {s["attributes"]["gen_ai.request.model"] for s in llm_spans}
    first_cost = (
        llm_spans[0]["attributes"]["gen_ai.usage.input_cost"] + llm_spans[0]["attributes"]["gen_ai.usage.output_cost"]
    )
    assert llm_calls[0].cost_usd == pytest.approx(first_cost)
    first_tool_asked = json.loads(llm_spans[0]["attributes"]["gen_ai.output"])[0]["tool.name"]
    assert first_tool_asked in llm_calls[0].text
    assert llm_calls[-1].text == llm_spans[-1]["attributes"]["gen_ai.output"]


def test_sample_structure(samples_dir: Path) -> None:
    records = read_file(sample(samples_dir), OtelGenAI()).records
    run = next(r for r in records if r.kind == "run")
    steps = [r for r in records if r.kind != "run"]
    assert run.seq == -1
    assert sorted(r.seq for r in steps) == list(range(len(steps)))
    assert len({r.record_id for r in records}) == len(records)
    assert all("/" not in r.record_id for r in records)
    by_id = {r.record_id: r for r in records}
    for record in steps:
        if record.kind == "tool_result":
            assert by_id[record.parent_id].kind == "tool_call"
        else:
            assert record.parent_id == run.record_id


def test_detect_says_no_to_every_other_sample(samples_dir: Path) -> None:
    assert_detects_only_its_folder(OtelGenAI(), samples_dir, "otel-genai")


# ---------------------------------------------------------------- synthetic OTLP


def test_otlp_jsonl_with_a_subagent(tmp_path: Path) -> None:
    # As the collector writes it: children before their parent, a trace over several lines,
    # a broken line, and a last line still being written.
    path = tmp_path / "traces.jsonl"
    lines = [json.dumps(request(CHAT, TOOL)), json.dumps(request(SUB_CHAT, SUBAGENT, AGENT, service=None))]
    path.write_text(lines[0] + "\n" + '{"resourceSpans": [oops\n' + lines[1] + "\n" + lines[0][:40])
    head = path.read_bytes()[: 64 * 1024]
    assert OtelGenAI().detect(head, str(path))
    result = read_file(path, OtelGenAI())
    assert result.format_name == "otel-genai"
    assert [(r.source_line, r.reason.split(":")[0]) for r in result.rejects] == [(2, "invalid JSON")]
    records = {r.record_id: r for r in result.records}
    main_run = f"otel-genai:{TRACE}"
    child_run = f"{main_run}:3333333333333333"
    assert Counter(r.kind for r in result.records) == Counter(run=2, llm_call=2, tool_call=1, tool_result=1)

    run = records[f"{main_run}:run"]
    assert (run.agent_name, run.text, run.project, run.is_subagent) == ("main", "Paris?", "weather-app", False)
    assert run.ts_start == ns_iso(T0)

    chat = records[f"{main_run}:1111111111111111"]
    assert chat.text == 'get_weather({"city":"Paris"})'
    assert (chat.tokens_in, chat.tokens_out, chat.tokens_cache_read) == (100, 20, 60)
    assert (chat.model, chat.provider, chat.source_line, chat.seq) == ("gpt-4o", "openai", 1, 0)

    call = records[f"{main_run}:2222222222222222"]
    result_record = records[f"{main_run}:2222222222222222:result"]
    assert (call.tool_name, call.tool_call_id, call.tool_args) == ("get_weather", "call_1", '{"city":"Paris"}')
    assert result_record.parent_id == call.record_id
    assert result_record.is_error is True
    assert result_record.text == "weather service timed out"

    child = records[f"{child_run}:run"]
    assert (child.is_subagent, child.agent_name, child.parent_id) == (True, "helper", run.record_id)
    assert child.text == "look it up"
    sub_chat = records[f"{main_run}:4444444444444444"]
    assert (sub_chat.run_id, sub_chat.parent_id, sub_chat.text) == (child_run, child.record_id, "It rains.")
    assert sub_chat.is_subagent and sub_chat.seq == 0


def test_otlp_document_in_one_piece_has_no_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(request(AGENT, CHAT, TOOL), indent=2))
    result = read_file(path, OtelGenAI())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == Counter(run=1, llm_call=1, tool_call=1, tool_result=1)
    assert {r.source_line for r in result.records} == {None}


def test_sdk_spans_openinference_and_agent_as_tool(tmp_path: Path) -> None:
    trace = "0xabc0000000000000000000000000000f"

    def span(span_id: int, parent: int | None, name: str, attributes: dict, start: int, end: int, status: str) -> dict:
        return {
            "name": name,
            "context": {"trace_id": trace, "span_id": f"0x{span_id:016x}"},
            "parent_id": f"0x{parent:016x}" if parent else None,
            "kind": "SpanKind.INTERNAL",
            "start_time": f"2025-01-01T10:00:{start:02d}.000000Z",
            "end_time": f"2025-01-01T10:00:{end:02d}.000000Z",
            "status": {"status_code": status, "description": "boom" if status == "ERROR" else None},
            "attributes": attributes,
            "events": [],
            "links": [],
            "resource": {"attributes": {"service.name": "trips"}, "schema_url": ""},
        }

    spans = [
        span(1, None, "planner", {"openinference.span.kind": "AGENT", "input.value": "Plan a trip"}, 0, 10, "UNSET"),
        span(
            2,
            1,
            "ChatOpenAI",
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o",
                "llm.provider": "openai",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "Plan a trip",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c1",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "research",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"q": "Rome"}',
                "llm.token_count.prompt": 50,
                "llm.token_count.completion": 5,
            },
            1,
            2,
            "OK",
        ),
        span(
            3,
            1,
            "research",
            {"openinference.span.kind": "TOOL", "tool.name": "research", "input.value": '{"q": "Rome"}'},
            3,
            8,
            "ERROR",
        ),
        span(4, 3, "researcher", {"openinference.span.kind": "AGENT", "input.value": "Research Rome"}, 4, 7, "UNSET"),
        span(5, 4, "ChatOpenAI", {"openinference.span.kind": "LLM", "output.value": "Rome is nice"}, 5, 6, "UNSET"),
    ]
    path = tmp_path / "console.log"  # the console exporter: indented objects one after another
    path.write_text("\n".join(json.dumps(s, indent=4) for s in spans) + "\n")
    assert OtelGenAI().detect(path.read_bytes(), str(path))
    result = read_file(path, OtelGenAI())
    assert result.rejects == []
    records = {r.record_id: r for r in result.records}
    main_run = "otel-genai:abc0000000000000000000000000000f"
    call = records[f"{main_run}:0000000000000003"]
    # The tool span names no call id: it takes the id of the model's call of that tool.
    assert (call.tool_name, call.tool_call_id, call.tool_args) == ("research", "c1", '{"q":"Rome"}')
    assert records[f"{main_run}:0000000000000003:result"].is_error is True
    child = records[f"{main_run}:0000000000000004:run"]
    assert (child.parent_id, child.is_subagent, child.text) == (call.record_id, True, "Research Rome")
    assert call.spawned_run_id == child.run_id
    assert records[f"{main_run}:0000000000000002"].text == 'research({"q":"Rome"})'
    assert records[f"{main_run}:run"].project == "trips"
    assert records[f"{main_run}:0000000000000005"].text == "Rome is nice"


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "x"}]}]}]}\n', 1, "span without a trace id"),
        (b"[1]\n", 1, "a span is not an object"),
        (b'{"hello": "world"}\n', 1, "neither an OTLP export request nor a span"),
    ],
)
def test_malformed_spans_are_rejected(tmp_path: Path, content: bytes, line: int, reason: str) -> None:
    good = json.dumps(request(CHAT)).encode() + b"\n"
    path = tmp_path / "traces.jsonl"
    path.write_bytes(content + good)
    result = read_file(path, OtelGenAI())
    assert [(r.source_line, r.reason[: len(reason)]) for r in result.rejects] == [(line, reason)]
    assert Counter(r.kind for r in result.records) == Counter(run=1, llm_call=1)


def test_broken_document_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"resourceSpans": [\n  {"resource": }\n]}')
    result = read_file(path, OtelGenAI())
    assert [r.source_line for r in result.rejects] == [2]
    assert result.records == []
