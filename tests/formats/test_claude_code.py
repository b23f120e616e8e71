"""Claude Code transcripts, checked against counts taken from the files themselves (`tests.helpers.claude_code`)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from logviz_assets.formats.claude_code import ClaudeCode
from logviz_assets.load.file_read import read_file
from tests.helpers.claude_code import expected_files


def claude_files(samples: Path) -> list[Path]:
    return sorted((samples / "claude-code").rglob("*.jsonl"))


def test_every_sample_parses_with_counts_matching_the_file(samples_dir: Path) -> None:
    files = claude_files(samples_dir)
    assert len(files) == 8
    for path in files:
        result = read_file(path)
        assert result.format_name == "claude-code"
        assert result.rejects == []
        assert Counter(r.kind for r in result.records) == expected_files([path]), path.name


def test_tokens_are_counted_once_per_message_id(samples_dir: Path) -> None:
    path = samples_dir / "claude-code" / "tool_heavy.jsonl"
    expected_out = 0
    seen = set()
    for line in path.read_text().splitlines():
        event = json.loads(line)
        message = event.get("message") or {}
        if event.get("type") == "assistant" and message.get("id") not in seen:
            seen.add(message["id"])
            expected_out += message["usage"]["output_tokens"]
    records = read_file(path).records
    assert sum(r.tokens_out or 0 for r in records) == expected_out
    assert len([r for r in records if r.tokens_out is not None]) == len(seen)


def test_first_tool_call_fields(samples_dir: Path) -> None:
    records = read_file(samples_dir / "claude-code" / "tool_heavy.jsonl").records
    call = next(r for r in records if r.kind == "tool_call")
    assert call.tool_name == "Bash"
    assert json.loads(call.tool_args)["command"] == "mix phx.server"
    assert call.tool_call_id == "toolu_018GZVh9ymkrdx1TnR8reg5Y"
    assert call.model == "claude-opus-4-6"
    assert call.ts_start == "2026-02-10T22:57:57.941000+00:00"
    result = next(r for r in records if r.kind == "tool_result" and r.tool_call_id == call.tool_call_id)
    assert result.parent_id == call.record_id
    assert result.tool_name == "Bash"


def test_every_tool_result_carries_its_calls_tool_name(samples_dir: Path) -> None:
    checked = 0
    for path in claude_files(samples_dir):
        names: dict[str, str] = {}
        for line in path.read_text().splitlines():
            event = json.loads(line)
            content = (event.get("message") or {}).get("content")
            if event.get("type") == "assistant" and isinstance(content, list):
                names.update({b["id"]: b["name"] for b in content if b.get("type") == "tool_use"})
        results = [r for r in read_file(path).records if r.kind == "tool_result"]
        assert all(r.tool_name == names[r.tool_call_id] for r in results), path.name
        checked += len(results)
    assert checked == sum(expected_files([p])["tool_result"] for p in claude_files(samples_dir)) > 0


def test_subagent_result_names_the_run_it_spawned(samples_dir: Path) -> None:
    session = next((samples_dir / "claude-code" / "projects").glob("*fum/8463c716*.jsonl"))
    records = read_file(session).records
    spawning = [r for r in records if r.spawned_run_id]
    assert [r.spawned_run_id for r in spawning] == ["8463c716-a2ea-4c14-9efa-87158ebd9f20:agent-a7be2f0"]
    subagent = read_file(session.with_suffix("") / "subagents" / "agent-a7be2f0.jsonl").records
    assert {r.run_id for r in subagent} == {spawning[0].spawned_run_id}
    assert all(r.is_subagent for r in subagent)


def test_incremental_read_equals_whole_read(samples_dir: Path, tmp_path: Path) -> None:
    source = samples_dir / "claude-code" / "tool_heavy.jsonl"
    lines = source.read_bytes().splitlines(keepends=True)
    target = tmp_path / "session.jsonl"
    target.write_bytes(b"".join(lines[:20]) + lines[20][:15])  # a half-written line
    first = read_file(target, ClaudeCode())
    assert first.end_line == 20
    target.write_bytes(b"".join(lines))
    second = read_file(target, ClaudeCode(), first.end_offset, first.end_line, first.state)
    whole = read_file(target, ClaudeCode())
    assert [r.record_id for r in first.records + second.records] == [r.record_id for r in whole.records]
    assert [r.seq for r in first.records + second.records] == [r.seq for r in whole.records]
    assert sum(r.tokens_out or 0 for r in first.records + second.records) == sum(
        r.tokens_out or 0 for r in whole.records
    )


@pytest.mark.parametrize("line", [b"{not json\n", b"[1, 2]\n"])
def test_malformed_line_is_rejected_with_its_number(tmp_path: Path, line: bytes) -> None:
    good = (
        b'{"type":"user","sessionId":"s1","uuid":"u1","timestamp":"2026-01-01T00:00:00Z",'
        b'"message":{"role":"user","content":"hello"}}\n'
    )
    path = tmp_path / "s1.jsonl"
    path.write_bytes(good + line + good.replace(b"u1", b"u2"))
    result = read_file(path)
    assert [r.source_line for r in result.rejects] == [2]
    assert [r.kind for r in result.records] == ["run", "message", "message"]
