"""What Codex rollout lines hold, read without the parser's state: layouts, texts, tool outputs.

See docs/formats.md, "Codex CLI (`codex-cli`)", for what becomes of them.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_int
from logviz_assets.formats.ids import path_digest

_LINE_TYPES = {"session_meta", "response_item", "event_msg", "turn_context", "compacted"}
_LEGACY_ITEM_TYPES = {
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "web_search_call",
}
# Items Codex keeps for itself (undo snapshots, compacted history) or that hold no step to show.
UNSHOWN_ITEM_TYPES = frozenset({"ghost_snapshot", "compaction", "compaction_summary", "image_generation_call", "other"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EXIT_CODE = re.compile(r"^(?:Process exited with code|Exit code:)\s*(-?\d+)", re.MULTILINE)
_FAILURE = re.compile(r"^(?:[\w.-]+ failed\b|failed to\b|err: )", re.IGNORECASE)
# User-role text the harness writes itself: emitted, but never taken as the run's prompt.
_INJECTED_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "<permissions instructions>",
    "<INSTRUCTIONS>",
    "<user_shell_command>",
    "<turn_aborted>",
    "# AGENTS.md instructions",
)


def fallback_run_id(source_file: str) -> str:
    """The session id from a `rollout-<time>-<uuid>.jsonl` name, else a hash of the path."""
    found = _UUID.findall(PurePath(source_file).name)
    if found:
        return found[-1].lower()
    return path_digest(source_file)


def is_prompt(text: str) -> bool:
    return not text.lstrip().startswith(_INJECTED_PREFIXES)


def normalise(event: dict[str, Any]) -> tuple[str | None, Any, Any]:
    """(line type, payload, timestamp) for the wrapped layout and the older bare one."""
    kind = event.get("type")
    if kind in _LINE_TYPES:
        return kind, event.get("payload"), event.get("timestamp")
    if "payload" in event:
        return None, None, None  # a line type this parser does not know
    if kind is None and "id" in event and "timestamp" in event:
        return "session_meta", event, event.get("timestamp")
    if kind in _LEGACY_ITEM_TYPES:
        return "response_item", event, event.get("timestamp")
    return None, None, None  # e.g. the old `{"record_type": "state"}` lines


def reasoning_text(payload: dict[str, Any]) -> str | None:
    pieces: list[str] = []
    for source in (payload.get("summary"), payload.get("content")):
        if isinstance(source, list):
            for part in source:
                if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"].strip():
                    pieces.append(part["text"])
        if pieces:
            break
    return "\n\n".join(pieces) if pieces else None


def tool_output(output: Any) -> tuple[str, bool, Any]:
    """(text, is_error, decoded JSON or None) of a tool output as Codex stores it."""
    failed = False
    if isinstance(output, dict):  # `{content, success}` as some versions wrote failures
        failed = output.get("success") is False
        output = output.get("content", output.get("output"))
    if isinstance(output, list):
        return content_text(output) or "", failed, None
    if output is None:
        return "", failed, None
    text = output if isinstance(output, str) else canonical_json(output)
    decoded = maybe_json(text)
    if isinstance(decoded, dict) and "output" in decoded and isinstance(decoded.get("metadata"), dict):
        code = to_int(decoded["metadata"].get("exit_code"))
        inner = decoded["output"]
        inner_text = inner if isinstance(inner, str) else canonical_json(inner)
        return inner_text, failed or (code is not None and code != 0), decoded
    header = text.split("\nOutput:\n", 1)[0] if "\nOutput:\n" in text else "\n".join(text.splitlines()[:6])
    match = _EXIT_CODE.search(header)
    if match:
        return text, failed or int(match.group(1)) != 0, decoded
    return text, failed or bool(_FAILURE.match(text)), decoded
