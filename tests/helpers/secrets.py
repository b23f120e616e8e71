"""Fake secrets of every kind the redactor knows, in the texts logs carry them in.

`SECRET_CASES` and `PII_CASES` are (placeholder type, secret value, text holding it). The
texts are written the way agents log them: shell commands, `.env` and YAML listings, JSON
tool arguments, HTTP headers; some arrive JSON-escaped (`\\"`, `\\n`). Integration tests
can write them into log files of every format and then grep the stores for `leaks`.

Tokens are generated from a fixed seed at import time rather than written out, so the
repository holds no string that a secret scanner would take for a live credential; only
AWS's own documentation example keys appear literally. `NOT_SECRETS` are texts that must
come out unchanged: hashes, ids, image data, code that merely names a secret, stand-ins.
"""

from __future__ import annotations

import base64
import json
import random
import string
from typing import NamedTuple

_rng = random.Random(20240613)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "-_"
BASE64 = ALNUM + "+/"


def chars(count: int, alphabet: str = ALNUM) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(count))


def digits(count: int) -> str:
    return chars(count, string.digits)


class SecretCase(NamedTuple):
    rule: str  # the placeholder type the secret must become: <secret:rule> (<pii:rule> for PII)
    secret: str  # the value that must not survive anywhere
    text: str  # a log text holding it

    @property
    def label(self) -> str:
        return f"{self.rule}:{self.text[:40]}"


def json_escaped(text: str) -> str:
    """`text` as it appears inside a JSON string: quotes as `\\"`, newlines as `\\n`."""
    return json.dumps(text)[1:-1]


def fragments(secret: str) -> list[str]:
    """What must not appear in redacted output: the secret, escaped, and each of its lines."""
    pieces = {secret, json_escaped(secret)}
    pieces.update(line for line in secret.splitlines() if len(line) >= 8)
    return sorted(pieces)


def leaks(secret: str, output: str) -> list[str]:
    """The fragments of `secret` still present in `output` (empty when redaction held)."""
    return [piece for piece in fragments(secret) if piece in output]


# --- tokens -----------------------------------------------------------------------------------

AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documentation example
AWS_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GITHUB_PAT = "ghp_" + chars(36)
GITHUB_OAUTH = "gho_" + chars(36)
GITHUB_USER_TO_SERVER = "ghu_" + chars(36)
GITHUB_SERVER_TO_SERVER = "ghs_" + chars(36)
GITHUB_REFRESH = "ghr_" + chars(36)
GITHUB_FINE_GRAINED = "github_pat_11" + chars(20, string.ascii_uppercase + string.digits) + "_" + chars(59)
GITLAB_PAT = "glpat-" + chars(20, URLSAFE)
SLACK_BOT = f"xoxb-{digits(12)}-{digits(13)}-{chars(24)}"
SLACK_USER = f"xoxp-{digits(12)}-{digits(12)}-{digits(13)}-{chars(32, HEX)}"
UPPER_ALNUM = string.ascii_uppercase + string.digits
SLACK_WEBHOOK_PATH = f"T{chars(10, UPPER_ALNUM)}/B{chars(10, UPPER_ALNUM)}/{chars(24)}"
OPENAI_PROJECT = "sk-proj-" + chars(74, URLSAFE) + "T3BlbkFJ" + chars(74, URLSAFE)
OPENAI_LEGACY = "sk-" + chars(20) + "T3BlbkFJ" + chars(20)
ANTHROPIC = "sk-ant-api03-" + chars(93, URLSAFE) + "AA"
ANTHROPIC_OAUTH = "sk-ant-oat01-" + chars(80, URLSAFE)
GOOGLE_API = "AIza" + chars(35, URLSAFE)
STRIPE_LIVE = "sk_live_" + chars(24)
STRIPE_RESTRICTED = "rk_test_" + chars(24)
TWILIO = "SK" + chars(32, HEX)
SENDGRID = "SG." + chars(22, URLSAFE) + "." + chars(43, URLSAFE)
NPM = "npm_" + chars(36)
PYPI = "pypi-AgEIcHlwaS5vcmc" + chars(70, URLSAFE)
HUGGINGFACE = "hf_" + chars(34, string.ascii_letters)
DIGITALOCEAN = "dop_v1_" + chars(64, HEX)
SHOPIFY = "shpat_" + chars(32, HEX)
HEROKU = "HRKU-AA" + chars(58, URLSAFE)
AZURE_CLIENT_SECRET = chars(3) + "8Q~" + chars(34, ALNUM + "_~.-")
GROQ = "gsk_" + chars(52)
LANGSMITH = f"lsv2_pt_{chars(32, HEX)}_{chars(10, HEX)}"
DATABRICKS = "dapi" + chars(32, HEX)
VAULT = "hvs." + chars(95, URLSAFE)
SK_GENERIC = "sk-" + chars(32, HEX)  # DeepSeek-style


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JWT = ".".join(
    (
        _b64url(b'{"alg":"HS256","typ":"JWT"}'),
        _b64url(json.dumps({"sub": chars(12), "name": "Agent Smith", "iat": 1718000000}).encode()),
        _b64url(_rng.randbytes(32)),
    )
)


def _pem_body(lines: int) -> str:
    return "\n".join(chars(64, BASE64) for _ in range(lines)) + "\n" + chars(24, BASE64) + "=="


RSA_BODY = _pem_body(12)
RSA_PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{RSA_BODY}\n-----END RSA PRIVATE KEY-----\n"
OPENSSH_BODY = _pem_body(6)
OPENSSH_PEM = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{OPENSSH_BODY}\n-----END OPENSSH PRIVATE KEY-----"
PKCS8_BODY = _pem_body(9)
PKCS8_PEM = f"-----BEGIN PRIVATE KEY-----\n{PKCS8_BODY}\n-----END PRIVATE KEY-----\n"

# --- passwords and other values known by their key ----------------------------------------------

JSON_PASSWORD = "Tr0ub4dor&3-" + chars(6)
ESCAPED_JSON_PASSWORD = "c0rrect-h0rse-" + chars(6)
ENV_PASSWORD = "hunter2-" + chars(8)
YAML_PASSWORD = "s3cr3t-" + chars(8)
URL_PASSWORD = "Pg-" + chars(14)
REDIS_PASSWORD = chars(20)
CLI_PASSWORD = "Flag-" + chars(10)
MYSQL_PASSWORD = "My5ql" + chars(8)
DOCKER_PASSWORD = "D0cker" + chars(10)
CURL_PASSWORD = "Curl" + chars(10)
XML_PASSWORD = "Xml-" + chars(10)
ENV_API_KEY = chars(40)
GENERIC_TOKEN = chars(32, HEX)
CLIENT_SECRET = chars(40, URLSAFE)
BEARER = chars(48, URLSAFE)
BASIC_CREDENTIALS = base64.b64encode(f"deploy:{chars(16)}".encode()).decode()
SESSION_COOKIE = chars(40, URLSAFE)
SET_COOKIE = chars(32, HEX)


SECRET_CASES: list[SecretCase] = [
    SecretCase("aws-access-key-id", AWS_KEY_ID, f"aws_access_key_id = {AWS_KEY_ID}\n"),
    SecretCase("aws-secret-access-key", AWS_SECRET_KEY, f"[default]\naws_secret_access_key = {AWS_SECRET_KEY}\n"),
    SecretCase(
        "aws-secret-access-key",
        AWS_SECRET_KEY,
        json.dumps(
            {
                "Credentials": {
                    "AccessKeyId": "ASIA" + chars(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
                    "SecretAccessKey": AWS_SECRET_KEY,
                }
            }
        ),
    ),
    SecretCase("aws-secret-access-key", AWS_SECRET_KEY, f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET_KEY}"),
    SecretCase("github-token", GITHUB_PAT, f"export GITHUB_TOKEN={GITHUB_PAT}"),
    SecretCase("github-token", GITHUB_OAUTH, f'{{"token": "{GITHUB_OAUTH}", "scope": "repo"}}'),
    SecretCase(
        "github-token",
        GITHUB_USER_TO_SERVER,
        f"git clone https://x-access-token:{GITHUB_USER_TO_SERVER}@github.com/acme/api.git",
    ),
    SecretCase("github-token", GITHUB_SERVER_TO_SERVER, f"Authorization: token {GITHUB_SERVER_TO_SERVER}"),
    SecretCase("github-token", GITHUB_REFRESH, f"refresh={GITHUB_REFRESH}&grant_type=refresh_token"),
    SecretCase("github-token", GITHUB_FINE_GRAINED, f"gh auth login --with-token <<< {GITHUB_FINE_GRAINED}"),
    SecretCase(
        "gitlab-token",
        GITLAB_PAT,
        f'curl --header "PRIVATE-TOKEN: {GITLAB_PAT}" https://gitlab.example.com/api/v4/projects',
    ),
    SecretCase("slack-token", SLACK_BOT, f"SLACK_BOT_TOKEN={SLACK_BOT}"),
    SecretCase("slack-token", SLACK_USER, f"client = WebClient(token='{SLACK_USER}')"),
    SecretCase(
        "slack-webhook",
        SLACK_WEBHOOK_PATH,
        f"curl -X POST https://hooks.slack.com/services/{SLACK_WEBHOOK_PATH} -d '{{}}'",
    ),
    SecretCase("openai-api-key", OPENAI_PROJECT, f"OPENAI_API_KEY={OPENAI_PROJECT}"),
    SecretCase("openai-api-key", OPENAI_LEGACY, f'openai.api_key = "{OPENAI_LEGACY}"'),
    SecretCase(
        "anthropic-api-key", ANTHROPIC, f'curl https://api.anthropic.com/v1/messages -H "x-api-key: {ANTHROPIC}"'
    ),
    SecretCase("anthropic-api-key", ANTHROPIC_OAUTH, f'{{"claudeAiOauth": {{"accessToken": "{ANTHROPIC_OAUTH}"}}}}'),
    SecretCase(
        "google-api-key", GOOGLE_API, f"https://maps.googleapis.com/maps/api/geocode/json?address=x&key={GOOGLE_API}"
    ),
    SecretCase("stripe-key", STRIPE_LIVE, f"stripe.api_key = '{STRIPE_LIVE}'"),
    SecretCase("stripe-key", STRIPE_RESTRICTED, f"STRIPE_KEY={STRIPE_RESTRICTED}"),
    SecretCase("twilio-api-key", TWILIO, f"Twilio key sid: {TWILIO}"),
    SecretCase("sendgrid-api-key", SENDGRID, f"SENDGRID_API_KEY='{SENDGRID}'"),
    SecretCase("npm-token", NPM, f"//registry.npmjs.org/:_authToken={NPM}"),
    SecretCase("pypi-token", PYPI, f"[pypi]\n  username = __token__\n  password = {PYPI}\n"),
    SecretCase("huggingface-token", HUGGINGFACE, f"huggingface-cli login --token {HUGGINGFACE}"),
    SecretCase("digitalocean-token", DIGITALOCEAN, f"doctl auth init -t {DIGITALOCEAN}"),
    SecretCase("shopify-token", SHOPIFY, f'"X-Shopify-Access-Token": "{SHOPIFY}"'),
    SecretCase("heroku-api-key", HEROKU, f"HEROKU_API_KEY={HEROKU}"),
    SecretCase("azure-ad-client-secret", AZURE_CLIENT_SECRET, f'"clientSecret": "{AZURE_CLIENT_SECRET}"'),
    SecretCase("groq-api-key", GROQ, f"GROQ_API_KEY={GROQ}"),
    SecretCase("langsmith-api-key", LANGSMITH, f"LANGSMITH_API_KEY={LANGSMITH}"),
    SecretCase("databricks-token", DATABRICKS, f"databricks configure --token {DATABRICKS}"),
    SecretCase("vault-token", VAULT, f"VAULT_TOKEN={VAULT} vault kv get secret/app"),
    SecretCase(
        "sk-api-key", SK_GENERIC, f'client = OpenAI(api_key="{SK_GENERIC}", base_url="https://api.deepseek.com")'
    ),
    SecretCase("jwt", JWT, f'{{"id_token": "{JWT}"}}'),
    SecretCase("jwt", JWT, f"curl -H 'Authorization: Bearer {JWT}' https://api.internal/v1/me"),
    SecretCase("private-key", RSA_BODY, f"$ cat ~/.ssh/deploy_key\n{RSA_PEM}"),
    SecretCase(
        "private-key", OPENSSH_BODY, json.dumps({"file_path": "/home/dev/.ssh/id_ed25519", "content": OPENSSH_PEM})
    ),
    SecretCase(
        "private-key",
        PKCS8_BODY,
        json.dumps({"type": "service_account", "private_key_id": chars(40, HEX), "private_key": PKCS8_PEM}),
    ),
    # The same key cut off by a length limit: no END line.
    SecretCase("private-key", PKCS8_BODY[:400], f"-----BEGIN PRIVATE KEY-----\n{PKCS8_BODY[:400]}"),
    SecretCase("password", JSON_PASSWORD, json.dumps({"username": "admin", "password": JSON_PASSWORD})),
    SecretCase(
        "password",
        ESCAPED_JSON_PASSWORD,
        json.dumps(
            {"command": f"curl -X POST /login -d '{json.dumps({'user': 'me', 'password': ESCAPED_JSON_PASSWORD})}'"}
        ),
    ),
    SecretCase("password", ENV_PASSWORD, f"$ cat .env\nDB_HOST=localhost\nDB_PASSWORD={ENV_PASSWORD}\nDEBUG=1\n"),
    SecretCase("password", YAML_PASSWORD, f"database:\n  user: app\n  password: {YAML_PASSWORD}\n  port: 5432\n"),
    SecretCase("password", CLI_PASSWORD, f"psql-wrapper --host db --password {CLI_PASSWORD} --db app"),
    SecretCase("password", MYSQL_PASSWORD, f"mysql -u root -p{MYSQL_PASSWORD} app < dump.sql"),
    SecretCase("password", DOCKER_PASSWORD, f"docker login -u deploy -p {DOCKER_PASSWORD} registry.example.com"),
    SecretCase("password", CURL_PASSWORD, f"curl -u admin:{CURL_PASSWORD} https://jenkins.internal/api/json"),
    SecretCase("password", XML_PASSWORD, f"<server><id>nexus</id><password>{XML_PASSWORD}</password></server>"),
    SecretCase("url-password", URL_PASSWORD, f"DATABASE_URL=postgres://app:{URL_PASSWORD}@db.internal:5432/prod"),
    SecretCase("url-password", REDIS_PASSWORD, json.dumps({"REDIS_URL": f"redis://:{REDIS_PASSWORD}@cache:6379/0"})),
    SecretCase("api-key", ENV_API_KEY, f"export MAPS_API_KEY={ENV_API_KEY}"),
    SecretCase("token", GENERIC_TOKEN, f'config = {{"access_token": "{GENERIC_TOKEN}", "expires_in": 3600}}'),
    SecretCase("secret", CLIENT_SECRET, f"client_secret: {CLIENT_SECRET}"),
    SecretCase("bearer-token", BEARER, f'curl -H "Authorization: Bearer {BEARER}" https://api.example.com/v2/items'),
    SecretCase(
        "bearer-token",
        BEARER,
        json.dumps({"command": f'curl -s -H "Authorization: Bearer {BEARER}" -H "Accept: application/json" https://x'}),
    ),
    SecretCase("basic-auth", BASIC_CREDENTIALS, f"GET /api HTTP/1.1\r\nAuthorization: Basic {BASIC_CREDENTIALS}\r\n"),
    SecretCase("cookie", SESSION_COOKIE, f"Cookie: session_id={SESSION_COOKIE}; theme=dark"),
    SecretCase("cookie", SET_COOKIE, f"HTTP/1.1 200 OK\nSet-Cookie: sid={SET_COOKIE}; Path=/; HttpOnly; Secure\n"),
]

PII_CASES: list[SecretCase] = [
    SecretCase("email", "jane.doe@acme-corp.io", "Logged in as: jane.doe@acme-corp.io"),
    SecretCase("email", "r.kumar+alerts@mail.example-bank.co.uk", '{"to": "r.kumar+alerts@mail.example-bank.co.uk"}'),
    SecretCase("phone", "+44 20 7946 0958", "Call me on +44 20 7946 0958 after 5."),
    SecretCase("phone", "(415) 555-0132", "Phone: (415) 555-0132"),
    SecretCase("ip", "203.0.113.42", "Accepted publickey for dev from 203.0.113.42 port 52144 ssh2"),
    SecretCase("ip", "2001:db8:85a3::8a2e:370:7334", "client=2001:db8:85a3::8a2e:370:7334 status=200"),
    SecretCase("card", "4111 1111 1111 1111", "card: 4111 1111 1111 1111, exp 12/30"),
    SecretCase("card", "5500-0000-0000-0004", '{"pan": "5500-0000-0000-0004"}'),
]

_GIT_SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
_UUID = "8463c716-a2ea-4c14-9efa-87158ebd9f20"
_PNG_BASE64 = base64.b64encode(b"\x89PNG\r\n\x1a\n" + _rng.randbytes(6000)).decode()

NOT_SECRETS: list[tuple[str, str]] = [
    ("git sha", f"commit {_GIT_SHA}\nAuthor: Dev <dev@example.com>"),
    ("git sha in json", json.dumps({"sha": _GIT_SHA, "parents": [_GIT_SHA[::-1]]})),
    ("uuid", json.dumps({"sessionId": _UUID, "uuid": _UUID, "requestId": _UUID})),
    ("sha256", f"sha256:{_SHA256}  dist/app.tar.gz\nintegrity sha512-{base64.b64encode(_rng.randbytes(64)).decode()}"),
    ("data uri image", f"![screenshot](data:image/png;base64,{_PNG_BASE64})"),
    ("base64 image in json", json.dumps({"type": "image", "source": {"type": "base64", "data": _PNG_BASE64}})),
    ("getpass", "password = getpass()"),
    ("token index", "for i in range(n):\n    token = tokens[i]\n"),
    ("environ", 'api_key=os.environ["OPENAI_API_KEY"]'),
    ("empty json password", '{"username": "admin", "password": ""}'),
    ("redacted placeholder", "password: <redacted>"),
    ("masked", 'password: "********"'),
    ("template", "Authorization: Bearer ${API_TOKEN}"),
    ("type hint", "def login(user: str, password: str) -> Session:"),
    ("js env", "const password = process.env.DB_PASSWORD;"),
    ("attribute", "self.secret = secret\nself.token = config.token"),
    ("f-string header", 'headers = {"Authorization": f"Bearer {token}"}'),
    ("comparison", "if token == expected_token:\n    return True"),
    ("token counts", '{"usage": {"input_tokens": 1234, "output_tokens": 56, "max_tokens": 4096}}'),
    ("tokenizer config", '{"tokenizer": "gpt2", "eos_token": "</s>", "pad_token": "<pad>"}'),
    ("password stdin", "echo $PW | docker login --password-stdin -u me ghcr.io"),
    ("proxy handled", "const API_KEY = 'proxy-handled';\napiKey: 'REDACTED_API_KEY',"),
    ("csrf", "params: { _csrf_token: csrfToken }"),
    ("help text", "  --token TOKEN        API token to use\n  --password TEXT      the password"),
    ("secret key base", "secret_key_base: ..."),
    (
        "long path",
        "/home/marco/projects/spotter/worktrees/spotter-fum/lib/spotter/transcripts/jobs/ingest_recent_commits.ex:42",
    ),
    ("windows path", r"C:\Users\Sample_User\AppData\Local\Programs\Python\Python311\Lib\site-packages\token.py"),
    ("pnpm path", "node_modules/.pnpm/@aws-sdk+credential-provider-ini@3.972.9/node_modules/@aws-sdk/token-providers"),
    ("prose", "The secret to a good test suite is speed. Use a token bucket to rate limit."),
    ("markdown auth", "- **Authorization**: required for all endpoints"),
    ("ssh remote", "git remote add origin git@github.com:acme/api.git"),
    ("url without password", "https://user@github.com/acme/api.git and https://example.com:8443/path"),
]

NOT_PII: list[tuple[str, str]] = [
    ("loopback", "listening on 127.0.0.1:8000 and 0.0.0.0:3000, ::1"),
    ("section number", "PS3.3 C.7.6.3.1.2: YBR_FULL_422 data"),
    ("versions", "node v18.17.1, pip 23.3.1, release 1.2.3.4.5"),
    ("bot address", "Co-Authored-By: Claude <noreply@anthropic.com>"),
    ("asset names", "icon@2x.png and logo@3x.webp"),
    ("scoped packages", "aws-sdk+client-sso@3.993.0 and hono@4.10.7"),
    ("timestamps", "2024-01-15 12:34:56.789 and 12:30"),
    ("cpp", "std::vector<int> v; a::b::c();"),
    ("ids", "order 1234567890123456 shipped"),
]
