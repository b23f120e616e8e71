"""The rule table: every rule a mode runs, in the order that breaks ties between them.

Where findings overlap, the rule with the lower priority number names the merged span
(a `ghp_…` token is a `github-token` even as the value of `"password":`); at equal
priority the earlier rule here wins.
"""

from __future__ import annotations

from logviz_assets.redact.contexts import CONTEXT_RULES
from logviz_assets.redact.modes import Mode
from logviz_assets.redact.pii import PII_RULES
from logviz_assets.redact.rule import Rule
from logviz_assets.redact.tokens import TOKEN_RULES

SECRET_RULES: tuple[Rule, ...] = TOKEN_RULES + CONTEXT_RULES


def rules_for(mode: Mode) -> tuple[Rule, ...]:
    if mode is Mode.OFF:
        return ()
    return SECRET_RULES + PII_RULES if mode.pii else SECRET_RULES
