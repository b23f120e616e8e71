"""Redaction: secrets (and optionally personal data) replaced before anything is stored or embedded.

Pure logic, no Dagster: the Load calls it on each record's content fields, the API can
call it on what it returns, the stats add up its hit counts.

    from logviz_assets.redact import KEY_FILE_NAME, Redactor, load_or_create_key, parse_mode

    redactor = Redactor(parse_mode(os.environ.get("LOGVIZ_REDACT")),
                        key=load_or_create_key(home / KEY_FILE_NAME))
    record, hits = redactor.redact_fields(record)   # text, tool_args, raw
    redactor.redact(text)                            # Redaction(text=..., hits={"github-token": 1})

Modules: `modes` (off | secrets | secrets+pii), `key` (the local HMAC key), `rule` (what a
rule is), `tokens` (vendor token shapes, from gitleaks: see GITLEAKS-LICENSE), `contexts`
(secrets known by their surroundings), `pii`, `values` (is a value a secret?), `rules`
(the table per mode), `trigger` (the one-pass prefilter), `redactor` (the whole).
"""

from logviz_assets.redact.key import KEY_FILE_NAME, load_or_create_key
from logviz_assets.redact.modes import DEFAULT_MODE, Mode, parse_mode
from logviz_assets.redact.redactor import RECORD_FIELDS, REJECT_FIELDS, Redaction, Redactor
from logviz_assets.redact.rules import rules_for

__all__ = [
    "DEFAULT_MODE",
    "KEY_FILE_NAME",
    "RECORD_FIELDS",
    "REJECT_FIELDS",
    "Mode",
    "Redaction",
    "Redactor",
    "load_or_create_key",
    "parse_mode",
    "rules_for",
]
