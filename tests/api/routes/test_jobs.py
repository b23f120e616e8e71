"""POST /load, POST /index (api/routes/jobs.py): the run they submit to Dagster, and a bad body.

Dagster is not running: the submitted runs are caught by a stand-in for DagsterRuns. (That a
closed Dagster port gives 503 is in tests/api/test_app.py.)

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"full_refit": "perhaps"}', b"[1, 2]"],
)
def test_bad_index_body_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/index", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text


class RecordingRuns:
    """Stands in for DagsterRuns: records what the routes submit."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, dict | None, dict | None]] = []

    def submit(self, job: str, run_config: dict | None = None, tags: dict | None = None) -> tuple[str, str, bool]:
        self.submitted.append((job, run_config, tags))
        return f"run-{len(self.submitted)}", "QUEUED", True


@pytest.mark.parametrize(("body", "full_refit"), [(None, False), ({}, False), ({"full_refit": True}, True)])
def test_index_submits_a_run_config_the_index_job_accepts(
    client: TestClient, body: dict | None, full_refit: bool
) -> None:
    from dagster import validate_run_config

    from logviz_assets.defs.definitions import defs

    runs = RecordingRuns()
    real, client.app.state.dagster = client.app.state.dagster, runs
    try:
        response = client.post("/index", json=body) if body is not None else client.post("/index")
        load = client.post("/load")
    finally:
        client.app.state.dagster = real

    assert response.status_code == 202, response.text
    assert response.json() == {**response.json(), "run_id": "run-1", "job": "index", "status": "QUEUED"}
    assert load.status_code == 202 and load.json()["job"] == "load"
    job, run_config, tags = runs.submitted[0]
    assert job == "index" and tags == {"logviz/trigger": "api"}
    assert run_config["ops"]["projection"]["config"]["full_refit"] is full_refit
    validate_run_config(defs.resolve_job_def("index"), run_config)
    assert runs.submitted[1][0] == "load"
