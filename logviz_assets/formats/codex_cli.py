"""Codex CLI rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl`.

One `{"timestamp", "type", "payload"}` object a line, appended while the session runs,
so the file is read as a stream; one file is one run. What each line becomes:
docs/formats.md, "Codex CLI (`codex-cli`)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from logviz_assets.formats.base import FileContext, Item, JsonlFormat, Skip, reject
from logviz_assets.formats.codex_rollout import (
    UNSHOWN_ITEM_TYPES,
    fallback_run_id,
    is_prompt,
    normalise,
    reasoning_text,
    tool_output,
)
from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_int, utc_iso
from logviz_assets.formats.ids import call_record_id, run_record_id, safe_id, tidy_text
from logviz_assets.formats.json_input import first_json_line
from logviz_assets.record import Record

NAME = "codex-cli"

# A first line longer than the head (huge base instructions): recognise its opening.
_HEAD_SIGNATURE = re.compile(rb'^\s*\{\s*"timestamp"\s*:\s*"[^"]*"\s*,\s*"type"\s*:\s*"session_meta"\s*,\s*"payload"')
_MAX_OPEN_CALLS = 256
_MAX_REMEMBERED = 64


def _record_key(run_id: str) -> str:
    """The start of every record id of a run: the run id is the bare session id, record ids name the format."""
    return f"{NAME}:{run_id}"


def _run_record_id(run_id: str) -> str:
    return run_record_id(_record_key(run_id))


def _remember(store: list[list[Any]], key: str, value: Any, limit: int) -> None:
    """Put `key` into a small ordered cache of [key, value] pairs, dropping the oldest beyond `limit`.

    A list, not a dict: the state is saved with sorted keys, which would lose a dict's order.
    """
    _take(store, key)
    store.append([key, value])
    del store[:-limit]


def _take(store: list[list[Any]], key: str) -> Any:
    """Remove `key` from the cache and return its value (None when absent)."""
    for index, (known, value) in enumerate(store):
        if known == key:
            del store[index]
            return value
    return None


class CodexCli(JsonlFormat):
    name = NAME

    def detect(self, head: bytes, path: str) -> bool:
        event = first_json_line(head)
        if event is None:
            return bool(_HEAD_SIGNATURE.match(head))
        if event.get("type") == "session_meta":
            payload = event.get("payload")
            return isinstance(payload, dict) and "id" in payload
        # The older layout: a bare session meta line first.
        return (
            "type" not in event
            and "role" not in event
            and isinstance(event.get("id"), str)
            and "timestamp" in event
            and ("instructions" in event or "git" in event)
        )

    def parse_event(
        self, event: dict[str, Any], line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        kind, payload, timestamp = normalise(event)
        if kind is None:
            if event.get("record_type") == "state":  # the older layout's state snapshots
                yield Skip(line_no, "record_type state")
            else:
                line_type = event.get("type")
                what = f"a line of type {line_type!r}" if isinstance(line_type, str) else "a line without a type"
                yield reject(ctx, line_no, f"{what}: not a Codex rollout line this parser knows", NAME, event)
            return
        if kind == "compacted":
            yield Skip(line_no, "compacted")
            return
        if not isinstance(payload, dict):
            yield reject(ctx, line_no, f"{kind} line without a payload object", NAME, canonical_json(event))
            return
        ts = utc_iso(timestamp)
        # A run record these lines complete names the session_meta line as its source: they are skips themselves.
        if kind == "session_meta":
            self._session_meta(payload, ts, line_no, ctx, state)
            yield Skip(line_no, "session_meta")
        elif kind == "turn_context":
            if payload.get("model"):
                state["model"] = str(payload["model"])
            yield from self._run_record(ctx, state, force=False)
            yield Skip(line_no, "turn_context")
        elif kind == "event_msg":
            yield from self._event_msg(payload, ts, line_no, ctx, state)
        else:
            yield from self._response_item(payload, ts, line_no, ctx, state)

    # -- the run -------------------------------------------------------------------

    def _session_meta(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> None:
        run = state.get("run")
        if run is not None and (run.get("from_meta") or run.get("emitted")):
            return  # a resumed session, or history copied into a fork: the file's run is set
        session = payload.get("id")
        source = payload.get("source")
        subagent = source.get("subagent") if isinstance(source, dict) else None
        parent_thread = payload.get("parent_thread_id")
        agent_name = "main"
        if subagent is not None:
            agent_name = "subagent"
            if isinstance(subagent, str):
                agent_name = subagent
            elif isinstance(subagent, dict):
                spawn = subagent.get("thread_spawn")
                if isinstance(spawn, dict):
                    parent_thread = parent_thread or spawn.get("parent_thread_id")
                    agent_name = str(spawn.get("agent_nickname") or spawn.get("agent_role") or "thread_spawn")
                elif subagent:
                    key, value = next(iter(subagent.items()))
                    agent_name = str(value) if isinstance(value, str) else str(key)
        state["run"] = {
            "run_id": safe_id(session) if session else fallback_run_id(ctx.source_file),
            "from_meta": True,
            "emitted": False,
            "line": line_no,
            "ts_start": utc_iso(payload.get("timestamp")) or ts,
            "project": payload.get("cwd"),
            "provider": payload.get("model_provider"),
            "model": payload.get("model"),
            "agent_name": agent_name,
            "is_subagent": subagent is not None,
            "parent_id": _run_record_id(safe_id(parent_thread)) if parent_thread else None,
            "prompt": None,
        }

    def _run(self, ctx: FileContext, state: dict[str, Any]) -> dict[str, Any]:
        run = state.get("run")
        if run is None:  # no session_meta before the first step (a truncated file)
            run = state["run"] = {
                "run_id": fallback_run_id(ctx.source_file),
                "from_meta": False,
                "emitted": False,
                "line": None,
                "agent_name": "main",
                "is_subagent": False,
                "prompt": None,
            }
        return run

    def _run_record(self, ctx: FileContext, state: dict[str, Any], force: bool) -> Iterator[Record]:
        run = self._run(ctx, state)
        if run["emitted"]:
            return
        model = state.get("model") or run.get("model")
        if not force and not (run.get("prompt") and model):
            return
        run["emitted"] = True
        yield tidy_text(
            Record(
                record_id=_run_record_id(run["run_id"]),
                run_id=run["run_id"],
                kind="run",
                source_format=NAME,
                parent_id=run.get("parent_id"),
                seq=-1,
                text=run.get("prompt"),
                agent_name=run.get("agent_name"),
                is_subagent=bool(run.get("is_subagent")),
                model=model,
                provider=run.get("provider"),
                ts_start=run.get("ts_start"),
                project=run.get("project"),
                source_file=ctx.source_file,
                source_line=run.get("line"),
            )
        )

    def _note_prompt(self, text: Any, ctx: FileContext, state: dict[str, Any]) -> Iterator[Record]:
        run = self._run(ctx, state)
        if isinstance(text, str) and text.strip() and is_prompt(text) and not run.get("prompt"):
            run["prompt"] = text
        yield from self._run_record(ctx, state, force=False)

    def _step(
        self, ctx: FileContext, state: dict[str, Any], line_no: int, ts: str | None, record_id: str, **fields: Any
    ) -> Record:
        run = self._run(ctx, state)
        seq = state.get("seq", 0)
        state["seq"] = seq + 1
        if fields.get("role") == "assistant":
            fields.setdefault("model", state.get("model") or run.get("model"))
            fields.setdefault("provider", run.get("provider"))
        record = Record(
            record_id=record_id,
            run_id=run["run_id"],
            source_format=NAME,
            parent_id=fields.pop("parent_id", _run_record_id(run["run_id"])),
            seq=seq,
            agent_name=run.get("agent_name"),
            is_subagent=bool(run.get("is_subagent")),
            ts_start=ts,
            project=run.get("project"),
            source_file=ctx.source_file,
            source_line=line_no,
            **fields,
        )
        return tidy_text(record)

    def _line_step(
        self, ctx: FileContext, state: dict[str, Any], line_no: int, ts: str | None, **fields: Any
    ) -> Record:
        """A step named after its line: one that has no id of its own."""
        return self._step(ctx, state, line_no, ts, self._line_id(ctx, state, line_no), **fields)

    def _line_id(self, ctx: FileContext, state: dict[str, Any], line_no: int) -> str:
        return f"{_record_key(self._run(ctx, state)['run_id'])}:{line_no}"

    def _call_id(self, ctx: FileContext, state: dict[str, Any], call_id: str) -> str:
        return call_record_id(_record_key(self._run(ctx, state)["run_id"]), call_id)

    # -- response items --------------------------------------------------------------

    def _response_item(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        item = payload.get("type")
        if item == "message":
            role = payload.get("role")
            if "content" not in payload:
                yield reject(ctx, line_no, "a message item without content", NAME, payload)
                return
            text = content_text(payload.get("content"))
            if not text:
                yield Skip(line_no, "response_item message (empty)")
                return
            if role == "user":
                yield from self._note_prompt(text, ctx, state)
            elif role == "assistant":
                yield from self._run_record(ctx, state, force=True)
            yield self._line_step(ctx, state, line_no, ts, kind="message", role=role, text=text)
        elif item == "reasoning":
            text = reasoning_text(payload)
            if not text:
                yield Skip(line_no, "response_item reasoning (encrypted only)")
                return
            yield from self._run_record(ctx, state, force=True)
            yield self._line_step(ctx, state, line_no, ts, kind="reasoning", role="assistant", text=text)
        elif item in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call"):
            yield from self._run_record(ctx, state, force=True)
            yield self._tool_call(item, payload, ts, line_no, ctx, state)
        elif item in ("function_call_output", "custom_tool_call_output"):
            yield from self._run_record(ctx, state, force=True)
            yield self._tool_result(payload, ts, line_no, ctx, state)
        elif item in UNSHOWN_ITEM_TYPES:
            yield Skip(line_no, f"response_item {item}")
        else:
            what = f"an item of type {item!r}" if isinstance(item, str) else "an item without a type"
            yield reject(ctx, line_no, f"{what}: not a Codex response item this parser knows", NAME, payload)

    def _tool_call(
        self, item: str, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Record:
        call_id = payload.get("call_id") or payload.get("id")
        if item == "function_call":
            name, args = payload.get("name"), maybe_json(payload.get("arguments", {}))
        elif item == "custom_tool_call":
            name, args = payload.get("name"), maybe_json(payload.get("input", ""))
        elif item == "local_shell_call":
            name, args = "local_shell", payload.get("action") or {}
        else:
            name, args = "web_search", payload.get("action") or {}
            action = args if isinstance(args, dict) else {}
            query = action.get("query") or action.get("url")
            call_id = call_id or (_take(state.setdefault("web_search_ids", []), str(query)) if query else None)
        if call_id and item != "web_search_call":
            _remember(state.setdefault("open_calls", []), str(call_id), name, _MAX_OPEN_CALLS)
        record_id = self._call_id(ctx, state, call_id) if call_id else self._line_id(ctx, state, line_no)
        return self._step(
            ctx,
            state,
            line_no,
            ts,
            record_id,
            kind="tool_call",
            role="assistant",
            tool_name=name,
            tool_call_id=str(call_id) if call_id else None,
            tool_args=canonical_json(args),
        )

    def _tool_result(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Record:
        call_id = payload.get("call_id")
        text, is_error, decoded = tool_output(payload.get("output"))
        name = None
        if call_id:
            name = _take(state.setdefault("open_calls", []), str(call_id))
            is_error = bool(_take(state.setdefault("outcomes", []), str(call_id))) or is_error
        spawned = None
        if isinstance(decoded, dict) and isinstance(decoded.get("agent_id"), str) and "spawn" in str(name or ""):
            spawned = safe_id(decoded["agent_id"])
        call_record = self._call_id(ctx, state, call_id) if call_id else None
        return self._step(
            ctx,
            state,
            line_no,
            ts,
            f"{call_record}:result" if call_record else self._line_id(ctx, state, line_no),
            kind="tool_result",
            role="tool",
            text=text,
            tool_name=name,
            tool_call_id=str(call_id) if call_id else None,
            is_error=is_error,
            spawned_run_id=spawned,
            parent_id=call_record or _run_record_id(self._run(ctx, state)["run_id"]),
        )

    # -- events ---------------------------------------------------------------------

    def _event_msg(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        kind = payload.get("type")
        if not isinstance(kind, str):
            yield reject(ctx, line_no, "an event_msg without a type", NAME, payload)
            return
        # What the UI was shown: the steps themselves come from the response items.
        skip = Skip(line_no, f"event_msg {kind}")
        if kind == "user_message":
            # The step itself is the response_item copy; this only names the prompt.
            yield from self._note_prompt(payload.get("message"), ctx, state)
        elif kind == "token_count":
            yield from self._token_count(payload, ts, line_no, ctx, state)
            return
        elif kind in ("exec_command_end", "patch_apply_end", "mcp_tool_call_end"):
            call_id = payload.get("call_id")
            if call_id and any(known == str(call_id) for known, _ in state.get("open_calls", [])):
                _remember(state.setdefault("outcomes", []), str(call_id), _failed(kind, payload), _MAX_REMEMBERED)
            # else its result is already out (or never comes): nothing to amend
        elif kind in ("web_search_begin", "web_search_end"):
            action = payload.get("action") if isinstance(payload.get("action"), dict) else {}
            query = payload.get("query") or action.get("query") or action.get("url")
            if payload.get("call_id") and query:
                _remember(state.setdefault("web_search_ids", []), str(query), str(payload["call_id"]), _MAX_REMEMBERED)
        yield skip

    def _token_count(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        info = payload.get("info")
        if not isinstance(info, dict):
            yield Skip(line_no, "event_msg token_count (rate limits only)")
            return
        total, last = info.get("total_token_usage"), info.get("last_token_usage")
        previous = state.get("last_total")
        if isinstance(total, dict):
            if total == previous:
                yield Skip(line_no, "event_msg token_count (repeated snapshot)")
                return
            state["last_total"] = total
        usage = last if isinstance(last, dict) else None
        if usage is None and isinstance(total, dict) and isinstance(previous, dict):
            usage = {key: (to_int(total.get(key)) or 0) - (to_int(previous.get(key)) or 0) for key in total}
        tokens_in, tokens_out = (
            (to_int(usage.get("input_tokens")), to_int(usage.get("output_tokens"))) if usage else (0, 0)
        )
        if not tokens_in and not tokens_out:
            yield Skip(line_no, "event_msg token_count (no new tokens)")
            return
        yield from self._run_record(ctx, state, force=True)
        yield self._line_step(
            ctx,
            state,
            line_no,
            ts,
            kind="llm_call",
            role="assistant",
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            tokens_cache_read=to_int(usage.get("cached_input_tokens")),
        )


def _failed(kind: str, payload: dict[str, Any]) -> bool:
    """Whether a `*_end` event says its call failed."""
    if kind == "exec_command_end":
        code = to_int(payload.get("exit_code"))
        return code is not None and code != 0
    if kind == "patch_apply_end":
        return payload.get("success") is False
    result = payload.get("result")
    return isinstance(result, dict) and (
        "Err" in result or (isinstance(result.get("Ok"), dict) and bool(result["Ok"].get("isError")))
    )
