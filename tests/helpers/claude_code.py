"""Independent expectations for Claude Code transcripts, computed from the JSON itself.

By the rules in `docs/formats.md` (Claude Code), never from a run of the loader, so the
loader's tests can be wrong in only one place.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

BLOCK_KINDS = {"text": "message", "thinking": "reasoning", "tool_use": "tool_call", "tool_result": "tool_result"}


def run_key(event: dict) -> str | None:
    session = event.get("sessionId")
    if not session:
        return None
    if event.get("agentId"):
        return f"{session}:agent-{event['agentId']}"
    if event.get("isSidechain"):
        return f"{session}:sidechain"
    return session


def text_of(value: object) -> str:
    """A text field as the docs say it is read: a string, or the strings of a list joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            p if isinstance(p, str) else str(p.get("text") or "") for p in value if isinstance(p, str | dict)
        )
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return "" if value is None else str(value)


def line_expectation(line: str, previous_key: str | None = None) -> tuple[Counter, set[str]]:
    """(records by kind except runs, run keys) that one transcript line should give.

    A line without a `sessionId` belongs to `previous_key` (the run of the line before it, or one
    named after the file).
    """
    counts: Counter = Counter()
    event = json.loads(line)
    if event.get("type") not in ("user", "assistant") or event.get("isMeta"):
        return counts, set()
    key = run_key(event) or previous_key or "(the file's run)"
    message = event.get("message")
    if isinstance(message, str):
        message = {"content": message}
    if not isinstance(message, dict):
        return counts, set()
    content = message.get("content")
    if isinstance(content, str) or content is None:
        content = [{"type": "text", "text": content or ""}]
    elif isinstance(content, dict):
        content = [content]
    elif not isinstance(content, list):
        content = []
    for block in content:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        kind = BLOCK_KINDS.get(block.get("type")) if isinstance(block, dict) else None
        if kind == "message" and not text_of(block.get("text")):
            continue
        if kind == "reasoning" and not text_of(block.get("thinking")):
            continue
        if kind:
            counts[kind] += 1
    return counts, {key}


def expected(lines: list[str]) -> tuple[Counter, set[str]]:
    counts: Counter = Counter()
    runs: set[str] = set()
    previous: str | None = None
    for line in lines:
        if not line.strip():
            continue
        more, keys = line_expectation(line, previous)
        counts += more
        runs |= keys
        previous = next(iter(keys), previous)
    return counts, runs


def expected_files(paths: list[Path]) -> Counter:
    """Records by kind, runs included, for a set of whole files loaded together."""
    counts: Counter = Counter()
    runs: set[str] = set()
    for path in paths:
        more, keys = expected(path.read_text().splitlines())
        counts += more
        runs |= keys
    counts["run"] = len(runs)
    return counts


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)
