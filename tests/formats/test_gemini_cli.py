"""Gemini CLI chat recordings, checked against values the test takes from the files itself."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from logviz_assets.formats import FORMATS, HEAD_BYTES
from logviz_assets.formats.gemini_cli import GeminiCli
from logviz_assets.load.file_read import FileRead, read_file
from tests.helpers.formats import assert_detects_only_its_folder

SESSION = "37b7abef-713d-4522-85f0-8ff15a4e6d17"


def session_file(samples: Path) -> Path:
    files = sorted((samples / "gemini-cli").glob("session-*.json"))
    assert len(files) == 1
    return files[0]


def parse(path: Path) -> FileRead:
    """`read_file` with this format (the registry is the lead's), after checking it detects the file."""
    assert GeminiCli().detect(path.open("rb").read(HEAD_BYTES), str(path))
    return read_file(path, GeminiCli())


def independent_counts(session: dict[str, Any]) -> Counter:
    counts: Counter = Counter(run=1)
    for message in session["messages"]:
        if message["type"] in ("user", "gemini", "error") and message.get("content"):
            counts["message"] += 1
        counts["reasoning"] += len(message.get("thoughts") or [])
        counts["tool_call"] += len(message.get("toolCalls") or [])
        counts["tool_result"] += len(message.get("toolCalls") or [])
    return +counts


def test_sample_parses_with_counts_matching_the_file(samples_dir: Path) -> None:
    path = session_file(samples_dir)
    result = parse(path)
    assert result.format_name == "gemini-cli"
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == independent_counts(json.loads(path.read_text()))
    ids = [r.record_id for r in result.records]
    assert len(ids) == len(set(ids)) and all("/" not in i for i in ids)
    assert [r.seq for r in result.records] == list(range(-1, len(ids) - 1))


def test_run_record(samples_dir: Path) -> None:
    path = session_file(samples_dir)
    session = json.loads(path.read_text())
    records = parse(path).records
    run = records[0]
    assert run.kind == "run" and run.record_id == f"gemini-cli:{SESSION}:run"
    assert run.run_id == session["sessionId"] == SESSION
    assert run.text == session["messages"][0]["content"] == "show tools"
    assert run.model == session["messages"][1]["model"] == "gemini-3-pro"
    assert run.ts_start == "2026-01-16T11:01:22.281000+00:00"
    assert run.ts_end == "2026-01-16T12:34:29.824000+00:00"
    assert {r.run_id for r in records} == {SESSION}
    assert all(r.parent_id == run.record_id for r in records[1:] if r.kind != "tool_result")


def test_tokens_are_counted_once_per_gemini_message(samples_dir: Path) -> None:
    path = session_file(samples_dir)
    with_tokens = [m for m in json.loads(path.read_text())["messages"] if m.get("tokens")]
    records = parse(path).records
    carriers = [r for r in records if r.tokens_in is not None]
    assert len(carriers) == len(with_tokens)
    assert sum(r.tokens_in for r in carriers) == sum(m["tokens"]["input"] + m["tokens"]["tool"] for m in with_tokens)
    assert sum(r.tokens_out for r in carriers) == sum(
        m["tokens"]["output"] + m["tokens"]["thoughts"] for m in with_tokens
    )
    assert sum(r.tokens_cache_read for r in carriers) == sum(m["tokens"]["cached"] for m in with_tokens)
    for record, message in zip(carriers, with_tokens, strict=True):
        assert record.tokens_in + record.tokens_out == message["tokens"]["total"]
    first = carriers[0]
    assert (first.kind, first.tokens_in, first.tokens_out, first.tokens_cache_read) == ("message", 4749, 532, 0)


def test_first_tool_call_and_its_result(samples_dir: Path) -> None:
    path = session_file(samples_dir)
    calls = [c for m in json.loads(path.read_text())["messages"] for c in m.get("toolCalls") or []]
    first = calls[0]
    records = parse(path).records
    call = next(r for r in records if r.kind == "tool_call")
    assert call.tool_name == first["name"] == "write_todos"
    assert json.loads(call.tool_args) == first["args"]
    assert call.tool_call_id == first["id"] == "write_todos-1768561360195-92b321077029e8"
    assert call.ts_start == "2026-01-16T11:04:00.677000+00:00"
    assert (call.model, call.provider, call.role) == ("gemini-3-pro", "google", "assistant")
    result = next(r for r in records if r.kind == "tool_result" and r.tool_call_id == call.tool_call_id)
    assert result.parent_id == call.record_id
    assert result.text == first["result"][0]["functionResponse"]["response"]["output"]
    assert result.is_error is (first["status"] == "error") is False
    by_call = {r.tool_call_id: r for r in records if r.kind == "tool_result"}
    assert [by_call[c["id"]].is_error for c in calls] == [c["status"] == "error" for c in calls]


def test_source_lines_point_at_the_message(samples_dir: Path) -> None:
    path = session_file(samples_dir)
    text_lines = path.read_text().splitlines()
    owner = {c["id"]: m["id"] for m in json.loads(path.read_text())["messages"] for c in m.get("toolCalls") or []}
    for record in parse(path).records[1:]:
        message_id = owner[record.tool_call_id] if record.tool_call_id else record.record_id.split(":")[2]
        assert f'"id": "{message_id}"' in text_lines[record.source_line - 1]


def test_detectors_agree_only_on_gemini_files(samples_dir: Path) -> None:
    gemini = GeminiCli()
    assert_detects_only_its_folder(gemini, samples_dir, "gemini-cli")
    head = session_file(samples_dir).open("rb").read(HEAD_BYTES)
    assert [f.name for f in FORMATS if f.detect(head, "x.json") and f.name != "gemini-cli"] == []


# -- synthetic inputs ---------------------------------------------------------------------

META = {
    "sessionId": "g-1",
    "projectHash": "ab" * 32,
    "startTime": "2026-01-01T00:00:00Z",
    "lastUpdated": "2026-01-01T00:01:00Z",
    "directories": ["/home/dev/p"],
}


def gemini(message_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": message_id, "timestamp": "2026-01-01T00:00:10Z", "type": "gemini", "content": "", **fields}


def user(message_id: str, text: str) -> dict[str, Any]:
    return {"id": message_id, "timestamp": "2026-01-01T00:00:05Z", "type": "user", "content": text}


def test_thoughts_errors_and_parts(tmp_path: Path) -> None:
    failing = {
        "id": "t1",
        "name": "run_shell_command",
        "args": {"command": "false"},
        "status": "error",
        "timestamp": "2026-01-01T00:00:11Z",
        "result": [{"functionResponse": {"id": "t1", "name": "run_shell_command", "response": {"error": "exit 1"}}}],
    }
    cancelled = {
        "id": "t2",
        "name": "read_file",
        "args": {},
        "status": "cancelled",
        "result": [
            {"functionResponse": {"id": "t2", "name": "read_file", "response": {"error": "[Operation Cancelled]"}}}
        ],
    }
    session = {
        **META,
        "messages": [
            {
                "id": "u1",
                "timestamp": "2026-01-01T00:00:05Z",
                "type": "user",
                "content": [{"text": "run"}, {"text": "it"}],
            },
            gemini(
                "g1",
                thoughts=[{"subject": "Plan", "description": "Run the command.", "timestamp": "x"}],
                toolCalls=[failing, cancelled],
                model="gemini-2.5-pro",
                tokens={"input": 10, "output": 2, "cached": 4, "thoughts": 3, "tool": 1, "total": 16},
            ),
            gemini("g2", tokens={"input": 20, "output": 1, "cached": 0, "thoughts": 0, "tool": 0, "total": 21}),
            {"id": "e1", "timestamp": "2026-01-01T00:00:12Z", "type": "error", "content": "API Error: quota"},
            {"id": "i1", "timestamp": "2026-01-01T00:00:13Z", "type": "info", "content": "Logged in"},
        ],
    }
    path = tmp_path / "session-2026-01-01T00-00-g1.json"
    path.write_text(json.dumps(session, indent=2))
    records = parse(path).records
    assert [r.kind for r in records] == [
        "run",
        "message",
        "reasoning",
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "llm_call",
        "message",
    ]
    run, prompt, thought, _, failed, _, stopped, bare, error = records
    assert run.text == prompt.text == "run\n\nit" and run.project == "/home/dev/p"
    assert thought.text == "Plan\n\nRun the command." and thought.model == "gemini-2.5-pro"
    assert (thought.tokens_in, thought.tokens_out, thought.tokens_cache_read) == (11, 5, 4)
    assert failed.is_error is True and failed.text == "exit 1"
    assert stopped.is_error is True
    assert (bare.tokens_in, bare.tokens_out) == (20, 1)
    assert error.role == "system" and error.is_error is True


def test_jsonl_recording_is_folded_like_the_cli_loads_it(tmp_path: Path) -> None:
    call = {
        "id": "c1",
        "name": "glob",
        "args": {"pattern": "*"},
        "status": "success",
        "result": [{"functionResponse": {"id": "c1", "name": "glob", "response": {"output": "a.py"}}}],
    }
    events = [
        META,
        user("u1", "first"),
        gemini("g1", content="thinking about it"),
        gemini(
            "g1",
            content="answer",
            toolCalls=[call],
            model="gemini-3-pro",
            tokens={"input": 5, "output": 1, "cached": 0, "thoughts": 0, "tool": 0, "total": 6},
        ),
        user("u2", "second, later taken back"),
        gemini("g2", content="lost reply"),
        {"$rewindTo": "u2"},
        {"$set": {"summary": "A summary"}},
        user("u3", "third"),
    ]
    path = tmp_path / "session-2026-01-01T00-00-g1.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    result = parse(path)
    assert result.rejects == []
    records = result.records
    assert [(r.kind, r.text) for r in records if r.kind == "message"] == [
        ("message", "first"),
        ("message", "answer"),
        ("message", "third"),
    ]
    assert [r.kind for r in records] == ["run", "message", "message", "tool_call", "tool_result", "message"]
    assert records[2].source_line == 4 and records[2].tokens_in == 5  # the last write of g1
    assert records[0].text == "first" and records[0].model == "gemini-3-pro"


def test_malformed_input_becomes_a_reject_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "session-bad.jsonl"
    path.write_text(
        json.dumps(META)
        + "\n"
        + json.dumps(user("u1", "hi"))
        + "\n{broken\n[1]\n"
        + json.dumps(user("u2", "there"))
        + "\n"
    )
    result = parse(path)
    assert [r.source_line for r in result.rejects] == [3, 4]
    assert [r.kind for r in result.records] == ["run", "message", "message"]
    whole = tmp_path / "session-bad.json"
    whole.write_text(json.dumps({**META, "messages": [user("u1", "hi")]}, indent=2)[:-40])
    result = parse(whole)
    assert result.records == [] and len(result.rejects) == 1
    assert result.rejects[0].reason.startswith("invalid JSON") and result.rejects[0].source_line is not None
    odd = tmp_path / "session-odd.json"
    odd.write_text(json.dumps({**META, "messages": [user("u1", "hi"), "nonsense"]}, indent=2))
    result = parse(odd)
    assert [r.kind for r in result.records] == ["run", "message"] and len(result.rejects) == 1


def test_subagent_recording_hangs_under_its_parent_session(tmp_path: Path) -> None:
    parent = "0f3c2a10-1111-4222-8333-944445555666"
    folder = tmp_path / "chats" / parent
    folder.mkdir(parents=True)
    path = folder / "sub-1.jsonl"
    path.write_text(
        json.dumps({**META, "sessionId": "sub-1", "kind": "subagent"})
        + "\n"
        + json.dumps(user("u1", "investigate"))
        + "\n"
    )
    records = parse(path).records
    assert records[0].parent_id == f"gemini-cli:{parent}:run"
    assert all(r.is_subagent for r in records)


def test_other_formats_do_not_take_gemini_jsonl(tmp_path: Path) -> None:
    head = (json.dumps(META) + "\n" + json.dumps(user("u1", "hi")) + "\n").encode()
    assert GeminiCli().detect(head, "session.jsonl")
    assert [f.name for f in FORMATS if f.detect(head, "session.jsonl") and f.name != "gemini-cli"] == []
    claude = b'{"type":"user","sessionId":"s1","uuid":"u1","message":{"role":"user","content":"hi"}}\n'
    openai = b'{"role": "user", "content": "hi"}\n'
    assert not GeminiCli().detect(claude, "s1.jsonl") and not GeminiCli().detect(openai, "m.jsonl")
