"""SWE-agent trajectories (`<instance_id>.traj`) and mini-SWE-agent ones (`<instance_id>.traj.json`).

Where they live: SWE-agent writes `trajectories/<user>/<run-name>/<instance_id>.traj` (v0.x
wrote `trajectories/<user>/<model>__<dataset>__<config>__t-..__p-..__c-../<instance_id>.traj`);
mini-SWE-agent writes `<output>/<instance_id>/<instance_id>.traj.json` for batch runs and
`~/.config/mini-swe-agent/last_mini_run.traj.json` for single runs. Both files are one JSON
document, rewritten whole after every step, so they are read whole.

SWE-agent (`{"trajectory": [...], "history": [...], "info": {...}, "replay_config": ...}`):
each `trajectory` step is one model turn: its `thought` becomes a reasoning record, its
`action` (a command line such as `edit 287:295 ...`) a tool call named after the command's
first word with `{"command": action}` as arguments, and its `observation` the tool result.
The task (the first user message of `history` that is not a demonstration) is the text of
the run record, which also carries `info.model_stats` (tokens_sent -> tokens_in,
tokens_received -> tokens_out, instance_cost -> cost_usd), as the format has no per-step
usage. The model comes from `replay_config` (v1) when present; v0 files do not name it.

mini-SWE-agent (`{"info": {...}, "messages": [...], "trajectory_format": "mini-swe-agent-1..."}`):
`messages` are chat messages. An assistant message's bash block (text mode) or `tool_calls`
(tool-call mode) become tool calls; the text around them is reasoning, a reply without any
action is a message. The next user message (text mode) or the `tool` message with the same
`tool_call_id` is the result; a non-zero `returncode` marks it as an error. Per-call usage,
cost and timestamps come from each assistant message's `extra`. The first system and user
messages are the prompt and the task: the task is the run record's text.

Skipped: SWE-agent's system prompt and demonstrations, `history` (it repeats the
trajectory), `state` and `query`; the `attempts` of a retry agent other than the chosen one;
mini-SWE-agent's system prompt, `exit` messages and the run configuration.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.base import DocumentFormat, FileContext, Item, load_json_document, reject, tidied
from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_float, to_int, utc_iso
from logviz_assets.record import Record

NAME = "swe-agent"

_TRAJECTORY_KEY = re.compile(rb'"trajectory"\s*:\s*\[')
_HISTORY_KEY = re.compile(rb'"history"\s*:\s*\[')
_STEP_KEYS = (b'"action"', b'"observation"')
_MINI_FORMAT = re.compile(rb'"trajectory_format"\s*:\s*"mini-swe-agent')
_MINI_VERSION = re.compile(rb'"mini_version"\s*:')
_FIRST_KEY_INFO = re.compile(rb'^\s*\{\s*"info"\s*:\s*\{')
_BASH_BLOCK = re.compile(r"```(?:bash|mswea_bash_command|sh)\s*\n(.*?)\n```", re.DOTALL)
_RETURNCODE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")


def _safe(value: Any) -> str:
    """An id part without "/" (ids go into URL paths)."""
    return str(value).replace("/", "_")


def _split_model(name: Any) -> tuple[str | None, str | None]:
    """`provider/model` (LiteLLM style) into (model, provider); a bare name has no provider."""
    if not isinstance(name, str) or not name:
        return None, None
    if "/" in name:
        provider, model = name.split("/", 1)
        return model, provider
    return name, None


def _file_key(source_file: str) -> str:
    return hashlib.sha1(source_file.encode()).hexdigest()[:12]


def _instance_from_path(source_file: str) -> str:
    name = PurePath(source_file).name
    for suffix in (".traj.json", ".traj", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class SweAgent(DocumentFormat):
    """SWE-agent `.traj` and mini-SWE-agent `.traj.json` trajectories."""

    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        if not head.lstrip().startswith(b"{"):
            return False
        if _MINI_FORMAT.search(head) or _MINI_VERSION.search(head):
            return True
        if _FIRST_KEY_INFO.match(head) and b'"model_stats"' in head and b'"messages"' in head:
            return True
        if _TRAJECTORY_KEY.search(head):
            return bool(_HISTORY_KEY.search(head)) or all(key in head for key in _STEP_KEYS)
        return False

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        value, problem = load_json_document(data, ctx, NAME)
        if problem:
            yield problem
            return
        if not isinstance(value, dict):
            yield reject(ctx, None, f"expected a JSON object, got {type(value).__name__}", NAME)
            return
        try:
            if isinstance(value.get("messages"), list) and not isinstance(value.get("trajectory"), list):
                yield from tidied(_mini_records(value, ctx))
            elif isinstance(value.get("trajectory"), list):
                yield from tidied(_swe_records(value, ctx))
            else:
                yield reject(ctx, None, "neither a SWE-agent `trajectory` nor a mini-SWE-agent `messages` list", NAME)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as err:
            yield reject(ctx, None, f"unexpected trajectory shape: {type(err).__name__}: {err}", NAME)


# SWE-agent ------------------------------------------------------------------------------


def _replay_config(doc: dict[str, Any]) -> dict[str, Any]:
    config = maybe_json(doc.get("replay_config"))
    return config if isinstance(config, dict) else {}


def _swe_model(config: dict[str, Any], doc: dict[str, Any]) -> str | None:
    """`replay_config.agent.model.name` (v1, or its first retry config); `args.model.model_name` (v0)."""
    args = doc.get("args") if isinstance(doc.get("args"), dict) else {}
    if isinstance(args.get("model"), dict) and args["model"].get("model_name"):
        return args["model"]["model_name"]
    agent = config.get("agent") if isinstance(config.get("agent"), dict) else {}
    model = agent.get("model") if isinstance(agent.get("model"), dict) else None
    if model is None and isinstance(agent.get("agent_configs"), list) and agent["agent_configs"]:
        first = agent["agent_configs"][0]
        model = first.get("model") if isinstance(first, dict) else None
    if isinstance(model, dict):
        return model.get("name") or model.get("model_name")
    return None


def _swe_task(history: list[Any]) -> str | None:
    for message in history:
        if not isinstance(message, dict) or message.get("is_demo") or message.get("role") != "user":
            continue
        if message.get("message_type") in ("demonstration",):
            continue
        return content_text(message.get("content"))
    return None


def _swe_records(doc: dict[str, Any], ctx: FileContext) -> Iterator[Item]:
    config = _replay_config(doc)
    problem = config.get("problem_statement") if isinstance(config.get("problem_statement"), dict) else {}
    instance = problem.get("id") or _instance_from_path(ctx.source_file)
    run_id = f"{NAME}:{_safe(instance)}:{_file_key(ctx.source_file)}"
    run_parent = f"{run_id}:run"
    model, provider = _split_model(_swe_model(config, doc))
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    trajectory = doc["trajectory"]
    history = doc.get("history") if isinstance(doc.get("history"), list) else []
    project = _swe_project(trajectory)
    base = {
        "run_id": run_id,
        "source_format": NAME,
        "source_file": ctx.source_file,
        "source_line": None,
        "agent_name": NAME,
        "project": project,
    }
    yield Record(
        record_id=run_parent,
        kind="run",
        seq=-1,
        text=_swe_task(history),
        model=model,
        provider=provider,
        tokens_in=to_int(stats.get("tokens_sent")),
        tokens_out=to_int(stats.get("tokens_received")),
        cost_usd=to_float(stats.get("instance_cost")),
        raw=canonical_json(
            {
                "instance_id": instance,
                "exit_status": info.get("exit_status"),
                "api_calls": stats.get("api_calls"),
                "swe_agent_version": info.get("swe_agent_version"),
                "environment": doc.get("environment"),
            }
        ),
        **base,
    )
    seq = 0
    for index, step in enumerate(trajectory):
        if not isinstance(step, dict):
            yield reject(ctx, None, f"trajectory[{index}] is not an object", NAME, canonical_json(step))
            continue
        key = f"{run_id}:s{index}"
        thought = step.get("thought") if isinstance(step.get("thought"), str) else ""
        action = step.get("action") if isinstance(step.get("action"), str) else ""
        observation = step.get("observation")
        observation = observation if isinstance(observation, str) else content_text(observation)
        common = {"model": model, "provider": provider, **base}
        if thought.strip():
            yield Record(
                record_id=f"{key}:thought",
                kind="reasoning",
                role="assistant",
                text=thought.strip(),
                parent_id=run_parent,
                seq=seq,
                **common,
            )
            seq += 1
        elif not action.strip() and isinstance(step.get("response"), str) and step["response"].strip():
            yield Record(
                record_id=f"{key}:response",
                kind="message",
                role="assistant",
                text=step["response"],
                parent_id=run_parent,
                seq=seq,
                **common,
            )
            seq += 1
        if action.strip():
            command = action.strip("\n")
            call_id = f"step-{index}"
            yield Record(
                record_id=f"{key}:call",
                kind="tool_call",
                role="assistant",
                tool_name=command.split(maxsplit=1)[0],
                tool_call_id=call_id,
                tool_args=canonical_json({"command": command}),
                parent_id=run_parent,
                seq=seq,
                **common,
            )
            seq += 1
            yield Record(
                record_id=f"{key}:result",
                kind="tool_result",
                role="tool",
                text=observation or "",
                tool_name=command.split(maxsplit=1)[0],
                tool_call_id=call_id,
                parent_id=f"{key}:call",
                seq=seq,
                **base,
            )
            seq += 1
        elif observation:
            yield Record(
                record_id=f"{key}:observation",
                kind="message",
                role="user",
                text=observation,
                parent_id=run_parent,
                seq=seq,
                **base,
            )
            seq += 1


def _swe_project(trajectory: list[Any]) -> str | None:
    """The working directory from the first step's `state` (a JSON string in v0, an object in v1)."""
    for step in trajectory:
        state = step.get("state") if isinstance(step, dict) else None
        if isinstance(state, str):
            state = maybe_json(state.strip())
        if isinstance(state, dict) and isinstance(state.get("working_dir"), str):
            return state["working_dir"]
    return None


# mini-SWE-agent -------------------------------------------------------------------------


def _mini_usage(extra: dict[str, Any]) -> dict[str, Any]:
    """Per-call usage of an assistant message from its LiteLLM response in `extra`."""
    response = extra.get("response") if isinstance(extra.get("response"), dict) else {}
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    cache_read = to_int(usage.get("cache_read_input_tokens"))
    if cache_read is None:
        cache_read = to_int(details.get("cached_tokens"))
    fields = {
        # LiteLLM's prompt_tokens counts cached prompt tokens too (OpenAI convention).
        "tokens_in": to_int(usage.get("prompt_tokens")),
        "tokens_out": to_int(usage.get("completion_tokens")),
        "tokens_cache_read": cache_read,
        "tokens_cache_write": to_int(usage.get("cache_creation_input_tokens")),
        "cost_usd": to_float(extra.get("cost")),
        "ts_start": utc_iso(extra.get("timestamp")),
    }
    model, provider = _split_model(response.get("model"))
    if model:
        fields["model"] = model
        fields["provider"] = provider
    return {key: value for key, value in fields.items() if value is not None}


def _returncode(message: dict[str, Any], extra: dict[str, Any]) -> int | None:
    code = to_int(extra.get("returncode"))
    if code is None:
        found = _RETURNCODE.search(content_text(message.get("content")) or "")
        code = int(found.group(1)) if found else None
    return code


def _mini_records(doc: dict[str, Any], ctx: FileContext) -> Iterator[Item]:
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    model_config = config.get("model") if isinstance(config.get("model"), dict) else {}
    instance = doc.get("instance_id") or info.get("instance_id") or _instance_from_path(ctx.source_file)
    run_id = f"{NAME}:{_safe(instance)}:{_file_key(ctx.source_file)}"
    run_parent = f"{run_id}:run"
    model, provider = _split_model(model_config.get("model_name") or info.get("model_name"))
    base = {
        "run_id": run_id,
        "source_format": NAME,
        "source_file": ctx.source_file,
        "source_line": None,
        "agent_name": "mini-swe-agent",
    }
    messages = doc["messages"]

    # The prompt: the system message(s), then the first user message (the task).
    start, task = 0, None
    while start < len(messages) and isinstance(messages[start], dict) and messages[start].get("role") == "system":
        start += 1
    if start < len(messages) and isinstance(messages[start], dict) and messages[start].get("role") == "user":
        task = content_text(messages[start].get("content"))
        start += 1
    stamps = [
        m["extra"]["timestamp"]
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("extra"), dict) and m["extra"].get("timestamp") is not None
    ]
    yield Record(
        record_id=run_parent,
        kind="run",
        seq=-1,
        text=task,
        model=model,
        provider=provider,
        tokens_in=to_int(stats.get("tokens_sent", stats.get("input_tokens"))),
        tokens_out=to_int(stats.get("tokens_received", stats.get("output_tokens"))),
        cost_usd=to_float(stats.get("instance_cost")),
        ts_start=utc_iso(stamps[0]) if stamps else None,
        ts_end=utc_iso(stamps[-1]) if stamps else None,
        raw=canonical_json(
            {
                "instance_id": instance,
                "exit_status": info.get("exit_status"),
                "api_calls": stats.get("api_calls"),
                "mini_version": info.get("mini_version"),
                "trajectory_format": doc.get("trajectory_format"),
            }
        ),
        **base,
    )

    seq = 0
    pending: list[tuple[str, str]] = []  # text-mode actions waiting for their output: (record id, call id)
    call_names: dict[str, str] = {}
    for index in range(start, len(messages)):
        message = messages[index]
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            yield reject(ctx, None, f"messages[{index}] is not a chat message", NAME, canonical_json(message))
            continue
        extra = message.get("extra") if isinstance(message.get("extra"), dict) else {}
        role = message["role"]
        key = f"{run_id}:m{index}"
        records: list[Record] = []
        if role == "assistant":
            pending = []
            records = _mini_assistant(message, extra, key, run_parent, model, provider, base, pending, call_names)
        elif role == "tool" and message.get("tool_call_id"):
            call_id = str(message["tool_call_id"])
            code = _returncode(message, extra)
            records.append(
                Record(
                    record_id=f"{key}:result",
                    kind="tool_result",
                    role="tool",
                    text=content_text(message.get("content")) or "",
                    tool_call_id=call_id,
                    tool_name=call_names.get(call_id),
                    is_error=bool(extra.get("exception_info")) or code not in (None, 0),
                    parent_id=f"{run_id}:call:{_safe(call_id)}",
                    ts_start=utc_iso(extra.get("timestamp")),
                    **base,
                )
            )
        elif role == "user" and pending and not extra.get("interrupt_type"):
            record_id, call_id = pending.pop(0)
            code = _returncode(message, extra)
            records.append(
                Record(
                    record_id=f"{key}:result",
                    kind="tool_result",
                    role="tool",
                    text=content_text(message.get("content")) or "",
                    tool_call_id=call_id,
                    tool_name="bash",
                    is_error=bool(extra.get("exception_info")) or code not in (None, 0),
                    parent_id=record_id,
                    ts_start=utc_iso(extra.get("timestamp")),
                    **base,
                )
            )
        elif role in ("user", "system"):
            text = content_text(message.get("content"))
            if text:
                records.append(
                    Record(
                        record_id=key,
                        kind="message",
                        role=role,
                        text=text,
                        parent_id=run_parent,
                        ts_start=utc_iso(extra.get("timestamp")),
                        **base,
                    )
                )
        for record in records:
            record.seq = seq
            seq += 1
        yield from records


def _mini_assistant(
    message: dict[str, Any],
    extra: dict[str, Any],
    key: str,
    run_parent: str,
    model: str | None,
    provider: str | None,
    base: dict[str, Any],
    pending: list[tuple[str, str]],
    call_names: dict[str, str],
) -> list[Record]:
    run_id = base["run_id"]
    usage = _mini_usage(extra)
    common = {
        "model": usage.pop("model", model),
        "provider": usage.pop("provider", provider),
        "ts_start": usage.pop("ts_start", None),
        **base,
    }
    text = content_text(message.get("content")) or ""
    records: list[Record] = []
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning.strip():
        records.append(
            Record(
                record_id=f"{key}:reasoning",
                kind="reasoning",
                role="assistant",
                text=reasoning,
                parent_id=run_parent,
                **common,
            )
        )

    calls: list[Record] = []
    for index, call in enumerate(message.get("tool_calls") or []):
        if not isinstance(call, dict):
            continue
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        call_id = str(call.get("id") or f"{key.rsplit(':', 1)[-1]}.{index}")
        name = function.get("name") or call.get("name")
        call_names[call_id] = name
        calls.append(
            Record(
                record_id=f"{run_id}:call:{_safe(call_id)}",
                kind="tool_call",
                role="assistant",
                tool_name=name,
                tool_call_id=call_id,
                tool_args=canonical_json(maybe_json(function.get("arguments", {}))),
                parent_id=run_parent,
                **common,
            )
        )
    if not calls:
        actions = extra.get("actions") if isinstance(extra.get("actions"), list) else None
        if actions:
            commands = [a.get("command") or a.get("action") for a in actions if isinstance(a, dict)]
        else:
            # mini-SWE-agent runs a text-mode reply only when it holds exactly one block.
            blocks = [found.strip() for found in _BASH_BLOCK.findall(text)]
            commands = blocks if len(blocks) == 1 else []
        for index, command in enumerate(c for c in commands if isinstance(c, str)):
            call_id = f"{key.rsplit(':', 1)[-1]}.{index}"
            record_id = f"{run_id}:call:{call_id}"
            calls.append(
                Record(
                    record_id=record_id,
                    kind="tool_call",
                    role="assistant",
                    tool_name="bash",
                    tool_call_id=call_id,
                    tool_args=canonical_json({"command": command}),
                    parent_id=run_parent,
                    **common,
                )
            )
            pending.append((record_id, call_id))

    if calls:
        thought = _BASH_BLOCK.sub("", text).strip() if not message.get("tool_calls") else text.strip()
        if thought:
            records.append(
                Record(
                    record_id=f"{key}:thought",
                    kind="reasoning",
                    role="assistant",
                    text=thought,
                    parent_id=run_parent,
                    **common,
                )
            )
    elif text.strip():
        records.append(
            Record(record_id=key, kind="message", role="assistant", text=text, parent_id=run_parent, **common)
        )
    records.extend(calls)
    if records and usage:
        for field, value in usage.items():
            setattr(records[0], field, value)
    return records
