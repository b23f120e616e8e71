"""The redaction step of a Load (logviz_assets/load/redaction.py): before the length limits cut a
text, and what is left of a secret a reject's excerpt was cut through."""

from __future__ import annotations

import json
from pathlib import Path

from logviz_assets.limits import MAX_TEXT_CHARS
from logviz_assets.load.file_read import read_file
from logviz_assets.load.redaction import redact_rest
from logviz_assets.redact import Redactor
from tests.helpers.secrets import GITHUB_PAT, leaks


def test_a_secret_across_the_length_limit_is_redacted_before_the_cut(tmp_path: Path) -> None:
    # The token starts 10 characters before the limit: cut first, its head would no longer match.
    text = "x" * (MAX_TEXT_CHARS - 10) + " " + GITHUB_PAT + " tail"
    path = tmp_path / "chat.json"
    messages = [{"role": "user", "content": "Show me the deploy log."}, {"role": "assistant", "content": text}]
    path.write_text(json.dumps(messages), encoding="utf-8")
    read = read_file(path, redactor=Redactor())
    (record,) = [r for r in read.records if r.kind == "message" and r.role == "assistant"]
    assert record.text_cut_from is not None  # still cut, after redaction
    assert not leaks(GITHUB_PAT, record.text) and not leaks(GITHUB_PAT[:14], record.text)
    assert json.loads(record.redactions) == {"github-token": 1}
    assert read.record_redactions["github-token"] == 1


def test_an_excerpt_cut_through_a_secret_loses_the_cut_word(tmp_path: Path) -> None:
    # A broken line whose excerpt (500 characters) ends inside a token: no rule knows the piece.
    first = {"type": "user", "sessionId": "s1", "uuid": "u1", "timestamp": "2026-01-01T00:00:00Z",
             "message": {"role": "user", "content": "hello"}}  # fmt: skip
    broken = '{"type": "user", "content": "' + "y" * 460 + " " + GITHUB_PAT + '"\n'
    path = tmp_path / "session.jsonl"
    path.write_text(json.dumps(first) + "\n" + broken, encoding="utf-8")
    read = read_file(path, redactor=Redactor())
    assert read.rejects and len(read.rejects[0].excerpt) == 500
    redact_rest(read, Redactor())
    excerpt = read.rejects[0].excerpt
    assert excerpt.endswith("…") and "ghp_" not in excerpt and GITHUB_PAT[:20] not in excerpt
