"""Every kind of fake secret in `tests/helpers/secrets.py` is replaced, as logs carry it.

Each case is checked as written, inside a JSON tool-argument string (quotes arrive as
`\\"`, newlines as `\\n`), and inside a JSON string inside a JSON string (a raw event that
holds a tool call): the secret, its escaped form and each of its lines are gone, the
placeholder names the right type, and JSON stays JSON.
"""

from __future__ import annotations

import json

import pytest

from logviz_assets.redact import Redactor
from tests.helpers.secrets import PII_CASES, SECRET_CASES, SecretCase, leaks

REDACTOR = Redactor()
PII_REDACTOR = Redactor("secrets+pii")


def in_tool_arguments(text: str) -> str:
    return json.dumps({"command": text, "description": "run it"})


def in_raw_event(text: str) -> str:
    return json.dumps({"type": "tool_use", "input": in_tool_arguments(text)})


def _check(redactor: Redactor, case: SecretCase, text: str, kind: str) -> str:
    result = redactor.redact(text)
    assert not leaks(case.secret, result.text), result.text
    assert f"<{kind}:{case.rule}>" in result.text, result.text
    assert result.hits[case.rule] >= 1
    return result.text


@pytest.mark.parametrize("case", SECRET_CASES, ids=[case.label for case in SECRET_CASES])
def test_secret_is_replaced_by_its_type(case: SecretCase) -> None:
    _check(REDACTOR, case, case.text, "secret")


@pytest.mark.parametrize("case", SECRET_CASES, ids=[case.label for case in SECRET_CASES])
def test_secret_in_json_arguments_is_replaced_and_json_stays_json(case: SecretCase) -> None:
    for wrapped in (in_tool_arguments(case.text), in_raw_event(case.text)):
        redacted = _check(REDACTOR, case, wrapped, "secret")
        decoded = json.loads(redacted)
        assert not leaks(case.secret, json.dumps(decoded, ensure_ascii=False))


@pytest.mark.parametrize("case", PII_CASES, ids=[case.label for case in PII_CASES])
def test_personal_data_is_replaced_in_pii_mode_only(case: SecretCase) -> None:
    _check(PII_REDACTOR, case, case.text, "pii")
    _check(PII_REDACTOR, case, in_tool_arguments(case.text), "pii")
    assert REDACTOR.redact(case.text).text == case.text


def test_every_secret_at_once_in_one_text() -> None:
    text = "\n".join(case.text for case in SECRET_CASES)
    result = REDACTOR.redact(text)
    for case in SECRET_CASES:
        assert not leaks(case.secret, result.text), case.label
    assert {case.rule for case in SECRET_CASES} <= set(result.hits)


def test_the_fixtures_cover_every_kind_the_brief_names() -> None:
    kinds = {case.rule for case in SECRET_CASES}
    assert {
        "aws-access-key-id",
        "aws-secret-access-key",
        "github-token",
        "slack-token",
        "openai-api-key",
        "anthropic-api-key",
        "jwt",
        "private-key",
        "password",
        "url-password",
        "bearer-token",
        "basic-auth",
        "cookie",
    } <= kinds
