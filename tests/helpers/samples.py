"""Facts about the Claude Code samples in ../shared/samples, found from the JSON itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.claude_code import run_key

# A distinctive Bash command that occurs exactly once in the Claude Code samples.
DIALYZER_COMMAND = 'mix dialyzer --format short 2>&1 | grep "subagent_live"'
FUM_PROJECT = "-home-marco-projects-spotter-worktrees-spotter-fum"
FUM_SESSION = f"projects/{FUM_PROJECT}/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl"
DOV_SESSION_ID = "4d5611e5-241a-462a-8d15-5122611a9569"


def jsonl_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.jsonl"))


@dataclass(frozen=True)
class ToolCall:
    path: Path
    line: int  # 1-based
    run_id: str
    tool_use_id: str

    @property
    def record_id(self) -> str:
        return f"claude-code:{self.run_id}:{self.tool_use_id}"


def find_bash_call(root: Path, command: str) -> ToolCall:
    """The one Bash tool call below `root` whose command is exactly `command`."""
    found = []
    for path in jsonl_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if command[:20] not in line:
                continue
            event = json.loads(line)
            content = (event.get("message") or {}).get("content")
            for block in content if isinstance(content, list) else []:
                if (
                    isinstance(block, dict)
                    and block.get("type") == "tool_use"
                    and block.get("name") == "Bash"
                    and (block.get("input") or {}).get("command") == command
                ):
                    found.append(ToolCall(path, number, run_key(event), block["id"]))
    assert len(found) == 1, f"expected the command once in the samples, found {found}"
    return found[0]


def clone_session(source: Path, new_session_id: str, staging: Path) -> Path:
    """A copy of a real session under another session id, so every record id in it is new.

    Written into `staging` (outside any watched folder): move it into place with `os.replace`
    so a scan never sees it half written.
    """
    text = source.read_text(encoding="utf-8")
    old = next(json.loads(line)["sessionId"] for line in text.splitlines() if '"sessionId"' in line)
    staging.mkdir(parents=True, exist_ok=True)
    target = staging / f"{new_session_id}.jsonl"
    target.write_text(text.replace(old, new_session_id), encoding="utf-8")
    return target
