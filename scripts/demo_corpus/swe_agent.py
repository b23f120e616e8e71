"""Sessions as SWE-agent (v0.7) trajectories: `trajectories/<user>/<run>/<instance id>.traj`.

One JSON document per task: `trajectory` (thought, action, observation and state per step),
`history` (the same steps as the chat the model saw, after the system prompt, a demonstration
and the issue) and `info` (exit status, the submitted diff, model stats). Actions are
SWE-agent's commands: `open`, `search_dir`, `find_file`, `edit a:b … end_of_edit`, shell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from demo_corpus.ids import vary
from demo_corpus.steps import Edit, Find, Read, Say, Search, Session, Shell, Step

RUN = "gpt4o__SWE-bench_Lite__default__t-0.00__p-0.95__c-3.00__install-1"
SYSTEM = (
    "SETTING: You are an autonomous programmer, and you're working directly in the command line with a special "
    "interface.\n\nThe special interface consists of a file editor that shows you 100 lines of a file at a time.\n"
    "In addition to typical bash commands, you can also use the following commands to help you navigate and edit "
    "files.\n\nCOMMANDS:\nopen, goto, scroll_down, scroll_up, create, submit, search_dir, search_file, find_file, edit"
)
DEMO = (
    "Here is a demonstration of how to correctly accomplish this task.\nIt is included to show you how to correctly "
    "use the interface.\nYou do not need to follow exactly what is done in the demonstration.\n--- DEMONSTRATION ---"
)
EDITED = (
    "File updated. Please review the changes and make sure they are correct (correct indentation, no duplicate "
    "lines, etc). Edit the file again if necessary."
)


def _listing(path: str, text: str, start: int) -> str:
    """A window of a file as SWE-agent's editor shows it."""
    lines = text.split("\n")
    total = start + len(lines) + int(vary(20, 300, path))
    body = "\n".join(f"{n}:{line}" for n, line in enumerate(lines, start))
    return (
        f"[File: {path} ({total} lines total)]\n({start - 1} more lines above)\n{body}\n"
        f"({total - start - len(lines) + 1} more lines below)"
    )


def _matches(step: Search, root: str) -> str:
    if not step.hits:
        return f'No matches found for "{step.pattern}" in {root}'
    files: dict[str, int] = {}
    for hit in step.hits:
        file = hit.split(":", 1)[0]
        files[file] = files.get(file, 0) + 1
    listed = "\n".join(f"{root}/{file} ({n} matches)" for file, n in files.items())
    return (
        f'Found {len(step.hits)} matches for "{step.pattern}" in {root}:\n'
        f"{listed}\n"
        f'End of matches for "{step.pattern}" in {root}'
    )


def action(step: Step, root: str) -> tuple[str, str, str | None]:
    """(action, observation, the file open afterwards or None to keep the current one)."""
    match step:
        case Shell():
            return step.command, step.output or "Your command ran successfully and did not produce any output.", None
        case Read():
            where = f"{root}/{step.path}"
            line = f" {step.start}" if step.start > 1 else ""
            return f"open {step.path}{line}", _listing(where, step.text, step.start), where
        case Search():
            return f'search_dir "{step.pattern}"', _matches(step, root), None
        case Find():
            found = "\n".join(f"{root}/{p}" for p in step.paths)
            if not step.paths:
                return f'find_file "{step.pattern}"', f'No matches found for "{step.pattern}" in {root}', None
            return (
                f'find_file "{step.pattern}"',
                f'Found {len(step.paths)} matches for "{step.pattern}" in {root}:\n{found}',
                None,
            )
        case Edit():
            end = step.line + step.old.count("\n")
            where = f"{root}/{step.path}"
            return (
                f"edit {step.line}:{end}\n{step.new}\nend_of_edit",
                f"{_listing(where, step.new, step.line)}\n{EDITED}",
                where,
            )
    raise TypeError(f"SWE-agent has no command for {step!r}")


def trajectory(session: Session, root: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The trajectory and the chat history for the same steps; a `Say` is the thought of the next action."""
    issue = (
        f"We're currently solving the following issue within our repository. Here's the issue text:\nISSUE:\n"
        f"{session.prompt}\n\nINSTRUCTIONS:\nNow, you're going to solve this issue on your own. When you're "
        "satisfied with all of the changes you've made, you can submit your changes by running the submit command."
    )
    history: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM, "agent": "primary"},
        {"role": "user", "content": DEMO, "agent": "primary", "is_demo": True},
        {"role": "user", "content": issue, "agent": "primary"},
    ]
    steps: list[dict[str, Any]] = []
    thought, open_file = "", "n/a"
    for step in session.steps:
        if isinstance(step, Say):
            thought = step.text
            continue
        command, observation, opened = action(step, root)
        open_file = opened or open_file
        response = f"{thought}\n\n```\n{command}\n```"
        state = json.dumps({"open_file": open_file, "working_dir": root}) + "\n"
        steps.append(
            {
                "action": command + "\n",
                "observation": observation,
                "response": response,
                "state": state,
                "thought": thought + "\n\n",
            }
        )
        history.append(
            {"role": "assistant", "content": response, "thought": thought, "action": command + "\n", "agent": "primary"}
        )
        footer = f"\n(Open file: {open_file})\n(Current directory: {root})\nbash-$"
        history.append({"role": "user", "content": observation + footer, "agent": "primary"})
        thought = ""
    return steps, history


def write(session: Session, out: Path) -> Path:
    root = f"/{session.project.name}"
    steps, history = trajectory(session, root)
    sent = int(sum(vary(2_500, 9_000, i, session.task_id) for i in range(len(steps))))
    received = int(sum(vary(60, 400, i, session.task_id) for i in range(len(steps))))
    cost = round(sent * 5e-6 + received * 1.5e-5, 5)
    info = {
        "exit_status": "submitted",
        "submission": steps[-1]["observation"],
        "model_stats": {
            "total_cost": cost,
            "instance_cost": cost,
            "tokens_sent": sent,
            "tokens_received": received,
            "api_calls": len(steps),
        },
    }
    document = {"environment": "swe_main", "trajectory": steps, "history": history, "info": info}
    folder = out / "swe-agent" / "trajectories" / "dev" / RUN
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session.task_id}.traj"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
