"""Personal data, for the `secrets+pii` mode: e-mail addresses, phone numbers, IP addresses, cards.

These shapes are loose by nature (a version number looks like an IPv4 address, an id like
a card number), so each is checked further: addresses that name no one (loopback,
`noreply@…`, `example.com`) are kept, a card number must pass the Luhn check and start
like a card, a phone number must be written as one (a `+` and a country code, or the
grouped North American form).
"""

from __future__ import annotations

import ipaddress
import re

from logviz_assets.redact.rule import PII_PRIORITY, Rule, not_after

Spans = list[tuple[int, int, str]]

# --- e-mail ---------------------------------------------------------------------------

_EMAIL = re.compile(
    rf"{not_after('A-Za-z0-9._%+-')}[A-Za-z0-9][A-Za-z0-9._%+-]{{0,63}}@"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?P<tld>[A-Za-z]{2,24}))(?![A-Za-z0-9/-])",
    re.ASCII,
)
_SERVICE_MAILBOXES = frozenset(("git", "noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon"))
_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net", "localhost", "test", "example", "invalid", "local")
# `icon@2x.png`, `pkg@1.2.js`: asset and package names, not addresses.
_FILE_SUFFIXES = frozenset(
    (
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "ico",
        "bmp",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "css",
        "scss",
        "json",
        "md",
        "txt",
        "py",
        "rb",
        "go",
        "rs",
        "java",
        "kt",
        "html",
        "htm",
        "xml",
        "yaml",
        "yml",
        "toml",
        "lock",
        "map",
        "wasm",
        "zip",
        "gz",
        "tgz",
    )
)


def _email(match: re.Match[str]) -> Spans:
    local = match.group(0).split("@", 1)[0].lower()
    domain = match.group("domain").lower()
    if local.endswith(".") or ".." in local:
        return []  # not a mailbox name: `Promise.@resolve` in JavaScriptCore
    if local in _SERVICE_MAILBOXES or local.endswith(("noreply", "no-reply")):
        return []
    if match.string[max(0, match.start() - 3) : match.start()] == "://":
        return []  # the user part of a URL (`https://user@host`), not a mailbox
    if domain.endswith(_EXAMPLE_DOMAINS) or match.group("tld").lower() in _FILE_SUFFIXES:
        return []
    return [(*match.span(), "email")]


EMAIL_RULE = Rule(
    "email",
    _EMAIL,
    trigger=r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]+\.",
    kind="pii",
    priority=PII_PRIORITY,
    check=_email,
)

# --- IP addresses -----------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# Not part of a longer dotted run: `C.7.6.3.1.2` is a section number, `1.2.3.4.5` a version.
_IPV4 = re.compile(rf"{not_after('A-Za-z0-9_.')}(?:{_OCTET}\.){{3}}{_OCTET}(?![A-Za-z0-9_]|\.[0-9])", re.ASCII)
_IPV6 = re.compile(
    rf"{not_after('A-Za-z0-9_:.')}(?:[0-9A-Fa-f]{{0,4}}:){{2,7}}[0-9A-Fa-f]{{0,4}}(?![A-Za-z0-9_:])", re.ASCII
)


def _names_no_one(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_loopback or address.is_unspecified or address.is_multicast or address.is_link_local


def _ipv4(match: re.Match[str]) -> Spans:
    text = match.group(0)
    if text.startswith("255.") or _names_no_one(ipaddress.IPv4Address(text)):
        return []  # netmasks, 127.0.0.1, 0.0.0.0
    return [(*match.span(), "ip")]


def _ipv6(match: re.Match[str]) -> Spans:
    text = match.group(0)
    if sum(1 for group in text.split(":") if group) < 3:
        return []  # `a::b`, `12:30` and other colon pairs
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return []
    return [] if _names_no_one(address) else [(*match.span(), "ip")]


IPV4_RULE = Rule(
    "ip",
    _IPV4,
    trigger=r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    kind="pii",
    priority=PII_PRIORITY,
    check=_ipv4,
)
IPV6_RULE = Rule(
    "ip",
    _IPV6,
    # Three groups at least, around `::` or not: not `12:34:56`, not `std::vector`.
    trigger=r"[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:"
    r"|[0-9A-Fa-f]{1,4}::[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]|::[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]",
    kind="pii",
    priority=PII_PRIORITY,
    check=_ipv6,
)

# --- phone numbers ------------------------------------------------------------------------

_PHONE = re.compile(
    rf"{not_after('A-Za-z0-9_+.-')}(?:"
    r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}"  # +44 20 7946 0958, +1 (555) 010-0199
    r"|\(?[2-9][0-9]{2}\)?[ .-][0-9]{3}[ .-][0-9]{4}"  # (555) 010-0199, 555-010-0199
    r")(?![A-Za-z0-9_]|[.-][0-9])",
    re.ASCII,
)


def _phone(match: re.Match[str]) -> Spans:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return [(*match.span(), "phone")] if 10 <= digits <= 15 else []


PHONE_RULE = Rule(
    "phone",
    _PHONE,
    trigger=r"\+[1-9][0-9 ().-]{7,}[0-9]|[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}",
    kind="pii",
    priority=PII_PRIORITY,
    check=_phone,
)

# --- payment card numbers -------------------------------------------------------------------

_CARD = re.compile(rf"{not_after('A-Za-z0-9_.-')}[0-9](?:[ -]?[0-9]){{12,18}}(?![A-Za-z0-9_]|[.-][0-9])", re.ASCII)
# Issuer prefixes of the big networks: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay.
_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|3[0689]|62")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card(match: re.Match[str]) -> Spans:
    digits = re.sub(r"[ -]", "", match.group(0))
    if len(set(digits)) < 2 or not _CARD_PREFIX.match(digits) or not luhn_valid(digits):
        return []
    return [(*match.span(), "card")]


CARD_RULE = Rule(
    "card",
    _CARD,
    trigger=r"[0-9](?:[ -]?[0-9]){12}",
    kind="pii",
    priority=PII_PRIORITY,
    check=_card,
)

PII_RULES: tuple[Rule, ...] = (EMAIL_RULE, IPV4_RULE, IPV6_RULE, PHONE_RULE, CARD_RULE)
