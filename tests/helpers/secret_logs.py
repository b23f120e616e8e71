"""Agent logs with fake secrets in them, in every format logviz reads.

Two kinds of corpus, both built from `tests.helpers.secrets` cases:

- `write_claude_session` and `write_conversation`: logs written here, with each secret in a user
  message, in a tool call's arguments and in a tool result, plus a broken line holding one (a
  reject's excerpt). They need nothing but this repository.
- `write_seeded_samples`: the smallest real sample of every format in ../shared/samples, with its
  prose replaced by the secret texts, so that each parser meets them in its own fields (JSON
  documents, JSON Lines and the ZIP members of an Inspect log alike).
"""

from __future__ import annotations

import io
import itertools
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.helpers.secrets import SecretCase

SESSION_ID = "5e0c1a2b-7d4e-4f60-9a1b-secretlogs01"
# Keys whose string values are names, ids or times a parser keys on: left as they are.
KEEP_KEYS = {"type", "role", "id", "uuid", "parentUuid", "sessionId", "timestamp", "name", "model", "tool_use_id"}


def write_claude_session(folder: Path, cases: list[SecretCase]) -> Path:
    """A Claude Code session: each case as a user message, a Bash call's command and its result."""
    lines: list[dict[str, Any]] = []
    parent = None

    def add(kind: str, message: dict[str, Any]) -> None:
        nonlocal parent
        line_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{SESSION_ID}:{len(lines)}"))
        lines.append(
            {
                "parentUuid": parent,
                "isSidechain": False,
                "type": kind,
                "message": message,
                "uuid": line_id,
                "sessionId": SESSION_ID,
                "cwd": "/home/dev/projects/vault",
                "timestamp": f"2026-11-02T10:{len(lines) // 60:02d}:{len(lines) % 60:02d}.000Z",
            }
        )
        parent = line_id

    for number, case in enumerate(cases):
        call_id = f"toolu_{number:04d}"
        add("user", {"role": "user", "content": f"Please check this:\n{case.text}"})
        tool_use = {"type": "tool_use", "id": call_id, "name": "Bash", "input": {"command": case.text}}
        add("assistant", {"role": "assistant", "model": "claude-sonnet-4", "content": [tool_use]})
        result = {"type": "tool_result", "tool_use_id": call_id, "content": case.text, "is_error": number % 5 == 0}
        add("user", {"role": "user", "content": [result]})
    path = folder / "claude" / "-home-dev-projects-vault" / f"{SESSION_ID}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(line) + "\n" for line in lines)
    # A line that is not JSON, holding a secret: it becomes a reject, whose excerpt must be redacted too.
    broken = '{"type": "user", "message": {"content": "' + cases[0].text.replace('"', "'") + '"\n'
    path.write_text(text + broken + json.dumps(lines[0] | {"uuid": str(uuid.uuid4())}) + "\n", encoding="utf-8")
    return path


def write_conversation(folder: Path, cases: list[SecretCase]) -> Path:
    """An OpenAI-style chat transcript: each case in a user turn and a tool call's arguments."""
    messages: list[dict[str, Any]] = []
    for number, case in enumerate(cases):
        call = {
            "id": f"call_{number}",
            "type": "function",
            "function": {"name": "run", "arguments": json.dumps({"cmd": case.text})},
        }
        messages += [
            {"role": "user", "content": case.text},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call_{number}", "content": case.text},
        ]
    path = folder / "chats" / "support-with-secrets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(messages), encoding="utf-8")
    return path


def write_seeded_samples(folder: Path, samples_dir: Path, cases: list[SecretCase]) -> list[str]:
    """The smallest sample file of each format, its prose replaced by the cases' texts in turn;
    the formats (the samples' folder names) written."""
    texts = itertools.cycle([case.text for case in cases])
    written = []
    for format_dir in sorted(p for p in samples_dir.iterdir() if p.is_dir()):
        files = [p for p in format_dir.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl", ".eval")]
        if not files:
            continue
        source = min(files, key=lambda p: p.stat().st_size)
        target = folder / "samples" / format_dir.name / source.relative_to(format_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_seeded(source, texts))
        written.append(format_dir.name)
    return written


def _seeded(path: Path, texts: Iterator[str]) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".eval":
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for member in zin.infolist():
                body = zin.read(member)
                if member.filename.endswith(".json"):
                    body = json.dumps(_replace_prose(json.loads(body), texts)).encode()
                zout.writestr(member.filename, body)
        return out.getvalue()
    if path.suffix == ".jsonl":
        lines = [line for line in data.decode("utf-8").splitlines() if line.strip()]
        return "".join(json.dumps(_replace_prose(json.loads(line), texts)) + "\n" for line in lines).encode()
    return json.dumps(_replace_prose(json.loads(data), texts)).encode()


def _replace_prose(value: Any, texts: Iterator[str], key: str | None = None) -> Any:
    """`value` with every string that reads like prose (a space, 20+ characters) replaced by the next text."""
    if isinstance(value, str):
        return next(texts) if key not in KEEP_KEYS and " " in value and len(value) >= 20 else value
    if isinstance(value, dict):
        return {k: _replace_prose(v, texts, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_prose(v, texts, key) for v in value]
    return value
