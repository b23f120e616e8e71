"""The personal-data layer's own checks: Luhn, and what each shape must not take."""

from __future__ import annotations

import pytest

from logviz_assets.redact import Redactor
from logviz_assets.redact.pii import luhn_valid

PII = Redactor("secrets+pii")


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("5500000000000004", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("1234567812345678", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("card 4111-1111-1111-1111 and order 4111-1111-1111-1112", {"card": 1}),
        ("write to ops@corp-mail.com, not to git@github.com or to icon@2x.png", {"email": 1}),
        ("from 198.51.100.7 via 10.0.0.1 to 127.0.0.1 mask 255.255.255.0", {"ip": 2}),
        ("v1.2.3.4.5 and 1.2.3.4.5.6 are versions", {}),
        ("route fe80::1 and 2001:db8::8a2e:370:7334", {"ip": 1}),
        ("12:34:56 and std::string and a::b", {}),
        ("+1 415 555 0132 or +44 (0) 20 7946 0958", {"phone": 2}),
        ("build 20240115123456 took 1234567 ms", {}),
    ],
)
def test_what_each_shape_takes(text: str, hits: dict[str, int]) -> None:
    assert dict(PII.redact(text).hits) == hits, PII.redact(text).text
