"""Secrets recognised by what surrounds them: armour, key names, headers, URLs, command flags.

Logs hold secrets in every syntax at once, often inside JSON strings, where quotes arrive
as `\\"` and newlines as `\\n`: a private key block with escaped newlines, `"password": "…"`
inside a tool's JSON arguments, `API_KEY=…` in a `.env` printed by `cat`, `-H
"Authorization: Bearer …"` in a curl command, `postgres://user:pass@host` in a config.

Only the secret part of each match is replaced (the key name, header name, URL host and
armour lines stay), and only with placeholder characters, so a JSON text stays valid JSON.
What is code rather than data (`password = getpass()`, `token = tokens[i]`, `api_key =
os.environ["X"]`, `password: str`) and what is already a stand-in (`""`, `***`,
`<redacted>`, `${TOKEN}`) is kept; see `values.py`.
"""

from __future__ import annotations

import re

from logviz_assets.redact.rule import (
    ASSIGNMENT_PRIORITY,
    HEADER_PRIORITY,
    STRUCTURE_PRIORITY,
    Rule,
    not_after,
    secret_span,
)
from logviz_assets.redact.values import (
    is_code_name,
    is_digest,
    is_id_like,
    is_metavar,
    is_path_or_url,
    is_placeholder,
    is_plain_name,
    is_sentence,
    is_slug,
    is_token_text,
    looks_like_code,
    looks_random,
    shannon_entropy,
)

Spans = list[tuple[int, int, str]]

# A quote as it appears in plain text, or escaped inside JSON strings nested up to four deep.
_QUOTE = r"""\\{0,15}["'`]"""
# A quoted value: up to the same quote again, stepping over escaped characters.
_QUOTED = r"""(?P<q>\\{0,15}["'`])(?P<qv>(?:\\.|[^\\\r\n]){0,512}?)(?P=q)"""
# An unquoted value: up to whitespace, a quote, an escape or punctuation that ends a value
# (`=` only as base64 padding at its end: `t.Token=t.Keys=…` is a chain of assignments).
_BARE = r"""(?P<bv>[^\s"'`,;&|<>(){}\[\]\\=]{1,256}(?:={1,3}(?![^\s"'`,;&|<>(){}\[\]\\]))?)"""
_VALUE = rf"(?:{_QUOTED}|{_BARE})"
# In triggers: any quote, escaped to any depth (a trigger only has to be a superset).
_TRIGGER_QUOTE = r"""\\*["'`]?"""


def _value_of(match: re.Match[str]) -> tuple[str, int, int, bool]:
    """The matched value, its span and whether it was quoted."""
    group = "qv" if match.group("qv") is not None else "bv"
    return match.group(group), match.start(group), match.end(group), group == "qv"


# --- private key blocks --------------------------------------------------------------

# Newlines arrive raw, or escaped once (`\n`) or twice (`\\n`) when the block sits in nested JSON.
_PEM_BODY = r"(?:[A-Za-z0-9+/=:,. \t\r\n-]|\\{1,15}[nrt]){40,65536}"
_PEM = re.compile(
    rf"-----BEGIN[ A-Z0-9_-]{{0,60}}PRIVATE KEY(?: BLOCK)?-----(?P<secret>{_PEM_BODY})",
    re.ASCII,
)
_PEM_END = re.compile(r"(?:\\{1,15}[nr]|[ \t\r\n])*-----END[ A-Z0-9_-]{0,60}PRIVATE KEY")
_BASE64_CHAR = re.compile(r"[A-Za-z0-9+/=]")


def _pem_body(match: re.Match[str]) -> Spans:
    """The key material between the armour lines; to the end of the run when the END is cut off."""
    start, end = match.span("secret")
    body = match.group("secret")
    end_marker = _PEM_END.search(body)
    if end_marker:
        end = start + end_marker.start()
    # Armour quoted in code ("-----BEGIN RSA PRIVATE KEY-----" as a constant) has no body.
    if len(_BASE64_CHAR.findall(match.string[start : min(end, start + 400)])) < 40:
        return []
    return [(start, end, "private-key")]


PRIVATE_KEY_RULE = Rule(
    "private-key",
    _PEM,
    trigger=r"-----BEGIN[ A-Z0-9_-]*PRIVATE KEY",
    priority=STRUCTURE_PRIORITY,
    check=_pem_body,
)

# --- JSON Web Tokens -------------------------------------------------------------------

JWT_RULE = Rule(
    "jwt",
    re.compile(
        not_after("A-Za-z0-9_+/=-")
        + r"eyJ[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.(?:[A-Za-z0-9_-]{10,})?(?![A-Za-z0-9_-])",
        re.ASCII,
    ),
    trigger=r"eyJ[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.",
    priority=STRUCTURE_PRIORITY,
)

# --- AWS secret access keys, after their key names ------------------------------------------

_AWS_SECRET = re.compile(
    r"(?i)(?P<key>aws[A-Za-z0-9_.-]{0,30}?secret[A-Za-z0-9_.-]{0,20}|secret[_.-]?access[_.-]?key)"
    rf"(?:{_QUOTE})?[ \t]*(?:=>|:=|=|:)[ \t]*(?:{_QUOTE})?(?P<secret>[A-Za-z0-9/+]{{40}})(?![A-Za-z0-9/+=])",
    re.ASCII,
)


def _aws_secret(match: re.Match[str]) -> Spans:
    value = match.group("secret")
    if is_digest(value) or shannon_entropy(value) < 3.5:
        return []
    return secret_span(match, "aws-secret-access-key")


AWS_SECRET_RULE = Rule(
    "aws-secret-access-key",
    _AWS_SECRET,
    trigger=rf"(?i)secret[A-Za-z0-9_.-]*{_TRIGGER_QUOTE}[ \t]*[:=][>=]?[ \t]*{_TRIGGER_QUOTE}[A-Za-z0-9/+]{{40}}",
    priority=STRUCTURE_PRIORITY,
    check=_aws_secret,
    anchor=r"(?i)aws|secret",
)

# --- credentials in URLs -------------------------------------------------------------------

_URL_CREDENTIALS = re.compile(
    rf"{not_after('A-Za-z0-9+.-')}[A-Za-z][A-Za-z0-9+.-]{{1,30}}://"
    r"(?P<user>[^\s:/?#@\"'`<>\\]{0,256}):(?P<secret>[^\s/?#@\"'`<>\\]{1,256})@(?=[A-Za-z0-9_.\[-])",
    re.ASCII,
)


def _url_password(match: re.Match[str]) -> Spans:
    value = match.group("secret")
    if is_placeholder(value) or value.lower() in ("pass", "pwd", "pw"):
        return []
    return secret_span(match, "url-password")


URL_PASSWORD_RULE = Rule(
    "url-password",
    _URL_CREDENTIALS,
    trigger=r"[A-Za-z0-9+.-]://[^\t\n\f\r /?#@\"'`<>\\]*:[^\t\n\f\r /?#@\"'`<>\\]+@",
    priority=HEADER_PRIORITY,
    check=_url_password,
    anchor=r"[A-Za-z][A-Za-z0-9+.-]{1,30}://",
)

# --- Authorization, Bearer, Cookie --------------------------------------------------------------

_AUTHORIZATION = re.compile(
    rf"(?i){not_after('A-Za-z0-9_-')}(?:proxy-)?authorization(?:{_QUOTE})?[ \t]*[:=][ \t]*(?:{_QUOTE})?[ \t]*"
    r"(?:(?P<listed>digest|aws4-hmac-sha256|hmac|signature)[ \t]+(?P<rest>[^\r\n\"'`\\]{6,1024})"
    r"|(?:(?P<scheme>bearer|basic|token|bot|negotiate|ntlm|apikey|api-key|key|sso-key|dsn|otp)[ \t]+)?"
    r"(?P<token>[^\s\"'`\\,;(){}\[\]<>]{6,4096}))",
    re.ASCII,
)
_SCHEME_NAMES = {"bearer": "bearer-token", "basic": "basic-auth"}


def _authorization(match: re.Match[str]) -> Spans:
    if match.group("rest") is not None:
        return [(*match.span("rest"), "auth-header")]
    value = match.group("token")
    following = match.string[match.end("token") : match.end("token") + 2]
    if is_placeholder(value) or looks_like_code(value, following):
        return []
    scheme = (match.group("scheme") or "").lower()
    if not scheme and not looks_random(value):
        return []  # `authorization: string`, `Authorization: required` in prose or types
    return [(*match.span("token"), _SCHEME_NAMES.get(scheme, "auth-header"))]


AUTHORIZATION_RULE = Rule(
    "auth-header",
    _AUTHORIZATION,
    trigger=rf"(?i)authorization{_TRIGGER_QUOTE}[ \t]*[:=]",
    priority=HEADER_PRIORITY,
    check=_authorization,
    anchor=r"(?i)(?:proxy-)?authorization",
)

_BEARER = re.compile(
    "(?i)" + not_after("A-Za-z0-9_-") + r"bearer[ \t]+(?P<secret>[A-Za-z0-9._~+/-]{16,4096}=*)(?![A-Za-z0-9._~+/=-])",
    re.ASCII,
)


def _bearer(match: re.Match[str]) -> Spans:
    value = match.group("secret")
    if is_placeholder(value) or is_id_like(value) or not looks_random(value, min_length=16):
        return []
    return secret_span(match, "bearer-token")


BEARER_RULE = Rule(
    "bearer-token",
    _BEARER,
    trigger=r"(?i)bearer[ \t]+[A-Za-z0-9._~+/-]{16}",
    priority=HEADER_PRIORITY,
    check=_bearer,
    anchor=r"(?i)bearer",
)

_COOKIE = re.compile(
    rf"(?i){not_after('A-Za-z0-9_-')}(?:(?P<set>set-)?cookie(?:{_QUOTE})?[ \t]*:|--cookie(?:=|[ \t]+))"
    rf"[ \t]*(?:{_QUOTE})?"
    r"(?P<pairs>[^\r\n\"'`\\]{3,8192})",
    re.ASCII,
)
_COOKIE_PAIR = re.compile(r"(?:^|;)[ \t]*[^=;\s]+=(?P<value>[^;]*)")
# `name=value; name=value` (RFC 6265 names), attributes without values allowed (`HttpOnly`).
_COOKIE_NAME = r"[A-Za-z0-9_.!#$%&*+^|~-]+"
_COOKIE_LIST = re.compile(rf"[ \t]*{_COOKIE_NAME}=[^;]*(?:;[ \t]*{_COOKIE_NAME}(?:=[^;]*)?)*[ \t;]*")


def _cookie_values(match: re.Match[str]) -> Spans:
    """Each cookie's value (only the first of a Set-Cookie: the rest are its attributes)."""
    if not _COOKIE_LIST.fullmatch(match.group("pairs")):
        return []  # `cookie: string`, `{cookie:t}=e;…` in code
    offset = match.start("pairs")
    spans = []
    for pair in _COOKIE_PAIR.finditer(match.group("pairs")):
        value = pair.group("value")
        stripped = value.strip()
        if stripped and not is_placeholder(stripped):
            start = offset + pair.start("value") + len(value) - len(value.lstrip())
            spans.append((start, start + len(stripped), "cookie"))
        if match.group("set"):
            break
    return spans


COOKIE_RULE = Rule(
    "cookie",
    _COOKIE,
    trigger=rf"(?i)cookie{_TRIGGER_QUOTE}[ \t]*[:=]|--cookie[ \t]",
    priority=HEADER_PRIORITY,
    check=_cookie_values,
    anchor=r"(?i)(?:set-)?cookie|--cookie",
)

# --- key = value: JSON, YAML, env files, INI, code, query strings, XML -------------------

# A key ends with one of these; the placeholder type follows the stem. Longer stems come
# first: an alternation stops at the first that fits.
_STEMS = (
    r"passw(?:or)?d|passphrase|pass"
    r"|(?:api|access|private|secret|signing|encryption|master|session|client)[_.-]?key"
    r"|secret|token|credentials?|auth"
)
_KEY_BEFORE = re.compile(r"[A-Za-z0-9_.$-]{0,60}$")
# Keys named like secrets that are not: model vocabulary, counts, paging and locking
# tokens, CSRF nonces (compared without case or separators: `NextToken`, `next_page_token`).
_NOT_SECRET_KEY_PREFIXES = (
    "max",
    "num",
    "total",
    "input",
    "output",
    "stop",
    "eos",
    "bos",
    "pad",
    "unk",
    "sep",
    "cls",
    "mask",
    "next",
    "page",
    "starting",
    "continuation",
    "sync",
    "lock",
    "change",
    "csrf",
    "xsrf",
    "public",
)
# Idempotency and request tokens (AWS's `ClientToken`) are ids, not credentials.
_NOT_SECRET_TOKEN_PREFIXES = ("client", "request", "idempotency")
_FLAG_KEY_PREFIXES = ("is_", "has_", "use_", "no_", "enable_", "disable_")
_SEPARATORS = re.compile(r"[^a-z0-9]")


def _names_no_secret(key: str) -> bool:
    lowered = key.lower()
    squeezed = _SEPARATORS.sub("", lowered)
    if squeezed.endswith("token") and squeezed.startswith(_NOT_SECRET_TOKEN_PREFIXES):
        return True
    return lowered.startswith(_FLAG_KEY_PREFIXES) or squeezed.startswith(_NOT_SECRET_KEY_PREFIXES)


_ASSIGNMENT = re.compile(
    rf"(?i)(?P<stem>{_STEMS})(?![A-Za-z0-9])(?:{_QUOTE})?[ \t]*(?P<sep>=>|:=|=(?!=)|:(?![:/]))[ \t]*{_VALUE}",
    re.ASCII,
)


def _name_for(key: str) -> str:
    """The placeholder type for a key that ends with one of the stems."""
    lowered = key.lower()
    if "pass" in lowered:
        return "password"
    if lowered.endswith("key"):
        return "private-key" if "private" in lowered else "secret" if "secret" in lowered else "api-key"
    if "token" in lowered:
        return "token"
    return "secret" if "secret" in lowered else "credential"


def _key_before(text: str, start: int) -> str:
    """The rest of the key name before its stem (`DB_` of `DB_PASSWORD`)."""
    found = _KEY_BEFORE.search(text, max(0, start - 60), start)
    before = found.group(0) if found else ""
    if before[:1] in ("n", "r", "t") and text[start - len(before) - 1 : start - len(before)] == "\\":
        before = before[1:]  # the letter of an escaped newline before the key, not part of it
    return before


def _pass_is_whole_word(stem: str, before: str) -> bool:
    """`pass` names a key only alone or as a last part (`db_pass`, `smtpPass`), not in `bypass`."""
    return not before or before[-1] in "_.-$" or (stem[0] == "P" and before[-1].islower())


def _pass_is_a_verb(match: re.Match[str]) -> bool:
    value, _, _, quoted = _value_of(match)
    spaced_separator = match.string[match.start("sep") - 1 : match.start("sep")] in (" ", "\t")
    return is_plain_name(value) or any(ch.isspace() for ch in value) or (not quoted and spaced_separator)


def _accept_value(name: str, value: str, quoted: bool, following: str, env_style: bool) -> bool:
    """Whether a value under a key named like a secret is one (see the module docstring)."""
    if is_placeholder(value) or is_path_or_url(value) or value.isdigit():
        return False  # a number is a count or a port far more often than a password
    if not quoted and (looks_like_code(value, following) or is_code_name(value)):
        return False  # `token = tokens[i]`, `auth=s3_session_auth`
    if not quoted and is_plain_name(value) and not env_style:
        return False  # `password = password`, `token: csrfToken`, `password: str`
    if name == "password":
        return len(value) >= 3 and not is_sentence(value)
    if not is_token_text(value) or is_code_name(value) or is_slug(value):
        return False  # prose, a regex, a template, a name under a key like "secret"
    if is_id_like(value):
        return False  # a UUID, a git SHA or a sha256 under "token" is an id
    return looks_random(value, min_length=16 if name == "private-key" else 8)


def _assignment(match: re.Match[str]) -> Spans:
    text = match.string
    stem = match.group("stem")
    before = _key_before(text, match.start())
    key = before + stem
    if stem.lower() == "pass" and not _pass_is_whole_word(stem, before):
        return []
    if stem.lower() == "pass" and _pass_is_a_verb(match):
        return []  # `"pass": "bandpass"`, `pass :meth:` in a docstring: pass as in pass and fail
    key_start = match.start() - len(before)
    if _names_no_secret(key) or text[key_start - 1 : key_start] in ("<", ":", "/"):
        return []  # a vocabulary or paging key; `<secret:…>`, an ARN, a URN or a path, not a key
    value, start, end, quoted = _value_of(match)
    # `PASSWORD=hunter` in an env file: an upper-case name, `=` and no spaces, holds a literal.
    env_style = text[match.end("stem") : start] == "=" and (before + stem).isupper()
    name = _name_for(stem)
    if not _accept_value(name, value, quoted, text[end : end + 2], env_style):
        return []
    return [(start, end, name)]


ASSIGNMENT_RULE = Rule(
    "assignment",
    _ASSIGNMENT,
    trigger=rf"(?i)(?:{_STEMS}){_TRIGGER_QUOTE}[ \t]*(?:=>|:=|=|:)",
    priority=ASSIGNMENT_PRIORITY,
    check=_assignment,
    anchor=rf"(?i){_STEMS}",
)

# `..._KEY=` in env files and shell exports: any upper-case name ending in _KEY.
_ENV_KEY = re.compile(
    rf"{not_after('A-Za-z0-9_')}(?P<key>[A-Z][A-Z0-9_]*_KEY)(?:{_QUOTE})?[ \t]*(?P<sep>=|:)[ \t]*{_VALUE}",
    re.ASCII,
)


def _env_key(match: re.Match[str]) -> Spans:
    value, start, end, quoted = _value_of(match)
    following = match.string[end : end + 2]
    if is_placeholder(value) or is_digest(value) or is_path_or_url(value) or not is_token_text(value):
        return []  # a cache key or a checksum is as likely as a credential under a loose name
    if is_code_name(value) or is_slug(value) or (not quoted and looks_like_code(value, following)):
        return []
    return [(start, end, "api-key")] if looks_random(value, min_length=12) else []


ENV_KEY_RULE = Rule(
    "api-key",
    _ENV_KEY,
    trigger=rf"[A-Z0-9_]_KEY{_TRIGGER_QUOTE}[ \t]*[:=]",
    priority=ASSIGNMENT_PRIORITY,
    check=_env_key,
    anchor=r"[A-Z][A-Z0-9_]*_KEY",
)

_XML_ELEMENT = re.compile(
    r"(?i)<(?P<key>[A-Za-z0-9_.-]{0,40}(?:password|passwd|secret|token|apikey|api_key))>(?P<secret>[^<\r\n]{1,512})</",
    re.ASCII,
)


def _xml_element(match: re.Match[str]) -> Spans:
    name = _name_for(match.group("key"))
    if not _accept_value(name, match.group("secret").strip(), True, "", False):
        return []
    return secret_span(match, name)


XML_ELEMENT_RULE = Rule(
    "xml-element",
    _XML_ELEMENT,
    trigger=r"(?i)(?:password|passwd|secret|token|apikey|api_key)>[^<]",
    priority=ASSIGNMENT_PRIORITY,
    check=_xml_element,
)

# --- command lines ---------------------------------------------------------------------

_FLAG_STEMS = (
    r"passw(?:or)?d|passphrase|pass|secret|token|api-?key|access-key|secret-key|private-key|credentials?|auth-token"
)
# Any `--flag value`; the check keeps those whose name ends with a stem. (Finding the stem
# inside the pattern would retry every stem at every dash of a `------` rule line.)
_FLAG = re.compile(
    rf"{not_after('A-Za-z0-9_-')}--(?P<key>[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)(?:=|[ \t]+){_VALUE}",
    re.ASCII,
)
_FLAG_STEM_AT_END = re.compile(rf"(?i)(?:{_FLAG_STEMS})$")


def _flag(match: re.Match[str]) -> Spans:
    key = match.group("key").lower()
    if not _FLAG_STEM_AT_END.search(key) or _names_no_secret(key):
        return []
    value, start, end, quoted = _value_of(match)
    if key.endswith("pass") and key != "pass" and not key.endswith("-pass"):
        return []  # `--bypass`, `--compass`
    if value.startswith("-") or is_placeholder(value) or is_path_or_url(value):
        return []  # the next flag, a stand-in, or a file holding the secret
    following = match.string[end : end + 2]
    if not quoted and (is_metavar(value) or is_plain_name(value) or looks_like_code(value, following)):
        return []  # `--token TOKEN` in a help text; `--password requires …` in prose; `--password $(cat f)`
    name = _name_for(key)
    if name != "password" and (len(value) < 6 or value.isdigit() or is_id_like(value)):
        return []
    return [(start, end, name)]


FLAG_RULE = Rule(
    "cli-flag",
    _FLAG,
    trigger=rf"(?i)--[A-Za-z0-9-]*(?:{_FLAG_STEMS})[= \t]",
    priority=HEADER_PRIORITY,
    check=_flag,
)

# Short password flags only where the command is known: `-p` is a port or `mkdir -p` elsewhere.
_SHORT_PASSWORD_FLAG = re.compile(
    rf"{not_after('A-Za-z0-9_-')}(?:"
    r"(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)(?=[ \t])[^\r\n|;&]{0,200}?[ \t]-p(?P<glued>[^\s\"'`\\]+)"
    r"|(?:sshpass|(?:docker|podman|nerdctl|buildah)[ \t]+login)(?=[ \t])[^\r\n|;&]{0,200}?[ \t]-p[ \t]+"
    r"(?P<spaced>[^\s\"'`\\]+)"
    r"|curl(?=[ \t])[^\r\n|;&]{0,400}?[ \t](?:-u|--user)(?:=|[ \t]+)[\"']?[^\s:\"'`\\]*:(?P<curl>[^\s\"'`\\]+)"
    r"|-pass(?:in|out)?[ \t]+pass:(?P<openssl>[^\s\"'`\\]+)"
    r")",
    re.ASCII,
)


def _short_password_flag(match: re.Match[str]) -> Spans:
    group = next(name for name in ("glued", "spaced", "curl", "openssl") if match.group(name) is not None)
    value = match.group(group)
    if is_placeholder(value) or (group == "curl" and value.isdigit()):
        return []
    return [(*match.span(group), "password")]


SHORT_PASSWORD_FLAG_RULE = Rule(
    "cli-password",
    _SHORT_PASSWORD_FLAG,
    trigger=r"(?:mysql|mariadb|sshpass|login|curl)[^\r\n]*[ \t]-[pu-]|-pass(?:in|out)?[ \t]+pass:",
    priority=HEADER_PRIORITY,
    check=_short_password_flag,
    anchor=r"mysql|mariadb|sshpass|docker|podman|nerdctl|buildah|curl|-pass",
)

CONTEXT_RULES: tuple[Rule, ...] = (
    PRIVATE_KEY_RULE,
    JWT_RULE,
    AWS_SECRET_RULE,
    URL_PASSWORD_RULE,
    AUTHORIZATION_RULE,
    BEARER_RULE,
    COOKIE_RULE,
    FLAG_RULE,
    SHORT_PASSWORD_FLAG_RULE,
    ASSIGNMENT_RULE,
    ENV_KEY_RULE,
    XML_ELEMENT_RULE,
)
