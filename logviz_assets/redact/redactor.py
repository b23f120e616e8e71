"""The redactor: a text in, the text with each secret replaced by a typed placeholder out.

    redactor = Redactor(parse_mode(settings_value), key=load_or_create_key(home / KEY_FILE_NAME))
    result = redactor.redact('curl -H "Authorization: Bearer sk-ant-api03-…"')
    result.text  # 'curl -H "Authorization: Bearer <secret:anthropic-api-key:3f9a1c2e>"'
    result.hits  # {"anthropic-api-key": 1}: which rules fired, never the values

One pass of the trigger set decides which rules run at all (`trigger.py`); most texts end
there. The findings of the rules that ran are merged where they overlap (the union is
replaced, named by the most specific rule, so no part of a secret is left behind) and
widened where they would cut a JSON escape such as `\\n` or `\\u00e9` in two, so that a
JSON text stays valid JSON.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple, TypeVar

from logviz_assets.redact.key import tag
from logviz_assets.redact.modes import DEFAULT_MODE, Mode, parse_mode
from logviz_assets.redact.rule import Finding
from logviz_assets.redact.rules import rules_for
from logviz_assets.redact.trigger import TriggerSet, anchor_for

# The fields of a `Record` (and of a `Reject`) that carry log content.
RECORD_FIELDS: tuple[str, ...] = ("text", "tool_args", "raw")
REJECT_FIELDS: tuple[str, ...] = ("excerpt",)
DEFAULT_TAG_LENGTH = 8

NO_HITS: Mapping[str, int] = MappingProxyType({})
PLACEHOLDER = re.compile(r"<(?:secret|pii):[a-z0-9-]+(?::[0-9a-f]+)?>")

T = TypeVar("T")


class Redaction(NamedTuple):
    """A redacted text and how many secrets of each type it held (empty when none)."""

    text: str | None
    hits: Mapping[str, int]

    @property
    def redacted(self) -> bool:
        return bool(self.hits)


class Redactor:
    """Replaces secrets (and, in `secrets+pii` mode, personal data) with typed placeholders.

    `key` (see `key.load_or_create_key`) adds a tag to each placeholder, `tag_length` hex
    digits of an HMAC of the secret, so repeats of one secret stay recognisable. Build one
    per process and reuse it: the rules and the trigger set are compiled here. It pickles
    as its settings, so it can be handed to worker processes.
    """

    def __init__(
        self,
        mode: Mode | str = DEFAULT_MODE,
        key: bytes | None = None,
        tag_length: int = DEFAULT_TAG_LENGTH,
        use_re2: bool = True,
    ) -> None:
        self.mode = mode if isinstance(mode, Mode) else parse_mode(mode)
        self.rules = rules_for(self.mode)
        self._key = key
        self._tag_length = tag_length
        self._use_re2 = use_re2
        self._triggers = TriggerSet([rule.trigger for rule in self.rules], use_re2=use_re2)
        self._anchors = [anchor_for(rule.anchor, use_re2) for rule in self.rules]

    @property
    def engine(self) -> str:
        """The prefilter's regex engine: "re2", "re", or "none" when the mode is off."""
        return self._triggers.engine

    def __reduce__(self):
        return (Redactor, (self.mode, self._key, self._tag_length, self._use_re2))

    def redact(self, text: str | None) -> Redaction:
        if not text or self.mode is Mode.OFF:
            return Redaction(text, NO_HITS)
        found = self._triggers.found_in(text)
        if not found:
            return Redaction(text, NO_HITS)
        findings = self.findings(text, found)
        if not findings:
            return Redaction(text, NO_HITS)
        return self._replace(text, findings)

    def findings(self, text: str, rule_indices: Iterable[int] | None = None) -> list[Finding]:
        """The merged spans to replace in `text`, in order (all rules when no indices are given)."""
        indices = range(len(self.rules)) if rule_indices is None else rule_indices
        ranked: list[tuple[Finding, int]] = []
        for index in indices:
            anchor = self._anchors[index]
            starts = anchor.starts(text) if anchor is not None else None
            for finding in self.rules[index].find(text, starts):
                start, end = _escape_safe(text, finding.start, finding.end)
                ranked.append((finding._replace(start=start, end=end), index))
        if not ranked:
            return []
        if "<secret:" in text or "<pii:" in text:
            ranked = _outside_placeholders(text, ranked)
        return _merge(ranked)

    def redact_fields(self, item: T, fields: Iterable[str] = RECORD_FIELDS) -> tuple[T, Counter[str]]:
        """A dataclass (a `Record`, a `Reject`) with its string `fields` redacted, and the hits.

        The item itself is returned when nothing was found, so the common case copies nothing.
        """
        changes: dict[str, str] = {}
        hits: Counter[str] = Counter()
        for name in fields:
            value = getattr(item, name)
            if isinstance(value, str):
                result = self.redact(value)
                if result.hits:
                    changes[name] = result.text
                    hits.update(result.hits)
        return (dataclasses.replace(item, **changes) if changes else item), hits

    def _replace(self, text: str, findings: list[Finding]) -> Redaction:
        pieces: list[str] = []
        hits: Counter[str] = Counter()
        position = 0
        for finding in findings:
            pieces.append(text[position : finding.start])
            pieces.append(self._placeholder(finding, text[finding.start : finding.end]))
            hits[finding.name] += 1
            position = finding.end
        pieces.append(text[position:])
        return Redaction("".join(pieces), hits)

    def _placeholder(self, finding: Finding, value: str) -> str:
        if self._key is None:
            return f"<{finding.kind}:{finding.name}>"
        return f"<{finding.kind}:{finding.name}:{tag(self._key, value, self._tag_length)}>"


def _merge(ranked: list[tuple[Finding, int]]) -> list[Finding]:
    """Overlapping findings as one span each, named by the highest-ranked of them."""
    ranked.sort(key=lambda pair: pair[0].start)
    merged: list[Finding] = []
    best_rank: tuple[int, int] | None = None
    for finding, index in ranked:
        rank = (finding.priority, index)
        if merged and finding.start < merged[-1].end:
            last = merged[-1]
            winner = finding if rank < best_rank else last
            merged[-1] = winner._replace(start=last.start, end=max(last.end, finding.end))
            best_rank = min(best_rank, rank)
        else:
            merged.append(finding)
            best_rank = rank
    return merged


def _outside_placeholders(text: str, ranked: list[tuple[Finding, int]]) -> list[tuple[Finding, int]]:
    """Drop findings inside placeholders already in the text, so redacting twice changes nothing."""
    taken = [match.span() for match in PLACEHOLDER.finditer(text)]
    return [
        (finding, index)
        for finding, index in ranked
        if not any(start < finding.end and finding.start < end for start, end in taken)
    ]


def _escape_safe(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened so that it neither starts nor ends inside a backslash escape."""
    return _escape_start(text, start), _escape_end(text, end)


def _escaping_backslash_before(text: str, position: int) -> int | None:
    """The start of the escape sequence (`\\x` or `\\uXXXX`) that covers `position`, if any."""
    for back in range(position - 1, max(-1, position - 6), -1):
        if text[back] != "\\":
            continue
        run_start = back
        while run_start > 0 and text[run_start - 1] == "\\":
            run_start -= 1
        # In a run of backslashes, every other one (counting from the run's start) escapes the next.
        escaper = back if (back - run_start) % 2 == 0 else back - 1
        length = 6 if text[escaper + 1 : escaper + 2] == "u" else 2
        return escaper if escaper < position < escaper + length else None
    return None


def _escape_start(text: str, start: int) -> int:
    if "\\" not in text[max(0, start - 5) : start]:
        return start
    escaper = _escaping_backslash_before(text, start)
    return start if escaper is None else escaper


def _escape_end(text: str, end: int) -> int:
    if "\\" not in text[max(0, end - 5) : end]:
        return end
    escaper = _escaping_backslash_before(text, end)
    if escaper is None:
        return end
    return min(len(text), escaper + (6 if text[escaper + 1 : escaper + 2] == "u" else 2))
