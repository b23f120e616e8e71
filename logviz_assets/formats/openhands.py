"""OpenHands trajectories: a JSON array of the events of one conversation.

One file is one run, named after the file. What each action and observation becomes:
docs/formats.md, "OpenHands (`openhands`)".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
from logviz_assets.formats.common import (
    canonical_json,
    chat_completion_usage,
    content_text,
    maybe_json,
    split_model,
    to_float,
    to_int,
    utc_iso,
)
from logviz_assets.formats.ids import file_run_id, run_record_id, tidied
from logviz_assets.formats.json_input import first_array_element
from logviz_assets.formats.steps import tool_result
from logviz_assets.record import Record, Reject

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
    *("thought", "blocking", "hidden", "confirmation_state", "is_input", "impl_source"),
    *("translated_ipython_code", "security_risk", "wait_for_response", "image_urls"),
}
_EVENT_SHAPE = re.compile(r'"(?:action|observation)"\s*:\s*"[a-z_]+"')
_SOURCE = re.compile(r'"source"\s*:\s*"(?:agent|user|environment)"')


def is_event(value: Any) -> bool:
    """An OpenHands event: an id and an action or observation, and no chat `role`."""
    return isinstance(value, dict) and "id" in value and _event_shape(value)


def _event_shape(value: Any) -> bool:
    """An event, its id aside: a file already known to be OpenHands' names a missing id by position."""
    return isinstance(value, dict) and ("action" in value or "observation" in value) and "role" not in value


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
        value = yield from typed_document(data, ctx, NAME, list, "a JSON array of OpenHands events")
        if value is None:
            return
        yield from guarded(
            lambda: tidied(_records(value, ctx)), ctx, None, NAME, "unexpected event shape", errors=DOCUMENT_ERRORS
        )


def _model_response(event: dict[str, Any]) -> dict[str, Any]:
    meta = event.get("tool_call_metadata")
    if isinstance(meta, dict) and isinstance(meta.get("model_response"), dict):
        return meta["model_response"]
    return {}


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


def _thought(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _records(events: list[Any], ctx: FileContext) -> Iterator[Item]:
    """Rejects for what is not an event as they are found; the run and its steps once all events are read."""
    trajectory = _Trajectory(ctx)
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, event in enumerate(events):
        if _event_shape(event):
            valid.append((index, event))
        else:
            reason = f"element {index} is not an OpenHands event (no action/observation)"
            yield reject(ctx, None, reason, NAME, excerpt_of(event))
    for _, event in valid:
        cause = _id(event.get("cause"))
        if "observation" in event and cause is not None:
            trajectory.answers.setdefault(cause, event)
    for index, event in valid:
        trajectory.take(event, index)
    yield from trajectory.rejects
    yield trajectory.run_record([utc_iso(e.get("timestamp")) for _, e in valid if e.get("timestamp")])
    for seq, record in enumerate(trajectory.steps):
        record.seq = seq
        yield record


@dataclass
class _Action:
    """An action event and what all its records share."""

    event: dict[str, Any]
    name: str
    args: dict[str, Any]
    source: Any
    event_id: str | int
    key: str
    response: dict[str, Any]
    common: dict[str, Any]

    @property
    def role(self) -> str:
        return "user" if self.source == "user" else "assistant"


class _Trajectory:
    """The run of one trajectory, built event by event."""

    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.run_id = file_run_id(NAME, ctx.source_file)
        self.run_parent = run_record_id(self.run_id)
        self.base = {"run_id": self.run_id, "source_format": NAME, "source_file": ctx.source_file, "source_line": None}
        self.answers: dict[Any, dict[str, Any]] = {}  # action event id -> the observation answering it
        self.steps: list[Record] = []
        self.calls: dict[Any, Record] = {}  # action event id -> its tool call record
        self.actions: set[Any] = set()  # every action's event id, to tell what an observation answers
        self.rejects: list[Reject] = []
        self.seen_responses: set[Any] = set()
        self.task: str | None = None
        self.run_model: tuple[str | None, str | None] = (None, None)
        self.last_model: tuple[str | None, str | None] = (None, None)
        self.totals: dict[str, Any] = {}
        self.used: set[Any] = set()

    def take(self, event: dict[str, Any], index: int) -> None:
        event_id = _id(event.get("id"))
        if event_id is None or str(event_id) in self.used:
            event_id = f"e{index}"  # a missing or repeated id: name the event by its position in the file
        self.used.add(str(event_id))
        key = f"{self.run_id}:{event_id}"
        ts = utc_iso(event.get("timestamp"))
        metrics = event.get("llm_metrics")
        if isinstance(metrics, dict):
            self.totals = metrics
        if "action" in event:
            self.actions.add(_id(event.get("id")))
            self._action(event, event_id, key, ts)
        else:
            self._observation(event, key, ts, index)

    def _action(self, event: dict[str, Any], event_id: str | int, key: str, ts: str | None) -> None:
        name = event["action"] if isinstance(event["action"], str) else str(event["action"])
        args = event.get("args") if isinstance(event.get("args"), dict) else {}
        source = event.get("source")
        if name in _SKIP_ACTIONS:
            return
        response = _model_response(event)
        model, provider = split_model(response.get("model"))
        if model:
            self.last_model = (model, provider)
            if self.run_model[0] is None:
                self.run_model = (model, provider)
        elif source == "agent":
            # An agent's reply without metadata came from the model its tool calls used.
            model, provider = self.last_model
        common = {"model": model, "provider": provider, "ts_start": ts, **self.base}
        action = _Action(event, name, args, source, event_id, key, response, common)
        produced = _ACTIONS.get(name, _Trajectory._tool_call)(self, action)
        response_id = _id(response.get("id"))
        if produced and response and response_id not in self.seen_responses:
            if response_id is not None:
                self.seen_responses.add(response_id)
            for field, value in chat_completion_usage(response).items():
                setattr(produced[0], field, value)
        self.steps.extend(produced)

    def _step(self, record_id: str, kind: str, role: str, text: Any, common: dict[str, Any], **fields: Any) -> Record:
        """A step under the run record."""
        return Record(
            record_id=record_id, kind=kind, role=role, text=text, parent_id=self.run_parent, **common, **fields
        )

    def _message(self, a: _Action) -> list[Record]:
        text = content_text(a.args.get("content")) or a.event.get("message") or ""
        if a.role == "user" and self.task is None:
            self.task = text
        return [self._step(a.key, "message", a.role, text, a.common)] if text else []

    def _think(self, a: _Action) -> list[Record]:
        thought = _thought(a.args.get("thought"))
        return [self._step(a.key, "reasoning", "assistant", thought, a.common)] if thought else []

    def _final_text(self, a: _Action) -> list[Record]:
        """The final answer of a `finish` or `reject` as a message (`reject` may only have an event message)."""
        outputs = a.args.get("outputs") if isinstance(a.args.get("outputs"), dict) else {}
        final = (
            a.args.get("final_thought")
            or a.args.get("message")
            or outputs.get("content")
            or (a.event.get("message") if a.name == "reject" else None)
        )
        if isinstance(final, str) and final.strip():
            return [self._step(a.key, "message", "assistant", final, a.common)]
        return []

    def _finish(self, a: _Action) -> list[Record]:
        """The model's call of its `finish` tool, which no observation answers, then its final answer."""
        return self._tool_call(a, f"{a.key}:call") + self._final_text(a)

    def _reject(self, a: _Action) -> list[Record]:
        """Its thought, then its final text."""
        thought = _thought(a.args.get("thought"))
        produced = [self._step(f"{a.key}:thought", "reasoning", "assistant", thought, a.common)] if thought else []
        return produced + self._final_text(a)

    def _tool_call(self, a: _Action, record_id: str | None = None) -> list[Record]:
        """Any other action: the thought beside it, and the action as a tool call."""
        produced = []
        thought = _thought(a.args.get("thought"))
        if thought:
            produced.append(self._step(f"{a.key}:thought", "reasoning", a.role, thought, a.common))
        meta = a.event.get("tool_call_metadata") if isinstance(a.event.get("tool_call_metadata"), dict) else {}
        arguments = _model_arguments(a.event, a.response)
        if arguments is None:
            arguments = {k: v for k, v in a.args.items() if k not in _ARG_NOISE}
        answer = self.answers.get(a.event_id)
        call = Record(
            record_id=record_id or a.key,
            kind="tool_call",
            role=a.role,
            tool_name=meta.get("function_name") or a.name,
            tool_call_id=str(meta.get("tool_call_id") or a.event_id),
            tool_args=canonical_json(arguments),
            parent_id=self.run_parent,
            ts_end=utc_iso(answer.get("timestamp")) if answer else None,
            **a.common,
        )
        self.calls[a.event_id] = call
        produced.append(call)
        return produced

    def _observation(self, event: dict[str, Any], key: str, ts: str | None, index: int) -> None:
        """The result of the tool call it answers; for an error answering none, a system message; for another
        observation answering no action of the file, a result of its own."""
        observation = event.get("observation")
        if not isinstance(observation, str):
            reason = f"element {index}: an observation of no known kind ({type(observation).__name__})"
            self.rejects.append(reject(self.ctx, None, reason, NAME, excerpt_of(event)))
            return
        if observation in _SKIP_OBSERVATIONS:
            return
        cause = _id(event.get("cause"))
        text = content_text(event.get("content")) or event.get("message") or ""
        if cause in self.calls:
            call = self.calls[cause]
            self.steps.append(
                tool_result(
                    key,
                    call.tool_call_id,
                    call.tool_name,
                    text,
                    is_error=_is_error(event),
                    parent_id=call.record_id,
                    ts_start=ts,
                    **self.base,
                )
            )
        elif observation == "error":
            self.steps.append(self._step(key, "message", "system", text, {"ts_start": ts, **self.base}, is_error=True))
        elif cause is None or cause not in self.actions:
            self.steps.append(
                tool_result(
                    key,
                    None,
                    observation,
                    text,
                    is_error=_is_error(event),
                    parent_id=self.run_parent,
                    ts_start=ts,
                    **self.base,
                )
            )

    def run_record(self, stamps: list[str | None]) -> Record:
        usage = self.totals.get("accumulated_token_usage")
        usage = usage if isinstance(usage, dict) else {}
        return Record(
            record_id=self.run_parent,
            kind="run",
            seq=-1,
            text=self.task,
            model=self.run_model[0],
            provider=self.run_model[1],
            ts_start=stamps[0] if stamps else None,
            ts_end=stamps[-1] if stamps else None,
            tokens_in=to_int(usage.get("prompt_tokens")),
            tokens_out=to_int(usage.get("completion_tokens")),
            tokens_cache_read=to_int(usage.get("cache_read_tokens")),
            tokens_cache_write=to_int(usage.get("cache_write_tokens")),
            cost_usd=to_float(self.totals.get("accumulated_cost")),
            **self.base,
        )


_ACTIONS: dict[str, Callable[[_Trajectory, _Action], list[Record]]] = {
    "message": _Trajectory._message,
    "think": _Trajectory._think,
    "finish": _Trajectory._finish,
    "reject": _Trajectory._reject,
}
