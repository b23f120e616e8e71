"""The redaction step of a Load: between parsing a file and storing what it gave.

Every text a read yields is redacted before it reaches the store, the vectors or a log line:
each record's text, tool arguments and raw line, each reject's reason and excerpt, and the parser
state kept in the file manifest (a run's title waits there until its run record is written).
A record that had something replaced says which rules did, and how often, in `redactions`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

from logviz_assets.load.file_read import FileRead
from logviz_assets.redact import RECORD_FIELDS, Mode, Redactor

REJECT_FIELDS = ("reason", "excerpt")


def redact_read(read: FileRead, redactor: Redactor | None) -> tuple[Counter[str], int]:
    """Redact what one read of a file gave, in place: the hits in its records by rule (what the
    records then say of themselves), and how many values were replaced in its rejects and state."""
    hits: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    if redactor is None or redactor.mode is Mode.OFF:
        return hits, 0
    records = []
    for record in read.records:
        redacted, found = redactor.redact_fields(record, RECORD_FIELDS)
        if found:
            redacted = replace(redacted, redactions=json.dumps(dict(sorted(found.items()))))
            hits.update(found)
        records.append(redacted)
    read.records = records
    rejects = []
    for reject in read.rejects:
        redacted, found = redactor.redact_fields(reject, REJECT_FIELDS)
        elsewhere.update(found)
        rejects.append(redacted)
    read.rejects = rejects
    read.state = _redact_values(read.state, redactor, elsewhere)
    return hits, sum(elsewhere.values())


def _redact_values(value: Any, redactor: Redactor, hits: Counter[str]) -> Any:
    """Every string in a JSON-like value redacted (keys are the parsers' own names, left alone)."""
    if isinstance(value, str):
        result = redactor.redact(value)
        hits.update(result.hits)
        return result.text
    if isinstance(value, dict):
        return {key: _redact_values(item, redactor, hits) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_values(item, redactor, hits) for item in value]
    return value
