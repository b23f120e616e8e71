"""api/security.py: the token on the endpoints that start work, the bind-address check, CORS.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import check_bind
from logviz_assets.settings import Settings
from tests.helpers.pipeline import BuiltStore
from tests.helpers.processes import REPO_ROOT, free_port

# --- token and bind address ---------------------------------------------------------------------


def test_token_guards_only_the_endpoints_that_start_work(store: BuiltStore, dead_dagster: str) -> None:
    app = create_app(Settings(home=store.home, api_token="s3cret-token", dagster_url=dead_dagster))
    with TestClient(app, raise_server_exceptions=False) as secured:
        for url in ("/load", "/index"):
            missing = secured.post(url)
            assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
            assert secured.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert secured.post(url, headers={"Authorization": "Basic s3cret-token"}).status_code == 401
            # The right token gets past the check (and then finds Dagster down).
            assert secured.post(url, headers={"Authorization": "Bearer s3cret-token"}).status_code == 503
        for url in ("/points?limit=1", "/stats", "/runs", "/openapi.json"):
            assert secured.get(url).status_code == 200, url


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
