"""Every line is accounted for: lines read = lines that gave records + lines rejected + lines skipped on purpose.

Over every shared sample, and over a corpus of damaged lines written here for each JSON Lines format
(wrong shapes, missing ids and timestamps, text where a list was expected, misspelt keys, broken JSON,
non-UTF-8 bytes, deep nesting, unknown types): each line gives records, a reject with its reason, or a
skip that names the kind of bookkeeping line it is; the good lines around the damage still give
exactly the records they give alone.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from logviz_assets.formats import JsonlFormat, format_named
from logviz_assets.formats.claude_code import ClaudeCode
from logviz_assets.formats.codex_cli import CodexCli
from logviz_assets.load.file_read import read_file
from tests.helpers.line_corpus import (
    BLANK,
    DEEP,
    RECORD,
    Line,
    accounted,
    bad,
    check_corpus,
    check_counts,
    check_read_in_two_parts,
    ok,
    write,
)

# -- every shared sample --------------------------------------------------------------------


def test_every_sample_is_accounted_for_and_gives_no_reject(samples_dir: Path) -> None:
    files = sorted(p for p in samples_dir.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(files) >= 18
    for path in files:
        read = read_file(path)
        assert read.format_name is not None, path
        assert read.rejects == [], (path, read.rejects[:3])
        if isinstance(format_named(read.format_name), JsonlFormat):
            assert read.end_line == accounted(read) == len(path.read_bytes().splitlines()), path
            assert read.record_lines > 0, path
        else:  # a whole document is one unit: it gave records, or a reject, or a skip
            assert (read.record_lines, read.rejected_lines, sum(read.skipped.values())) == (1, 0, 0), path


def test_claude_code_samples_skip_their_bookkeeping_lines_by_type(samples_dir: Path) -> None:
    for path in sorted((samples_dir / "claude-code").rglob("*.jsonl")):
        events = [json.loads(line) for line in path.read_text().splitlines()]
        want = Counter(e["type"] for e in events if e["type"] not in ("user", "assistant"))
        want += Counter(
            f"{e['type']} (isMeta)" for e in events if e["type"] in ("user", "assistant") and e.get("isMeta")
        )
        assert read_file(path).skipped == want, path.name


def test_codex_sample_skips_the_ui_copies_and_the_bookkeeping(samples_dir: Path) -> None:
    path = next((samples_dir / "codex-cli").glob("*.jsonl"))
    events = [json.loads(line) for line in path.read_text().splitlines()]
    want = Counter(f"event_msg {e['payload']['type']}" for e in events if e["type"] == "event_msg")
    del want["event_msg token_count"]  # each of the sample's gives an llm_call
    want["turn_context"] = sum(e["type"] == "turn_context" for e in events)
    want["response_item reasoning (encrypted only)"] = sum(
        e["payload"].get("type") == "reasoning" and not e["payload"].get("summary") for e in events
    )
    assert read_file(path).skipped == want


# -- Claude Code ------------------------------------------------------------------------------

CC_TS = "2026-01-01T00:00:00Z"


def cc(kind: str, content: Any, uuid: str, **extra: Any) -> dict[str, Any]:
    event = {"type": kind, "sessionId": "s1", "uuid": uuid, "timestamp": CC_TS, "cwd": "/w"}
    return {**event, "message": {"role": kind, "content": content}, **extra}


def claude_corpus() -> list[Line]:
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}
    no_id_call = {"type": "tool_use", "name": "Read", "input": {"path": "a"}}
    no_session = cc("user", "where am I", "u-nosession")
    del no_session["sessionId"]
    no_time = cc("user", "when", "u-notime")
    del no_time["timestamp"]
    no_uuid = cc("user", "who", "x")
    del no_uuid["uuid"]
    nested_user = {"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": "deep"}]}}
    return [
        ok(cc("user", "hello", "u1")),
        ok(cc("assistant", [{"type": "text", "text": "hi"}, tool_use], "a1")),
        ok(
            {"type": "progress", "sessionId": "s1", "uuid": "p1", "data": {"message": nested_user}},
            "progress",
        ),
        ok({"type": "progress", "sessionId": "s1", "uuid": "p2", "data": {"type": "hook_progress"}}, "progress"),
        ok({"type": "file-history-snapshot", "messageId": "m", "snapshot": {}}, "file-history-snapshot"),
        ok({"type": "system", "sessionId": "s1", "subtype": "x", "content": "c"}, "system"),
        ok({"type": "summary", "summary": "A title", "leafUuid": "u1"}, "summary"),
        ok({"type": "queue-operation", "operation": "dequeue", "sessionId": "s1"}, "queue-operation"),
        ok(cc("user", "<system-reminder>x</system-reminder>", "m1", isMeta=True), "user (isMeta)"),
        ok(b"", BLANK),
        ok(cc("assistant", [{"type": "text", "text": ""}], "a-empty"), "empty message"),
        ok(cc("user", [{"type": "image", "source": {"type": "base64", "data": "AA=="}}], "u-img"), "image block"),
        ok(cc("user", [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.py"}], "u2")),
        # Unexpected shapes that still say something: records.
        bad(cc("user", {"type": "text", "text": "one block, not in a list"}, "u3"), RECORD),
        bad(cc("user", ["a list", "of strings"], "u4"), RECORD),
        bad({**cc("user", "x", "u5"), "message": "the message as a plain string"}, RECORD),
        bad(no_uuid, RECORD),
        bad(no_time, RECORD),
        bad(no_session, RECORD),
        bad(cc("assistant", [no_id_call], "a2"), RECORD),
        bad(cc("assistant", [{"type": "text", "text": ["text", "in parts"]}], "a3"), RECORD),
        bad(b'{"type":"user","sessionId":"s1","uuid":"u6","message":{"role":"user","content":"caf\xe9 \xff"}}', RECORD),
        # Shapes that say nothing this parser can read: rejects with their reason.
        bad({"type": "user", "sessionId": "s1", "uuid": "u7", "mesage": {"role": "user", "content": "misspelt"}}),
        bad({**cc("user", "x", "u8"), "message": {"role": "user", "contnet": "misspelt"}}),
        bad(cc("assistant", [{"type": "text", "txt": "misspelt"}], "a4")),
        bad(cc("assistant", [{"kind": "text", "text": "no type"}], "a5")),
        bad(cc("user", 42, "u9")),
        bad({**cc("user", "misspelt type", "u10"), "type": "usr"}),
        bad({"type": "wibble", "sessionId": "s1", "data": "a type nobody knows"}),
        bad({"sessionId": "s1", "message": {"role": "user", "content": "no type"}}),
        bad(b'{"type":"user","sessionId":"s1","message":{"role":"user","content":"cut sh'),
        bad(b"[1, 2]"),
        bad(b'"a string"'),
        bad(b"null"),
        bad(b"\xff\xfe\x00\x01 binary"),
        bad(b'{"type":"user","sessionId":"s1","uuid":"u11","message":{"role":"user","content":"x"},"d":' + DEEP + b"}"),
        ok(cc("assistant", [{"type": "text", "text": "still here"}], "a9")),
    ]


def test_claude_code_damaged_lines_are_each_accounted_for(tmp_path: Path) -> None:
    lines = claude_corpus()
    read = check_corpus(ClaudeCode(), lines, tmp_path, "s1.jsonl")
    check_counts(read, lines)
    texts = [r.text for r in read.records if r.kind == "message"]
    assert "one block, not in a list" in texts and "a list" in texts and "of strings" in texts
    assert "the message as a plain string" in texts and "text\n\nin parts" in texts
    no_uuid = next(r for r in read.records if r.text == "who")
    assert no_uuid.record_id == f"claude-code:s1:line{no_uuid.source_line}:0"
    assert next(r for r in read.records if r.text == "when").ts_start is None
    assert next(r for r in read.records if r.text == "where am I").run_id == "s1"  # the previous line's run
    call = next(r for r in read.records if r.tool_name == "Read")
    assert call.tool_call_id and call.record_id.startswith("claude-code:s1:")
    assert {r.run_id for r in read.records} == {"s1"}
    reasons = " | ".join(r.reason for r in read.rejects)
    for words in ("without a message object", "without content", "'usr'", "'wibble'", "without a type"):
        assert words in reasons
    assert "invalid JSON" in reasons and "expected a JSON object" in reasons and "nested too deeply" in reasons


def test_claude_code_line_without_any_session_is_named_after_its_file(tmp_path: Path) -> None:
    event = cc("user", "orphan", "u1")
    del event["sessionId"]
    session = "0f3c2a10-1111-4222-8333-944445555666"
    path = write(tmp_path / f"{session}.jsonl", [ok(event)])
    records = read_file(path, ClaudeCode()).records
    assert [(r.kind, r.run_id) for r in records] == [("run", session), ("message", session)]
    subagent = tmp_path / session / "subagents"
    subagent.mkdir(parents=True)
    records = read_file(write(subagent / "agent-a1.jsonl", [ok(event)]), ClaudeCode()).records
    assert {(r.run_id, r.is_subagent, r.agent_name) for r in records} == {(f"{session}:agent-a1", True, "agent-a1")}
    assert records[0].parent_id == f"claude-code:{session}"


# -- Codex CLI --------------------------------------------------------------------------------


def cx(kind: str, payload: Any, ts: str | None = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    line = {"timestamp": ts, "type": kind, "payload": payload}
    return line if ts else {k: v for k, v in line.items() if k != "timestamp"}


def message(role: str, content: Any) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": content}


def codex_corpus() -> list[Line]:
    usage = {"input_tokens": 10, "cached_input_tokens": 2, "output_tokens": 3}
    count = cx("event_msg", {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}})
    return [
        ok(cx("session_meta", {"id": "c-1", "timestamp": "2026-01-01T00:00:00Z", "cwd": "/w"})),
        ok(cx("turn_context", {"model": "gpt-5"}), "turn_context"),
        ok(cx("event_msg", {"type": "task_started"}), "event_msg task_started"),
        ok(cx("response_item", message("user", [{"type": "input_text", "text": "fix it"}]))),
        ok(cx("event_msg", {"type": "user_message", "message": "fix it"}), "event_msg user_message"),
        ok(
            cx("response_item", {"type": "reasoning", "summary": [], "encrypted_content": "x"}),
            "response_item reasoning (encrypted only)",
        ),
        ok(cx("response_item", {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c1"})),
        ok(
            cx("event_msg", {"type": "exec_command_end", "call_id": "c1", "exit_code": 1}), "event_msg exec_command_end"
        ),
        ok(cx("response_item", {"type": "function_call_output", "call_id": "c1", "output": "boom"})),
        ok(count),
        ok(count, "event_msg token_count (repeated snapshot)"),
        ok(cx("event_msg", {"type": "token_count", "info": None}), "event_msg token_count (rate limits only)"),
        ok(cx("response_item", {"type": "ghost_snapshot", "ghost_commit": {}}), "response_item ghost_snapshot"),
        ok(cx("compacted", {"message": ""}), "compacted"),
        ok(b"", BLANK),
        ok(cx("response_item", message("assistant", [])), "response_item message (empty)"),
        ok({"record_type": "state"}, "record_type state"),
        # Unexpected shapes that still say something: records.
        bad(cx("response_item", message("assistant", "content as a plain string")), RECORD),
        bad(cx("response_item", message("assistant", [{"type": "output_text", "text": "no time"}]), ts=None), RECORD),
        bad(cx("response_item", {"type": "function_call", "name": "shell", "arguments": "{}"}), RECORD),
        bad(cx("response_item", {"type": "function_call", "name": {"odd": "name"}, "call_id": "c2"}), RECORD),
        bad(
            b'{"timestamp":"2026-01-01T00:00:00Z","type":"response_item","payload":{"type":"message",'
            b'"role":"assistant","content":"caf\xe9"}}',
            RECORD,
        ),
        # Shapes that say nothing this parser can read: rejects with their reason.
        bad(cx("response_item", {"type": "message", "role": "assistant", "contnet": "misspelt"})),
        bad(cx("response_item", {"type": "wibble_call", "call_id": "c3"})),
        bad(cx("response_item", {"role": "assistant", "content": "no type"})),
        bad(cx("wibble", {"type": "x"})),
        bad(cx("event_msg", {"message": "no type"})),
        bad(cx("response_item", "a payload that is a string")),
        bad({"timestamp": "2026-01-01T00:00:00Z", "typo": "response_item"}),
        bad(b'{"timestamp":"2026-01-01T00:00:00Z","type":"response_item","payload":{"type":"mess'),
        bad(b"[1, 2]"),
        bad(b"\xff\xfe\x00\x01 binary"),
        bad(b'{"timestamp":"2026-01-01T00:00:00Z","type":"response_item","payload":' + DEEP + b"}"),
        ok(cx("response_item", message("assistant", [{"type": "output_text", "text": "done"}]))),
    ]


def test_codex_damaged_lines_are_each_accounted_for(tmp_path: Path) -> None:
    lines = codex_corpus()
    read = check_corpus(CodexCli(), lines, tmp_path, "rollout-2026-01-01T00-00-00-c.jsonl")
    check_counts(read, lines)
    records = {r.text: r for r in read.records if r.kind == "message"}
    assert records["content as a plain string"].role == "assistant"
    assert records["no time"].ts_start is None
    unnamed = next(r for r in read.records if r.kind == "tool_call" and r.tool_call_id is None)
    assert unnamed.record_id == f"codex-cli:c-1:{unnamed.source_line}"
    assert next(r for r in read.records if r.tool_call_id == "c2").tool_name == '{"odd":"name"}'
    reasons = " | ".join(r.reason for r in read.rejects)
    for words in ("without content", "'wibble_call'", "without a type", "'wibble'", "event_msg without a type"):
        assert words in reasons


@pytest.mark.parametrize(
    ("fmt", "corpus", "name"),
    [
        (ClaudeCode(), claude_corpus, "s1.jsonl"),
        (CodexCli(), codex_corpus, "rollout-2026-01-01T00-00-00-c.jsonl"),
    ],
)
def test_a_read_in_two_parts_accounts_for_the_same_lines(
    tmp_path: Path, fmt: JsonlFormat, corpus: Any, name: str
) -> None:
    check_read_in_two_parts(fmt, corpus(), tmp_path / name)
