"""The redaction step of a Load: between parsing a file and storing what it gave.

Every text a read yields is redacted before it reaches the store, the vectors or a log line:
each record's text, tool arguments and raw line (as the parser gave them, before they are cut to
the length limits, so a cut cannot leave half a token behind), each reject's reason and excerpt,
and the parser state kept in the file manifest (a run's title waits there until its run record
is written). A record that had something replaced says which rules did, and how often, in
`redactions`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from logviz_assets.formats.base import EXCERPT_CHARS
from logviz_assets.record import Record, Reject
from logviz_assets.redact import RECORD_FIELDS, Mode, Redactor

if TYPE_CHECKING:  # file_read calls `redact_record` as it reads
    from logviz_assets.load.file_read import FileRead

REJECT_FIELDS = ("reason", "excerpt")


def redact_record(record: Record, redactor: Redactor) -> tuple[Record, Counter[str]]:
    """The record with its texts redacted and, if anything was, which rules fired; the hits."""
    redacted, found = redactor.redact_fields(record, RECORD_FIELDS)
    if found:
        redacted = replace(redacted, redactions=json.dumps(dict(sorted(found.items()))))
    return redacted, found


def redact_rest(read: FileRead, redactor: Redactor | None) -> int:
    """Redact a read's rejects and parser state in place (its records were redacted as they were
    read); how many values were replaced."""
    if redactor is None or redactor.mode is Mode.OFF:
        return 0
    hits: Counter[str] = Counter()
    rejects = []
    for reject in read.rejects:
        redacted, found = redactor.redact_fields(reject, REJECT_FIELDS)
        hits.update(found)
        rejects.append(_without_cut_word(redacted))
    read.rejects = rejects
    read.state = _redact_values(read.state, redactor, hits)
    return sum(hits.values())


def _without_cut_word(reject: Reject) -> Reject:
    """An excerpt cut at its limit loses its last word: the cut may have split a secret, and what
    is left of one no longer has the shape the rules know."""
    excerpt = reject.excerpt
    if excerpt is None or len(excerpt) < EXCERPT_CHARS:
        return reject
    return replace(reject, excerpt=re.sub(r"\S+$", "…", excerpt))


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
