"""Sessions as Claude Code transcripts: `projects/<encoded cwd>/<session>.jsonl`, subagents beside them.

Line shapes follow Claude Code 2.x: one line per content block of an assistant reply (the reply's
id and usage repeated on each), tool results as user lines carrying `toolUseResult`, and a
`file-history-snapshot` line before each prompt.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from demo_corpus.ids import hexid, iso, uid, vary
from demo_corpus.outputs import numbered
from demo_corpus.steps import (
    Ask,
    Delegate,
    Edit,
    Fetch,
    Find,
    Plan,
    Read,
    Say,
    Search,
    Session,
    Shell,
    Step,
    Write,
    todo_state,
)

VERSION = "2.1.40"
MODEL = "claude-sonnet-4-5-20250929"
SUBAGENT_MODEL = "claude-haiku-4-5-20251001"


class Transcript:
    """The lines of one transcript, linked by `parentUuid`, on a clock that only moves forward."""

    def __init__(self, session: Session, session_id: str, start: datetime, agent_id: str | None = None) -> None:
        self.session, self.session_id, self.clock, self.agent_id = session, session_id, start, agent_id
        self.model = SUBAGENT_MODEL if agent_id else MODEL
        self.lines: list[dict[str, Any]] = []
        self.parent: str | None = None
        self.context = int(vary(9_000, 16_000, session_id, agent_id))  # cached prompt, grows every reply

    def _id(self, prefix: str) -> str:
        return uid(self.session_id, self.agent_id, prefix, len(self.lines))

    def _line(self, kind: str, message: dict[str, Any], seconds: float, **extra: Any) -> dict[str, Any]:
        self.clock += timedelta(seconds=seconds)
        line = {
            "parentUuid": self.parent,
            "isSidechain": self.agent_id is not None,
            "userType": "external",
            "cwd": self.session.project.cwd,
            "sessionId": self.session_id,
            "version": VERSION,
            "gitBranch": self.session.branch,
            **({"agentId": self.agent_id} if self.agent_id else {}),
            "type": kind,
            "message": message,
            "uuid": self._id("line"),
            "timestamp": iso(self.clock),
            **extra,
        }
        self.parent = line["uuid"]
        self.lines.append(line)
        return line

    def prompt(self, text: str) -> None:
        if self.agent_id is None:  # Claude Code snapshots tracked files before each prompt of the main session
            message_id = self._id("snapshot")
            snapshot = {"messageId": message_id, "trackedFileBackups": {}, "timestamp": iso(self.clock)}
            self.lines.append(
                {
                    "type": "file-history-snapshot",
                    "messageId": message_id,
                    "snapshot": snapshot,
                    "isSnapshotUpdate": False,
                }
            )
        self._line("user", {"role": "user", "content": text}, 0.01 if self.agent_id else vary(20, 240, text))

    def reply(self, blocks: list[dict[str, Any]], output_tokens: int) -> str:
        """One assistant reply, a line per block; returns the uuid of its last line."""
        grown = int(vary(150, 2_500, self._id("grow")))
        usage = {
            "input_tokens": int(vary(1, 9, grown)),
            "cache_creation_input_tokens": grown,
            "cache_read_input_tokens": self.context,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }
        self.context += grown
        message_id = "msg_01" + hexid(22, self._id("msg"))
        seconds = vary(1.5, 9, message_id)
        for block in blocks:
            message = {
                "model": self.model,
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": usage,
            }
            self._line("assistant", message, seconds, requestId="req_011C" + hexid(20, message_id))
            seconds = vary(0.1, 0.6, message_id, block["type"])
        return self.lines[-1]["uuid"]

    def say(self, step: Say) -> None:
        blocks = [{"type": "thinking", "thinking": step.thinking, "signature": ""}] if step.thinking else []
        self.reply([*blocks, {"type": "text", "text": step.text}], int(vary(40, 400, step.text)))

    def use(self, name: str, args: dict[str, Any]) -> tuple[str, str]:
        """A tool_use reply; returns its call id and the uuid of its line."""
        call_id = "toolu_01" + hexid(22, self._id("tool"))
        caller = self.reply(
            [{"type": "tool_use", "id": call_id, "name": name, "input": args}], int(vary(30, 260, name))
        )
        return call_id, caller

    def result(self, call: tuple[str, str], content: Any, error: bool, result: Any, seconds: float) -> None:
        block = {"tool_use_id": call[0], "type": "tool_result", "content": content, "is_error": error}
        extra = {"toolUseResult": result, "sourceToolAssistantUUID": call[1]} if result is not None else {}
        self._line("user", {"role": "user", "content": [block]}, seconds, **extra)


def _error(text: str) -> tuple[str, bool, str]:
    return f"<tool_use_error>{text}</tool_use_error>", True, f"Error: {text}"


def _shell(step: Shell) -> tuple[str, dict[str, Any], str, bool, Any]:
    args = {"command": step.command, "description": step.purpose or f"Run {step.command.split()[0]}"}
    if step.exit_code:
        content = f"Exit code {step.exit_code}\n{step.output}"
        return "Bash", args, content, True, f"Error: {content}"
    result = {"stdout": step.output, "stderr": "", "interrupted": False, "isImage": False}
    return "Bash", args, step.output, False, result


def call(step: Step, cwd: str) -> tuple[str, dict[str, Any], str, bool, Any]:
    """(tool name, input, result content, is_error, toolUseResult) of a tool step."""

    def where(path: str) -> str:
        return path if path.startswith("/") else f"{cwd}/{path}"

    match step:
        case Shell():
            return _shell(step)
        case Read(missing=True):
            return ("Read", {"file_path": where(step.path)}, *_error("File does not exist."))
        case Read():
            args = {"file_path": where(step.path)}
            if step.start > 1:
                args |= {"offset": step.start, "limit": step.text.count("\n") + 1}
            return "Read", args, numbered(step.text, step.start), False, None
        case Edit():
            args = {"file_path": where(step.path), "old_string": step.old, "new_string": step.new, "replace_all": False}
            if step.stale:
                return ("Edit", args, *_error(f"String to replace not found in file.\nString: {step.old}"))
            return "Edit", args, f"The file {where(step.path)} has been updated successfully.", False, None
        case Write():
            args = {"file_path": where(step.path), "content": step.content}
            return "Write", args, f"File created successfully at: {where(step.path)}", False, None
        case Search():
            args = {"pattern": step.pattern, "path": step.path, "output_mode": "content", "-n": True}
            return "Grep", args, "\n".join(step.hits) or "No matches found", False, None
        case Find():
            return "Glob", {"pattern": step.pattern}, "\n".join(map(where, step.paths)) or "No files found", False, None
        case Fetch() if step.status != 200:
            args = {"url": step.url, "prompt": step.question}
            return ("WebFetch", args, *_error(f"Request failed with status code {step.status}"))
        case Fetch():
            return "WebFetch", {"url": step.url, "prompt": step.question}, step.answer, False, None
        case Plan():
            todos = [
                {"content": item, "status": todo_state(i, step.done), "activeForm": item}
                for i, item in enumerate(step.items)
            ]
            text = (
                "Todos have been modified successfully. Ensure that you continue to use the todo list to track your "
                "progress. Please proceed with the current tasks if applicable"
            )
            return "TodoWrite", {"todos": todos}, text, False, None
    raise TypeError(f"Claude Code has no tool for {step!r}")


def _delegate(t: Transcript, step: Delegate, root: Path) -> None:
    """A Task call whose subagent writes its own transcript, which the result then names."""
    args = {"description": step.description, "prompt": step.prompt, "subagent_type": "Explore"}
    task = t.use("Task", args)
    agent_id = hexid(7, t.session_id, step.description)
    sub = Transcript(t.session, t.session_id, t.clock, agent_id=agent_id)
    sub.prompt(step.prompt)
    play(sub, step.steps, root)
    sub.say(Say(step.report))
    folder = root / t.session_id / "subagents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"agent-{agent_id}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in sub.lines))
    took = (sub.clock - t.clock).total_seconds() + 0.4
    content = [
        {"type": "text", "text": step.report},
        {"type": "text", "text": f"agentId: {agent_id} (for resuming to continue this agent's work if needed)"},
    ]
    result = {
        "status": "completed",
        "prompt": step.prompt,
        "agentId": agent_id,
        "content": content[:1],
        "totalDurationMs": int(took * 1000),
        "totalTokens": sub.context,
        "totalToolUseCount": sum(1 for s in step.steps if not isinstance(s, Say)),
    }
    t.result(task, content, False, result, took)


def play(t: Transcript, steps: list[Step] | tuple[Step, ...], root: Path) -> None:
    for step in steps:
        match step:
            case Say():
                t.say(step)
            case Ask():
                t.prompt(step.text)
            case Delegate():
                _delegate(t, step, root)
            case _:
                name, args, content, error, result = call(step, t.session.project.cwd)
                seconds = vary(0.2, 30 if name == "Bash" else 2, name, json.dumps(args))
                t.result(t.use(name, args), content, error, result, seconds)


def write(session: Session, out: Path) -> Path:
    session_id = uid("claude-code", session.project.name, session.start)
    root = out / "claude-code" / "projects" / session.project.cwd.replace("/", "-")
    t = Transcript(session, session_id, session.start)
    t.prompt(session.prompt)
    play(t, session.steps, root)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{session_id}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in t.lines))
    return path
