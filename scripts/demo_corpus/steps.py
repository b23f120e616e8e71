"""What an agent did, independent of the tool that logged it.

A session is a prompt and a list of steps; each writer maps a step onto its own tool vocabulary
(a `Shell` is Claude Code's Bash, Codex's exec_command, Gemini's run_shell_command, a SWE-agent
action), so the same kind of work lands in the same region of the map whichever agent did it.
Paths are relative to the project; the writers make them absolute where the real tool does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from demo_corpus.outputs import Stack


@dataclass(frozen=True)
class Say:
    """The agent's text to the user, with the reasoning that led to it."""

    text: str
    thinking: str | None = None


@dataclass(frozen=True)
class Ask:
    """The user again, mid-session: a follow-up request."""

    text: str


@dataclass(frozen=True)
class Shell:
    command: str
    output: str
    exit_code: int = 0
    purpose: str = ""


@dataclass(frozen=True)
class Read:
    path: str
    text: str = ""
    start: int = 1
    missing: bool = False


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which starts at `line`: SWE-agent edits by line) with `new`; `stale` when
    `old` is no longer in the file, so the edit fails."""

    path: str
    old: str
    new: str
    line: int = 1
    stale: bool = False


@dataclass(frozen=True)
class Write:
    path: str
    content: str


@dataclass(frozen=True)
class Search:
    """A content search; `hits` are `path:line:text` lines (none: nothing found)."""

    pattern: str
    hits: tuple[str, ...]
    path: str = "."


@dataclass(frozen=True)
class Find:
    """A file-name search."""

    pattern: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Fetch:
    url: str
    question: str
    answer: str
    status: int = 200


@dataclass(frozen=True)
class Plan:
    """A to-do list; the first `done` items are complete, the next one is in progress."""

    items: tuple[str, ...]
    done: int = 0


@dataclass(frozen=True)
class Delegate:
    """A subagent given `prompt`, doing `steps`, answering `report`."""

    description: str
    prompt: str
    steps: tuple[Step, ...]
    report: str


def todo_state(index: int, done: int) -> str:
    """A to-do item's state when the first `done` items are complete."""
    return "completed" if index < done else "in_progress" if index == done else "pending"


Step = Say | Ask | Shell | Read | Edit | Write | Search | Find | Fetch | Plan | Delegate
TOOL_STEPS = (Shell, Read, Edit, Write, Search, Find, Fetch, Plan, Delegate)


@dataclass(frozen=True)
class Project:
    name: str
    stack: Stack
    repo: str = ""

    @property
    def cwd(self) -> str:
        return f"/home/dev/projects/{self.name}"

    def path(self, relative: str) -> str:
        return relative if relative.startswith("/") else f"{self.cwd}/{relative}"


@dataclass(frozen=True)
class Session:
    """One run of one agent: who wrote it (`fmt`), where, when, what it was asked and did."""

    fmt: str
    project: Project
    start: datetime
    prompt: str
    steps: list[Step] = field(default_factory=list)
    branch: str = "main"
    task_id: str = ""  # where the format names the task (a SWE-bench instance id)
