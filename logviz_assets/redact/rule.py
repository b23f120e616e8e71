"""What a rule is: a pattern that finds secrets of one kind, and a trigger that says when to look.

A text is first scanned once for every rule's trigger together (`trigger.py`); only the
rules whose trigger occurs run their pattern. So a trigger must match somewhere in every
text where its pattern finds something (a loose superset is fine, a miss would leak), and
it is written in the syntax that both RE2 and Python's `re` read: no look-arounds, no
back-references, ASCII classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

Kind = Literal["secret", "pii"]


def not_after(chars: str) -> str:
    """A look-behind: the match does not continue a run of `chars` (a regex class body).

    An escape such as `\n` or `\t` counts as a break too, though its letter is a word
    character: in JSON-escaped text, a token at the start of a line follows `\n`.
    """
    return rf"(?:(?<![{chars}])|(?<=\\[nrt]))"


# Rules that name what they found precisely win over generic ones where findings overlap.
TOKEN_PRIORITY = 10
STRUCTURE_PRIORITY = 20
HEADER_PRIORITY = 30
ASSIGNMENT_PRIORITY = 40
PII_PRIORITY = 60


class Finding(NamedTuple):
    """A span of a text to replace, and the placeholder type it becomes."""

    start: int
    end: int
    name: str
    kind: Kind
    priority: int


# A rule's own check of a match: the (start, end, name) spans it accepts as secrets.
SpanCheck = Callable[[re.Match[str]], Iterable[tuple[int, int, str]]]


@dataclass(frozen=True)
class Rule:
    """One kind of secret.

    `pattern` finds candidates; its secret is the group named `secret` when it has one, else
    the whole match. `check` (optional) sees each match and returns the spans it keeps, each
    with the placeholder type it is counted under (a rule may name several, like `password`
    and `api-key` for the key-value rule); without it, every match is kept under `name`.

    `anchor` (optional, RE2 syntax like the trigger) finds where a match of `pattern` can
    start: RE2's leftmost, non-overlapping matches of it must include every such position.
    Python's `re` is slow to scan for a pattern that starts with a case-insensitive word;
    RE2 finds those words, and `pattern` is then only tried there.
    """

    name: str
    pattern: re.Pattern[str]
    trigger: str
    kind: Kind = "secret"
    priority: int = TOKEN_PRIORITY
    check: SpanCheck | None = None
    anchor: str | None = None

    def find(self, text: str, starts: Iterable[int] | None = None) -> Iterator[Finding]:
        """The findings in `text`; with `starts` (where the anchor is), the pattern is tried only there."""
        secret_group = "secret" if "secret" in self.pattern.groupindex else 0
        for match in self._matches(text, starts):
            if self.check is None:
                start, end = match.span(secret_group)
                if end > start:
                    yield Finding(start, end, self.name, self.kind, self.priority)
                continue
            for start, end, name in self.check(match):
                if end > start:
                    yield Finding(start, end, name, self.kind, self.priority)

    def _matches(self, text: str, starts: Iterable[int] | None) -> Iterator[re.Match[str]]:
        if starts is None:
            yield from self.pattern.finditer(text)
            return
        resume = 0  # like finditer, the next match starts where the last one ended
        for start in starts:
            if start < resume:
                continue
            match = self.pattern.match(text, start)
            if match:
                yield match
                resume = max(match.end(), start + 1)


def secret_span(match: re.Match[str], name: str) -> list[tuple[int, int, str]]:
    """The match's secret group (or whole match) as the one span a check keeps."""
    group = "secret" if "secret" in match.re.groupindex else 0
    return [(*match.span(group), name)]
