"""`LOGVIZ_REDACT` values: off | secrets (the default) | secrets+pii."""

from __future__ import annotations

import pytest

from logviz_assets.redact import DEFAULT_MODE, Mode, Redactor, parse_mode, rules_for


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("off", Mode.OFF),
        ("secrets", Mode.SECRETS),
        ("secrets+pii", Mode.SECRETS_AND_PII),
        (" Secrets+PII \n", Mode.SECRETS_AND_PII),
        ("", DEFAULT_MODE),
        ("   ", DEFAULT_MODE),
        (None, DEFAULT_MODE),
    ],
)
def test_parse_mode(value: str | None, mode: Mode) -> None:
    assert parse_mode(value) is mode


@pytest.mark.parametrize("value", ["on", "pii", "secret", "secrets,pii", "true", "none"])
def test_an_unknown_mode_is_an_error_that_lists_the_choices(value: str) -> None:
    with pytest.raises(ValueError, match=r"unknown redaction mode .*'off', 'secrets', 'secrets\+pii'"):
        parse_mode(value)


def test_the_default_is_secrets_without_pii() -> None:
    assert DEFAULT_MODE is Mode.SECRETS
    kinds = {rule.kind for rule in rules_for(DEFAULT_MODE)}
    assert kinds == {"secret"}
    assert {rule.kind for rule in rules_for(Mode.SECRETS_AND_PII)} == {"secret", "pii"}
    assert rules_for(Mode.OFF) == ()


def test_off_changes_nothing() -> None:
    redactor = Redactor("off")
    text = "export GITHUB_TOKEN=ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    assert redactor.redact(text) == (text, {})
    assert redactor.engine == "none"
