"""Damaged documents of every document and trace format: each piece is a record or a reject.

A whole document is one unit of the load's accounting (records, or a reject, or a skip): these
check that the unit adds up whatever the damage, that a damaged element (a step, an event, a
sample, an archive member) is a reject or a record, and that the good parts still load.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from logviz_assets.formats import LogFormat
from logviz_assets.formats.inspect_ai import InspectAI
from logviz_assets.formats.langfuse import Langfuse
from logviz_assets.formats.langsmith import LangSmith
from logviz_assets.formats.openhands import OpenHands
from logviz_assets.formats.otel_genai import OtelGenAI
from logviz_assets.formats.swe_agent import SweAgent
from logviz_assets.load.file_read import read_file
from tests.helpers.damaged import assert_one_unit, deep_line, ids, load, reasons


@pytest.mark.parametrize(
    "fmt", [OtelGenAI(), Langfuse(), LangSmith()], ids=lambda f: f.name if isinstance(f, LogFormat) else f
)
@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe{}", deep_line(), b'{"resourceSpans": [', b"[1, 2", b"{}", b"[]", b'"text"'],
    ids=["empty", "not UTF-8", "deep", "truncated", "truncated array", "empty object", "empty array", "a string"],
)
def test_damaged_whole_trace_document_is_one_unit(tmp_path: Path, fmt: LogFormat, content: bytes) -> None:
    result = load(tmp_path, "export.json", content, fmt)
    assert_one_unit(result)
    assert result.records == [] or content in (b"{}", b"[]")


# ------------------------------------------------------------------ documents

STEP = {"thought": "look", "action": "ls\n", "observation": "a.py"}
HISTORY = [
    {"role": "system", "content": "setup", "message_type": "system_prompt"},
    {"role": "user", "content": "fix it", "message_type": "observation"},
    {"role": "assistant", "content": "look", "thought": "look", "action": "ls", "message_type": "action"},
    {"role": "user", "content": "a.py", "message_type": "observation"},
]
OH_EVENTS = [
    {"id": 0, "timestamp": "2025-01-01T00:00:00", "source": "user", "action": "message", "args": {"content": "hi"}},
    {"id": 1, "timestamp": "2025-01-01T00:00:01", "source": "agent", "action": "run", "args": {"command": "ls"}},
    {"id": 2, "timestamp": "2025-01-01T00:00:02", "source": "agent", "observation": "run", "cause": 1, "content": "a"},
]


def inspect_log(*samples: object) -> dict:
    return {"version": 2, "status": "success", "eval": {"eval_id": "E", "task": "t", "model": "m"}, "samples": samples}


def sample(sample_id: object, messages: object, **fields) -> dict:
    return {**({"id": sample_id} if sample_id is not None else {}), "epoch": 1, "messages": messages, **fields}


def chat(message_id: str, role: str = "user", text: str = "hello") -> dict:
    return {"id": message_id, "role": role, "content": text}


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD_SAMPLE = sample("s1", [chat("m1")])
EVAL_HEADER = json.dumps({"eval": {"eval_id": "E", "task": "t", "model": "m"}}).encode()

# (case, format, file name, content, what the rejects must say, record ids (or their ends) that must be there)
DOCUMENT_CASES: list[tuple[str, LogFormat, str, bytes, list[str], list[str]]] = [
    (
        "swe step not an object",
        SweAgent(),
        "a.traj",
        {"trajectory": [5, STEP, {"x": 1}], "history": []},
        ["trajectory[0]", "trajectory[2] holds no"],
        [":s1:call", ":s1:result"],
    ),
    (
        "swe trajectory a string",
        SweAgent(),
        "a.traj",
        {"trajectory": "oops", "history": HISTORY},
        ["neither a SWE-agent"],
        [],
    ),
    (
        "swe history damaged",
        SweAgent(),
        "a.traj",
        {"history": [*HISTORY, 5, {"role": "critic", "content": "meh"}]},
        ["history[4] is not a chat message"],
        [":h2:call", ":h3:result", ":h5"],
    ),
    (
        "mini odd messages",
        SweAgent(),
        "a.traj.json",
        {
            "info": {},
            "trajectory_format": "mini-swe-agent-1",
            "messages": [
                chat("1", "system"),
                chat("2"),
                5,
                chat("3", "developer", "note"),
                {"role": "tool", "content": "out"},
                {"role": "exit", "content": ""},
            ],
        },
        ["messages[2] is not a chat message"],
        [":m3", ":m4:result"],
    ),
    (
        "openhands odd events",
        OpenHands(),
        "t.json",
        [
            *OH_EVENTS,
            42,
            {"source": "agent", "action": "frobnicate", "args": {}},
            {"id": 9, "observation": 5},
            {"id": 10, "observation": "browse", "content": "page"},
            {"role": "user", "action": "x"},
        ],
        ["element 3 is not", "element 5: an observation", "element 7 is not"],
        [":1", ":2", ":e4", ":10"],
    ),
    ("openhands object", OpenHands(), "t.json", {"events": OH_EVENTS}, ["expected a JSON array"], []),
    (
        "inspect odd samples",
        InspectAI(),
        "log.json",
        inspect_log(
            GOOD_SAMPLE,
            5,
            sample("s2", "oops"),
            sample(None, [chat("m1")]),
            sample(None, [5, chat("m1", "critic")], model_usage="oops"),
            sample("s3", [chat("m1", "assistant") | {"tool_calls": "oops"}], events={"not": "a list"}),
        ),
        [
            *("samples[1]: a sample must be", "`messages` is not a list", "messages[0] is not a chat message"),
            "sample s3 epoch 1: messages[0]: `tool_calls` is not a list",
        ],
        [
            "inspect-ai:E:s1:1:m1",
            "inspect-ai:E:s2:1:run",
            "inspect-ai:E:samples[3]:1:m1",
            "inspect-ai:E:samples[4]:1:m1",
            "inspect-ai:E:s3:1:m1",
        ],
    ),
    (
        "inspect samples a string",
        InspectAI(),
        "log.json",
        inspect_log() | {"samples": "oops"},
        ["`samples` is not a list"],
        [],
    ),
    (
        "eval members damaged",
        InspectAI(),
        "log.eval",
        {
            "header.json": EVAL_HEADER,
            "samples/1_epoch_1.json": json.dumps(GOOD_SAMPLE).encode(),
            "samples/2_epoch_1.json": b'{"id": "s2", ',
            "samples/3_epoch_1.json": b'{"id": "\xff"}',
            "samples/4_epoch_1.json": deep_line(),
            "samples/5_epoch_1.json": b"[5]",
        },
        [
            "samples/2_epoch_1.json: invalid JSON",
            "samples/3_epoch_1.json: not UTF-8",
            "samples/4_epoch_1.json: JSON nested too deeply",
            "samples/5_epoch_1.json: a sample must be",
        ],
        ["inspect-ai:E:s1:1:m1"],
    ),
]


def encoded(name: str, content: object) -> bytes:
    if isinstance(content, bytes):
        return content
    if name.endswith(".eval"):
        return zipped(content)
    return json.dumps(content).encode()


@pytest.mark.parametrize(
    ("case", "fmt", "name", "content", "said", "wanted"), DOCUMENT_CASES, ids=[c[0] for c in DOCUMENT_CASES]
)
def test_damaged_elements_become_rejects_and_the_rest_loads(
    tmp_path: Path, case: str, fmt: LogFormat, name: str, content: object, said: list[str], wanted: list[str]
) -> None:
    result = load(tmp_path, name, encoded(name, content), fmt)
    assert_one_unit(result)
    for piece in said:
        assert piece in reasons(result), (piece, reasons(result))
    for end in wanted:
        assert any(i == end or i.endswith(end) for i in ids(result)), (end, sorted(ids(result)))
    assert len(ids(result)) == len(result.records)


WHOLE_FILE_DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda good: good[: len(good) // 2],
    "not UTF-8": lambda good: good.replace(b'"', b'"\xff', 3),
    "nested too deeply": lambda good: deep_line(),
    "empty": lambda good: b"",
    "a string": lambda good: b'"text"',
}
GOOD_DOCUMENTS: list[tuple[LogFormat, str, object]] = [
    (SweAgent(), "a.traj", {"trajectory": [STEP], "history": HISTORY}),
    (SweAgent(), "b.traj", {"history": HISTORY}),
    (SweAgent(), "c.traj.json", {"info": {}, "trajectory_format": "mini-swe-agent-1", "messages": [chat("1")]}),
    (OpenHands(), "t.json", OH_EVENTS),
    (InspectAI(), "log.json", inspect_log(GOOD_SAMPLE)),
    (InspectAI(), "log.eval", {"header.json": EVAL_HEADER, "samples/1_epoch_1.json": json.dumps(GOOD_SAMPLE).encode()}),
]


# A ZIP archive's members are damaged one by one above; its bytes made non-UTF-8 are a corrupt archive, read in part.
WHOLE_DOCUMENT_CASES = [
    (*document, damage)
    for document in GOOD_DOCUMENTS
    for damage in WHOLE_FILE_DAMAGE
    if not (document[1].endswith(".eval") and damage == "not UTF-8")
]


@pytest.mark.parametrize(
    ("fmt", "name", "good", "damage"), WHOLE_DOCUMENT_CASES, ids=[f"{c[1]}-{c[3]}" for c in WHOLE_DOCUMENT_CASES]
)
def test_a_damaged_document_is_one_reject(tmp_path: Path, fmt: LogFormat, name: str, good: object, damage: str) -> None:
    clean = load(tmp_path, name, encoded(name, good), fmt)
    assert clean.rejects == [] and clean.records
    assert_one_unit(clean)
    result = load(tmp_path, "damaged-" + name, WHOLE_FILE_DAMAGE[damage](encoded(name, good)), fmt)
    assert_one_unit(result)
    if damage != "empty":
        assert result.records == [] and result.rejects, reasons(result)


def test_every_sample_of_these_formats_is_one_unit(samples_dir: Path) -> None:
    formats = {f.name: f for f in (OtelGenAI(), Langfuse(), LangSmith(), SweAgent(), OpenHands(), InspectAI())}
    folders = {"otel-genai", "langfuse", "langsmith", "swe-agent", "openhands", "inspect-ai"}
    for path in sorted(p for p in samples_dir.rglob("*") if p.is_file() and p.parent.name in folders):
        result = read_file(path, formats[path.parent.name])
        assert result.rejects == [] and result.records, path
        assert_one_unit(result)
