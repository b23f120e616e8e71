"""SWE-agent trajectories (`<instance_id>.traj`); mini-SWE-agent ones (`.traj.json`) are read by `mini_swe_agent`.

Both are one JSON document rewritten after every step, so they are read whole; one file
is one run. What each step and message becomes: docs/formats.md, "SWE-agent and
mini-SWE-agent (`swe-agent`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.accounting import excerpt_of
from logviz_assets.formats.base import (
    DOCUMENT_ERRORS,
    DocumentFormat,
    FileContext,
    Item,
    guarded,
    reject,
    typed_document,
)
from logviz_assets.formats.common import canonical_json, content_text, maybe_json, split_model, to_float, to_int
from logviz_assets.formats.ids import instance_run_id, run_record_id, tidied
from logviz_assets.formats.mini_swe_agent import mini_records
from logviz_assets.formats.steps import tool_call, tool_result
from logviz_assets.formats.swe_history import history_records, is_demonstration
from logviz_assets.record import Record

NAME = "swe-agent"

_TRAJECTORY_KEY = re.compile(rb'"trajectory"\s*:\s*\[')
_HISTORY_KEY = re.compile(rb'"history"\s*:\s*\[')
_STEP_KEYS = (b'"action"', b'"observation"')
_STEP_FIELDS = {"thought", "action", "response", "observation"}
_MINI_FORMAT = re.compile(rb'"trajectory_format"\s*:\s*"mini-swe-agent')
_MINI_VERSION = re.compile(rb'"mini_version"\s*:')
_FIRST_KEY_INFO = re.compile(rb'^\s*\{\s*"info"\s*:\s*\{')
_SWE_MESSAGE_TYPE = re.compile(rb'"message_type"\s*:\s*"(?:system_prompt|observation|action|thought|demonstration)"')


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
        # A demonstration: only the `history`, its messages typed as SWE-agent types them.
        return bool(_HISTORY_KEY.search(head) and _SWE_MESSAGE_TYPE.search(head))

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        value = yield from typed_document(data, ctx, NAME, dict, "a JSON object")
        if value is None:
            return
        if isinstance(value.get("messages"), list) and not isinstance(value.get("trajectory"), list):
            records = partial(mini_records, value, ctx, NAME, _instance_from_path(ctx.source_file))
        elif isinstance(value.get("trajectory"), list):
            records = partial(_swe_records, value, ctx)
        elif isinstance(value.get("history"), list) and "trajectory" not in value:
            records = partial(history_records, value, ctx, NAME, _instance_from_path(ctx.source_file))
        else:
            reason = "neither a SWE-agent `trajectory` or `history` nor a mini-SWE-agent `messages` list"
            yield reject(ctx, None, reason, NAME)
            return
        yield from guarded(
            lambda: tidied(records()), ctx, None, NAME, "unexpected trajectory shape", errors=DOCUMENT_ERRORS
        )


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
        if isinstance(message, dict) and message.get("role") == "user" and not is_demonstration(message):
            return content_text(message.get("content"))
    return None


def _swe_project(trajectory: list[Any]) -> str | None:
    """The working directory from the first step's `state` (a JSON string in v0, an object in v1)."""
    for step in trajectory:
        state = step.get("state") if isinstance(step, dict) else None
        if isinstance(state, str):
            state = maybe_json(state.strip())
        if isinstance(state, dict) and isinstance(state.get("working_dir"), str):
            return state["working_dir"]
    return None


def _swe_records(doc: dict[str, Any], ctx: FileContext) -> Iterator[Item]:
    config = _replay_config(doc)
    problem = config.get("problem_statement") if isinstance(config.get("problem_statement"), dict) else {}
    instance = problem.get("id") or _instance_from_path(ctx.source_file)
    run_id = instance_run_id(NAME, instance, ctx.source_file)
    model, provider = split_model(_swe_model(config, doc))
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
        record_id=run_record_id(run_id),
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
            yield reject(ctx, None, f"trajectory[{index}] is not an object", NAME, excerpt_of(step))
            continue
        if not _STEP_FIELDS & step.keys():
            reason = f"trajectory[{index}] holds no thought, action, response or observation"
            yield reject(ctx, None, reason, NAME, excerpt_of(step))
            continue
        for record in _swe_step(step, index, base, {"model": model, "provider": provider, **base}):
            record.seq = seq
            seq += 1
            yield record


def _swe_step(step: dict[str, Any], index: int, base: dict[str, Any], common: dict[str, Any]) -> Iterator[Record]:
    """One model turn: its thought (else a bare response), its action and the observation it got."""
    key = f"{base['run_id']}:s{index}"
    run_parent = run_record_id(base["run_id"])
    thought = step.get("thought") if isinstance(step.get("thought"), str) else ""
    action = step.get("action") if isinstance(step.get("action"), str) else ""
    observation = step.get("observation")
    observation = observation if isinstance(observation, str) else content_text(observation)
    if thought.strip():
        yield Record(
            record_id=f"{key}:thought",
            kind="reasoning",
            role="assistant",
            text=thought.strip(),
            parent_id=run_parent,
            **common,
        )
    elif not action.strip() and isinstance(step.get("response"), str) and step["response"].strip():
        yield Record(
            record_id=f"{key}:response",
            kind="message",
            role="assistant",
            text=step["response"],
            parent_id=run_parent,
            **common,
        )
    if action.strip():
        command = action.strip("\n")
        call_id = f"step-{index}"
        tool_name = command.split(maxsplit=1)[0]
        yield tool_call(
            f"{key}:call", call_id, tool_name, canonical_json({"command": command}), parent_id=run_parent, **common
        )
        yield tool_result(
            f"{key}:result",
            call_id,
            tool_name,
            observation or "",
            parent_id=f"{key}:call",
            **base,
        )
    elif observation:
        yield Record(
            record_id=f"{key}:observation", kind="message", role="user", text=observation, parent_id=run_parent, **base
        )
