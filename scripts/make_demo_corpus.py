"""Write the demo corpus shipped in logviz_assets/demo_corpus (run once; the output is committed).

Four short runs written for logviz, in the shapes the real tools write: a Claude Code
session that fixes a failing test, one that searches a codebase with a subagent, a Claude
Code session that hits a missing file and a failing command, and an OpenAI-messages
support conversation with a tool call.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "logviz_assets" / "demo_corpus"
NS = uuid.UUID("6b1f3c1e-8d0a-4f55-9d0e-1b2c3d4e5f60")


class Session:
    """Builds Claude Code transcript lines with linked uuids, timestamps and usage."""

    def __init__(self, session_id: str, cwd: str, start: datetime, agent_id: str | None = None) -> None:
        self.session_id, self.cwd, self.clock, self.agent_id = session_id, cwd, start, agent_id
        self.lines: list[dict] = []
        self.parent: str | None = None
        self.counter = 0

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return str(uuid.uuid5(NS, f"{self.session_id}:{self.agent_id}:{prefix}:{self.counter}"))

    def _line(self, kind: str, message: dict, seconds: float, **extra) -> dict:
        self.clock += timedelta(seconds=seconds)
        line = {
            "parentUuid": self.parent,
            "isSidechain": self.agent_id is not None,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session_id,
            "version": "2.1.40",
            "gitBranch": "main",
            **({"agentId": self.agent_id} if self.agent_id else {}),
            "type": kind,
            "message": message,
            "uuid": self._id("line"),
            "timestamp": self.clock.isoformat().replace("+00:00", "Z"),
            **extra,
        }
        self.parent = line["uuid"]
        self.lines.append(line)
        return line

    def user(self, text: str, seconds: float = 5) -> None:
        self._line("user", {"role": "user", "content": text}, seconds)

    def assistant(self, blocks: list[dict], tokens: tuple[int, int, int], seconds: float = 3) -> None:
        usage = {
            "input_tokens": tokens[0],
            "cache_read_input_tokens": tokens[1],
            "output_tokens": tokens[2],
            "cache_creation_input_tokens": 0,
        }
        message_id = "msg_demo" + self._id("msg").replace("-", "")[:20]
        for block in blocks:  # Claude Code writes one line per content block
            message = {
                "model": "claude-sonnet-4-5",
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "content": [block],
                "stop_reason": None,
                "usage": usage,
            }
            self._line("assistant", message, seconds)
            seconds = 0.2

    def tool(self, name: str, args: dict, output: str, error: bool = False, seconds: float = 2, **extra) -> str:
        call_id = "toolu_demo" + self._id("tool").replace("-", "")[:18]
        self.assistant([{"type": "tool_use", "id": call_id, "name": name, "input": args}], (4, 12000, 60))
        result = {"type": "tool_result", "tool_use_id": call_id, "content": output, "is_error": error}
        self._line("user", {"role": "user", "content": [result]}, seconds, **extra)
        return call_id

    def say(self, text: str, thinking: str | None = None) -> None:
        blocks = [{"type": "thinking", "thinking": thinking, "signature": ""}] if thinking else []
        self.assistant([*blocks, {"type": "text", "text": text}], (6, 14000, 180))

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(line) + "\n" for line in self.lines))


def fix_failing_test(root: Path) -> None:
    s = Session(
        "0d5c6c1e-1f3a-4b8e-9a57-demo00000001",
        "/home/dev/projects/invoice-service",
        datetime(2026, 11, 2, 9, 14, tzinfo=UTC),
    )
    s.user("The CI run is red: test_totals_include_tax fails. Can you find out why and fix it?")
    s.say(
        "I'll run the failing test first to see the error.",
        thinking="Start by reproducing the failure locally before reading code.",
    )
    s.tool(
        "Bash",
        {"command": "pytest tests/test_totals.py -x -q", "description": "Run the failing test"},
        "F\n=================================== FAILURES ===================================\n"
        "__________________________ test_totals_include_tax ___________________________\n"
        "    def test_totals_include_tax():\n        invoice = make_invoice(lines=[(2, '19.99')], tax_rate='0.2')\n"
        ">       assert invoice.total == Decimal('47.98')\nE       AssertionError: assert Decimal('39.98') == "
        "Decimal('47.98')\n\ntests/test_totals.py:18: AssertionError\n1 failed in 0.21s",
        error=True,
    )
    s.tool(
        "Read",
        {"file_path": "/home/dev/projects/invoice-service/invoice/totals.py"},
        "     1\tfrom decimal import Decimal\n     2\t\n     3\tdef total(lines, tax_rate):\n"
        "     4\t    subtotal = sum(qty * Decimal(price) for qty, price in lines)\n"
        "     5\t    tax = subtotal * Decimal(tax_rate)\n     6\t    return subtotal\n",
    )
    s.say(
        "`total()` computes the tax but returns only the subtotal, so tax is never added. "
        "I'll return `subtotal + tax`, rounded to cents."
    )
    s.tool(
        "Edit",
        {
            "file_path": "/home/dev/projects/invoice-service/invoice/totals.py",
            "old_string": "    return subtotal\n",
            "new_string": "    return (subtotal + tax).quantize(Decimal('0.01'))\n",
        },
        "The file /home/dev/projects/invoice-service/invoice/totals.py has been updated.",
    )
    s.tool(
        "Bash",
        {"command": "pytest tests/test_totals.py -x -q", "description": "Re-run the failing test"},
        ".\n1 passed in 0.18s",
    )
    s.tool(
        "Bash",
        {"command": "pytest -q", "description": "Run the whole suite"},
        "........................................                                 [100%]\n40 passed in 1.92s",
    )
    s.say(
        "Fixed: `invoice/totals.py` now returns subtotal plus tax, rounded to cents. "
        "`test_totals_include_tax` passes and the full suite is green (40 passed)."
    )
    s.user("Thanks. Also add a test for a zero tax rate.")
    s.tool(
        "Edit",
        {
            "file_path": "/home/dev/projects/invoice-service/tests/test_totals.py",
            "old_string": "def test_totals_include_tax():",
            "new_string": "def test_zero_tax_rate():\n    invoice = make_invoice(lines=[(1, '10.00')], "
            "tax_rate='0')\n    assert invoice.total == Decimal('10.00')\n\n\n"
            "def test_totals_include_tax():",
        },
        "The file /home/dev/projects/invoice-service/tests/test_totals.py has been updated.",
    )
    s.tool(
        "Bash",
        {"command": "pytest tests/test_totals.py -q", "description": "Run the totals tests"},
        "..\n2 passed in 0.19s",
    )
    s.say("Added `test_zero_tax_rate`; both totals tests pass.")
    s.write(root / "-home-dev-projects-invoice-service" / f"{s.session_id}.jsonl")


def search_with_subagent(root: Path) -> None:
    session = "7a2e9b40-33c1-4d0f-8f3e-demo00000002"
    cwd = "/home/dev/projects/crawler"
    s = Session(session, cwd, datetime(2026, 11, 3, 14, 2, tzinfo=UTC))
    s.user("Where do we retry failed HTTP requests, and how many times? I want to add jitter.")
    s.say("I'll search for the retry logic.")
    s.tool(
        "Grep",
        {"pattern": "retry|backoff", "path": "crawler", "-i": True},
        "crawler/fetch.py\ncrawler/session.py\ncrawler/config.py",
    )
    agent = Session(session, cwd, s.clock + timedelta(seconds=1), agent_id="a91c0de")
    agent.user(
        "Read crawler/fetch.py, crawler/session.py and crawler/config.py and report exactly how HTTP "
        "retries work: which exceptions retry, how many attempts, and the delay between them."
    )
    agent.tool(
        "Read",
        {"file_path": f"{cwd}/crawler/fetch.py"},
        "    12\tfor attempt in range(settings.max_retries):\n    13\t        try:\n"
        "    14\t            return session.get(url, timeout=settings.timeout)\n"
        "    15\t        except (ConnectionError, Timeout):\n"
        "    16\t            time.sleep(settings.backoff_base * 2 ** attempt)\n",
    )
    agent.tool(
        "Read",
        {"file_path": f"{cwd}/crawler/config.py"},
        "     4\tmax_retries: int = 5\n     5\tbackoff_base: float = 0.5\n     6\ttimeout: float = 10.0\n",
    )
    agent.tool(
        "Read",
        {"file_path": f"{cwd}/crawler/session.py"},
        "<tool_use_error>File does not exist: crawler/session.py</tool_use_error>",
        error=True,
    )
    agent.tool("Glob", {"pattern": "crawler/**/session*.py"}, "crawler/http/session.py")
    agent.tool(
        "Read",
        {"file_path": f"{cwd}/crawler/http/session.py"},
        "     8\tadapter = HTTPAdapter(max_retries=0)  # retries are handled in fetch.py\n",
    )
    agent.say(
        "Retries live in `crawler/fetch.py` lines 12-16: up to `max_retries` = 5 attempts (config.py), "
        "retrying on ConnectionError and Timeout only, sleeping `0.5 * 2**attempt` seconds between "
        "attempts (0.5, 1, 2, 4 s). The requests adapter itself does no retries (http/session.py)."
    )
    agent.write(root / "-home-dev-projects-crawler" / session / "subagents" / "agent-a91c0de.jsonl")
    s.clock = agent.clock
    s.tool(
        "Task",
        {
            "description": "Explain HTTP retry logic",
            "subagent_type": "Explore",
            "prompt": agent.lines[0]["message"]["content"],
        },
        agent.lines[-1]["message"]["content"][0]["text"],
        toolUseResult={"status": "completed", "agentId": "a91c0de", "totalToolUseCount": 5},
    )
    s.say(
        "Retries are in `crawler/fetch.py`: 5 attempts with exponential backoff (0.5 s doubling). "
        "To add jitter, multiply the sleep by `random.uniform(0.5, 1.5)`; want me to make that change?"
    )
    s.user("Yes, use full jitter.")
    s.tool(
        "Edit",
        {
            "file_path": f"{cwd}/crawler/fetch.py",
            "old_string": "time.sleep(settings.backoff_base * 2 ** attempt)",
            "new_string": "time.sleep(random.uniform(0, settings.backoff_base * 2 ** attempt))",
        },
        f"The file {cwd}/crawler/fetch.py has been updated.",
    )
    s.tool(
        "Bash",
        {"command": "pytest tests/test_fetch.py -q", "description": "Run fetch tests"},
        "...F\nFAILED tests/test_fetch.py::test_backoff_delays - NameError: name 'random' is not defined\n"
        "1 failed, 3 passed in 0.44s",
        error=True,
    )
    s.tool(
        "Edit",
        {
            "file_path": f"{cwd}/crawler/fetch.py",
            "old_string": "import time\n",
            "new_string": "import random\nimport time\n",
        },
        f"The file {cwd}/crawler/fetch.py has been updated.",
    )
    s.tool(
        "Bash",
        {"command": "pytest tests/test_fetch.py -q", "description": "Run fetch tests"},
        "....\n4 passed in 0.41s",
    )
    s.say(
        "Done: backoff now uses full jitter, `random.uniform(0, base * 2**attempt)`. I had to add the "
        "`random` import; the fetch tests pass (4 passed)."
    )
    s.write(root / "-home-dev-projects-crawler" / f"{session}.jsonl")


def missing_file_and_failing_build(root: Path) -> None:
    s = Session(
        "c3f0aa71-5b6e-4c2d-a1b9-demo00000003", "/home/dev/projects/webapp", datetime(2026, 11, 4, 16, 40, tzinfo=UTC)
    )
    s.user("Bump the Node version to 22 and make sure the build still works.")
    s.tool(
        "Read",
        {"file_path": "/home/dev/projects/webapp/.nvmrc"},
        "<tool_use_error>File does not exist.</tool_use_error>",
        error=True,
    )
    s.tool("Glob", {"pattern": "**/{.nvmrc,.node-version,package.json}"}, "package.json\n.node-version")
    s.tool("Read", {"file_path": "/home/dev/projects/webapp/.node-version"}, "     1\t20.11.1\n")
    s.tool(
        "Write",
        {"file_path": "/home/dev/projects/webapp/.node-version", "content": "22.11.0\n"},
        "File created successfully at: /home/dev/projects/webapp/.node-version",
    )
    s.tool(
        "Bash",
        {"command": "npm ci && npm run build", "description": "Install and build"},
        "npm error code EBADENGINE\nnpm error engine Unsupported engine\nnpm error notsup Required: "
        '{"node":">=18 <21"}\nnpm error notsup Actual:   {"npm":"10.9.0","node":"v22.11.0"}',
        error=True,
    )
    s.say(
        "The build refuses Node 22 because `package.json` pins `engines.node` to `>=18 <21`. "
        "I'll widen it to `>=18 <23`.",
        thinking="EBADENGINE comes from the engines field, not from a dependency.",
    )
    s.tool(
        "Edit",
        {
            "file_path": "/home/dev/projects/webapp/package.json",
            "old_string": '"node": ">=18 <21"',
            "new_string": '"node": ">=18 <23"',
        },
        "The file /home/dev/projects/webapp/package.json has been updated.",
    )
    s.tool(
        "Bash",
        {"command": "npm ci && npm run build", "description": "Install and build"},
        "added 812 packages in 21s\n> webapp@3.4.0 build\n> vite build\n✓ 214 modules transformed.\n"
        "dist/index.html  0.46 kB\ndist/assets/index-4f2a.js  187.30 kB\n✓ built in 3.12s",
    )
    s.say("Node is now 22.11.0 (`.node-version`), `engines.node` allows it, and `npm run build` succeeds.")
    s.write(root / "-home-dev-projects-webapp" / f"{s.session_id}.jsonl")


def support_conversation(root: Path) -> None:
    messages = [
        {
            "role": "system",
            "content": "You are the support assistant for Acme Cloud. Use the tools to look "
            "things up; never guess account details.",
        },
        {"role": "user", "content": "My deploys started failing this morning with 'quota exceeded'. What changed?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_demo_1",
                    "type": "function",
                    "function": {"name": "get_account_usage", "arguments": '{"account_id": "acme-4471"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_demo_1",
            "content": '{"plan": "starter", "build_minutes_used": 3000, "build_minutes_limit": 3000}',
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_demo_2",
                    "type": "function",
                    "function": {"name": "search_docs", "arguments": '{"query": "build minutes quota reset"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_demo_2",
            "content": "Build minutes reset on the first day of each billing cycle. Starter plans include 3,000 "
            "minutes; extra minutes can be bought in packs of 1,000.",
        },
        {
            "role": "assistant",
            "content": "Your account has used all 3,000 build minutes of the Starter plan "
            "for this cycle, so new deploys are refused. The quota resets on the "
            "first day of your next billing cycle, or you can buy a pack of 1,000 "
            "extra minutes now.",
        },
        {"role": "user", "content": "Buy one pack please."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_demo_3",
                    "type": "function",
                    "function": {
                        "name": "purchase_addon",
                        "arguments": '{"account_id": "acme-4471", "addon": "build-minutes-1000"}',
                    },
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_demo_3", "content": "error: payment method expired"},
        {
            "role": "assistant",
            "content": "The purchase failed because the card on file has expired. Please "
            "update it under Billing > Payment methods and I can retry.",
        },
    ]
    path = root / "support-bot" / "quota-conversation.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(messages, indent=2) + "\n")


if __name__ == "__main__":
    fix_failing_test(OUT)
    search_with_subagent(OUT)
    missing_file_and_failing_build(OUT)
    support_conversation(OUT)
    print(f"wrote {sum(1 for p in OUT.rglob('*') if p.is_file())} files under {OUT.name}/")
