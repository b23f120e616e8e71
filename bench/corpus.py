"""Benchmark corpora: Claude Code sessions built by recombining the real sample messages.

    python bench/corpus.py TARGET --records 100000 [--files N] [--seed 0]

The real Claude Code transcripts in `../shared/samples/claude-code` are read at run time
(never copied into the repo). They are cut into turns (a user prompt and everything up to
the next prompt: assistant text, thinking, tool calls, tool results, and the CLI's
bookkeeping lines, which make the files as large as real ones). A session is a random
sequence of turns from any template; each text (prompt, reply, thinking, tool output, long
tool argument) is, most of the time, a crossover of two real texts of the same kind (the
head of one, the tail of another, cut at a line or word), so most texts are distinct, as
in real logs, while staying real text. Every id (session, uuid, message, tool use, agent)
is new and consistent within its session, timestamps are new and keep the real gaps, and
subagent transcripts are written beside their session as Claude Code does.

`--files N` fixes the number of session files (the records are spread over them);
otherwise session sizes follow a log-normal around the samples' own median.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SAMPLES

ID_KEYS = {
    "uuid",
    "parentUuid",
    "sessionId",
    "agentId",
    "id",
    "tool_use_id",
    "toolUseID",
    "parentToolUseID",
    "messageId",
    "requestId",
    "promptId",
    "sourceToolAssistantUUID",
    "leafUuid",
}
PROJECTS = [
    "/home/dev/projects/webapp",
    "/home/dev/projects/crawler",
    "/home/dev/projects/invoice-service",
    "/home/dev/projects/ml-pipeline",
    "/home/dev/projects/infra",
    "/home/dev/projects/mobile-app",
    "/home/dev/projects/docs-site",
    "/home/dev/projects/payments",
]
CROSSOVER_SHARE = 0.85  # the rest of the texts are kept verbatim (real logs repeat too)


@dataclass
class Turn:
    lines: list[dict]
    records: int
    agent_ids: list[str] = field(default_factory=list)  # subagents this turn spawned


@dataclass
class Templates:
    main_turns: list[Turn]
    subagents: dict[str, list[dict]]  # template agentId -> its transcript lines
    pools: dict[str, list[str]]


def _records_of(event: dict) -> int:
    """How many records the parser makes of one line (close enough to size a corpus)."""
    if event.get("type") not in ("user", "assistant") or event.get("isMeta"):
        return 0
    content = (event.get("message") or {}).get("content")
    if isinstance(content, str) or content is None:
        return 1 if content else 0
    return sum(
        1 for b in content if isinstance(b, dict) and b.get("type") in ("text", "thinking", "tool_use", "tool_result")
    )


def _is_prompt(event: dict) -> bool:
    if event.get("type") != "user" or event.get("isMeta"):
        return False
    content = (event.get("message") or {}).get("content")
    if isinstance(content, str):
        return True
    return isinstance(content, list) and not any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    )


def _read_jsonl(path: Path) -> list[dict]:
    events = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return events


def load_templates(samples: Path = SAMPLES) -> Templates:
    root = samples / "claude-code"
    if not root.is_dir():
        raise SystemExit(f"no Claude Code samples at {root} (set LOGVIZ_SAMPLES)")
    turns: list[Turn] = []
    subagents: dict[str, list[dict]] = {}
    pools: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.jsonl")):
        events = _read_jsonl(path)
        _collect_pools(events, pools)
        if "subagents" in path.parts:
            agent = next((e.get("agentId") for e in events if e.get("agentId")), None)
            if agent:
                subagents[agent] = events
            continue
        current: list[dict] = []
        for event in events:
            if _is_prompt(event) and any(_records_of(e) for e in current):
                turns.append(_turn(current))
                current = []
            current.append(event)
        if any(_records_of(e) for e in current):
            turns.append(_turn(current))
    return Templates(turns, subagents, {k: v for k, v in pools.items() if v})


def _turn(lines: list[dict]) -> Turn:
    agents = []
    for event in lines:
        result = event.get("toolUseResult")
        if isinstance(result, dict) and result.get("agentId"):
            agents.append(str(result["agentId"]))
    return Turn(lines, sum(_records_of(e) for e in lines), agents)


def _collect_pools(events: list[dict], pools: dict[str, list[str]]) -> None:
    for event in events:
        if event.get("type") not in ("user", "assistant"):
            continue
        content = (event.get("message") or {}).get("content")
        if isinstance(content, str):
            pools.setdefault("prompt", []).append(content)
            continue
        for block in content or []:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text" and block.get("text"):
                pools.setdefault(f"text:{event['type']}", []).append(block["text"])
            elif kind == "thinking" and block.get("thinking"):
                pools.setdefault("thinking", []).append(block["thinking"])
            elif kind == "tool_result" and isinstance(block.get("content"), str) and block["content"]:
                pools.setdefault("tool_result", []).append(block["content"])
            elif kind == "tool_use" and isinstance(block.get("input"), dict):
                for key, value in block["input"].items():
                    if isinstance(value, str) and len(value) > 30:
                        pools.setdefault(f"arg:{key}", []).append(value)


_WORD = re.compile(r"\s+")


def crossover(a: str, b: str, rng: random.Random) -> str:
    """Head of `a` and tail of `b`, cut at a line (or else a word) boundary."""
    lines_a, lines_b = a.splitlines(keepends=True), b.splitlines(keepends=True)
    if len(lines_a) > 1 and len(lines_b) > 1:
        return "".join(lines_a[: rng.randint(1, len(lines_a) - 1)] + lines_b[rng.randint(1, len(lines_b) - 1) :])
    words_a, words_b = a.split(" "), b.split(" ")
    head = words_a[: max(1, rng.randint(1, max(1, len(words_a) - 1)))]
    tail = words_b[rng.randint(0, max(0, len(words_b) - 1)) :]
    return " ".join(head + tail)


class SessionWriter:
    """Rewrites template lines into one new session: new ids, times and recombined texts."""

    def __init__(self, templates: Templates, rng: random.Random, session_id: str, cwd: str, start: datetime) -> None:
        self.t, self.rng, self.session_id, self.cwd = templates, rng, session_id, cwd
        self.ids: dict[str, str] = {}
        self.clock = start
        self.last_template_ts: datetime | None = None

    def new_id(self, old: str) -> str:
        if old not in self.ids:
            if old.startswith("msg_"):
                self.ids[old] = "msg_" + uuid.UUID(int=self.rng.getrandbits(128)).hex[:24]
            elif old.startswith("toolu_"):
                self.ids[old] = "toolu_" + uuid.UUID(int=self.rng.getrandbits(128)).hex[:24]
            elif old.startswith("req_"):
                self.ids[old] = "req_" + uuid.UUID(int=self.rng.getrandbits(128)).hex[:24]
            elif re.fullmatch(r"a[0-9a-f]{6,}|acompact-[0-9a-f]+", old):
                self.ids[old] = "a" + uuid.UUID(int=self.rng.getrandbits(128)).hex[:7]
            else:
                self.ids[old] = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return self.ids[old]

    def _mix(self, pool: str, text: str) -> str:
        candidates = self.t.pools.get(pool)
        if not candidates or self.rng.random() > CROSSOVER_SHARE:
            return text
        return crossover(text, self.rng.choice(candidates), self.rng)

    def _rewrite(self, value, key: str | None = None):
        if isinstance(value, dict):
            return {k: self._rewrite(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._rewrite(v, key) for v in value]
        if key in ID_KEYS and isinstance(value, str) and value:
            return self.new_id(value)
        return value

    def _timestamp(self, event: dict) -> str:
        try:
            ts = datetime.fromisoformat(str(event.get("timestamp")).replace("Z", "+00:00"))
        except ValueError:
            ts = None
        if ts is not None and self.last_template_ts is not None:
            gap = (ts - self.last_template_ts).total_seconds()
            self.clock += timedelta(seconds=min(max(gap, 0.05), 600))
        else:
            self.clock += timedelta(seconds=self.rng.uniform(1, 30))
        if ts is not None:
            self.last_template_ts = ts
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.clock.microsecond // 1000:03d}Z"

    def line(self, event: dict, agent_id: str | None, parent_uuid: str | None) -> dict:
        out = self._rewrite(event)
        if "sessionId" in out:
            out["sessionId"] = self.session_id
        if agent_id is None:
            out.pop("agentId", None)
            if "isSidechain" in out:
                out["isSidechain"] = False
        else:
            out["agentId"] = agent_id
        if "cwd" in out:
            out["cwd"] = self.cwd
        if "timestamp" in out:
            out["timestamp"] = self._timestamp(event)
        if "parentUuid" in out and parent_uuid is not None:
            out["parentUuid"] = parent_uuid
        message = out.get("message")
        if isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str) and content:
                message["content"] = self._mix("prompt", content)
            elif isinstance(content, list):
                for block in content:
                    if not isinstance(block, dict):
                        continue
                    kind = block.get("type")
                    if kind == "text" and block.get("text"):
                        block["text"] = self._mix(f"text:{out.get('type')}", block["text"])
                    elif kind == "thinking" and block.get("thinking"):
                        block["thinking"] = self._mix("thinking", block["thinking"])
                    elif kind == "tool_result" and isinstance(block.get("content"), str) and block["content"]:
                        block["content"] = self._mix("tool_result", block["content"])
                    elif kind == "tool_use" and isinstance(block.get("input"), dict):
                        block["input"] = {
                            k: self._mix(f"arg:{k}", v) if isinstance(v, str) and len(v) > 30 else v
                            for k, v in block["input"].items()
                        }
        return out


def encoded_project(cwd: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def session_sizes(records: int, files: int | None, rng: random.Random) -> list[int]:
    """Records per session: fixed count of files, or log-normal sizes like real sessions."""
    if files:
        base, extra = divmod(records, files)
        return [base + (1 if i < extra else 0) for i in range(files)]
    sizes, total = [], 0
    while total < records:
        size = int(min(max(rng.lognormvariate(4.8, 1.0), 5), 3000))  # median ~120 records
        size = min(size, records - total) if records - total >= 5 else records - total
        sizes.append(size)
        total += size
    return sizes


def generate(
    target: Path,
    records: int,
    files: int | None = None,
    seed: int = 0,
    samples: Path = SAMPLES,
    start: datetime | None = None,
    templates: Templates | None = None,
) -> dict:
    """Write sessions holding about `records` records under `target/projects/`."""
    rng = random.Random(seed)
    templates = templates or load_templates(samples)
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    out = {"files": 0, "bytes": 0, "records_estimated": 0, "sessions": 0}
    for size in session_sizes(records, files, rng):
        session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        cwd = rng.choice(PROJECTS)
        begin = start + timedelta(seconds=rng.uniform(0, 90 * 86400))
        writer = SessionWriter(templates, rng, session_id, cwd, begin)
        folder = target / "projects" / encoded_project(cwd)
        folder.mkdir(parents=True, exist_ok=True)
        lines: list[dict] = []
        subagent_files: list[tuple[str, list[dict]]] = []
        produced = 1  # the run record
        parent = None
        while produced < size:
            turn = rng.choice(templates.main_turns)
            writer.ids = {}  # a turn used twice in one session still gets new ids
            for event in turn.lines:
                if produced >= size:
                    break
                new = writer.line(event, None, parent)
                parent = new.get("uuid", parent)
                lines.append(new)
                produced += _records_of(event)
            for agent in turn.agent_ids:
                sub_size = 1 + sum(_records_of(e) for e in templates.subagents.get(agent, []))
                if agent in templates.subagents and agent in writer.ids and produced + sub_size <= size * 1.1:
                    sub_lines = []
                    sub_parent = None
                    for event in templates.subagents[agent]:
                        new = writer.line(event, writer.ids[agent], sub_parent)
                        sub_parent = new.get("uuid", sub_parent)
                        sub_lines.append(new)
                    subagent_files.append((writer.ids[agent], sub_lines))
                    produced += sub_size
        path = folder / f"{session_id}.jsonl"
        out["bytes"] += _write_jsonl(path, lines)
        for agent, sub_lines in subagent_files:
            sub_path = folder / session_id / "subagents" / f"agent-{agent}.jsonl"
            sub_path.parent.mkdir(parents=True, exist_ok=True)
            out["bytes"] += _write_jsonl(sub_path, sub_lines)
        out["files"] += 1 + len(subagent_files)
        out["sessions"] += 1
        out["records_estimated"] += produced
    return out


def _write_jsonl(path: Path, lines: list[dict]) -> int:
    data = "".join(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines)
    path.write_text(data, encoding="utf-8")
    return len(data.encode("utf-8"))


def grow_session(path: Path, extra_turns: int, seed: int = 1, samples: Path = SAMPLES) -> int:
    """Append `extra_turns` recombined turns to an existing session file (an agent writing on)."""
    rng = random.Random(seed)
    templates = load_templates(samples)
    first = json.loads(path.open(encoding="utf-8").readline())
    session_id = first.get("sessionId") or path.stem
    writer = SessionWriter(templates, rng, session_id, first.get("cwd") or PROJECTS[0], datetime.now(UTC))
    lines, produced = [], 0
    for _ in range(extra_turns):
        writer.ids = {}
        for event in rng.choice(templates.main_turns).lines:
            lines.append(writer.line(event, None, None))
            produced += _records_of(event)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) + "\n" for x in lines))
    return produced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=None, help="number of session files (default: realistic sizes)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    out = generate(args.target, args.records, args.files, args.seed)
    seconds = time.perf_counter() - started
    from bench.common import table

    table(
        ["records (est.)", "sessions", "files", "MiB", "seconds"],
        [[out["records_estimated"], out["sessions"], out["files"], out["bytes"] / 2**20, seconds]],
        title=f"corpus {args.target}",
    )


if __name__ == "__main__":
    main()
