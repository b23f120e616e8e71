"""Sessions as Gemini CLI chat recordings: `tmp/<project hash>/chats/session-<start>-<id8>.json`.

One JSON object per session, rewritten whole by the CLI (here written once): `user` and `gemini`
messages, each tool call recorded inside the `gemini` message that made it, with its
`functionResponse`. A shell command that exits non-zero is still a successful tool call to
Gemini CLI (the exit code is in the output); missing files and failed edits are tool errors.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from demo_corpus.ids import hexid, iso, uid, vary
from demo_corpus.steps import Ask, Edit, Fetch, Find, Plan, Read, Say, Search, Session, Shell, Step, Write, todo_state

MODEL = "gemini-2.5-pro"
STALE_EDIT = (
    "Failed to edit, 0 occurrences found for old_string in {path}. No edits made. The exact text in old_string was "
    "not found. Ensure you're not escaping content incorrectly and check whitespace, indentation, and context. "
    "Use read_file tool to verify."
)


def _shell_output(step: Shell) -> str:
    return (
        f"Command: {step.command}\nDirectory: (root)\nOutput: {step.output or '(empty)'}\nError: (none)\n"
        f"Exit Code: {step.exit_code}\nSignal: (none)\nBackground PIDs: (none)\n"
        f"Process Group PGID: {int(vary(2_000, 60_000, step.command))}"
    )


def _matches(step: Search) -> str:
    if not step.hits:
        return f'No matches found for pattern "{step.pattern}" in the workspace directory.'
    blocks = []
    for hit in step.hits:
        file, line, text = hit.split(":", 2)
        blocks.append(f"File: {file}\nL{line}: {text}")
    return f'Found {len(step.hits)} matches for pattern "{step.pattern}" in the workspace directory:\n---\n' + (
        "\n---\n".join(blocks) + "\n---"
    )


def call(step: Step, cwd: str) -> tuple[str, str, dict[str, Any], str, bool]:
    """(tool name, display name, args, output or error, is_error) of a tool step."""

    def where(path: str) -> str:
        return path if path.startswith("/") else f"{cwd}/{path}"

    match step:
        case Shell():
            args = {"command": step.command, "description": step.purpose or f"Run {step.command.split()[0]}."}
            return "run_shell_command", "Shell", args, _shell_output(step), False
        case Read(missing=True):
            return "read_file", "ReadFile", {"file_path": where(step.path)}, f"File not found: {where(step.path)}", True
        case Read():
            return "read_file", "ReadFile", {"file_path": where(step.path)}, step.text, False
        case Edit():
            args = {"file_path": where(step.path), "old_string": step.old, "new_string": step.new}
            if step.stale:
                return "replace", "Edit", args, STALE_EDIT.format(path=where(step.path)), True
            return "replace", "Edit", args, f"Successfully modified file: {where(step.path)} (1 replacements).", False
        case Write():
            args = {"file_path": where(step.path), "content": step.content}
            return (
                "write_file",
                "WriteFile",
                args,
                f"Successfully created and wrote to new file: {where(step.path)}.",
                False,
            )
        case Search():
            return "search_file_content", "SearchText", {"pattern": step.pattern}, _matches(step), False
        case Find() if step.paths:
            head = (
                f'Found {len(step.paths)} file(s) matching "{step.pattern}" within {cwd}, sorted by modification '
                "time (newest first):"
            )
            return "glob", "FindFiles", {"pattern": step.pattern}, "\n".join([head, *map(where, step.paths)]), False
        case Find():
            return (
                "glob",
                "FindFiles",
                {"pattern": step.pattern},
                f'No files found matching pattern "{step.pattern}" within {cwd}',
                False,
            )
        case Fetch():
            args = {"prompt": f"{step.question} {step.url}"}
            if step.status != 200:
                error = f"Error during fetch for {step.url}: Request failed with status code {step.status} Not Found"
                return "web_fetch", "WebFetch", args, error, True
            return "web_fetch", "WebFetch", args, step.answer, False
        case Plan():
            todos = [{"description": item, "status": todo_state(i, step.done)} for i, item in enumerate(step.items)]
            listed = "\n".join(f"{i + 1}. [{t['status']}] {t['description']}" for i, t in enumerate(todos))
            return (
                "write_todos",
                "WriteTodos",
                {"todos": todos},
                f"Successfully updated the todo list. The current list is now:\n{listed}",
                False,
            )
    raise TypeError(f"Gemini CLI has no tool for {step!r}")


class Chat:
    """The messages of one recording, with the prompt size each reply reports."""

    def __init__(self, session: Session, session_id: str) -> None:
        self.session, self.session_id, self.clock = session, session_id, session.start
        self.messages: list[dict[str, Any]] = []
        self.context = int(vary(4_000, 9_000, session_id))

    def _message(self, kind: str, seconds: float, **fields: Any) -> dict[str, Any]:
        self.clock += timedelta(seconds=seconds)
        message = {"id": uid(self.session_id, len(self.messages)), "timestamp": iso(self.clock), "type": kind, **fields}
        self.messages.append(message)
        return message

    def user(self, text: str) -> None:
        self._message("user", vary(10, 200, text), content=text)

    def _tokens(self, output: int) -> dict[str, int]:
        cached = int(self.context * vary(0.3, 0.9, self.context))
        thoughts = int(vary(0, 400, output, self.context))
        tokens = {"input": self.context, "output": output, "cached": cached, "thoughts": thoughts, "tool": 0}
        self.context += output + int(vary(100, 1_500, self.context))
        return tokens | {"total": self.context}

    def say(self, step: Say) -> None:
        thoughts = []
        if step.thinking:
            subject = " ".join(step.thinking.split(".")[0].split()[:6])
            thoughts = [{"subject": subject, "description": step.thinking, "timestamp": iso(self.clock)}]
        tokens = self._tokens(int(vary(30, 500, step.text)))
        self._message(
            "gemini", vary(2, 12, step.text), content=step.text, thoughts=thoughts, tokens=tokens, model=MODEL
        )

    def tool(self, step: Step) -> None:
        name, display, args, output, error = call(step, self.session.project.cwd)
        seconds = vary(1, 20, name, json.dumps(args))
        call_id = (
            f"{name}-{int((self.clock.timestamp() + seconds) * 1000)}-{hexid(14, self.session_id, len(self.messages))}"
        )
        response = {"error": output} if error else {"output": output}
        entry = {
            "id": call_id,
            "name": name,
            "args": args,
            "result": [{"functionResponse": {"id": call_id, "name": name, "response": response}}],
            "status": "error" if error else "success",
            "timestamp": iso(self.clock + timedelta(seconds=seconds)),
            "resultDisplay": output if error else "",
            "displayName": display,
            "renderOutputAsMarkdown": name not in ("run_shell_command", "read_file"),
        }
        tokens = self._tokens(int(vary(20, 300, call_id)))
        self._message("gemini", seconds, content="", toolCalls=[entry], thoughts=[], model=MODEL, tokens=tokens)


def write(session: Session, out: Path) -> Path:
    session_id = uid("gemini-cli", session.project.name, session.start)
    chat = Chat(session, session_id)
    chat.user(session.prompt)
    for step in session.steps:
        match step:
            case Ask():
                chat.user(step.text)
            case Say():
                chat.say(step)
            case _:
                chat.tool(step)
    project_hash = hashlib.sha256(session.project.cwd.encode()).hexdigest()
    document = {
        "sessionId": session_id,
        "projectHash": project_hash,
        "startTime": iso(session.start),
        "lastUpdated": iso(chat.clock),
        "messages": chat.messages,
        "directories": [session.project.cwd],
    }
    folder = out / "gemini-cli" / "tmp" / project_hash / "chats"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"session-{session.start:%Y-%m-%dT%H-%M}-{session_id[:8]}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path
