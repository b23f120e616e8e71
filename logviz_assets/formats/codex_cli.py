"""Codex CLI rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl`.

Codex appends one `{"timestamp", "type", "payload"}` object a line while it runs:
`session_meta` (first line: session id, cwd, CLI version, model provider, where the
session came from), `turn_context` (per turn: the model and its settings),
`response_item` (what went to and came from the model, in Responses API shape) and
`event_msg` (what the UI was told). One file is one run; its `run_id` is the session
id from `session_meta.payload.id`.

What maps to what:

- `response_item` `message` (user / assistant / developer) -> a `message` step with that
  role. Codex writes every typed prompt and every assistant reply twice: as a
  `response_item` and as an `event_msg` (`user_message` / `agent_message`). The
  `response_item` copy is kept (it exists in every Codex version and holds the full
  content); the `event_msg` copies are never emitted. Text the harness injects as user
  messages (`# AGENTS.md instructions`, `<environment_context>`, ...) is emitted as it
  was sent, with role `user`, but is not taken as the run's prompt.
- `reasoning` -> a `reasoning` step with the readable summary (or reasoning text). A
  block that is only `encrypted_content` has nothing to show and is skipped; likewise
  the `agent_reasoning` event copies are skipped.
- `function_call`, `custom_tool_call` (freeform input, e.g. `apply_patch`),
  `local_shell_call` (tool name `local_shell`) and `web_search_call` (tool name
  `web_search`) -> `tool_call`. A web search has no `call_id` in its `response_item`;
  it takes the id of the `web_search_end`/`web_search_begin` event with the same query
  when one came first, else an id from its line. Web searches have no result item.
- `function_call_output` / `custom_tool_call_output` -> `tool_result`, paired with its
  call by `call_id`. `is_error` comes from, in order: the `exec_command_end` /
  `patch_apply_end` / `mcp_tool_call_end` event for that call when it came *before*
  the output; `metadata.exit_code` of a JSON-wrapped output (`{"output", "metadata"}`);
  an `Exit code: N` / `Process exited with code N` header line; an output that starts
  with `<tool> failed` / `failed to` / `err:`. With unified exec a command that is
  still running when its first output is written reports its exit code later, in the
  output of the `write_stdin` call that polls it: that later result carries the error.
  A `spawn_agent` result naming an `agent_id` sets `spawned_run_id`.
- `event_msg` `token_count` -> one `llm_call` step per model request. Each such event
  carries the session's cumulative `total_token_usage` *and* the request's own
  `last_token_usage`. The event is written after the items that request produced,
  which by then are already emitted (the file is read as a stream), so the usage
  cannot go onto the assistant step itself; an `llm_call` step placed right after
  those items carries it instead. Only `last_token_usage` is used (the totals would
  count every earlier request again), and an event whose totals equal the previous
  event's is a repeat (Codex re-sends the snapshot, e.g. with rate-limit updates) and
  is skipped, so summing `tokens_*` over a run gives the session totals.
  `tokens_in` = `input_tokens` (OpenAI counts cached tokens inside it),
  `tokens_cache_read` = `cached_input_tokens`, `tokens_out` = `output_tokens`
  (reasoning tokens included).
- The run record (`<format>:<session id>:run`) carries the session start time, cwd as
  `project`, the model provider, the model of the first turn and the first typed
  prompt as `text`. It is emitted once both the first prompt and the model are known,
  or at the first step the model produced, whichever comes first. A subagent session
  (`source.subagent`) is marked `is_subagent`, named after its nickname/role, and hangs
  under its parent session's run record (`parent_thread_id`).

Skipped: `compacted` lines (the summary that replaced history), `ghost_snapshot` /
`compaction` items, the remaining `event_msg` kinds (task start/end, approvals,
streaming deltas, errors shown in the UI), and unknown line or item types. A fork
that copies a parent's history into its own file (a second `session_meta` of another
id) is read as one run: the copied items are counted again under the child.

Older rollouts (before each line was wrapped in `{"type", "payload"}`), whose first
line is the bare session meta and whose other lines are bare response items, are read
the same way, without timestamps.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from logviz_assets.formats.base import FileContext, Item, JsonlFormat, first_json_line, reject
from logviz_assets.formats.common import canonical_json, content_text, maybe_json, to_int, utc_iso
from logviz_assets.record import Record

NAME = "codex-cli"

_LINE_TYPES = {"session_meta", "response_item", "event_msg", "turn_context", "compacted"}
_LEGACY_ITEM_TYPES = {
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "web_search_call",
}
# A first line longer than the head (huge base instructions): recognise its opening.
_HEAD_SIGNATURE = re.compile(rb'^\s*\{\s*"timestamp"\s*:\s*"[^"]*"\s*,\s*"type"\s*:\s*"session_meta"\s*,\s*"payload"')
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EXIT_CODE = re.compile(r"^(?:Process exited with code|Exit code:)\s*(-?\d+)", re.MULTILINE)
_FAILURE = re.compile(r"^(?:[\w.-]+ failed\b|failed to\b|err: )", re.IGNORECASE)
# User-role text the harness writes itself: emitted, but never taken as the run's prompt.
_INJECTED_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "<permissions instructions>",
    "<INSTRUCTIONS>",
    "<user_shell_command>",
    "<turn_aborted>",
    "# AGENTS.md instructions",
)
_MAX_OPEN_CALLS = 256
_MAX_REMEMBERED = 64


def run_record_id(run_id: str) -> str:
    return f"{NAME}:{run_id}:run"


def _safe(value: Any) -> str:
    """A piece of a record id: ids go into URL paths, so no slashes."""
    return str(value).replace("/", "_")


def _fallback_run_id(source_file: str) -> str:
    """The session id from a `rollout-<time>-<uuid>.jsonl` name, else a hash of the path."""
    found = _UUID.findall(PurePath(source_file).name)
    if found:
        return found[-1].lower()
    return hashlib.sha1(source_file.encode()).hexdigest()[:16]


def _is_prompt(text: str) -> bool:
    return not text.lstrip().startswith(_INJECTED_PREFIXES)


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


def _normalise(event: dict[str, Any]) -> tuple[str | None, Any, Any]:
    """(line type, payload, timestamp) for the wrapped layout and the older bare one."""
    kind = event.get("type")
    if kind in _LINE_TYPES:
        return kind, event.get("payload"), event.get("timestamp")
    if "payload" in event:
        return None, None, None  # a line type this parser does not know
    if kind is None and "id" in event and "timestamp" in event:
        return "session_meta", event, event.get("timestamp")
    if kind in _LEGACY_ITEM_TYPES:
        return "response_item", event, event.get("timestamp")
    return None, None, None  # e.g. the old `{"record_type": "state"}` lines


def _reasoning_text(payload: dict[str, Any]) -> str | None:
    pieces: list[str] = []
    for source in (payload.get("summary"), payload.get("content")):
        if isinstance(source, list):
            for part in source:
                if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"].strip():
                    pieces.append(part["text"])
        if pieces:
            break
    return "\n\n".join(pieces) if pieces else None


def _tool_output(output: Any) -> tuple[str, bool, Any]:
    """(text, is_error, decoded JSON or None) of a tool output as Codex stores it."""
    failed = False
    if isinstance(output, dict):  # `{content, success}` as some versions wrote failures
        failed = output.get("success") is False
        output = output.get("content", output.get("output"))
    if isinstance(output, list):
        return content_text(output) or "", failed, None
    if output is None:
        return "", failed, None
    text = output if isinstance(output, str) else canonical_json(output)
    decoded = maybe_json(text)
    if isinstance(decoded, dict) and "output" in decoded and isinstance(decoded.get("metadata"), dict):
        code = to_int(decoded["metadata"].get("exit_code"))
        inner = decoded["output"]
        inner_text = inner if isinstance(inner, str) else canonical_json(inner)
        return inner_text, failed or (code is not None and code != 0), decoded
    header = text.split("\nOutput:\n", 1)[0] if "\nOutput:\n" in text else "\n".join(text.splitlines()[:6])
    match = _EXIT_CODE.search(header)
    if match:
        return text, failed or int(match.group(1)) != 0, decoded
    return text, failed or bool(_FAILURE.match(text)), decoded


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
        kind, payload, timestamp = _normalise(event)
        if kind is None or kind == "compacted":
            return
        if not isinstance(payload, dict):
            yield reject(ctx, line_no, f"{kind} line without a payload object", NAME, canonical_json(event))
            return
        ts = utc_iso(timestamp)
        if kind == "session_meta":
            self._session_meta(payload, ts, line_no, ctx, state)
        elif kind == "turn_context":
            if payload.get("model"):
                state["model"] = str(payload["model"])
            yield from self._run_record(ctx, state, force=False)
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
            "run_id": _safe(session) if session else _fallback_run_id(ctx.source_file),
            "from_meta": True,
            "emitted": False,
            "line": line_no,
            "ts_start": utc_iso(payload.get("timestamp")) or ts,
            "project": payload.get("cwd"),
            "provider": payload.get("model_provider"),
            "model": payload.get("model"),
            "agent_name": agent_name,
            "is_subagent": subagent is not None,
            "parent_id": run_record_id(_safe(parent_thread)) if parent_thread else None,
            "prompt": None,
        }

    def _run(self, ctx: FileContext, state: dict[str, Any]) -> dict[str, Any]:
        run = state.get("run")
        if run is None:  # no session_meta before the first step (a truncated file)
            run = state["run"] = {
                "run_id": _fallback_run_id(ctx.source_file),
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
        yield Record(
            record_id=run_record_id(run["run_id"]),
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

    def _note_prompt(self, text: Any, ctx: FileContext, state: dict[str, Any]) -> Iterator[Record]:
        run = self._run(ctx, state)
        if isinstance(text, str) and text.strip() and _is_prompt(text) and not run.get("prompt"):
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
        return Record(
            record_id=record_id,
            run_id=run["run_id"],
            source_format=NAME,
            parent_id=fields.pop("parent_id", run_record_id(run["run_id"])),
            seq=seq,
            agent_name=run.get("agent_name"),
            is_subagent=bool(run.get("is_subagent")),
            ts_start=ts,
            project=run.get("project"),
            source_file=ctx.source_file,
            source_line=line_no,
            **fields,
        )

    def _line_id(self, ctx: FileContext, state: dict[str, Any], line_no: int) -> str:
        return f"{NAME}:{self._run(ctx, state)['run_id']}:{line_no}"

    def _call_id(self, ctx: FileContext, state: dict[str, Any], call_id: str) -> str:
        return f"{NAME}:{self._run(ctx, state)['run_id']}:call:{_safe(call_id)}"

    # -- response items --------------------------------------------------------------

    def _response_item(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        item = payload.get("type")
        if item == "message":
            role = payload.get("role")
            text = content_text(payload.get("content"))
            if not text:
                return
            if role == "user":
                yield from self._note_prompt(text, ctx, state)
            elif role == "assistant":
                yield from self._run_record(ctx, state, force=True)
            yield self._step(
                ctx, state, line_no, ts, self._line_id(ctx, state, line_no), kind="message", role=role, text=text
            )
        elif item == "reasoning":
            text = _reasoning_text(payload)
            if not text:
                return
            yield from self._run_record(ctx, state, force=True)
            yield self._step(
                ctx,
                state,
                line_no,
                ts,
                self._line_id(ctx, state, line_no),
                kind="reasoning",
                role="assistant",
                text=text,
            )
        elif item in ("function_call", "custom_tool_call", "local_shell_call", "web_search_call"):
            yield from self._run_record(ctx, state, force=True)
            yield self._tool_call(item, payload, ts, line_no, ctx, state)
        elif item in ("function_call_output", "custom_tool_call_output"):
            yield from self._run_record(ctx, state, force=True)
            yield self._tool_result(payload, ts, line_no, ctx, state)

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
        text, is_error, decoded = _tool_output(payload.get("output"))
        name = None
        if call_id:
            name = _take(state.setdefault("open_calls", []), str(call_id))
            is_error = bool(_take(state.setdefault("outcomes", []), str(call_id))) or is_error
        spawned = None
        if isinstance(decoded, dict) and isinstance(decoded.get("agent_id"), str) and "spawn" in str(name or ""):
            spawned = _safe(decoded["agent_id"])
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
            parent_id=call_record or run_record_id(self._run(ctx, state)["run_id"]),
        )

    # -- events ---------------------------------------------------------------------

    def _event_msg(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        kind = payload.get("type")
        if kind == "user_message":
            # The step itself is the response_item copy; this only names the prompt.
            yield from self._note_prompt(payload.get("message"), ctx, state)
        elif kind == "token_count":
            yield from self._token_count(payload, ts, line_no, ctx, state)
        elif kind in ("exec_command_end", "patch_apply_end", "mcp_tool_call_end"):
            call_id = payload.get("call_id")
            if not call_id or all(known != str(call_id) for known, _ in state.get("open_calls", [])):
                return  # its result is already out (or never comes): nothing to amend
            if kind == "exec_command_end":
                code = to_int(payload.get("exit_code"))
                failed = code is not None and code != 0
            elif kind == "patch_apply_end":
                failed = payload.get("success") is False
            else:
                result = payload.get("result")
                failed = isinstance(result, dict) and (
                    "Err" in result or (isinstance(result.get("Ok"), dict) and bool(result["Ok"].get("isError")))
                )
            _remember(state.setdefault("outcomes", []), str(call_id), failed, _MAX_REMEMBERED)
        elif kind in ("web_search_begin", "web_search_end"):
            action = payload.get("action") if isinstance(payload.get("action"), dict) else {}
            query = payload.get("query") or action.get("query") or action.get("url")
            if payload.get("call_id") and query:
                _remember(state.setdefault("web_search_ids", []), str(query), str(payload["call_id"]), _MAX_REMEMBERED)

    def _token_count(
        self, payload: dict[str, Any], ts: str | None, line_no: int, ctx: FileContext, state: dict[str, Any]
    ) -> Iterator[Item]:
        info = payload.get("info")
        if not isinstance(info, dict):
            return  # a rate-limit-only update
        total, last = info.get("total_token_usage"), info.get("last_token_usage")
        previous = state.get("last_total")
        if isinstance(total, dict):
            if total == previous:
                return  # the same snapshot sent again
            state["last_total"] = total
        usage = last if isinstance(last, dict) else None
        if usage is None and isinstance(total, dict) and isinstance(previous, dict):
            usage = {key: (to_int(total.get(key)) or 0) - (to_int(previous.get(key)) or 0) for key in total}
        if not usage:
            return
        tokens_in, tokens_out = to_int(usage.get("input_tokens")), to_int(usage.get("output_tokens"))
        if not tokens_in and not tokens_out:
            return
        yield from self._run_record(ctx, state, force=True)
        yield self._step(
            ctx,
            state,
            line_no,
            ts,
            self._line_id(ctx, state, line_no),
            kind="llm_call",
            role="assistant",
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            tokens_cache_read=to_int(usage.get("cached_input_tokens")),
        )
