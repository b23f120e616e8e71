"""The trace tree: the spans of a file into runs and records, shared by the trace formats.

otel-genai, langfuse and langsmith read their files with `accounting.TraceFile`, turn each
span into a `Span` (`add_span`), and hand them all to `assembled`. One run per trace id; how
spans become runs and records is in docs/formats.md ("OpenTelemetry GenAI spans").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from logviz_assets.formats.accounting import TraceFile, excerpt_of
from logviz_assets.formats.base import SHAPE_ERRORS, FileContext, Item, guarded, reject
from logviz_assets.formats.common import canonical_json, decode, text_of
from logviz_assets.formats.ids import run_record_id
from logviz_assets.formats.messages import output_summary, task_text
from logviz_assets.formats.span_model import AGENT, EVENT, LLM, OTHER, TOOL, Span, SpanFacts, epoch
from logviz_assets.record import Record

SortKey = tuple[int, float, int, int]


def read_values(
    data: bytes, ctx: FileContext, fmt: str, take: Callable[[Any, int], Iterable[Item]]
) -> Generator[Item, None, int]:
    """Hand each JSON value of a trace file, with its line, to `take`; broken ones are rejects.

    Returns how many values were read. A format that accounts for its lines uses `TraceFile` itself.
    """
    values = TraceFile(ctx, fmt, "value without steps")
    yield from values.read(data, take)
    return values.values


def add_span(
    build: Callable[[], Span | str],
    spans: list[Span],
    ctx: FileContext,
    line: int | None,
    fmt: str,
    raw: Any,
    what: str,
) -> Iterator[Item]:
    """Add the span `build` makes, or reject `raw`: `build` says why as a string, or trips over its shape."""
    try:
        span = build()
    except SHAPE_ERRORS as err:
        yield reject(ctx, line, f"unexpected {what} shape: {type(err).__name__}: {err}", fmt, excerpt_of(raw))
        return
    if isinstance(span, str):
        yield reject(ctx, line, span, fmt, excerpt_of(raw))
    else:
        spans.append(span)


def assembled(
    spans: list[Span], fmt: str, ctx: FileContext, trace_fields: dict[str, dict[str, Any]] | None = None
) -> Iterator[Item]:
    """`trace_records`, with a trace that cannot be put together as a reject."""
    return guarded(
        lambda: trace_records(spans, fmt, ctx.source_file, trace_fields), ctx, None, fmt, "could not assemble traces"
    )


def trace_records(
    spans: list[Span], fmt: str, source_file: str, trace_fields: dict[str, dict[str, Any]] | None = None
) -> Iterator[Record]:
    """Every record of the traces these spans belong to, run by run.

    `trace_fields` holds per-trace facts from outside the spans (a Langfuse trace's
    input, name, project): its `text` wins over what spans say; other fields fill gaps.
    """
    by_trace: dict[str, dict[str, Span]] = {}
    for order, span in enumerate(spans):
        span.order = order
        by_trace.setdefault(span.trace_id, {})[span.span_id] = span
    for trace_id in trace_fields or {}:
        by_trace.setdefault(trace_id, {})
    for trace_id, members in by_trace.items():
        trace = _Trace(f"{fmt}:{trace_id}", members, (trace_fields or {}).get(trace_id, {}))
        yield from trace.records({"source_format": fmt, "source_file": source_file})


def _sort_key(iso: str | None, order: int, sub: int = 0) -> SortKey:
    moment = epoch(iso)
    return (0 if moment is not None else 1, moment or 0.0, order, sub)


class _Trace:
    """One trace: which agent span owns each span, which run each agent is, and the records.

    The trace's own run is its one top-level agent, and inside it any agent that is all
    its parent does (a workflow wrapper); every other agent is a child run.
    """

    def __init__(self, run_id: str, members: dict[str, Span], outside: dict[str, Any]) -> None:
        self.run_id = run_id
        self.members = members
        self.spans = sorted(members.values(), key=lambda s: _sort_key(s.start, s.order))
        self.kind = {s.span_id: s.facts.kind or OTHER for s in self.spans}
        self.agent_of: dict[str, str | None] = {}  # span -> nearest agent ancestor
        for span in self.spans:
            self.agent_of[span.span_id] = next(
                (a.span_id for a in self.ancestors(span) if self.kind[a.span_id] == AGENT), None
            )
        self.agents = [s for s in self.spans if self.kind[s.span_id] == AGENT]
        self.run_of_agent: dict[str, str] = {}
        merged = self._merge_top_agents()
        self.run_meta = self._run_metas(merged, outside)

    def ancestors(self, span: Span) -> Iterator[Span]:
        seen = {span.span_id}
        parent = self.members.get(span.parent_id) if span.parent_id else None
        while parent is not None and parent.span_id not in seen:
            seen.add(parent.span_id)
            yield parent
            parent = self.members.get(parent.parent_id) if parent.parent_id else None

    def _merge_top_agents(self) -> list[Span]:
        """Give every agent its run; returns the agents merged into the trace's own run, outermost first."""
        child_agents: dict[str | None, list[Span]] = defaultdict(list)
        own_steps: dict[str | None, int] = defaultdict(int)
        for span in self.spans:
            if self.kind[span.span_id] == AGENT:
                child_agents[self.agent_of[span.span_id]].append(span)
            elif self.kind[span.span_id] in (LLM, TOOL, EVENT):
                own_steps[self.agent_of[span.span_id]] += 1
        merged: list[Span] = []
        tops = child_agents[None]
        if len(tops) == 1:
            current = tops[0]
            while True:
                merged.append(current)
                self.run_of_agent[current.span_id] = self.run_id
                inner = child_agents[current.span_id]
                if len(inner) == 1 and own_steps[current.span_id] == 0:
                    current = inner[0]
                    continue
                break
        for agent in self.agents:
            self.run_of_agent.setdefault(agent.span_id, f"{self.run_id}:{agent.span_id}")
        return merged

    def run_of(self, span: Span) -> str:
        if self.kind[span.span_id] == AGENT:
            return self.run_of_agent[span.span_id]
        owner = self.agent_of[span.span_id]
        return self.run_of_agent[owner] if owner else self.run_id

    def _run_metas(self, merged: list[Span], outside: dict[str, Any]) -> dict[str, dict[str, Any]]:
        in_run: dict[str, list[Span]] = defaultdict(list)
        for span in self.spans:
            in_run[self.run_of(span)].append(span)
        run_meta: dict[str, dict[str, Any]] = {self.run_id: _run_meta(merged, self.spans, outside)}
        for agent in self.agents:
            run = self.run_of_agent[agent.span_id]
            if run != self.run_id:
                run_meta[run] = _run_meta([agent], in_run[run], {"project": run_meta[self.run_id].get("project")})
        return run_meta

    def records(self, common: dict[str, Any]) -> Iterator[Record]:
        steps, entries = self._steps(common)
        for span_id, record in steps.items():
            if record.parent_id is None:
                parent = self._parent_in(self.members[span_id], record.run_id, steps)
                record.parent_id = parent if isinstance(parent, str) else parent.record_id
        child_runs = [self.run_of_agent[a.span_id] for a in self.agents if self.run_of_agent[a.span_id] != self.run_id]
        agent_by_run = {self.run_of_agent[a.span_id]: a for a in self.agents}
        for run in [self.run_id, *child_runs]:
            parent_id = None
            if run != self.run_id:
                agent = agent_by_run[run]
                owner = self.agent_of[agent.span_id]
                parent = self._parent_in(agent, self.run_of_agent[owner] if owner else self.run_id, steps)
                if isinstance(parent, Record):
                    parent.spawned_run_id = run
                    parent_id = parent.record_id
                else:
                    parent_id = parent
            yield Record(
                record_id=run_record_id(run),
                run_id=run,
                kind="run",
                seq=-1,
                parent_id=parent_id,
                is_subagent=run != self.run_id,
                **common,
                **dict(self.run_meta[run]),
            )
            for seq, (_, record) in enumerate(sorted(entries[run], key=lambda item: item[0])):
                record.seq = seq
                yield record

    def _steps(self, common: dict[str, Any]) -> tuple[dict[str, Record], dict[str, list[tuple[SortKey, Record]]]]:
        """Each step span's records: (span id -> its main record, run -> [(sort key, record)])."""
        steps: dict[str, Record] = {}
        entries: dict[str, list[tuple[SortKey, Record]]] = defaultdict(list)
        requested: dict[str, list[tuple[str | None, str]]] = defaultdict(list)  # run -> (tool name, call id) asked for
        for span in self.spans:
            span_kind = self.kind[span.span_id]
            if span_kind not in (LLM, TOOL, EVENT):
                continue
            run = self.run_of(span)
            call_id = span.facts.tool_call_id
            if span_kind == LLM:
                for msg in span.facts.output or []:
                    requested[run] += [(c.get("name"), c["id"]) for c in msg.get("tool_calls") or [] if c.get("id")]
            elif span_kind == TOOL and call_id:
                requested[run] = [item for item in requested[run] if item[1] != call_id]
            elif span_kind == TOOL:
                # A tool span that does not name its call: the earliest open call of that tool the model made.
                match = next((item for item in requested[run] if item[0] == span.facts.tool_name), None)
                if match:
                    requested[run].remove(match)
                    call_id = match[1]
            meta = self.run_meta[run]
            context = {
                **common,
                "run_id": run,
                "agent_name": meta.get("agent_name"),
                "is_subagent": run != self.run_id,
                "project": span.project or meta.get("project"),
                "source_line": span.line,
            }
            records = _step_records(span, span_kind, f"{self.run_id}:{span.span_id}", call_id or span.span_id, context)
            for sub, (moment, record) in enumerate(records):
                if sub == 0:
                    steps[span.span_id] = record
                entries[run].append((_sort_key(moment, span.order, sub), record))
        return steps, entries

    def _parent_in(self, span: Span, run: str, steps: dict[str, Record]) -> Record | str:
        """The nearest ancestor's record in `run`, else the run record's id."""
        for ancestor in self.ancestors(span):
            if self.kind[ancestor.span_id] == AGENT:
                return run_record_id(self.run_of_agent[ancestor.span_id])
            record = steps.get(ancestor.span_id)
            if record is not None and record.run_id == run:
                return record
        return run_record_id(run)


def _answer(facts: SpanFacts) -> str | None:
    return output_summary(facts.output or []) or facts.output_text


def _run_fields(facts: SpanFacts, span: Span) -> dict[str, Any]:
    return {
        "agent_name": facts.agent_name or (re.sub(r"^invoke_agent\s+", "", span.name) if span.name else None),
        "text": task_text(facts.input or []),
        "model": facts.model,
        "provider": facts.provider,
        "ts_start": span.start,
        "ts_end": span.end,
        "is_error": bool(facts.is_error),
        "project": span.project,
        "source_line": span.line,
    }


def _run_meta(merged: list[Span], spans: list[Span], outside: dict[str, Any]) -> dict[str, Any]:
    """A run record's fields: from its agent span(s) where there are, else (and for gaps) from its spans.

    `merged` are the agent spans that make up the run, outermost first.
    """
    llm_spans = [s for s in spans if s.facts.kind == LLM]
    first_llm = llm_spans[0].facts if llm_spans else SpanFacts()
    known = {s.span_id for s in spans}
    roots = [s for s in spans if s.parent_id not in known]
    starts = [s.start for s in spans if s.start]
    ends = [s.end for s in spans if s.end]
    result: dict[str, Any] = {
        "agent_name": None,
        "text": next((task_text(s.facts.input or []) for s in spans if task_text(s.facts.input or [])), None),
        "model": first_llm.model,
        "provider": first_llm.provider,
        "ts_start": min(starts, key=lambda t: epoch(t) or 0.0) if starts else None,
        "ts_end": max(ends, key=lambda t: epoch(t) or 0.0) if ends else None,
        "is_error": any(bool(s.facts.is_error) for s in roots) if roots else None,
        "project": next((s.project for s in spans if s.project), None),
        "source_line": spans[0].line if spans else None,
    }
    if merged:
        from_agents: dict[str, Any] = {}
        for agent in reversed(merged):  # the innermost agent names the run, the outermost times it
            for key, value in _run_fields(agent.facts, agent).items():
                if value in (None, ""):
                    continue
                if from_agents.get(key) in (None, "") or key in ("ts_start", "ts_end", "source_line"):
                    from_agents[key] = value
        from_agents["is_error"] = any(bool(a.facts.is_error) for a in merged)
        result.update(from_agents)
        result["text"] = result["text"] or next((_answer(a.facts) for a in merged if _answer(a.facts)), None)
    for key, value in outside.items():
        if value in (None, ""):
            continue
        if key == "text" or result.get(key) in (None, ""):
            result[key] = value
    return result


def _step_records(
    span: Span, span_kind: str, record_id: str, call_id: str, context: dict[str, Any]
) -> list[tuple[str | None, Record]]:
    """(sort moment, record) for one step span: an llm_call, a tool_call + tool_result, or a message."""
    facts = span.facts
    if span_kind == LLM:
        text = output_summary(facts.output or []) or facts.output_text
        if not text and facts.is_error:
            text = facts.error_message
        record = Record(
            record_id=record_id,
            kind="llm_call",
            role="assistant",
            text=text or span.name,
            model=facts.model,
            provider=facts.provider,
            ts_start=span.start,
            ts_end=span.end,
            tokens_in=facts.tokens_in,
            tokens_out=facts.tokens_out,
            tokens_cache_read=facts.tokens_cache_read,
            tokens_cache_write=facts.tokens_cache_write,
            cost_usd=facts.cost_usd,
            is_error=bool(facts.is_error),
            **context,
        )
        return [(span.start, record)]
    if span_kind == TOOL:
        return _tool_records(span, record_id, call_id, context)
    text = facts.output_text or output_summary(facts.output or []) or task_text(facts.input or []) or span.name
    record = Record(
        record_id=record_id,
        kind="message",
        text=text,
        ts_start=span.start,
        ts_end=span.end,
        is_error=bool(facts.is_error) if facts.is_error is not None else None,
        **context,
    )
    return [(span.start, record)]


def _tool_records(span: Span, record_id: str, call_id: str, context: dict[str, Any]) -> list[tuple[str | None, Record]]:
    facts = span.facts
    arguments = decode(facts.tool_args)
    call = Record(
        record_id=record_id,
        kind="tool_call",
        role="assistant",
        tool_name=facts.tool_name,
        tool_call_id=call_id,
        tool_args=canonical_json(arguments) if arguments is not None else None,
        ts_start=span.start,
        ts_end=span.end,
        **context,
    )
    result_text = text_of(facts.tool_result)
    if not result_text and facts.is_error:
        result_text = facts.error_message
    result = Record(
        record_id=f"{record_id}:result",
        kind="tool_result",
        role="tool",
        text=result_text or "",
        tool_name=facts.tool_name,
        tool_call_id=call_id,
        is_error=bool(facts.is_error),
        parent_id=record_id,
        ts_start=span.end or span.start,
        ts_end=span.end,
        **context,
    )
    return [(span.start, call), (span.end or span.start, result)]
