"""Codex CLI rollouts, checked against values the test takes from the files itself."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from logviz_assets.formats import FORMATS, HEAD_BYTES
from logviz_assets.formats.codex_cli import CodexCli
from logviz_assets.load.file_read import FileRead, read_file
from logviz_assets.record import ParseState
from tests.helpers.formats import assert_detects_only_its_folder

SESSION = "019e1625-789d-76c0-80ab-3724b5ddb799"


def rollout(samples: Path) -> Path:
    files = sorted((samples / "codex-cli").glob("rollout-*.jsonl"))
    assert len(files) == 1
    return files[0]


def parse(path: Path, *args: Any) -> FileRead:
    """`read_file` with this format (the registry is the lead's), after checking it detects the file."""
    assert CodexCli().detect(path.open("rb").read(HEAD_BYTES), str(path))
    return read_file(path, CodexCli(), *args)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def independent_counts(path: Path) -> Counter:
    """What the parser should emit, counted straight from the JSON by the documented rules."""
    counts: Counter = Counter(run=1)
    previous_total = None
    for event in lines(path):
        payload = event["payload"]
        kind = payload.get("type")
        if event["type"] == "response_item":
            if kind == "message":
                if any(part.get("text") for part in payload["content"]):
                    counts["message"] += 1
            elif kind == "reasoning":
                if any(part.get("text") for part in payload.get("summary") or []):
                    counts["reasoning"] += 1
            elif kind in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call"):
                counts["tool_call"] += 1
            elif kind in ("function_call_output", "custom_tool_call_output"):
                counts["tool_result"] += 1
        elif event["type"] == "event_msg" and kind == "token_count" and payload.get("info"):
            total = payload["info"]["total_token_usage"]
            if total != previous_total:
                counts["llm_call"] += 1
            previous_total = total
    return counts


def test_sample_parses_with_counts_matching_the_file(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    result = parse(path)
    assert result.format_name == "codex-cli"
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == independent_counts(path)
    ids = [r.record_id for r in result.records]
    assert len(ids) == len(set(ids))
    assert all("/" not in i for i in ids)
    assert sorted(r.seq for r in result.records if r.kind != "run") == list(range(len(ids) - 1))


def test_run_record_takes_session_meta_turn_context_and_first_prompt(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    events = lines(path)
    meta = events[0]["payload"]
    model = next(e["payload"]["model"] for e in events if e["type"] == "turn_context")
    prompt = next(e["payload"]["message"] for e in events if e["payload"].get("type") == "user_message")
    records = parse(path).records
    runs = [r for r in records if r.kind == "run"]
    assert len(runs) == 1
    run = runs[0]
    assert run.run_id == meta["id"] == SESSION
    assert run.record_id == f"codex-cli:{SESSION}:run"
    assert (run.model, run.text, run.project, run.provider) == (model, prompt, meta["cwd"], meta["model_provider"])
    assert run.model == "gpt-5.5" and run.text == "show tools"
    assert run.ts_start == "2026-05-11T08:26:55.042000+00:00"
    assert run.seq == -1 and run.parent_id is None and run.source_line == 1
    assert {r.run_id for r in records} == {SESSION}
    assert all(r.parent_id == run.record_id for r in records if r.kind not in ("run", "tool_result"))


def test_user_and_agent_messages_are_emitted_once(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    events = lines(path)
    typed = [e["payload"]["message"] for e in events if e["payload"].get("type") == "user_message"]
    replies = [e["payload"]["message"] for e in events if e["payload"].get("type") == "agent_message"]
    records = parse(path).records
    user_texts = [r.text for r in records if r.kind == "message" and r.role == "user"]
    assistant_texts = [r.text for r in records if r.kind == "message" and r.role == "assistant"]
    for text in typed:
        assert user_texts.count(text) == 1
    assert Counter(assistant_texts) == Counter(replies)  # one step per reply, not two
    kept_lines = {r.source_line for r in records if r.kind == "message"}
    assert all(events[line - 1]["type"] == "response_item" for line in kept_lines)


def test_first_tool_call_and_its_result(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    events = lines(path)
    line, first = next((n, e) for n, e in enumerate(events, 1) if e["payload"].get("type") == "function_call")
    output = next(
        e["payload"]
        for e in events
        if e["payload"].get("call_id") == first["payload"]["call_id"]
        and e["payload"].get("type") == "function_call_output"
    )
    records = parse(path).records
    call = next(r for r in records if r.kind == "tool_call")
    assert call.tool_name == first["payload"]["name"] == "exec_command"
    assert json.loads(call.tool_args) == json.loads(first["payload"]["arguments"])
    assert call.tool_call_id == "call_Y2p6KmqwoTtpi6atpDPuxC5M"
    assert call.ts_start == "2026-05-11T08:27:22.479000+00:00"
    assert (call.model, call.provider, call.source_line, call.role) == ("gpt-5.5", "openai", line, "assistant")
    result = next(r for r in records if r.kind == "tool_result" and r.tool_call_id == call.tool_call_id)
    assert result.parent_id == call.record_id
    assert result.text == output["output"]
    assert result.tool_name == "exec_command"
    assert result.is_error is False


def test_custom_tool_call_keeps_its_freeform_input_and_inner_output(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    events = lines(path)
    patch = next(e["payload"] for e in events if e["payload"].get("type") == "custom_tool_call")
    output = next(
        e["payload"]
        for e in events
        if e["payload"].get("type") == "custom_tool_call_output" and e["payload"]["call_id"] == patch["call_id"]
    )
    records = {r.record_id: r for r in parse(path).records}
    call = records[f"codex-cli:{SESSION}:call:{patch['call_id']}"]
    assert call.tool_name == "apply_patch"
    assert json.loads(call.tool_args) == patch["input"]
    result = records[f"{call.record_id}:result"]
    assert result.text == json.loads(output["output"])["output"]
    assert result.is_error is False


def test_exit_codes_mark_errors(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    outputs = {
        e["payload"]["call_id"]: e["payload"]["output"]
        for e in lines(path)
        if e["payload"].get("type") == "function_call_output"
    }
    failed = {
        c for c, o in outputs.items() if "\nProcess exited with code 2\n" in o or o.startswith("write_stdin failed")
    }
    passed = {c for c, o in outputs.items() if "\nProcess exited with code 0\n" in o}
    assert len(failed) == 2 and len(passed) > 30
    results = {r.tool_call_id: r for r in parse(path).records if r.kind == "tool_result"}
    assert all(results[c].is_error for c in failed)
    assert not any(results[c].is_error for c in passed)


def test_web_search_takes_the_call_id_of_its_end_event(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    events = lines(path)
    ends = [e["payload"] for e in events if e["payload"].get("type") == "web_search_end"]
    calls = [e["payload"] for e in events if e["payload"].get("type") == "web_search_call"]
    records = [r for r in parse(path).records if r.tool_name == "web_search"]
    assert [r.tool_call_id for r in records] == [end["call_id"] for end in ends]
    assert [json.loads(r.tool_args) for r in records] == [call["action"] for call in calls]


def test_token_usage_sums_to_the_session_totals(samples_dir: Path) -> None:
    path = rollout(samples_dir)
    totals = [
        e["payload"]["info"]["total_token_usage"]
        for e in lines(path)
        if e["payload"].get("type") == "token_count" and e["payload"].get("info")
    ]
    final = totals[-1]
    records = parse(path).records
    assert sum(r.tokens_in or 0 for r in records) == final["input_tokens"] == 6055836
    assert sum(r.tokens_out or 0 for r in records) == final["output_tokens"]
    assert sum(r.tokens_cache_read or 0 for r in records) == final["cached_input_tokens"]
    carriers = [r for r in records if r.tokens_in is not None]
    assert {r.kind for r in carriers} == {"llm_call"} and len(carriers) == len(totals)
    first = carriers[0]
    assert (first.tokens_in, first.tokens_out, first.tokens_cache_read) == (18703, 167, 0)
    assert first.model == "gpt-5.5" and first.source_line == 10


def test_incremental_read_equals_whole_read(samples_dir: Path, tmp_path: Path) -> None:
    source = rollout(samples_dir)
    raw = source.read_bytes().splitlines(keepends=True)
    target = tmp_path / source.name
    target.write_bytes(b"".join(raw))
    whole = read_file(target, CodexCli())
    for cut in (2, 5, 6, 16, 200):
        target.write_bytes(b"".join(raw[:cut]) + raw[cut][:20])  # a half-written line
        first = read_file(target, CodexCli())
        assert first.end_line == cut
        target.write_bytes(b"".join(raw))
        state = ParseState.loads(ParseState(first.state).dumps()).values  # saved as the store saves it
        second = read_file(target, CodexCli(), first.end_offset, first.end_line, state)
        both = first.records + second.records
        assert sorted(r.record_id for r in both) == sorted(r.record_id for r in whole.records), cut
        assert {r.record_id: r for r in both} == {r.record_id: r for r in whole.records}, cut


def test_detectors_agree_only_on_codex_files(samples_dir: Path) -> None:
    codex = CodexCli()
    assert_detects_only_its_folder(codex, samples_dir, "codex-cli")
    head = rollout(samples_dir).open("rb").read(HEAD_BYTES)
    assert [f.name for f in FORMATS if f.detect(head, "x.jsonl") and f.name != "codex-cli"] == []
    # A first line longer than the head is still recognised by its opening.
    assert codex.detect(head[:4000], "x.jsonl")


# -- synthetic inputs ---------------------------------------------------------------------


def write(tmp_path: Path, events: list[Any], name: str = "rollout-x.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events))
    return path


def line(kind: str, payload: dict[str, Any], ts: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    return {"timestamp": ts, "type": kind, "payload": payload}


META = line("session_meta", {"id": "s-1", "timestamp": "2026-01-01T00:00:00Z", "cwd": "/w", "model_provider": "openai"})
PROMPT = line("response_item", {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]})


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]", json.dumps({"type": "response_item", "payload": "oops"})])
def test_malformed_line_is_rejected_with_its_number(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, [META, bad, PROMPT, line("turn_context", {"model": "m"})])
    result = parse(path)
    assert result.format_name == "codex-cli"
    assert [r.source_line for r in result.rejects] == [2]
    assert Counter(r.kind for r in result.records) == Counter(run=1, message=1)


def test_reasoning_summary_errors_from_events_and_repeated_token_counts(tmp_path: Path) -> None:
    usage = {"input_tokens": 100, "cached_input_tokens": 40, "output_tokens": 7, "reasoning_output_tokens": 3}
    count = line("event_msg", {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}})
    path = write(
        tmp_path,
        [
            META,
            PROMPT,
            line(
                "response_item",
                {
                    "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": "**Plan** it"}],
                    "encrypted_content": "x",
                },
            ),
            line("response_item", {"type": "reasoning", "summary": [], "encrypted_content": "only secret"}),
            line(
                "response_item",
                {
                    "type": "local_shell_call",
                    "call_id": "c1",
                    "status": "completed",
                    "action": {"type": "exec", "command": ["ls"]},
                },
            ),
            count,
            count,  # the same snapshot again: not counted twice
            line("event_msg", {"type": "exec_command_end", "call_id": "c1", "exit_code": 1}),
            line("response_item", {"type": "function_call_output", "call_id": "c1", "output": "ls: nope"}),
            line(
                "response_item",
                {
                    "type": "function_call_output",
                    "call_id": "c9",
                    "output": json.dumps({"output": "boom", "metadata": {"exit_code": 3}}),
                },
            ),
        ],
    )
    records = sorted(parse(path).records, key=lambda r: r.seq)
    assert [r.kind for r in records] == [
        "run",
        "message",
        "reasoning",
        "tool_call",
        "llm_call",
        "tool_result",
        "tool_result",
    ]
    run, _, reasoning, call, llm, result, orphan = records
    assert run.text == "hi" and run.model is None  # no turn_context: emitted at the first model step
    assert reasoning.text == "**Plan** it" and reasoning.role == "assistant"
    assert call.tool_name == "local_shell" and json.loads(call.tool_args)["command"] == ["ls"]
    assert (llm.tokens_in, llm.tokens_out, llm.tokens_cache_read) == (100, 7, 40)
    assert result.is_error is True and result.parent_id == call.record_id
    assert orphan.is_error is True and orphan.text == "boom"
    assert [r.seq for r in records] == [-1, 0, 1, 2, 3, 4, 5]


def test_subagent_session_and_the_spawn_that_started_it(tmp_path: Path) -> None:
    parent = write(
        tmp_path,
        [
            META,
            PROMPT,
            line(
                "response_item",
                {
                    "type": "function_call",
                    "name": "spawn_agent",
                    "call_id": "sp",
                    "arguments": json.dumps({"message": "look"}),
                },
            ),
            line(
                "response_item",
                {
                    "type": "function_call_output",
                    "call_id": "sp",
                    "output": json.dumps({"agent_id": "child-1", "nickname": "Boyle"}),
                },
            ),
        ],
        "rollout-parent.jsonl",
    )
    spawned = [r.spawned_run_id for r in parse(parent).records if r.spawned_run_id]
    assert spawned == ["child-1"]
    source = {"subagent": {"thread_spawn": {"parent_thread_id": "s-1", "depth": 1, "agent_nickname": "Boyle"}}}
    child = write(
        tmp_path,
        [
            line("session_meta", {"id": "child-1", "timestamp": "2026-01-01T00:00:01Z", "source": source}),
            line("turn_context", {"model": "gpt-5"}),
            line(
                "response_item",
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "look"}]},
            ),
        ],
        "rollout-child.jsonl",
    )
    records = parse(child).records
    assert {r.run_id for r in records} == {"child-1"}
    run = next(r for r in records if r.kind == "run")
    assert run.parent_id == "codex-cli:s-1:run"
    assert all(r.is_subagent and r.agent_name == "Boyle" for r in records)


def test_older_unwrapped_rollouts_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {"id": "old-1", "timestamp": "2025-05-01T10:00:00Z", "instructions": None, "git": {}},
            {"record_type": "state"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix it"}]},
            {"type": "function_call", "name": "shell", "arguments": '{"command": ["ls"]}', "call_id": "c1"},
            {
                "type": "function_call_output",
                "call_id": "c1",
                "output": json.dumps({"output": "a\n", "metadata": {"exit_code": 0, "duration_seconds": 0.1}}),
            },
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "done"}]},
        ],
        "rollout-2025-05-01T10-00-00-old.jsonl",
    )
    result = parse(path)
    assert result.format_name == "codex-cli" and result.rejects == []
    records = sorted(result.records, key=lambda r: r.seq)
    assert [r.kind for r in records] == ["run", "message", "tool_call", "tool_result", "message"]
    assert {r.run_id for r in records} == {"old-1"}
    assert records[0].text == "fix it" and records[3].text == "a\n"
    assert records[3].is_error is False


def test_codex_and_other_jsonl_detectors_do_not_overlap() -> None:
    codex = CodexCli()
    claude = b'{"type":"user","sessionId":"s1","uuid":"u1","message":{"role":"user","content":"hi"}}\n'
    openai = b'{"role": "user", "content": "hi"}\n'
    conversations = b'{"messages": [{"role": "user", "content": "hi"}]}\n'
    for head in (claude, openai, conversations):
        assert not codex.detect(head, "rollout-x.jsonl")
    legacy = json.dumps({"id": "old-1", "timestamp": "2025-05-01T10:00:00Z", "instructions": None}).encode() + b"\n"
    wrapped = (json.dumps(META) + "\n").encode()
    for head in (legacy, wrapped):
        assert codex.detect(head, "rollout-x.jsonl")
        assert [f.name for f in FORMATS if f.detect(head, "rollout-x.jsonl") and f.name != "codex-cli"] == []
