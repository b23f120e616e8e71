"""Langfuse trace exports, checked against what the sample files hold."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from logviz_assets.formats.langfuse import Langfuse
from logviz_assets.load.file_read import read_file
from tests.helpers.formats import assert_detects_only_its_folder

MICROSOFT = "microsoft-agent-2025-12-17.trace.json"
OPENAI_AGENTS = "openai-agents-2025-09-30.trace.json"


def load(samples: Path, name: str) -> dict:
    return json.loads((samples / "langfuse" / name).read_text())


def unwrap(value):
    """A field as Langfuse stores it: JSON in a string, sometimes twice."""
    while isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            break
    return value


def iso(text: str) -> str:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()


def expected_kinds(export: dict) -> Counter:
    """Counts by the documented rules: GENERATION -> llm_call, TOOL -> a call and a result, one run per
    trace plus one per nested AGENT, except an agent that is all its parent agent does."""
    observations = export["observations"]
    types = Counter(o["type"] for o in observations)
    children = {o["id"]: [c for c in observations if c["parentObservationId"] == o["id"]] for o in observations}
    agents = [o for o in observations if o["type"] == "AGENT"]
    wrapped = [
        a
        for a in agents
        if a["parentObservationId"]
        and children[a["parentObservationId"]] == [a]
        and next(o for o in observations if o["id"] == a["parentObservationId"])["type"] == "AGENT"
    ]
    nested = [a for a in agents if a["parentObservationId"]]
    return Counter(
        {
            "run": 1 + len(nested) - len(wrapped),
            "llm_call": types["GENERATION"],
            "tool_call": types["TOOL"],
            "tool_result": types["TOOL"],
        }
    )


@pytest.mark.parametrize("name", [MICROSOFT, OPENAI_AGENTS])
def test_samples_parse_with_counts_matching_the_file(samples_dir: Path, name: str) -> None:
    result = read_file(samples_dir / "langfuse" / name, Langfuse())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == expected_kinds(load(samples_dir, name))
    runs = [r for r in result.records if r.kind == "run"]
    steps = [r for r in result.records if r.kind != "run"]
    assert [r.seq for r in runs] == [-1] * len(runs)
    assert sorted(r.seq for r in steps) == list(range(len(steps)))
    assert len({r.record_id for r in result.records}) == len(result.records)
    assert all("/" not in r.record_id for r in result.records)


def test_detect_says_no_to_every_other_sample(samples_dir: Path) -> None:
    assert_detects_only_its_folder(Langfuse(), samples_dir, "langfuse")


def test_otel_semconv_trace_fields(samples_dir: Path) -> None:
    export = load(samples_dir, MICROSOFT)
    records = read_file(samples_dir / "langfuse" / MICROSOFT, Langfuse()).records
    observations = export["observations"]
    trace_id = export["trace"]["id"]

    run = next(r for r in records if r.kind == "run")
    agent = next(o for o in observations if o["type"] == "AGENT")
    agent_attributes = unwrap(agent["metadata"])["attributes"]
    user_parts = [m for m in unwrap(export["trace"]["input"]) if m["role"] == "user"][-1]["parts"]
    assert run.run_id == f"langfuse:{trace_id}"
    assert run.text == user_parts[0]["content"]
    assert run.agent_name == agent_attributes["gen_ai.agent.name"]
    assert run.ts_start == iso(agent["startTime"])
    assert run.project == export["trace"]["projectId"]

    tool = next(o for o in observations if o["type"] == "TOOL")
    call = next(r for r in records if r.kind == "tool_call")
    assert call.tool_name == tool["name"]
    assert json.loads(call.tool_args) == unwrap(tool["input"])
    assert call.tool_call_id == unwrap(tool["metadata"])["attributes"]["gen_ai.tool.call.id"]
    assert call.ts_start == iso(tool["startTime"])
    result = next(r for r in records if r.kind == "tool_result")
    assert (result.parent_id, result.text) == (call.record_id, unwrap(tool["output"]))

    generations = sorted((o for o in observations if o["type"] == "GENERATION"), key=lambda o: o["startTime"])
    llm_calls = [r for r in records if r.kind == "llm_call"]
    assert [r.tokens_in for r in llm_calls] == [g["usageDetails"]["input"] for g in generations]
    assert [r.tokens_out for r in llm_calls] == [g["usageDetails"]["output"] for g in generations]
    assert [r.cost_usd for r in llm_calls] == [pytest.approx(g["costDetails"]["total"]) for g in generations]
    assert [r.model for r in llm_calls] == [g["model"] for g in generations]
    last_output = unwrap(generations[-1]["output"])
    assert llm_calls[-1].text == last_output[-1]["parts"][0]["content"]
    asked = unwrap(generations[0]["output"])[0]["parts"][0]
    assert llm_calls[0].text.startswith(asked["name"] + "(")
    assert all(r.parent_id == run.record_id for r in [*llm_calls, call])


def test_openinference_trace_fields(samples_dir: Path) -> None:
    export = load(samples_dir, OPENAI_AGENTS)
    records = read_file(samples_dir / "langfuse" / OPENAI_AGENTS, Langfuse()).records
    observations = export["observations"]
    runs = [r for r in records if r.kind == "run"]
    inner_agent = next(o for o in observations if o["type"] == "AGENT" and o["parentObservationId"])
    assert [r.agent_name for r in runs] == [inner_agent["name"]]
    assert runs[0].ts_start == iso(next(o for o in observations if not o["parentObservationId"])["startTime"])

    generations = sorted((o for o in observations if o["type"] == "GENERATION"), key=lambda o: o["startTime"])
    first_attributes = unwrap(generations[0]["metadata"])["attributes"]
    llm_calls = [r for r in records if r.kind == "llm_call"]
    assert llm_calls[0].tokens_in == int(first_attributes["llm.token_count.prompt"])
    assert llm_calls[0].tokens_out == int(first_attributes["llm.token_count.completion"])
    assert llm_calls[0].model == first_attributes["llm.model_name"]
    assert runs[0].text == first_attributes["llm.input_messages.1.message.content"]
    final = unwrap(generations[-1]["output"])["output"][0]["content"][0]["text"]
    assert llm_calls[-1].text == final

    # The TOOL observation names no call id; the model's call of that tool gives it.
    asked = unwrap(generations[0]["output"])["output"][0]
    tool = next(o for o in observations if o["type"] == "TOOL")
    call = next(r for r in records if r.kind == "tool_call")
    assert (call.tool_name, call.tool_call_id) == (tool["name"], asked["call_id"])
    assert json.loads(call.tool_args) == unwrap(tool["input"])


def export_line(trace_id: str, observations: list[dict]) -> str:
    return json.dumps(
        {"trace": {"id": trace_id, "projectId": "p1", "name": "t", "input": "do it"}, "observations": observations}
    )


def observation(obs_id: str, kind: str, **fields) -> dict:
    base = {
        "id": obs_id,
        "traceId": "t1",
        "type": kind,
        "name": obs_id,
        "startTime": "2025-01-01T00:00:00Z",
        "endTime": "2025-01-01T00:00:01Z",
        "parentObservationId": None,
        "level": "DEFAULT",
        "metadata": "{}",
    }
    return {**base, **fields}


def test_error_level_and_malformed_lines(tmp_path: Path) -> None:
    good = export_line(
        "t1",
        [
            observation(
                "g1",
                "GENERATION",
                input=json.dumps([{"role": "user", "content": "hi"}]),
                output=json.dumps({"role": "assistant", "content": "hello"}),
                model="m1",
                usageDetails={"input": 10, "input_cached_tokens": 30, "output": 5},
            ),
            observation(
                "t1tool",
                "TOOL",
                input='{"path": "/x"}',
                output=None,
                level="ERROR",
                statusMessage="file not found",
                parentObservationId="g1",
            ),
            {"traceId": "t1", "type": "SPAN"},  # no id
        ],
    )
    path = tmp_path / "traces.jsonl"
    path.write_text(good + "\n" + '{"trace": {"id": \n' + export_line("t2", []) + "\n")
    result = read_file(path, Langfuse())
    assert [r.source_line for r in result.rejects] == [1, 2]
    assert "without an id" in result.rejects[0].reason
    assert result.rejects[1].reason.startswith("invalid JSON")
    records = {r.record_id: r for r in result.records}
    assert Counter(r.kind for r in result.records) == Counter(run=2, llm_call=1, tool_call=1, tool_result=1)
    generation = records["langfuse:t1:g1"]
    assert (generation.text, generation.tokens_in, generation.tokens_out, generation.tokens_cache_read) == (
        "hello",
        40,
        5,
        30,
    )
    failed = records["langfuse:t1:t1tool:result"]
    assert (failed.is_error, failed.text) == (True, "file not found")
    assert records["langfuse:t1:t1tool"].parent_id == generation.record_id  # follows the observation parent
    assert records["langfuse:t1:run"].text == "do it"
    assert records["langfuse:t2:run"].source_line == 3


def test_spans_and_events_that_carry_input_or_output_are_steps(tmp_path: Path) -> None:
    observations = [
        observation("chain", "SPAN", input=json.dumps({"question": "why?"}), output=json.dumps({"answer": "because"})),
        observation(
            "g1", "GENERATION", output="thinking", parentObservationId="chain", startTime="2025-01-01T00:00:01Z"
        ),
        observation("wrapper", "SPAN", input=None, output=None),
        observation("e1", "EVENT", input=None, output="cache hit", startTime="2025-01-01T00:00:02Z"),
        observation("r1", "RETRIEVER", input="docs about why", output=None, startTime="2025-01-01T00:00:03Z"),
        observation("bare", "EVENT", input=None, output=None, startTime="2025-01-01T00:00:04Z"),
    ]
    path = tmp_path / "trace.json"
    path.write_text(export_line("t1", observations))
    result = read_file(path, Langfuse())
    assert result.rejects == []
    records = {r.record_id: r for r in result.records}
    span = records["langfuse:t1:chain"]
    assert (span.kind, span.text, span.parent_id) == ("message", '{"answer": "because"}', "langfuse:t1:run")
    assert records["langfuse:t1:g1"].parent_id == span.record_id  # a span that is a step holds its children
    assert records["langfuse:t1:e1"].text == "cache hit"
    assert (records["langfuse:t1:r1"].kind, records["langfuse:t1:r1"].text) == ("message", "docs about why")
    assert records["langfuse:t1:bare"].text == "bare"  # an event was a step before, carrying something or not
    assert "langfuse:t1:wrapper" not in records  # a span carrying nothing only holds steps
    assert [r.record_id.rsplit(":", 1)[-1] for r in result.records if r.kind != "run"] == [
        "chain",
        "g1",
        "e1",
        "r1",
        "bare",
    ]
