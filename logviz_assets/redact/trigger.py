"""The prefilter: one pass over a text that says which rules could find something in it.

Most texts hold no secret, so what they cost is this pass. Python's `re` tries each branch
of a large alternation at almost every position (a few MB/s for this rule set); RE2 runs
all the triggers as one automaton in a single pass whatever their number (about 200 MB/s
on a 2-core EPYC, a call's overhead included; see bench/redaction.py). RE2 (the
`google-re2` package) is used when it is installed, `re` otherwise, with the same
triggers and the same results, only slower.

Two RE2 objects do the work. A plain search over all triggers at once says whether
anything occurs at all; for most texts that is the only pass. Then a `Set` names the
triggers that occur. A set gives up silently (as "none") when its automaton outgrows its
memory on some input, where the search falls back to a slower engine instead, so when the
set names nothing after the search found something, every rule runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

try:
    import re2
except ImportError:  # the slower engine gives the same answers
    re2 = None

RE2_MAX_MEM = 64 << 20


class TriggerSet:
    """Which of `triggers` occur in a text, found in one pass."""

    def __init__(self, triggers: Sequence[str], use_re2: bool = True) -> None:
        self.count = len(triggers)
        self.everything = tuple(range(self.count))
        triggers = [_joinable(_loosened(trigger)) for trigger in triggers]
        any_of = "|".join(triggers)
        self.engine = "re2" if use_re2 and re2 is not None else "re"
        if not triggers:
            self.engine = "none"
        elif self.engine == "re2":
            options = re2.Options()
            options.max_mem = RE2_MAX_MEM
            options.log_errors = False
            self._occurs = _occurs_in(re2.compile(any_of, options))
            self._set = re2.Set.SearchSet(options)
            for trigger in triggers:
                self._set.Add(trigger)
            self._set.Compile()
        elif self.engine == "re":
            self._any = re.compile(any_of, re.ASCII)
            self._each = [re.compile(trigger, re.ASCII) for trigger in triggers]

    def found_in(self, text: str) -> Sequence[int]:
        """The indices of the triggers that occur in `text` (every index when unsure)."""
        if self.engine == "none":
            return ()
        if self.engine == "re":
            if not self._any.search(text):
                return ()
            return [index for index, trigger in enumerate(self._each) if trigger.search(text)]
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: RE2 reads UTF-8 only
            return self.everything
        if not self._occurs(encoded):
            return ()
        return self._set.Match(encoded) or self.everything


def _occurs_in(compiled) -> Callable[[bytes], bool]:
    """A yes/no search of UTF-8 bytes.

    The wrapper's `search` spends about 3 µs a call (half the cost of a typical text) on
    mapping byte offsets to characters, which a yes/no question does not need; its C++
    object answers directly. A wrapper version without that object gets the plain search.
    """
    regexp = getattr(compiled, "_regexp", None)
    unanchored = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    no_match = getattr(re2, "_NULL_SPAN", None)
    if regexp is None or unanchored is None or no_match is None:
        return lambda encoded: compiled.search(encoded) is not None

    def occurs(encoded: bytes) -> bool:
        return regexp.Match(unanchored, encoded, 0, len(encoded))[0] != no_match

    return occurs


class Anchor:
    """Where an anchor pattern matches in a text, found by RE2 (see `Rule.anchor`)."""

    def __init__(self, pattern: str) -> None:
        options = re2.Options()
        options.max_mem = RE2_MAX_MEM
        options.log_errors = False
        self._pattern = re2.compile(_joinable(pattern), options)

    def starts(self, text: str) -> list[int] | None:
        """The start of each match, or None when RE2 cannot read the text (then try everywhere)."""
        try:
            return [match.start() for match in self._pattern.finditer(text)]
        except UnicodeEncodeError:
            return None


def anchor_for(pattern: str | None, use_re2: bool = True) -> Anchor | None:
    """An `Anchor` when there is a pattern and RE2 to run it; else None (the rule scans the text)."""
    if pattern is None or not use_re2 or re2 is None:
        return None
    return Anchor(pattern)


_COUNTED = re.compile(r"(?<!\\)\{(\d+)(,?)(\d*)\}")
# Counted repetitions beyond this become "at least this many" in triggers: a token's
# `[0-9A-Za-z_-]{138,300}` multiplies the automaton's states, and a trigger only has to be
# a superset of its rule.
TRIGGER_COUNT_CAP = 16


def _loosened(trigger: str) -> str:
    """`x{n,m}` as `x{min(n, cap),}` (and `x{n}` with n over the cap likewise): a superset."""

    def loosen(match: re.Match[str]) -> str:
        least = int(match.group(1))
        if not match.group(2) and least <= TRIGGER_COUNT_CAP:
            return match.group(0)  # a small exact count costs little
        return f"{{{min(least, TRIGGER_COUNT_CAP)},}}"

    return _COUNTED.sub(loosen, trigger)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _joinable(trigger: str) -> str:
    """A trigger fit to be one branch of an alternation: flags scoped, group names dropped."""
    trigger = _NAMED_GROUP.sub("(?:", trigger)
    if trigger.startswith("(?i)"):
        return f"(?i:{trigger[4:]})"
    return f"(?:{trigger})"
