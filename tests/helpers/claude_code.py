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


def line_expectation(line: str) -> tuple[Counter, set[str]]:
    """(records by kind except runs, run keys) that one transcript line should give."""
    counts: Counter = Counter()
    event = json.loads(line)
    if event.get("type") not in ("user", "assistant") or event.get("isMeta"):
        return counts, set()
    key = run_key(event)
    message = event.get("message")
    if key is None or not isinstance(message, dict):
        return counts, set()
    content = message.get("content")
    if isinstance(content, str) or content is None:
        content = [{"type": "text", "text": content or ""}]
    for block in content:
        kind = BLOCK_KINDS.get(block.get("type")) if isinstance(block, dict) else None
        if kind == "message" and not block.get("text"):
            continue
        if kind == "reasoning" and not block.get("thinking"):
            continue
        if kind:
            counts[kind] += 1
    return counts, {key}


def expected(lines: list[str]) -> tuple[Counter, set[str]]:
    counts: Counter = Counter()
    runs: set[str] = set()
    for line in lines:
        if not line.strip():
            continue
        more, keys = line_expectation(line)
        counts += more
        runs |= keys
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
