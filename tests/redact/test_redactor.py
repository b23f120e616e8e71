"""The redactor's contract: placeholders and tags, merging, JSON safety, the prefilter's promise."""

from __future__ import annotations

import json
import pickle
import random
import re
import time

import pytest

from logviz_assets.record import Record, Reject
from logviz_assets.redact import RECORD_FIELDS, REJECT_FIELDS, Redaction, Redactor
from logviz_assets.redact.pii import PII_RULES
from logviz_assets.redact.redactor import _escape_safe
from logviz_assets.redact.rules import SECRET_RULES
from logviz_assets.redact.trigger import re2
from tests.helpers.secrets import (
    ANTHROPIC,
    GITHUB_PAT,
    JSON_PASSWORD,
    NOT_PII,
    NOT_SECRETS,
    PII_CASES,
    SECRET_CASES,
    STRIPE_LIVE,
)

KEY = bytes(range(32))
PLACEHOLDER = re.compile(r"<(?:secret|pii):[a-z0-9-]+(?::[0-9a-f]{8})?>")
needs_re2 = pytest.mark.skipif(re2 is None, reason="google-re2 is not installed: only the `re` prefilter runs")


def corpus() -> list[str]:
    """Every fixture text, alone and JSON-wrapped up to three deep, and the texts that hold nothing."""
    texts = [case.text for case in SECRET_CASES + PII_CASES] + [text for _, text in NOT_SECRETS + NOT_PII]
    wrapped = []
    for text in texts:
        once = json.dumps({"command": text})
        twice = json.dumps({"input": once})
        wrapped += [text, once, twice, json.dumps({"raw": twice})]
    rng = random.Random(7)
    mixed = ["\n".join(rng.sample(texts, 6)) for _ in range(40)]
    return wrapped + mixed + [json.dumps({"lines": text.splitlines()}) for text in mixed]


def test_none_and_empty_pass_through() -> None:
    redactor = Redactor()
    assert redactor.redact(None) == Redaction(None, {})
    assert redactor.redact("") == Redaction("", {})
    assert not redactor.redact("hello").redacted


def test_placeholders_carry_a_keyed_tag_that_groups_repeats() -> None:
    redactor = Redactor(key=KEY)
    first = redactor.redact(f"GITHUB_TOKEN={GITHUB_PAT}").text
    second = redactor.redact(f'{{"token": "{GITHUB_PAT}"}}').text
    tag = re.search(r"<secret:github-token:([0-9a-f]{8})>", first).group(1)
    assert f"<secret:github-token:{tag}>" in second
    other = redactor.redact(f"token={ANTHROPIC}").text
    assert tag not in other
    assert Redactor(key=bytes(32)).redact(f"GITHUB_TOKEN={GITHUB_PAT}").text != first
    assert Redactor().redact(f"GITHUB_TOKEN={GITHUB_PAT}").text == "GITHUB_TOKEN=<secret:github-token>"


def test_hits_count_each_secret_under_its_rule_never_the_value() -> None:
    text = f"a={GITHUB_PAT} b={GITHUB_PAT} c={STRIPE_LIVE}"
    result = Redactor().redact(text)
    assert dict(result.hits) == {"github-token": 2, "stripe-key": 1}
    assert all(GITHUB_PAT not in name for name in result.hits)


def test_a_specific_rule_names_a_secret_found_by_several() -> None:
    # The key-value rule, the Authorization rule and the token shape all see it.
    for text in (f'"password": "{GITHUB_PAT}"', f"Authorization: Bearer {GITHUB_PAT}"):
        assert Redactor().redact(text).hits == {"github-token": 1}


def test_overlapping_findings_are_replaced_as_one_span() -> None:
    text = f'password: "pre-{GITHUB_PAT}-post"'
    result = Redactor().redact(text)
    assert result.text == 'password: "<secret:github-token>"'


def test_redacting_twice_changes_nothing_more() -> None:
    for redactor in (Redactor(key=KEY), Redactor("secrets+pii", key=KEY)):
        for text in corpus():
            once = redactor.redact(text).text
            again = redactor.redact(once)
            assert again.hits == {}, once
            assert again.text == once


def ungated(redactor: Redactor, text: str) -> str:
    """`text` with what every rule finds over the whole of it replaced: no prefilter, no anchors."""
    findings = redactor.findings(text)
    return redactor._replace(text, findings).text if findings else text


def test_placeholders_are_the_only_change() -> None:
    redactor = Redactor("secrets+pii", key=KEY)
    for text in corpus():
        kept, position = [], 0
        for finding in redactor.findings(text):
            kept.append(text[position : finding.start])
            position = finding.end
        assert PLACEHOLDER.sub("", redactor.redact(text).text) == "".join([*kept, text[position:]])


def test_json_stays_valid_json() -> None:
    redactor = Redactor("secrets+pii", key=KEY)
    for text in corpus():
        try:
            json.loads(text)
        except json.JSONDecodeError:
            continue
        json.loads(redactor.redact(text).text)


@pytest.mark.parametrize(
    ("text", "start", "end", "safe"),
    [
        ('"a\\nb"', 3, 5, (2, 5)),  # starts on the n of \n: take the backslash too
        ('"a\\nb"', 1, 3, (1, 4)),  # ends between \ and n: take the n too
        ('"x\\u00e9y"', 1, 5, (1, 8)),  # ends inside \u00e9
        ('"x\\\\ny"', 3, 5, (2, 5)),  # starts inside the escape \\
        ('"x\\\\ny"', 4, 5, (4, 5)),  # after \\ (a whole escape) n is a plain letter
        ('"plain"', 1, 4, (1, 4)),
    ],
)
def test_spans_never_cut_an_escape(text: str, start: int, end: int, safe: tuple[int, int]) -> None:
    assert _escape_safe(text, start, end) == safe


def test_records_and_rejects_are_redacted_field_by_field() -> None:
    redactor = Redactor()
    record = Record(
        record_id="r1",
        run_id="run",
        kind="tool_call",
        source_format="claude-code",
        text="calling the API",
        tool_name="Bash",
        tool_args=json.dumps({"command": f"curl -H 'Authorization: Bearer {ANTHROPIC}' https://x"}),
        raw=json.dumps({"password": JSON_PASSWORD}),
    )
    redacted, hits = redactor.redact_fields(record)
    assert RECORD_FIELDS == ("text", "tool_args", "raw")
    assert dict(hits) == {"anthropic-api-key": 1, "password": 1}
    assert redacted.text == "calling the API" and redacted.record_id == "r1" and redacted.tool_name == "Bash"
    assert ANTHROPIC not in redacted.tool_args and JSON_PASSWORD not in redacted.raw
    clean = Record(record_id="r2", run_id="run", kind="message", source_format="claude-code", text="hi")
    assert redactor.redact_fields(clean) == (clean, {})
    assert redactor.redact_fields(clean)[0] is clean
    reject = Reject(source_file="f.jsonl", source_line=3, reason="invalid JSON", excerpt=f"{{token: {GITHUB_PAT}")
    redacted_reject, hits = redactor.redact_fields(reject, REJECT_FIELDS)
    assert GITHUB_PAT not in redacted_reject.excerpt and dict(hits) == {"github-token": 1}


def test_a_redactor_pickles_for_worker_processes() -> None:
    redactor = Redactor("secrets+pii", key=KEY)
    copy = pickle.loads(pickle.dumps(redactor))
    assert copy.mode is redactor.mode
    text = f"GITHUB_TOKEN={GITHUB_PAT} mail jane.doe@acme-corp.io"
    assert copy.redact(text) == redactor.redact(text)


def test_text_that_is_not_valid_unicode_is_still_redacted() -> None:
    text = f"\ud800 broken surrogate, then GITHUB_TOKEN={GITHUB_PAT}"
    result = Redactor().redact(text)
    assert GITHUB_PAT not in result.text and result.hits == {"github-token": 1}


@needs_re2
def test_the_prefilter_never_hides_a_finding() -> None:
    """Gated and anchored (RE2) redaction equals every rule run over the whole text (`re`, no anchors)."""
    fast, reference = Redactor("secrets+pii"), Redactor("secrets+pii", use_re2=False)
    assert (fast.engine, reference.engine) == ("re2", "re")
    for text in corpus():
        assert fast.redact(text).text == ungated(reference, text), text[:200]


def test_every_rule_is_triggered_by_its_own_findings() -> None:
    """Each rule's trigger matches (with `re`) wherever the rule finds something in the fixtures."""
    for rule in SECRET_RULES + PII_RULES:
        trigger = re.compile(rule.trigger, re.ASCII)
        for text in corpus():
            if any(True for _ in rule.find(text)):
                assert trigger.search(text), (rule.name, text[:200])


@pytest.mark.parametrize(
    "text",
    [
        "-" * 100_000,
        "password=" + "'" * 50_000,
        "token: " + "\\" * 100_000,
        "a" * 100_000 + "@",
        "1." * 50_000,
        "+1 " + "2" * 100_000,
        "Authorization: Bearer " + "x" * 100_000,
        "-----BEGIN RSA PRIVATE KEY-----" + "A" * 100_000,
        "mysql " + "-u " * 30_000,
        "eyJ" + "a" * 50_000 + ".eyJ" + "b" * 50_000,
        "xoxb-1234567890-" + "a" * 100_000 + "_",
        ("passwordpassword" * 6000) + ":",
        "--" + "a-" * 50_000 + " x",
    ],
    ids=lambda text: repr(text[:24]),
)
def test_long_hostile_texts_take_linear_time(text: str) -> None:
    redactor = Redactor("secrets+pii", key=KEY)
    started = time.perf_counter()
    redactor.redact(text)
    Redactor("secrets+pii", use_re2=False).findings(text)
    assert time.perf_counter() - started < 5.0
