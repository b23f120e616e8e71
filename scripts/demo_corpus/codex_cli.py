"""Sessions as Codex CLI rollouts: `sessions/YYYY/MM/DD/rollout-<start>-<session id>.jsonl`.

Every line is `{"timestamp", "type", "payload"}`, as Codex 0.5x writes them: `session_meta`, then per
turn `task_started`, `turn_context` and the user's message, then `response_item`s (reasoning,
messages, `exec_command` calls, `apply_patch` custom calls) interleaved with the `event_msg`s the
UI shows, one `token_count` per model request. Codex reads files by shelling out (`sed`, `rg`), so
reads and searches become commands here too.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from demo_corpus.ids import hexid, iso, uuid7, vary
from demo_corpus.steps import Ask, Edit, Fetch, Find, Plan, Read, Say, Search, Session, Shell, Step, Write, todo_state

CLI_VERSION = "0.58.0"
MODEL = "gpt-5-codex"


def as_command(step: Read | Search | Find) -> Shell:
    """The shell command Codex runs to read or search, with what it prints."""
    match step:
        case Read(missing=True):
            return Shell(f"sed -n '1,160p' {step.path}", f"sed: can't read {step.path}: No such file or directory", 2)
        case Read():
            end = step.start + step.text.count("\n")
            return Shell(f"sed -n '{step.start},{end + 20}p' {step.path}", step.text)
        case Search():
            return Shell(f'rg -n "{step.pattern}" {step.path}', "\n".join(step.hits), 0 if step.hits else 1)
        case Find():
            return Shell(f"rg --files -g '{step.pattern}'", "\n".join(step.paths), 0 if step.paths else 1)


def patch_text(step: Edit | Write) -> str:
    if isinstance(step, Write):
        body = "\n".join(f"+{line}" for line in step.content.rstrip("\n").split("\n"))
        return f"*** Begin Patch\n*** Add File: {step.path}\n{body}\n*** End Patch\n"
    old = "\n".join(f"-{line}" for line in step.old.split("\n"))
    new = "\n".join(f"+{line}" for line in step.new.split("\n"))
    return f"*** Begin Patch\n*** Update File: {step.path}\n@@\n{old}\n{new}\n*** End Patch\n"


class Rollout:
    """The lines of one rollout and the running token totals its `token_count` events report."""

    def __init__(self, session: Session, session_id: str) -> None:
        self.session, self.session_id, self.clock = session, session_id, session.start
        self.lines: list[dict[str, Any]] = []
        self.totals = {"input_tokens": 0, "cached_input_tokens": 0, "output_tokens": 0, "reasoning_output_tokens": 0}
        self.context = int(vary(7_000, 12_000, session_id))
        self.turn = ""
        self.last_message = ""

    def emit(self, kind: str, payload: dict[str, Any], seconds: float = 0.01) -> None:
        self.clock += timedelta(seconds=seconds)
        self.lines.append({"timestamp": iso(self.clock), "type": kind, "payload": payload})

    def event(self, kind: str, seconds: float = 0.01, **payload: Any) -> None:
        self.emit("event_msg", {"type": kind, **payload}, seconds)

    def item(self, kind: str, seconds: float = 0.01, **payload: Any) -> None:
        self.emit("response_item", {"type": kind, **payload}, seconds)

    def meta(self) -> None:
        p = self.session.project
        git = {
            "commit_hash": hexid(40, p.name, self.session.start),
            "branch": self.session.branch,
            "repository_url": f"git@github.com:{p.repo}.git",
        }
        payload = {
            "id": self.session_id,
            "timestamp": iso(self.session.start),
            "cwd": p.cwd,
            "originator": "codex_cli_rs",
            "cli_version": CLI_VERSION,
            "instructions": None,
            "source": "cli",
            "model_provider": "openai",
            "git": git,
        }
        self.emit("session_meta", payload, 0)
        context = (
            f"<environment_context>\n  <cwd>{p.cwd}</cwd>\n  <approval_policy>on-request</approval_policy>\n"
            "  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n"
            "  <shell>bash</shell>\n</environment_context>"
        )
        self.item("message", role="user", content=[{"type": "input_text", "text": context}])

    def begin_turn(self, text: str) -> None:
        if self.turn:
            self.event("task_complete", turn_id=self.turn, last_agent_message=self.last_message)
        self.turn = uuid7(self.clock, self.session_id, text)
        self.event("task_started", vary(15, 200, text), turn_id=self.turn, model_context_window=272_000)
        sandbox = {"type": "workspace-write", "network_access": False, "exclude_tmpdir_env_var": False}
        context = {
            "turn_id": self.turn,
            "cwd": self.session.project.cwd,
            "approval_policy": "on-request",
            "sandbox_policy": sandbox | {"exclude_slash_tmp": False},
            "model": MODEL,
            "effort": "medium",
            "summary": "auto",
        }
        self.emit("turn_context", context)
        self.item("message", role="user", content=[{"type": "input_text", "text": text}])
        self.event("user_message", message=text, images=[])

    def tokens(self, output: int) -> None:
        """One model request: the prompt so far (mostly cached) in, `output` out."""
        fresh = int(vary(200, 3_000, self.context, output))
        last = {
            "input_tokens": self.context + fresh,
            "cached_input_tokens": self.context - self.context % 128,
            "output_tokens": output,
            "reasoning_output_tokens": int(output * vary(0.1, 0.6, output)),
        }
        last["total_tokens"] = last["input_tokens"] + output
        self.context += fresh + output
        for key in self.totals:
            self.totals[key] += last[key]
        total = self.totals | {"total_tokens": self.totals["input_tokens"] + self.totals["output_tokens"]}
        info = {"total_token_usage": total, "last_token_usage": last, "model_context_window": 272_000}
        self.event("token_count", info=info, rate_limits=None)

    def say(self, step: Say, final: bool) -> None:
        if step.thinking:
            title = " ".join(step.thinking.split(".")[0].split()[:6])
            summary = [{"type": "summary_text", "text": f"**{title}**\n\n{step.thinking}"}]
            crypt = "gAAAAAB" + hexid(96, step.thinking)
            self.item("reasoning", vary(2, 9, step.thinking), summary=summary, content=None, encrypted_content=crypt)
        phase = "final_answer" if final else "commentary"
        self.event("agent_message", vary(1, 6, step.text), message=step.text, phase=phase)
        self.item("message", role="assistant", content=[{"type": "output_text", "text": step.text}], phase=phase)
        self.tokens(int(vary(40, 500, step.text)))
        self.last_message = step.text

    def shell(self, step: Shell) -> None:
        call_id = "call_" + hexid(24, self.session_id, len(self.lines))
        args = {"cmd": step.command, "workdir": self.session.project.cwd, "yield_time_ms": 10_000}
        self.item(
            "function_call", vary(1, 5, call_id), name="exec_command", arguments=json.dumps(args), call_id=call_id
        )
        self.tokens(int(vary(30, 200, call_id)))
        took = vary(0.05, 25, step.command)
        end = {
            "call_id": call_id,
            "turn_id": self.turn,
            "command": ["/bin/bash", "-lc", step.command],
            "cwd": self.session.project.cwd,
            "parsed_cmd": [{"type": "unknown", "cmd": step.command}],
            "source": "unified_exec_startup",
            "aggregated_output": step.output,
            "exit_code": step.exit_code,
            "duration": {"secs": int(took), "nanos": int(took % 1 * 1e9)},
            "status": "failed" if step.exit_code else "completed",
        }
        self.event("exec_command_end", took, **end)
        output = (
            f"Chunk ID: {hexid(6, call_id)}\nWall time: {took:.4f} seconds\nProcess exited with code {step.exit_code}\n"
            f"Original token count: {len(step.output) // 4}\nOutput:\n{step.output}"
        )
        self.item("function_call_output", call_id=call_id, output=output)

    def patch(self, step: Edit | Write) -> None:
        call_id = "call_" + hexid(24, self.session_id, len(self.lines))
        text = patch_text(step)
        self.item(
            "custom_tool_call", vary(2, 12, text), status="completed", call_id=call_id, name="apply_patch", input=text
        )
        self.tokens(int(vary(60, 600, text)))
        stale = isinstance(step, Edit) and step.stale
        mark = "A" if isinstance(step, Write) else "M"
        stdout = "" if stale else f"Success. Updated the following files:\n{mark} {step.path}\n"
        error = (
            f"apply_patch verification failed: Failed to find expected lines in {step.path}:\n{step.old}"
            if stale
            else ""
        )
        self.event(
            "patch_apply_end", 0.2, call_id=call_id, turn_id=self.turn, stdout=stdout, stderr=error, success=not stale
        )
        result = {"output": error or stdout, "metadata": {"exit_code": 1 if stale else 0, "duration_seconds": 0.1}}
        self.item("custom_tool_call_output", call_id=call_id, output=json.dumps(result))

    def plan(self, step: Plan) -> None:
        call_id = "call_" + hexid(24, self.session_id, len(self.lines))
        plan = [{"step": item, "status": todo_state(i, step.done)} for i, item in enumerate(step.items)]
        self.item(
            "function_call",
            vary(1, 4, call_id),
            name="update_plan",
            arguments=json.dumps({"plan": plan}),
            call_id=call_id,
        )
        self.tokens(int(vary(40, 160, call_id)))
        self.item("function_call_output", call_id=call_id, output="Plan updated")

    def search(self, step: Fetch) -> None:
        action = {"type": "search", "query": step.question}
        self.event("web_search_end", vary(2, 8, step.url), call_id="ws_" + hexid(40, step.url), query=step.question)
        self.item("web_search_call", status="completed", action=action)
        self.tokens(int(vary(60, 200, step.url)))


def play(r: Rollout, steps: list[Step]) -> None:
    for index, step in enumerate(steps):
        match step:
            case Ask():
                r.begin_turn(step.text)
            case Say():
                r.say(step, final=index + 1 == len(steps) or isinstance(steps[index + 1], Ask))
            case Shell():
                r.shell(step)
            case Read() | Search() | Find():
                r.shell(as_command(step))
            case Edit() | Write():
                r.patch(step)
            case Plan():
                r.plan(step)
            case Fetch():
                r.search(step)
            case _:
                raise TypeError(f"Codex CLI has no tool for {step!r}")
    r.event("task_complete", turn_id=r.turn, last_agent_message=r.last_message)


def write(session: Session, out: Path) -> Path:
    session_id = uuid7(session.start, "codex-cli", session.project.name)
    r = Rollout(session, session_id)
    r.meta()
    play(r, [Ask(session.prompt), *session.steps])
    start = session.start
    folder = out / "codex-cli" / "sessions" / f"{start:%Y}" / f"{start:%m}" / f"{start:%d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-{start:%Y-%m-%dT%H-%M-%S}-{session_id}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in r.lines))
    return path
