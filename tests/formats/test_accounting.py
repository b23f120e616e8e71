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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from logviz_assets.formats import HEAD_BYTES, FileContext, JsonlFormat, LogFormat, format_named
from logviz_assets.formats.base import Item, Skip
from logviz_assets.formats.claude_code import ClaudeCode
from logviz_assets.formats.codex_cli import CodexCli
from logviz_assets.formats.gemini_cli import GeminiCli
from logviz_assets.formats.openai_messages import OpenAIMessagesJsonl
from logviz_assets.index.text import text_hashes_of
from logviz_assets.load.file_read import FileRead, read_file
from logviz_assets.record import Record, Reject
from logviz_assets.store.schema import records_table

RECORD = "record"
REJECT = "reject"
BLANK = "blank line"
# A value nested far deeper than any decoder or Python's recursion limit allows.
DEEP = b"[" * 100_000 + b"]" * 100_000
TEXT_FIELDS = ("record_id", "run_id", "parent_id", "role", "text", "tool_name", "tool_call_id", "tool_args", "model")


def accounted(read: FileRead) -> int:
    return read.record_lines + read.rejected_lines + sum(read.skipped.values())


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


# -- the damaged corpus: tools --------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One line of a corpus, what it must give (records, a reject, or a skip of that kind), and
    whether it is damage (left out of the clean file the good records are compared with)."""

    raw: bytes
    outcome: str
    damaged: bool = False


def ok(value: Any, outcome: str = RECORD) -> Line:
    return Line(value if isinstance(value, bytes) else json.dumps(value).encode(), outcome)


def bad(value: Any, outcome: str = REJECT) -> Line:
    return Line(value if isinstance(value, bytes) else json.dumps(value).encode(), outcome, damaged=True)


def outcomes(items: Iterable[Item]) -> dict[int, str]:
    """What each line gave, by the loader's rule: rejected if any reject names it, else records, else its skip."""
    rejected, recorded, skipped = set(), set(), {}
    for item in items:
        if isinstance(item, Reject):
            rejected.add(item.source_line)
        elif isinstance(item, Record):
            recorded.add(item.source_line)
        elif isinstance(item, Skip):
            skipped.setdefault(item.line, item.kind)
    result = {line: kind for line, kind in skipped.items()}
    result.update({line: RECORD for line in recorded})
    result.update({line: REJECT for line in rejected})
    return result


def shown(records: Iterable[Record]) -> list[tuple[Any, ...]]:
    """What a record shows, without what depends on its line (ids named after lines, seq, source_line)."""
    return [
        (r.kind, r.role, r.text, r.tool_name, r.tool_call_id, r.tool_args, r.is_error, r.model, r.tokens_in, r.ts_start)
        for r in records
    ]


def write(path: Path, lines: list[Line]) -> Path:
    path.write_bytes(b"".join(line.raw + b"\n" for line in lines))
    return path


def check_corpus(fmt: LogFormat, lines: list[Line], folder: Path, name: str) -> FileRead:
    """Read the corpus as the loader does and check that each line gave what it must, and that the
    good lines gave what they give without the damage around them."""
    path = write(folder / name, lines)
    assert fmt.detect(path.read_bytes()[:HEAD_BYTES], str(path))
    read = read_file(path, fmt)
    items = list(_items(fmt, path))
    got = outcomes(items)
    want = {number: line.outcome for number, line in enumerate(lines, start=1)}
    assert {n: got.get(n, "nothing") for n in want} == want
    assert read.end_line == len(lines)
    # Records that break the store's types would fail a whole batch: they must be text.
    records_table(zip(read.records, text_hashes_of(read.records), strict=True))
    for record in read.records:
        assert all(getattr(record, f) is None or isinstance(getattr(record, f), str) for f in TEXT_FIELDS), record
    # The good lines give the same steps with the damage around them as without it.
    clean = read_file(write(folder / f"clean-{name}", [line for line in lines if not line.damaged]), fmt)
    damaged_lines = {number for number, line in enumerate(lines, start=1) if line.damaged}
    assert shown(r for r in read.records if r.source_line not in damaged_lines) == shown(clean.records)
    assert clean.rejects == []
    return read


def _items(fmt: LogFormat, path: Path) -> Iterable[Item]:
    ctx = FileContext(source_file=str(path))
    if isinstance(fmt, JsonlFormat):
        numbered = enumerate(path.read_bytes().splitlines(keepends=True), start=1)
        return fmt.parse_lines(numbered, ctx, {})
    return fmt.parse_document(path.read_bytes(), ctx)


def check_counts(read: FileRead, lines: list[Line]) -> None:
    """The loader's counts for the file agree with the corpus line by line."""
    want = Counter(line.outcome for line in lines)
    assert read.end_line == accounted(read) == len(lines)
    assert (read.record_lines, read.rejected_lines) == (want.pop(RECORD), want.pop(REJECT))
    assert read.skipped == want
    assert len({r.source_line for r in read.rejects}) == read.rejected_lines
    assert all(r.reason and r.source_line is not None for r in read.rejects)


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


# -- Gemini CLI (JSON Lines) --------------------------------------------------------------------

GEMINI_META = {"sessionId": "g-1", "projectHash": "ab" * 32, "startTime": "2026-01-01T00:00:00Z"}


def gm(kind: str, message_id: Any, content: Any = "", **fields: Any) -> dict[str, Any]:
    body = {"id": message_id, "timestamp": "2026-01-01T00:00:05Z", "type": kind, "content": content, **fields}
    return body if message_id is not None else {k: v for k, v in body.items() if k != "id"}


def gemini_corpus() -> list[Line]:
    no_time = gm("user", "u-notime", "when")
    del no_time["timestamp"]
    return [
        ok(GEMINI_META),
        ok(gm("user", "u1", "hello")),
        ok(gm("gemini", "g1", ""), "message written again later"),
        ok(gm("gemini", "g1", "answer", model="gemini-3-pro")),
        ok(gm("info", "i1", "Logged in"), "info message"),
        ok(gm("warning", "w1", "Slow"), "warning message"),
        ok({"$set": {"summary": "A summary"}}, "$set"),
        ok(b"", BLANK),
        ok(gm("user", "u2", "taken back"), "message taken back by a rewind"),
        ok({"$rewindTo": "u2"}, "$rewindTo"),
        ok(gm("gemini", "g-empty", ""), "empty message"),
        # Unexpected shapes that still say something: records.
        bad(gm("user", None, "a message without its id"), RECORD),
        bad(no_time, RECORD),
        bad(gm("user", 7, "a number for an id"), RECORD),
        bad(gm("user", "u3", [{"text": "parts"}, {"text": "of text"}]), RECORD),
        bad(
            gm("gemini", "g2", "", toolCalls=[{"id": "t1", "name": {"odd": 1}, "args": {}, "status": "success"}]),
            RECORD,
        ),
        # Shapes that say nothing this parser can read: rejects with their reason.
        bad(gm("wibble", "x1", "a type nobody knows")),
        bad({"id": "u4", "timestamp": "2026-01-01T00:00:05Z", "type": "user", "contnet": "misspelt"}),
        bad({"id": "u5", "content": "no type"}),
        bad({"foo": "neither a message nor metadata"}),
        bad(b'{"id":"u6","type":"user","content":"caf\xe9"}'),
        bad(b'{"id":"u7","type":"user","content":"cut sh'),
        bad(b"[1]"),
        bad(b'{"id":"u8","type":"user","content":' + DEEP + b"}"),
        ok(gm("user", "u9", "still here")),
    ]


def test_gemini_jsonl_damaged_lines_are_each_accounted_for(tmp_path: Path) -> None:
    lines = gemini_corpus()
    read = check_corpus(GeminiCli(), lines, tmp_path, "session-2026-01-01T00-00-g1.jsonl")
    # A recording is read whole: the loader counts it as one unit, here one with rejects.
    assert (read.record_lines, read.rejected_lines, sum(read.skipped.values())) == (0, 1, 0)
    texts = {r.text: r for r in read.records if r.kind == "message"}
    derived = texts["a message without its id"]
    assert derived.record_id == f"gemini-cli:g-1:line{derived.source_line}"
    assert texts["when"].ts_start is None and texts["a number for an id"].record_id == "gemini-cli:g-1:7"
    assert texts["parts\n\nof text"].role == "user"
    assert "taken back" not in texts and texts["answer"].source_line == 4
    reasons = " | ".join(r.reason for r in read.rejects)
    for words in ("'wibble'", "without content", "has no type", "neither a message", "not UTF-8", "invalid JSON"):
        assert words in reasons


def test_gemini_document_counts_as_one_unit_whatever_its_messages_hold(tmp_path: Path) -> None:
    session = {**GEMINI_META, "messages": [gm("user", "u1", "hi"), gm("info", "i1", "note"), gm("gemini", "g1", "")]}
    path = tmp_path / "session-x.json"
    path.write_text(json.dumps(session, indent=2))
    read = read_file(path, GeminiCli())
    assert (read.record_lines, read.rejected_lines, sum(read.skipped.values())) == (1, 0, 0)
    assert [r.kind for r in read.records] == ["run", "message"]


# -- OpenAI chat messages (JSON Lines) ------------------------------------------------------------


def openai_corpus() -> list[Line]:
    call = {"id": "call_1", "type": "function", "function": {"name": "search", "arguments": '{"q": "x"}'}}
    return [
        ok({"role": "system", "content": "be brief"}),
        ok({"role": "user", "content": "find x"}),
        ok({"role": "assistant", "content": None, "tool_calls": [call]}),
        ok({"role": "tool", "tool_call_id": "call_1", "content": "found"}),
        ok(b"", BLANK),
        ok({"role": "assistant", "content": ""}, "empty message"),
        ok({"role": "assistant", "content": None, "tool_calls": []}, "empty message"),
        ok({"messages": [{"role": "user", "content": "a conversation on one line"}]}),
        # Unexpected shapes that still say something: records.
        bad({"role": "user", "content": [{"type": "text", "text": "parts"}]}, RECORD),
        bad({"role": "assistant", "content": None, "tool_calls": {**call, "id": "call_2"}}, RECORD),
        bad({"role": "assistant", "content": None, "tool_calls": json.dumps([{**call, "id": "call_3"}])}, RECORD),
        bad({"role": "user", "content": 5}, RECORD),
        bad({"role": "tool", "tool_call_id": {"odd": "id"}, "content": "x"}, RECORD),
        bad(b'{"role": "user", "content": "caf\xe9"}', RECORD),
        bad({"messages": [{"role": "user", "content": "ok"}, "junk"]}),
        # Shapes that say nothing this parser can read: rejects with their reason.
        bad({"role": "assistant", "content": None, "tool_calls": "not calls"}),
        bad({"rol": "user", "content": "misspelt"}),
        bad({"role": "human", "content": "a role nobody knows"}),
        bad({"messages": "not a list"}),
        bad(b'{"role": "user", "content": "cut sh'),
        bad(b"[1, 2]"),
        bad(b"\xff\xfe\x00\x01 binary"),
        bad(b'{"role": "user", "content": ' + DEEP + b"}"),
        ok({"role": "assistant", "content": "done"}),
    ]


def test_openai_messages_damaged_lines_are_each_accounted_for(tmp_path: Path) -> None:
    lines = openai_corpus()
    read = check_corpus(OpenAIMessagesJsonl(), lines, tmp_path, "chat.jsonl")
    check_counts(read, lines)
    calls = {r.tool_call_id for r in read.records if r.kind == "tool_call"}
    assert calls == {"call_1", "call_2", "call_3"}
    assert {r.text for r in read.records if r.kind == "message"} >= {"parts", "5", "caf\ufffd"}
    reasons = " | ".join(r.reason for r in read.rejects)
    assert "no call of a known shape" in reasons and "neither a chat message" in reasons
    assert "message 1 is not a chat message" in reasons


def test_openai_conversations_damaged_lines_are_each_accounted_for(tmp_path: Path) -> None:
    user, reply = {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}
    lines = [
        ok({"messages": [user, reply]}),
        ok({"messages": []}),
        ok(b"", BLANK),
        bad({"messages": [user, {"role": "assistant", "content": None}], "model": {"odd": "model"}}, RECORD),
        bad({"messages": [user, "junk"]}),
        bad({"messages": {"role": "user", "content": "not a list"}}),
        bad(b'{"messages": ' + DEEP + b"}"),
        ok({"messages": [user, reply], "model": "gpt-4o", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}),
    ]
    read = check_corpus(OpenAIMessagesJsonl(), lines, tmp_path, "conversations.jsonl")
    check_counts(read, lines)
    assert len({r.run_id for r in read.records}) == 5


@pytest.mark.parametrize(
    ("fmt", "corpus", "name"),
    [
        (ClaudeCode(), claude_corpus, "s1.jsonl"),
        (CodexCli(), codex_corpus, "rollout-2026-01-01T00-00-00-c.jsonl"),
        (OpenAIMessagesJsonl(), openai_corpus, "chat.jsonl"),
    ],
)
def test_a_read_in_two_parts_accounts_for_the_same_lines(
    tmp_path: Path, fmt: JsonlFormat, corpus: Any, name: str
) -> None:
    lines = corpus()
    path = write(tmp_path / name, lines)
    whole = read_file(path, fmt)
    cut = len(lines) // 2
    write(path, lines[:cut])
    first = read_file(path, fmt)
    write(path, lines)
    second = read_file(path, fmt, first.end_offset, first.end_line, json.loads(json.dumps(first.state)))
    assert first.end_line + (second.end_line - first.end_line) == whole.end_line == len(lines)
    assert accounted(first) + accounted(second) == accounted(whole)
    assert first.skipped + second.skipped == whole.skipped
    assert sorted(r.record_id for r in first.records + second.records) == sorted(r.record_id for r in whole.records)
