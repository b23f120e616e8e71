"""Every line is accounted for, continued: the damaged corpora of Gemini CLI's JSON Lines recordings
and of OpenAI-style chat messages (see test_accounting.py for the rule and the other formats).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from logviz_assets.formats import JsonlFormat
from logviz_assets.formats.gemini_cli import GeminiCli
from logviz_assets.formats.openai_messages import OpenAIMessagesJsonl
from logviz_assets.load.file_read import read_file
from tests.helpers import line_corpus
from tests.helpers.line_corpus import BLANK, DEEP, RECORD, Line, bad, ok

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
    read = line_corpus.check_corpus(GeminiCli(), lines, tmp_path, "session-2026-01-01T00-00-g1.jsonl")
    # A recording is read whole; its parser accounts for every line, so the loader counts lines too.
    assert read.lines_accounted and line_corpus.accounted(read) == read.end_line == len(lines)
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
    read = line_corpus.check_corpus(OpenAIMessagesJsonl(), lines, tmp_path, "chat.jsonl")
    line_corpus.check_counts(read, lines)
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
    read = line_corpus.check_corpus(OpenAIMessagesJsonl(), lines, tmp_path, "conversations.jsonl")
    line_corpus.check_counts(read, lines)
    assert len({r.run_id for r in read.records}) == 5


@pytest.mark.parametrize(
    ("fmt", "corpus", "name"),
    [
        (OpenAIMessagesJsonl(), openai_corpus, "chat.jsonl"),
    ],
)
def test_a_read_in_two_parts_accounts_for_the_same_lines(
    tmp_path: Path, fmt: JsonlFormat, corpus: Any, name: str
) -> None:
    line_corpus.check_read_in_two_parts(fmt, corpus(), tmp_path / name)
