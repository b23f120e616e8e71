"""Judging a candidate value: is it a secret, or a placeholder, a variable, a hash, a word?

The rules find values by their context (a key name, a header, a URL); these checks keep
the ones that look like real credentials. They err towards redacting where the context
is explicit (a password) and towards keeping where it is loose (any `..._KEY` variable).
"""

from __future__ import annotations

import math
import re
from collections import Counter

# Words that stand in for a value in docs, templates, type hints and earlier redaction.
PLACEHOLDER_WORDS = frozenset(
    (
        "redacted",
        "hidden",
        "masked",
        "removed",
        "omitted",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "string",
        "str",
        "int",
        "bool",
        "boolean",
        "number",
        "any",
        "object",
        "required",
        "optional",
        "default",
        "env",
        "secret",
        "secrets",
        "password",
        "passwd",
        "pass",
        "token",
        "tokens",
        "key",
        "apikey",
        "api_key",
        "credential",
        "credentials",
        "changeme",
        "change_me",
        "example",
        "sample",
        "dummy",
        "placeholder",
        "todo",
        "tbd",
        "fixme",
        "test",
        "value",
        "your_token",
    )
)
# A value that names itself (`"no-password-required"`, `FORCE_CHANGE_PASSWORD`) stands in too.
_PLACEHOLDER_PARTS = (
    "redacted",
    "placeholder",
    "example",
    "<secret:",
    "<pii:",
    "your_",
    "your-",
    "xxxx",
    "***",
    "...",
    "password",
    "passwd",
)
_TRAILING_ESCAPES = re.compile(r"(?:\\+[nrt])+$")
_ONE_CHAR_REPEATED = re.compile(r"(.)\1*", re.DOTALL)
_WORDLIKE = re.compile(r"[A-Za-z_.-]+")
_PLAIN_NAME = re.compile(r"[A-Za-z_$]+")
_DOTTED = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+")
_METAVAR = re.compile(r"[A-Z][A-Z0-9_-]*")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PATH = re.compile(r"(?:[A-Za-z]:)?[~.]{0,2}[/\\][\w .@+~/\\-]*")
_RELATIVE_PATH = re.compile(r"[A-Za-z_.-]+(?:/[A-Za-z_.-]+)+/?")
# snake_case and camelCase names: variables and fields in code (each part starts a new word,
# so matching never backtracks).
_CODE_NAME = re.compile(r"[A-Za-z][a-z0-9]*(?:_[A-Za-z0-9]+)+|[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)+")
_CAPITALISED_WORD = re.compile(r"[A-Z][a-z]{2,}")
_DOTTED_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,30}(?:\.[A-Za-z][A-Za-z0-9_-]{0,30}){2,}")
# What key material is made of; anything else (brackets, `$`, spaces) makes it code or prose.
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_.~:@!#%&*^-]+")
DIGEST_LENGTHS = frozenset((32, 40, 56, 64, 96, 128))  # md5, sha1, sha224, sha256, sha384, sha512


def shannon_entropy(value: str) -> float:
    """Bits per character of `value`'s own character distribution (gitleaks' measure)."""
    if not value:
        return 0.0
    length = len(value)
    return -sum(count / length * math.log2(count / length) for count in Counter(value).values())


def is_placeholder(value: str) -> bool:
    """A value that stands for a secret without being one: empty, masked, templated, typed."""
    text = _TRAILING_ESCAPES.sub("", value.strip()).strip("\"'`")
    if not text:
        return True
    lowered = text.lower()
    if lowered in PLACEHOLDER_WORDS or _ONE_CHAR_REPEATED.fullmatch(text):
        return True
    if text[0] in "$%<{[@" or text.startswith(("process.env", "os.environ", "env.", "ENV[")):
        return True  # a template, a variable reference or a collection, not a literal
    if lowered.endswith(("_here", "-here", "...", "…")):
        return True
    return any(part in lowered for part in _PLACEHOLDER_PARTS)


def looks_like_code(value: str, following: str) -> bool:
    """A bare (unquoted) value that is an expression: a call, an index, an attribute path."""
    if following[:1] in ("(", "[") or following[:2] in ("?.", "->"):
        return True
    return bool(_DOTTED.fullmatch(value)) or any(ch in value for ch in "()[]")


def is_plain_name(value: str) -> bool:
    """Letters and `_` only, as a variable in code is (`csrfToken`); a digit makes it data."""
    return bool(_PLAIN_NAME.fullmatch(value))


def is_metavar(value: str) -> bool:
    """An upper-case name such as a CLI help's `--token TOKEN`."""
    return bool(_METAVAR.fullmatch(value))


def is_wordlike(value: str) -> bool:
    """Letters and `_.-` only: a name or a phrase slug, not generated key material."""
    return bool(_WORDLIKE.fullmatch(value))


def is_digest(value: str) -> bool:
    """A hex digest (git SHA, sha256, md5) or a UUID: identifiers that logs are full of."""
    return bool(_UUID.fullmatch(value)) or (len(value) in DIGEST_LENGTHS and bool(_HEX.fullmatch(value)))


def is_id_like(value: str) -> bool:
    """A UUID or a SHA-sized hex digest: an id even under a key named "token".

    32 hex digits are left out: that is the size of many API keys as well as of an md5.
    """
    return is_digest(value) and (len(value) != 32 or "-" in value)


def is_path_or_url(value: str) -> bool:
    """A URL, a file path, or an ARN/URN: where a secret lives, not the secret."""
    if "://" in value or value.startswith(("arn:", "urn:")):
        return True
    return bool(_PATH.fullmatch(value) or _RELATIVE_PATH.fullmatch(value))


def is_code_name(value: str) -> bool:
    """`s3_session_auth`, `apiKeyValue`, `PKCS7PrivateKeyTypes`, `com.github.x.y`: names from code."""
    if _DOTTED_NAME.fullmatch(value):
        return True
    if _CODE_NAME.fullmatch(value):
        return sum(ch.islower() for ch in value) >= 3
    # PascalCase: mostly capitalised words (`PKCS7PrivateKeyTypes`); random text rarely is.
    words = _CAPITALISED_WORD.findall(value)
    return value.isalnum() and len(words) >= 2 and sum(map(len, words)) >= 0.6 * len(value)


_SLUG_SEPARATORS = re.compile(r"[-_.:/ ]+")


def is_slug(value: str) -> bool:
    """Words joined by separators (`v2:user-profile`, `my-app-token`): a name, not key material."""
    return all(part.isalpha() or len(part) <= 3 for part in _SLUG_SEPARATORS.split(value))


def is_sentence(value: str) -> bool:
    """Prose: five words or more, or three and a full stop."""
    words = value.split()
    return len(words) >= 5 or (len(words) >= 3 and value.rstrip().endswith("."))


def is_token_text(value: str) -> bool:
    """Made only of the characters API keys and tokens are made of."""
    return bool(_TOKEN_CHARS.fullmatch(value))


def looks_random(value: str, min_length: int = 8, min_entropy: float = 3.0) -> bool:
    """Long and varied enough to be generated key material rather than a word or a number.

    Short strings cannot reach a fixed entropy (8 distinct characters give exactly 3 bits),
    so the floor is lowered to what a string of that length of distinct characters reaches.
    """
    if len(value) < min_length or is_wordlike(value) or value.isdigit():
        return False
    return shannon_entropy(value) >= min(min_entropy, math.log2(len(value)) - 0.2)
