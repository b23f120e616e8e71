"""The redactor over every text of the real logs in ../shared/samples (skipped where absent).

The samples hold no live credentials; what matters here is what the redactor must not take
(git SHAs, UUIDs, sha256 digests, base64 image data, code, long paths) and that the one-pass
prefilter hides nothing the full rule set finds. The hits, if any, are printed for review
(`pytest -s`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from logviz_assets.load.file_read import read_file
from logviz_assets.load.source import scan
from logviz_assets.redact import RECORD_FIELDS, Redactor

IDENTIFIER = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
BASE64_CHAR = re.compile(r"[A-Za-z0-9+/=]")


@pytest.fixture(scope="module")
def sample_texts(samples_dir: Path) -> list[str]:
    texts = []
    for found in scan([samples_dir]):
        read = read_file(Path(found.path))
        texts += [value for record in read.records for name in RECORD_FIELDS if (value := getattr(record, name))]
        texts += [value for reject in read.rejects for value in (reject.reason, reject.excerpt) if value]
    assert len(texts) > 1000
    return texts


def inside_base64_blob(text: str, start: int, end: int, run: int = 200) -> bool:
    """Whether the span lies in an unbroken run of base64 characters at least `run` long."""
    left, right = start, end
    while left > 0 and BASE64_CHAR.match(text, left - 1) and end - left < run:
        left -= 1
    while right < len(text) and BASE64_CHAR.match(text, right) and right - left < run:
        right += 1
    return right - left >= run


@pytest.mark.parametrize("mode", ["secrets", "secrets+pii"])
def test_no_hit_is_an_identifier_or_image_data(sample_texts: list[str], mode: str) -> None:
    redactor = Redactor(mode)
    hits: Counter[str] = Counter()
    for text in sample_texts:
        for finding in redactor.findings(text):
            value = text[finding.start : finding.end]
            print(f"{mode}: {finding.name}: {text[max(0, finding.start - 40) : finding.end + 10]!r}")
            hits[finding.name] += 1
            assert not IDENTIFIER.fullmatch(value), (finding, value)
            assert not IDENTIFIER.search(value) or len(value) > 80, (finding, value)
            assert not inside_base64_blob(text, finding.start, finding.end), (finding, value[:80])
            assert "data:image" not in value and ";base64," not in value
    print(f"{mode}: {dict(hits)} over {len(sample_texts)} texts")
    # Reviewed by hand: the samples hold two real e-mail addresses and no credentials.
    assert hits["email"] <= 2 and sum(hits.values()) == hits["email"]


def test_the_prefilter_hides_nothing_in_the_samples(sample_texts: list[str]) -> None:
    fast, everything = Redactor("secrets+pii"), Redactor("secrets+pii", use_re2=False)
    for text in sample_texts:
        findings = everything.findings(text)
        expected = everything._replace(text, findings).text if findings else text
        assert fast.redact(text).text == expected


def test_json_texts_stay_json(sample_texts: list[str]) -> None:
    redactor = Redactor("secrets+pii", key=bytes(32))
    for text in sample_texts:
        try:
            json.loads(text)
        except json.JSONDecodeError:
            continue
        json.loads(redactor.redact(text).text)
