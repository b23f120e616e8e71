"""Every log format logviz reads, registered in one place.

To add a format: write one module with a `LogFormat` subclass (the shared helpers are in
`base`, `common`, `ids` and `json_input`), import it here and put an instance in `FORMATS`;
write its mapping in docs/formats.md and let the module docstring point there. Order
matters only where two detectors could both say yes: the more specific format comes first.
"""

from __future__ import annotations

from logviz_assets.formats.base import DocumentFormat, FileContext, JsonlFormat, LogFormat
from logviz_assets.formats.claude_code import ClaudeCode
from logviz_assets.formats.codex_cli import CodexCli
from logviz_assets.formats.gemini_cli import GeminiCli
from logviz_assets.formats.inspect_ai import InspectAI
from logviz_assets.formats.langfuse import Langfuse
from logviz_assets.formats.langsmith import LangSmith
from logviz_assets.formats.openai_messages import OpenAIMessagesDocument, OpenAIMessagesJsonl
from logviz_assets.formats.openhands import OpenHands
from logviz_assets.formats.otel_genai import OtelGenAI
from logviz_assets.formats.swe_agent import SweAgent

# The generic OpenAI-messages readers come last: several formats wrap chat messages too.
FORMATS: tuple[LogFormat, ...] = (
    ClaudeCode(),
    CodexCli(),
    GeminiCli(),
    SweAgent(),
    OpenHands(),
    InspectAI(),
    Langfuse(),
    LangSmith(),
    OtelGenAI(),
    OpenAIMessagesJsonl(),
    OpenAIMessagesDocument(),
)

# Files with other endings are never read: they are not agent logs.
CANDIDATE_SUFFIXES: tuple[str, ...] = (".jsonl", ".ndjson", ".json", ".traj", ".eval")

HEAD_BYTES = 64 * 1024


def detect_format(head: bytes, path: str) -> LogFormat | None:
    """The first registered format that recognises this file, or None."""
    for fmt in FORMATS:
        try:
            if fmt.detect(head, path):
                return fmt
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            continue  # odd bytes that trip a detector are not that detector's format
    return None


def format_named(name: str) -> LogFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise KeyError(f"no format named {name!r}")


__all__ = [
    "CANDIDATE_SUFFIXES",
    "FORMATS",
    "HEAD_BYTES",
    "DocumentFormat",
    "FileContext",
    "JsonlFormat",
    "LogFormat",
    "detect_format",
    "format_named",
]
