"""The support bot's conversations as OpenAI chat `messages`: one JSON array, and a JSONL log of the rest.

The JSONL holds one `{"messages", "model", "usage"}` object per conversation, as chat logs and
fine-tuning sets keep them; `support-bot/quota-conversation.json` is a bare `messages` array.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from demo_corpus.ids import hexid, vary
from demo_corpus.work_support import QUOTA, TICKETS, Exchange

SYSTEM = "You are the support assistant for Acme Cloud. Use the tools to look things up; never guess account details."
MODEL = "gpt-4o-mini-2024-07-18"


def messages(exchanges: tuple[Exchange, ...], key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}]
    for exchange in exchanges:
        if exchange.user:  # an empty one is the bot carrying on by itself
            out.append({"role": "user", "content": exchange.user})
        for name, args, result in exchange.calls:
            call_id = f"call_{hexid(24, key, len(out))}"
            function = {"name": name, "arguments": json.dumps(args)}
            out.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": call_id, "type": "function", "function": function}],
                }
            )
            out.append({"role": "tool", "tool_call_id": call_id, "content": result})
        out.append({"role": "assistant", "content": exchange.answer})
    return out


def logged(exchanges: tuple[Exchange, ...], key: str) -> dict[str, Any]:
    """A conversation as the bot's log line: the messages, the model, the tokens of the whole exchange."""
    chat = messages(exchanges, key)
    prompt = int(sum(vary(300, 1_400, key, i) for i in range(len(chat))))
    completion = int(sum(vary(20, 140, key, i) for i in range(len(chat))))
    return {"messages": chat, "model": MODEL, "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}


def write(out: Path) -> list[Path]:
    folder = out / "support-bot"
    folder.mkdir(parents=True, exist_ok=True)
    single = folder / "quota-conversation.json"
    single.write_text(json.dumps(messages(QUOTA, "quota"), indent=2) + "\n")
    log = folder / "conversations-2026-11.jsonl"
    log.write_text("".join(json.dumps(logged(t, f"ticket-{i}")) + "\n" for i, t in enumerate(TICKETS)))
    return [single, log]
