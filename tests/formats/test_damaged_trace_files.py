"""Damaged lines in trace files of several values (JSON Lines): each costs its line only.

Checked at the parser, line by line: every line gives a record, a reject or a `Skip`; and through
`read_file`, which then counts the file line by line too, as it does JSON Lines logs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logviz_assets.formats import LogFormat
from logviz_assets.formats.base import Skip
from logviz_assets.formats.langfuse import Langfuse
from logviz_assets.formats.langsmith import LangSmith
from logviz_assets.formats.otel_genai import OtelGenAI
from tests.helpers.damaged import (
    assert_every_line_accounted,
    assert_lines_counted,
    deep_line,
    ids,
    load,
    reasons,
    with_deep_value,
)

T0 = 1_700_000_000_000_000_000
TRACE = "5b8efff798038103d269b633813fc60c"


def otlp_chat(span_id: str, **changes) -> dict:
    attributes = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.output.messages", "value": {"stringValue": '[{"role": "assistant", "content": "hi"}]'}},
    ]
    span = {
        "traceId": TRACE,
        "spanId": span_id,
        "name": "chat",
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 1000),
        "attributes": attributes,
    }
    return {**span, **changes}


def otlp(*spans: dict) -> dict:
    return {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": list(spans)}]}]}


def langfuse_export(trace_id: str, *observations: dict) -> dict:
    return {"trace": {"id": trace_id, "projectId": "p", "name": "t"}, "observations": list(observations)}


def observation(obs_id: str | None, kind: str = "GENERATION", **fields) -> dict:
    base = {"traceId": "t1", "type": kind, "name": "n", "startTime": "2025-01-01T00:00:00Z", "output": "ok"}
    return {**({"id": obs_id} if obs_id else {}), **base, **fields}


def ls_run(run_id: str | None, run_type: str = "llm", **fields) -> dict:
    base = {"trace_id": "r0", "run_type": run_type, "name": "n", "inputs": {}, "outputs": {"output": "ok"}}
    return {**({"id": run_id} if run_id else {}), **base, **fields}


ROOT_RUN = ls_run("r0", "chain", inputs={"input": "task"})


def jsonl(*values: object) -> bytes:
    return b"".join(v if isinstance(v, bytes) else json.dumps(v).encode() + b"\n" for v in values)


# (format, the good lines, damaged lines to put between them (the last one cut off at the end of the file),
# what the rejects must say (a piece given twice: two rejects), record ids the damaged lines still give)
TRACE_CASES: list[tuple[str, LogFormat, list[object], list[bytes], list[str], set[str]]] = [
    (
        "otel-genai",
        OtelGenAI(),
        [otlp(otlp_chat("1111111111111111")), otlp(otlp_chat("2222222222222222"))],
        [
            b'{"resourceSpans": "oops"}\n',
            b'{"resourceSpans": [5, {"scopeSpans": "oops"}, {"scopeSpans": [{"spans": "oops"}, 7]}]}\n',
            jsonl(otlp({"name": "no ids"}, 5)),
            jsonl(otlp(otlp_chat("3333333333333333", startTimeUnixNano=None, endTimeUnixNano=None))),
            jsonl(otlp(otlp_chat("4444444444444444", attributes="oops"))),
            jsonl(otlp(otlp_chat("5555555555555555", attributes={"openinference.span.kind": "RERANKER"}))),
            with_deep_value(jsonl(otlp(otlp_chat("6666666666666666", attributes="DEEP")))),
            jsonl(otlp(otlp_chat("7777777777777777", name="caf\xe9"))).replace(b"caf\\u00e9", b"caf\xe9\xff"),
            b'{"resourceSpans": [{"scopeSpans": [\n',
            deep_line() + b"\n",
            b"[]\n",
            b"\n",
            b'"just text"\n',
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "W47/95gDgQPSabYzgT/GDA==", "spanId": "A',
        ],
        [
            *("resourceSpans is not a list", "entry is not an object", "scopeSpans is not a list", "list of spans"),
            *("span without a trace id", "a span is not an object", "unexpected span shape: RecursionError"),
            *("invalid JSON", "JSON nested too deeply", "neither an OTLP export request nor a span"),
        ],
        {f"otel-genai:{TRACE}:3333333333333333", f"otel-genai:{TRACE}:7777777777777777"},
    ),
    (
        "langfuse",
        Langfuse(),
        [langfuse_export("t1", observation("g1")), langfuse_export("t2", observation("g2", traceId="t2"))],
        [
            jsonl({"trace": {"id": "t3", "projectId": "p"}, "observations": "oops"}),
            jsonl(
                langfuse_export(
                    "t4", 5, observation(None, traceId="t4"), observation("g4", traceId="t4", startTime=None)
                )
            ),
            jsonl(langfuse_export("t5", observation("s5", "SPAN", traceId="t5", input={"q": 1}, output=None))),
            jsonl(langfuse_export("t6", observation("s6", "SPAN", traceId="t6", output=None))),
            jsonl(langfuse_export("t7", observation("x7", "SOMETHING_NEW", traceId="t7"))),
            jsonl({"trace": {"projectId": "p"}, "observations": []}, {"hello": 1}),
            b'{"trace": {"id": "t8", \n',
            deep_line() + b"\n",
            b"\n",
            jsonl(langfuse_export("t9", observation("g9", traceId="t9", output="caf\xe9"))).replace(
                b"caf\\u00e9", b"caf\xff"
            ),
        ],
        [
            *("observations is not a list", "an observation is not an object", "observation without an id"),
            *("trace without an id", "not a Langfuse trace export", "invalid JSON", "JSON nested too deeply"),
        ],
        {"langfuse:t3:run", "langfuse:t4:g4", "langfuse:t5:s5", "langfuse:t6:run", "langfuse:t7:x7", "langfuse:t9:g9"},
    ),
    (
        "langsmith",
        LangSmith(),
        [ROOT_RUN, ls_run("r1", parent_run_id="r0")],
        [
            jsonl({"post": "oops", "patch": [5]}),
            jsonl({"post": [ls_run(None, trace_id="r0"), ls_run(None, trace_id="r0")]}),
            jsonl(ls_run("r2", parent_run_id="r0", child_runs="oops")),
            jsonl(ls_run("r3", parent_run_id="r0", child_runs=[5, ls_run("r4")])),
            jsonl(ls_run("r5", "retriever", parent_run_id="r0")),
            jsonl({"post": [], "patch": [{"dotted_order": "nowhere", "outputs": {}}]}),
            jsonl(ls_run("r6", parent_run_id="r0", start_time=None, end_time=None)),
            jsonl({"runs": "oops"}),
            b'{"id": "r7", \n',
            deep_line() + b"\n",
            b"\n",
            jsonl({"post": [], "patch": []}),
        ],
        [
            *("`post` is not a list", "a `patch` entry is not an object", "`child_runs` is not a"),
            *("run without an id", "run without an id"),  # two runs without ids: each rejected, none merged
            *("a `child_runs` entry is not an object", "a patch matches no posted run", "not a LangSmith run"),
            *("invalid JSON", "JSON nested too deeply"),
        ],
        {"langsmith:r0:r2", "langsmith:r0:r3", "langsmith:r0:r4", "langsmith:r0:r6"},
    ),
]


@pytest.mark.parametrize(
    ("name", "fmt", "good", "damage", "said", "added"), TRACE_CASES, ids=[c[0] for c in TRACE_CASES]
)
def test_damaged_trace_lines_cost_only_themselves(
    tmp_path: Path,
    name: str,
    fmt: LogFormat,
    good: list[object],
    damage: list[bytes],
    said: list[str],
    added: set[str],
) -> None:
    clean = load(tmp_path, "clean.jsonl", jsonl(*good), fmt)
    assert clean.rejects == [] and clean.records
    content = jsonl(good[0]) + b"".join(damage[:-1]) + jsonl(*good[1:]) + damage[-1]  # the last one is cut off
    result = load(tmp_path, "damaged.jsonl", content, fmt)
    assert_lines_counted(result)
    for piece in set(said):
        assert sum(piece in r.reason for r in result.rejects) >= said.count(piece), (piece, reasons(result))
    assert all(r.source_line is not None for r in result.rejects), reasons(result)
    assert ids(clean) | added <= ids(result)
    items = assert_every_line_accounted(fmt, content)
    assert {i.kind for i in items if isinstance(i, Skip)} >= {"blank line"}
    assert len(ids(result)) == len(result.records)  # nothing doubled
