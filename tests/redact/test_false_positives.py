"""What must come out unchanged: hashes, ids, image data, code that names a secret, stand-ins."""

from __future__ import annotations

import json

import pytest

from logviz_assets.redact import Redactor
from tests.helpers.secrets import NOT_PII, NOT_SECRETS

REDACTOR = Redactor()
PII_REDACTOR = Redactor("secrets+pii")


@pytest.mark.parametrize(("label", "text"), NOT_SECRETS, ids=[label for label, _ in NOT_SECRETS])
def test_not_a_secret(label: str, text: str) -> None:
    for wrapped in (text, json.dumps({"command": text})):
        result = REDACTOR.redact(wrapped)
        assert result.hits == {}, result.text
        assert result.text == wrapped


@pytest.mark.parametrize(("label", "text"), NOT_PII, ids=[label for label, _ in NOT_PII])
def test_not_personal_data(label: str, text: str) -> None:
    for wrapped in (text, json.dumps({"command": text})):
        result = PII_REDACTOR.redact(wrapped)
        assert result.hits == {}, result.text


@pytest.mark.parametrize(
    "code",
    [
        "password = getpass()",
        "password = getpass.getpass('Password: ')",
        "token = tokens[i]",
        'api_key=os.environ["X"]',
        "api_key = os.getenv('OPENAI_API_KEY')",
        'const apiKey = process.env["API_KEY"];',
        "secret = settings.SECRET_KEY",
        "token: Optional[str] = None",
        "def connect(host, password=None, token=''):",
        "if not password:\n    raise ValueError('password required')",
        "auth=(user, password)",
        "kwargs['password'] = password",
        "credentials: Credentials = get_credentials()",
        '"password": {"type": "string", "minLength": 8}',
        "password_hash = bcrypt.hashpw(password, salt)",
        "AUTH_TOKEN_TTL = 3600",
        "MAX_TOKENS=4096",
        "token_count: 1834",
        '<input type="password" name="password" autocomplete="current-password">',
        "Set the password: see `docs/auth.md`",
        "CACHE_KEY = 'v2:user-profile'",
        "PRIMARY_KEY = 'id'",
        # seen in the standard library and site-packages, where the first rules fired wrongly
        "    Pass :meth:`peek` a default value to return",
        "'pass': 'The \"pass\" statement\\n'",
        "events={'(?i)password': 'secret\\n'}",
        'FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"',
        'NOPASSWORD = "no-password-required"',
        '<assemblyIdentity publicKeyToken="1fc8b3b9a1e18e3b"/>',
        "t.Token=t.QueryDocumentKeys=t.OperationTypeNode=t.Location=void 0",
        "let{cookie:t}=e;if(!t)return{};let{parse:n}=r(63372);",
        '"AWS::SecretsManager::Secret": "c85175a4ebcce361"',
        '"Arn": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestSecret-a1b2c3"',
        '"NextToken": "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="',
        '"ClientToken": "5289a345-0358-4e62-93d5-47ef3061d65e"',
        "--client-token 550e8400-e29b-41d4-a716-446655440000",
        "private_key: PKCS7PrivateKeyTypes,",
        "s3_disable_express_session_auth=s3_disable_express_session_auth,",
        'CURVE_TYPE_LIB_KEY = "com.github.googlei18n.cu2qu.curve_type"',
        "raise CLIError('--container-registry-password requires --container-registry-username')",
        "return {'Authorization': auth_token}",
        '{"authorization": "Bearer hf_***"}',
    ],
)
def test_code_that_names_a_secret_is_kept(code: str) -> None:
    assert REDACTOR.redact(code).hits == {}, REDACTOR.redact(code).text
