"""What gets redacted: nothing, secrets, or secrets and personal data (`LOGVIZ_REDACT`)."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    OFF = "off"
    SECRETS = "secrets"
    SECRETS_AND_PII = "secrets+pii"

    @property
    def secrets(self) -> bool:
        return self is not Mode.OFF

    @property
    def pii(self) -> bool:
        return self is Mode.SECRETS_AND_PII


DEFAULT_MODE = Mode.SECRETS


def parse_mode(value: str | None) -> Mode:
    """A mode from its name, as an environment variable spells it; unset or blank is the default."""
    if value is None or not value.strip():
        return DEFAULT_MODE
    name = value.strip().lower()
    try:
        return Mode(name)
    except ValueError:
        choices = ", ".join(repr(mode.value) for mode in Mode)
        raise ValueError(f"unknown redaction mode {value!r}: expected one of {choices}") from None
