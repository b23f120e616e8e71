"""scripts/run_pipeline.py (what scripts/up.sh runs): it sends the token to every endpoint, and
prints what a run reports while it runs.

The script talks to the real app in process, configured with a token, through an httpx transport
that hands each request to FastAPI's TestClient; Dagster is a stand-in whose runs succeed at once.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from logviz_assets.settings import Settings
from tests.helpers.api import LOCAL_URL, local_client
from tests.helpers.pipeline import BuiltStore
from tests.helpers.processes import REPO_ROOT

TOKEN = "pipeline-" + "t" * 20


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_pipeline", REPO_ROOT / "scripts" / "run_pipeline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SucceedingDagster:
    """Stands in for DagsterRuns: healthy, and every run it is given has already succeeded."""

    def __init__(self) -> None:
        self.jobs: dict[str, str] = {}
        self.asked: dict[str, int] = {}

    def health(self) -> tuple[bool, str, bool, str]:
        return True, "a stand-in", True, "a stand-in"

    def submit(self, job: str, run_config: dict | None = None, tags: dict | None = None) -> tuple[str, str, bool]:
        run_id = f"{job}-run"
        self.jobs[run_id] = job
        return run_id, "QUEUED", True

    def run(self, run_id: str) -> dict[str, Any]:
        """The first time a run is asked after, it is running half way; then it has succeeded."""
        asked = self.asked.get(run_id, 0)
        self.asked[run_id] = asked + 1
        if asked == 0:
            progress = {
                "asset": "records",
                "stage": "load",
                "done": 3,
                "total": 6,
                "unit": "files",
                "seconds": 1.5,
                "rate_per_second": 2.0,
                "seconds_left": 1.5,
                "message": f"{run_id}: read 3/6 files",
                "reported_at": "2026-01-01T00:00:00Z",
            }
            return {"run_id": run_id, "job": self.jobs[run_id], "status": "STARTED", "progress": progress}
        return {"run_id": run_id, "job": self.jobs[run_id], "status": "SUCCESS", "counts": {}, "error": None}


@pytest.fixture(scope="module")
def secured(store: BuiltStore, dead_dagster: str) -> Iterator[TestClient]:
    with local_client(Settings(home=store.home, api_token=TOKEN, dagster_url=dead_dagster)) as client:
        client.app.state.dagster = SucceedingDagster()
        yield client


def through(app: TestClient, seen: list[str]) -> httpx.MockTransport:
    """Each request to the app in process, noting the Authorization header it carried."""

    def send(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization", ""))
        path = request.url.raw_path.decode()
        answer = app.request(request.method, path, headers=request.headers, content=request.content)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return httpx.MockTransport(send)


def test_the_pipeline_script_sends_the_token_everywhere(secured: TestClient, capsys: pytest.CaptureFixture) -> None:
    script = load_script()
    seen: list[str] = []
    with script.client_for(LOCAL_URL, TOKEN, transport=through(secured, seen)) as client:
        script.run(client, timeout=30, healthy_within=30)

    assert len(seen) >= 6  # health, load, its job, index, its job, stats
    assert set(seen) == {f"Bearer {TOKEN}"}
    out = capsys.readouterr().out
    assert "map:" in out
    # What a run reported while it ran, with its rate and time left.
    assert "load-run: read 3/6 files (2 files/s, about 2 s left)" in out


def test_without_the_token_the_script_says_what_is_missing(secured: TestClient) -> None:
    script = load_script()
    with (
        script.client_for(LOCAL_URL, None, transport=through(secured, [])) as client,
        pytest.raises(SystemExit, match="LOGVIZ_API_TOKEN"),
    ):
        script.run(client, timeout=30, healthy_within=30)
