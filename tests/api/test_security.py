"""api/security.py: the token on every endpoint, the bind-address check, the Host check, CORS and
cross-site POSTs.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.security import check_bind, host_name
from api.serve import serving_settings
from logviz_assets.settings import Settings
from tests.helpers.api import RecordingRuns, local_client
from tests.helpers.pipeline import BuiltStore
from tests.helpers.processes import REPO_ROOT, free_port

# --- token and bind address ---------------------------------------------------------------------

TOKEN = "s3cret-token"
# One request per operation of the app; test_every_operation_is_listed keeps it complete.
OPERATIONS = [
    ("get", "/health", "/health"),
    ("post", "/load", "/load"),
    ("post", "/index", "/index"),
    ("get", "/jobs/{run_id}", "/jobs/4b7e6a52-5c5f-4f0e-9a43-0f1d7f3f7c10"),
    ("get", "/points", "/points?limit=1"),
    ("get", "/records/{record_id}", "/records/no-such-record"),
    ("get", "/search", "/search?q=mix&mode=text"),
    ("get", "/neighbors/{record_id}", "/neighbors/no-such-record"),
    ("get", "/runs", "/runs?limit=1"),
    ("get", "/runs/{run_id}/trajectory", "/runs/no-such-run/trajectory"),
    ("get", "/stats", "/stats"),
]


@pytest.fixture(scope="module")
def secured(store: BuiltStore, dead_dagster: str) -> Iterator[TestClient]:
    with local_client(Settings(home=store.home, api_token=TOKEN, dagster_url=dead_dagster)) as client:
        yield client


def test_every_operation_is_listed(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    declared = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert declared == {(method, path) for method, path, _ in OPERATIONS}


@pytest.mark.parametrize(("method", "url"), [(m, u) for m, _, u in OPERATIONS], ids=[p for _, p, _ in OPERATIONS])
def test_a_token_guards_every_operation(secured: TestClient, method: str, url: str) -> None:
    missing = getattr(secured, method)(url)
    assert missing.status_code == 401, missing.text
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in missing.json()["detail"]
    for header in ("Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"):
        assert getattr(secured, method)(url, headers={"Authorization": header}).status_code == 401, header
    # The right token gets past the check (to the answer of a closed Dagster port, or an unknown id).
    allowed = getattr(secured, method)(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code in (200, 404, 503), allowed.text


def test_with_a_token_docs_and_schema_stay_open(secured: TestClient) -> None:
    # They hold no log content, and Swagger UI reads the schema before it can take the token.
    for url in ("/docs", "/openapi.json"):
        assert secured.get(url).status_code == 200, url


def test_without_a_token_nothing_needs_one(client: TestClient) -> None:
    for method, _, url in OPERATIONS:
        response = getattr(client, method)(url)
        assert response.status_code in (200, 404, 503), f"{method} {url}: {response.text}"


def test_openapi_declares_the_bearer_only_when_a_token_is_set(client: TestClient, secured: TestClient) -> None:
    open_schema = client.get("/openapi.json").json()
    assert "securitySchemes" not in open_schema.get("components", {})
    for path, item in open_schema["paths"].items():
        for method, operation in item.items():
            assert "security" not in operation, f"{method} {path}"
            assert "401" not in operation["responses"], f"{method} {path}"

    schema = secured.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "The value of LOGVIZ_API_TOKEN."}
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation["security"] == [{"HTTPBearer": []}], f"{method} {path}"
            assert "401" in operation["responses"], f"{method} {path}"


def test_serve_refuses_a_public_address_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LOGVIZ_API_TOKEN"}
    env["LOGVIZ_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.serve", "--host", "0.0.0.0", "--port", str(free_port())],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the API started on 0.0.0.0 without LOGVIZ_API_TOKEN")
    assert proc.returncode != 0
    assert "LOGVIZ_API_TOKEN" in err


def test_check_bind_allows_loopback_or_a_token() -> None:
    check_bind("0.0.0.0", "a-token")
    check_bind("::", "a-token")
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        check_bind(host, None)
    for host in ("0.0.0.0", "::", "192.168.1.20", "example.org"):
        with pytest.raises(SystemExit, match="LOGVIZ_API_TOKEN"):
            check_bind(host, None)
    with pytest.raises(SystemExit):
        check_bind("0.0.0.0", "")


# --- CORS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:5173", True),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:3000", True),
        ("https://localhost", True),
        ("http://localhost.evil.example", False),
        ("https://evil.example", False),
    ],
)
def test_cors_allows_only_local_pages_by_default(client: TestClient, origin: str, allowed: bool) -> None:
    preflight = client.options("/load", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    simple = client.get("/stats", headers={"Origin": origin})
    if allowed:
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert simple.headers["access-control-allow-origin"] == origin
    else:
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in simple.headers


# --- the Host header (DNS rebinding) -------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:8000", "127.0.0.1", "127.0.0.2:9", "localhost", "LOCALHOST:80", "localhost.:80", "[::1]:80", "[::1]"],
)
def test_loopback_hosts_are_answered(client: TestClient, host: str) -> None:
    assert client.get("/stats", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "127.0.0.1.evil.example",
        "localhost.evil.example:8000",
        "10.0.0.5:8000",
        "[::1",
        "127.0.0.1:http",
        "",
    ],
)
def test_other_hosts_are_400_on_every_route(client: TestClient, host: str) -> None:
    for method, url in (("get", "/stats"), ("get", "/points"), ("post", "/load"), ("get", "/openapi.json")):
        response = getattr(client, method)(url, headers={"Host": host})
        assert response.status_code == 400, f"{method} {url} with Host {host!r}: {response.status_code}"
        assert "LOGVIZ_ALLOWED_HOSTS" in response.json()["detail"]
    preflight = client.options("/load", headers={"Host": host, "Origin": "http://localhost:5173"})
    assert preflight.status_code == 400


def test_configured_hosts_are_answered_too(store: BuiltStore, dead_dagster: str) -> None:
    settings = Settings(home=store.home, dagster_url=dead_dagster, allowed_hosts=("logviz.lan", "*.corp.example"))
    with local_client(settings) as app:
        for host in ("logviz.lan", "LOGVIZ.lan:8000", "viewer.corp.example", "a.b.corp.example:443", "localhost"):
            assert app.get("/stats", headers={"Host": host}).status_code == 200, host
        for host in ("corp.example", "logviz.lan.evil.example", "evilcorp.example"):
            assert app.get("/stats", headers={"Host": host}).status_code == 400, host


def test_allowed_hosts_come_from_the_environment() -> None:
    env = {"LOGVIZ_ALLOWED_HOSTS": " logviz.lan , *.corp.example,,", "LOGVIZ_SOURCES": "/nonexistent"}
    assert Settings.from_environment(env).allowed_hosts == ("logviz.lan", "*.corp.example")
    assert Settings.from_environment({"LOGVIZ_SOURCES": "/nonexistent"}).allowed_hosts == ()


@pytest.mark.parametrize(
    ("header", "name"),
    [("LocalHost:80", "localhost"), ("[::1]:80", "::1"), ("example.org.", "example.org"), ("a:b", None), (":80", None)],
)
def test_host_name(header: str, name: str | None) -> None:
    assert host_name(header) == name


def test_serve_allows_the_address_it_binds_to() -> None:
    base = Settings(allowed_hosts=("logviz.lan",))
    assert serving_settings("192.168.1.20", base).allowed_hosts == ("logviz.lan", "192.168.1.20")
    for host in ("127.0.0.1", "0.0.0.0", "::", "localhost", "logviz.lan"):
        assert serving_settings(host, base).allowed_hosts == ("logviz.lan",), host


# --- cross-site POSTs ----------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TEXT = {"Content-Type": "text/plain"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", **FORM},
        {"Origin": "https://evil.example", **TEXT},
        {"Origin": "http://localhost.evil.example", **FORM},
        {"Origin": "null", **FORM},
        {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", **FORM},
        {"Sec-Fetch-Site": "cross-site", **TEXT},
    ],
)
def test_a_cross_site_simple_post_starts_nothing(client: TestClient, headers: dict[str, str]) -> None:
    runs = RecordingRuns()
    real, client.app.state.dagster = client.app.state.dagster, runs
    try:
        answers = [client.post(url, content=b"full_refit=true", headers=headers) for url in ("/load", "/index")]
    finally:
        client.app.state.dagster = real
    for response in answers:
        assert response.status_code == 403, response.text
        assert "cross-site POST refused" in response.json()["detail"]
    assert runs.submitted == []


@pytest.mark.parametrize(
    "headers",
    [
        {},  # not a browser: curl, scripts
        {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},  # the API's own /docs page
        {"Origin": "http://localhost:5173", "Sec-Fetch-Site": "cross-site"},  # a viewer served on this machine
        {"Origin": "http://[::1]:3000"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "none"},  # typed in the address bar
    ],
)
def test_same_origin_local_and_non_browser_posts_start_runs(client: TestClient, headers: dict[str, str]) -> None:
    runs = RecordingRuns()
    real, client.app.state.dagster = client.app.state.dagster, runs
    try:
        response = client.post("/load", headers=headers)
    finally:
        client.app.state.dagster = real
    assert response.status_code == 202, response.text
    assert [job for job, _, _ in runs.submitted] == ["load"]


def test_configured_origins_replace_the_local_pages(store: BuiltStore, dead_dagster: str) -> None:
    settings = Settings(home=store.home, dagster_url=dead_dagster, cors_origins=("https://viewer.example",))
    runs = RecordingRuns()
    with local_client(settings) as app:
        app.app.state.dagster = runs
        assert app.post("/load", headers={"Origin": "https://viewer.example"}).status_code == 202
        assert app.post("/load", headers={"Origin": "http://127.0.0.1:8000"}).status_code == 202  # same origin
        assert app.post("/load", headers={"Origin": "http://localhost:5173"}).status_code == 403
    assert len(runs.submitted) == 2
