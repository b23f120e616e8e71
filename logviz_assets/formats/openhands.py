"""OpenHands trajectories: a JSON array of the events of one conversation.

Where they live: the "export trajectory" button of the OpenHands GUI downloads one, and
`save_trajectory_path` in the config writes one after each headless run (that file, or
`<folder>/<session id>.json` when it names a folder); evaluation harnesses save the same event list.
Each element is one event: an *action* (`"action": "run" | "edit" | "read" | "browse" |
"message" | "think" | "finish" | "delegate" | ...`, with `args`) or an *observation*
(`"observation": ...`, with `content`, `extras`, and `cause`, the id of the action it
answers). There is no conversation id in the file, so the run is named after the file.

Mapping: a `message` action is a message (role from `source`: user or agent); the first
user message is also the run's text. `think` is reasoning, and so is the `thought` an
agent wrote alongside a tool action. Every other agent action is a tool call, named by
`tool_call_metadata.function_name` (else the action type) with the arguments the model
sent (from the model response, else `args`). An observation whose `cause` is such an
action is its tool result; it is an error when it is an `error` observation, its exit code
is non-zero, or `success` is false. `tool_call_metadata.model_response` gives the model
and token usage (LiteLLM `usage`: prompt_tokens already counts cached tokens), counted
once per model response. `finish` gives a reasoning record for its thought and a message
for its final text. An `error` observation answering nothing becomes a system message.

Skipped: `agent_state_changed`, `null`, `change_agent_state`, `system` (the system
prompt), `recall`, `condensation` and other bookkeeping events, and observations that
answer a message or a thought. Timestamps carry no zone in the file and are taken as UTC.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.base import (
    DocumentFormat,
    FileContext,
    Item,
    first_array_element,
    load_json_document,
    reject,
    tidied,
)
from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_float, to_int, utc_iso
from logviz_assets.record import Record

NAME = "openhands"

_SKIP_ACTIONS = {
    "change_agent_state",
    "null",
    "system",
    "recall",
    "condensation",
    "condensation_request",
    "pause",
    "resume",
    "stop",
}
_SKIP_OBSERVATIONS = {"agent_state_changed", "null", "recall", "condensation", "think"}
# Keys of `args` that are bookkeeping of the runtime, not arguments the model chose.
_ARG_NOISE = {
    "thought",
    "blocking",
    "hidden",
    "confirmation_state",
    "is_input",
    "impl_source",
    "translated_ipython_code",
    "security_risk",
    "wait_for_response",
    "image_urls",
}
_EVENT_SHAPE = re.compile(r'"(?:action|observation)"\s*:\s*"[a-z_]+"')
_SOURCE = re.compile(r'"source"\s*:\s*"(?:agent|user|environment)"')


def _split_model(name: Any) -> tuple[str | None, str | None]:
    if not isinstance(name, str) or not name:
        return None, None
    if "/" in name:
        provider, model = name.split("/", 1)
        return model, provider
    return name, None


def is_event(value: Any) -> bool:
    """An OpenHands event: an id and an action or observation, and no chat `role`."""
    return (
        isinstance(value, dict)
        and "id" in value
        and ("action" in value or "observation" in value)
        and "role" not in value
    )


class OpenHands(DocumentFormat):
    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        first = first_array_element(head)
        if first is not None:
            return is_event(first)
        # The first event may be longer than the head (a system prompt with its tools).
        text = head[:4096].decode("utf-8", "ignore").lstrip()
        if not text.startswith("["):
            return False
        opening = text[1:].lstrip()
        return (
            opening.startswith("{")
            and not re.match(r'\{\s*"role"\s*:', opening)
            and bool(_EVENT_SHAPE.search(text))
            and bool(_SOURCE.search(text))
        )

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        value, problem = load_json_document(data, ctx, NAME)
        if problem:
            yield problem
            return
        if not isinstance(value, list):
            yield reject(ctx, None, f"expected a JSON array of OpenHands events, got {type(value).__name__}", NAME)
            return
        try:
            yield from tidied(_records(value, ctx))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as err:
            yield reject(ctx, None, f"unexpected event shape: {type(err).__name__}: {err}", NAME)


def _model_response(event: dict[str, Any]) -> dict[str, Any]:
    meta = event.get("tool_call_metadata")
    if isinstance(meta, dict) and isinstance(meta.get("model_response"), dict):
        return meta["model_response"]
    return {}


def _usage(response: dict[str, Any]) -> dict[str, Any]:
    usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
    details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    cache_read = to_int(usage.get("cache_read_input_tokens"))
    if cache_read is None:
        cache_read = to_int(details.get("cached_tokens"))
    return {
        "tokens_in": to_int(usage.get("prompt_tokens")),
        "tokens_out": to_int(usage.get("completion_tokens")),
        "tokens_cache_read": cache_read,
        "tokens_cache_write": to_int(usage.get("cache_creation_input_tokens")),
    }


def _model_arguments(event: dict[str, Any], response: dict[str, Any]) -> Any:
    """The arguments the model sent for this action's tool call, if the response holds them."""
    meta = event.get("tool_call_metadata") if isinstance(event.get("tool_call_metadata"), dict) else {}
    call_id = meta.get("tool_call_id")
    for choice in response.get("choices") or []:
        message = choice.get("message") if isinstance(choice, dict) else None
        for call in (message or {}).get("tool_calls") or []:
            if isinstance(call, dict) and call.get("id") == call_id and isinstance(call.get("function"), dict):
                return maybe_json(call["function"].get("arguments"))
    return None


def _is_error(observation: dict[str, Any]) -> bool:
    if observation.get("observation") == "error" or observation.get("success") is False:
        return True
    extras = observation.get("extras") if isinstance(observation.get("extras"), dict) else {}
    metadata = extras.get("metadata") if isinstance(extras.get("metadata"), dict) else {}
    code = to_int(metadata.get("exit_code", extras.get("exit_code")))
    return code not in (None, 0)


def _id(value: Any) -> str | int | None:
    """An event id usable as a key (ids are integers in OpenHands; anything else is unusable)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return value


def _records(events: list[Any], ctx: FileContext) -> Iterator[Item]:
    run_id = f"{NAME}:{hashlib.sha1(ctx.source_file.encode()).hexdigest()[:16]}"
    run_parent = f"{run_id}:run"
    base = {"run_id": run_id, "source_format": NAME, "source_file": ctx.source_file, "source_line": None}

    valid: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        if is_event(event):
            valid.append(event)
        else:
            yield reject(
                ctx,
                None,
                f"element {index} is not an OpenHands event (no id/action/observation)",
                NAME,
                canonical_json(event),
            )
    answers: dict[Any, dict[str, Any]] = {}
    for event in valid:
        cause = _id(event.get("cause"))
        if "observation" in event and cause is not None:
            answers.setdefault(cause, event)

    steps: list[Record] = []
    calls: dict[Any, Record] = {}  # action event id -> its tool call record
    seen_responses: set[Any] = set()
    task: str | None = None
    run_model: tuple[str | None, str | None] = (None, None)
    last_model: tuple[str | None, str | None] = (None, None)
    totals: dict[str, Any] = {}
    used: set[Any] = set()
    for index, event in enumerate(valid):
        event_id = _id(event["id"])
        if event_id is None or str(event_id) in used:
            event_id = f"e{index}"  # a missing or repeated id: name the event by its position
        used.add(str(event_id))
        key = f"{run_id}:{event_id}"
        ts = utc_iso(event.get("timestamp"))
        metrics = event.get("llm_metrics")
        if isinstance(metrics, dict):
            totals = metrics
        if "action" in event:
            action = event["action"] if isinstance(event["action"], str) else str(event["action"])
            args = event.get("args") if isinstance(event.get("args"), dict) else {}
            source = event.get("source")
            if action in _SKIP_ACTIONS:
                continue
            response = _model_response(event)
            model, provider = _split_model(response.get("model"))
            if model:
                last_model = (model, provider)
                if run_model[0] is None:
                    run_model = (model, provider)
            elif source == "agent":
                # An agent's reply without metadata came from the model its tool calls used.
                model, provider = last_model
            common = {"model": model, "provider": provider, "ts_start": ts, **base}
            produced: list[Record] = []
            thought = args.get("thought")
            if action == "message":
                text = content_text(args.get("content")) or event.get("message") or ""
                role = "user" if source == "user" else "assistant"
                if role == "user" and task is None:
                    task = text
                if text:
                    produced.append(
                        Record(record_id=key, kind="message", role=role, text=text, parent_id=run_parent, **common)
                    )
            elif action == "think":
                if isinstance(thought, str) and thought.strip():
                    produced.append(
                        Record(
                            record_id=key,
                            kind="reasoning",
                            role="assistant",
                            text=thought,
                            parent_id=run_parent,
                            **common,
                        )
                    )
            elif action in ("finish", "reject"):
                if isinstance(thought, str) and thought.strip():
                    produced.append(
                        Record(
                            record_id=f"{key}:thought",
                            kind="reasoning",
                            role="assistant",
                            text=thought,
                            parent_id=run_parent,
                            **common,
                        )
                    )
                outputs = args.get("outputs") if isinstance(args.get("outputs"), dict) else {}
                final = (
                    args.get("final_thought")
                    or args.get("message")
                    or outputs.get("content")
                    or (event.get("message") if action == "reject" else None)
                )
                if isinstance(final, str) and final.strip():
                    produced.append(
                        Record(
                            record_id=key, kind="message", role="assistant", text=final, parent_id=run_parent, **common
                        )
                    )
            else:
                role = "user" if source == "user" else "assistant"
                if isinstance(thought, str) and thought.strip():
                    produced.append(
                        Record(
                            record_id=f"{key}:thought",
                            kind="reasoning",
                            role=role,
                            text=thought,
                            parent_id=run_parent,
                            **common,
                        )
                    )
                meta = event.get("tool_call_metadata") if isinstance(event.get("tool_call_metadata"), dict) else {}
                arguments = _model_arguments(event, response)
                if arguments is None:
                    arguments = {k: v for k, v in args.items() if k not in _ARG_NOISE}
                answer = answers.get(event_id)
                call = Record(
                    record_id=key,
                    kind="tool_call",
                    role=role,
                    tool_name=meta.get("function_name") or action,
                    tool_call_id=str(meta.get("tool_call_id") or event_id),
                    tool_args=canonical_json(arguments),
                    parent_id=run_parent,
                    ts_end=utc_iso(answer.get("timestamp")) if answer else None,
                    **common,
                )
                calls[event_id] = call
                produced.append(call)
            response_id = _id(response.get("id"))
            if produced and response and response_id not in seen_responses:
                if response_id is not None:
                    seen_responses.add(response_id)
                for field, value in _usage(response).items():
                    setattr(produced[0], field, value)
            steps.extend(produced)
            continue

        observation = event.get("observation")
        if not isinstance(observation, str) or observation in _SKIP_OBSERVATIONS:
            continue
        cause = _id(event.get("cause"))
        text = content_text(event.get("content")) or event.get("message") or ""
        if cause in calls:
            call = calls[cause]
            steps.append(
                Record(
                    record_id=key,
                    kind="tool_result",
                    role="tool",
                    text=text,
                    tool_name=call.tool_name,
                    tool_call_id=call.tool_call_id,
                    is_error=_is_error(event),
                    parent_id=call.record_id,
                    ts_start=ts,
                    **base,
                )
            )
        elif observation == "error":
            steps.append(
                Record(
                    record_id=key,
                    kind="message",
                    role="system",
                    text=text,
                    is_error=True,
                    parent_id=run_parent,
                    ts_start=ts,
                    **base,
                )
            )

    stamps = [utc_iso(e.get("timestamp")) for e in valid if e.get("timestamp")]
    usage = totals.get("accumulated_token_usage") if isinstance(totals.get("accumulated_token_usage"), dict) else {}
    yield Record(
        record_id=run_parent,
        kind="run",
        seq=-1,
        text=task,
        model=run_model[0],
        provider=run_model[1],
        ts_start=stamps[0] if stamps else None,
        ts_end=stamps[-1] if stamps else None,
        tokens_in=to_int(usage.get("prompt_tokens")),
        tokens_out=to_int(usage.get("completion_tokens")),
        tokens_cache_read=to_int(usage.get("cache_read_tokens")),
        tokens_cache_write=to_int(usage.get("cache_write_tokens")),
        cost_usd=to_float(totals.get("accumulated_cost")),
        **base,
    )
    for seq, record in enumerate(steps):
        record.seq = seq
        yield record
