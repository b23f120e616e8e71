"""POST /load, POST /index, GET /jobs/{id} (api/routes/jobs.py): the run they submit to Dagster, a
bad body, and what a failed run says.

Dagster is not running: the submitted runs are caught by a stand-in for DagsterRuns, and failed
runs are read from GraphQL answers recorded from a real Dagster webserver (tests/api/data: an
asset that raised an error, one that raised dagster.Failure; the e2e tests check a real failed
run). (That a closed Dagster port gives 503 is in tests/api/test_app.py.)

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api import dagster_client
from api.dagster_client import DagsterRuns, run_error
from api.models import JobRun
from tests.helpers.api import RecordingRuns, get_ok


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"full_refit": "perhaps"}', b"[1, 2]"],
)
def test_bad_index_body_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/index", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text


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


# --- GET /jobs/{id}: what a failed run says ------------------------------------------------------

RECORDED = Path(__file__).resolve().parents[1] / "data" / "failed_run_graphql.json"


def recorded_dagster(exchanges: list[dict[str, Any]]) -> httpx.MockTransport:
    """A Dagster webserver that gives the recorded answer to each recorded question, and fails any other."""

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)
        for exchange in exchanges:
            if f"query {exchange['query']}(" in asked["query"] and asked["variables"] == exchange["variables"]:
                return httpx.Response(200, json=exchange["answer"])
        raise AssertionError(f"a question that was not recorded: {asked}")

    return httpx.MockTransport(answer)


def job_as_recorded(client: TestClient, recorded: dict[str, Any]) -> dict:
    """GET /jobs/{id} of a recorded run, the API talking to the recorded Dagster answers."""
    runs = DagsterRuns("http://127.0.0.1:1", "logviz", transport=recorded_dagster(recorded["exchanges"]))
    real, client.app.state.dagster = client.app.state.dagster, runs
    try:
        return get_ok(client, f"/jobs/{recorded['run_id']}")
    finally:
        client.app.state.dagster = real


@pytest.fixture
def recorded() -> dict[str, Any]:
    return json.loads(RECORDED.read_text(encoding="utf-8"))


def test_a_failed_run_says_which_step_failed_and_why(
    client: TestClient, recorded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recorded 4 events a page, so the failure is found on the third page.
    monkeypatch.setattr(dagster_client, "EVENTS_PER_PAGE", 4)
    body = job_as_recorded(client, recorded)
    assert body["status"] == "FAILURE" and body["job"] == "load"
    assert body["error"] == {
        "step": "records",
        "error_type": "RuntimeError",
        "message": "RuntimeError: cannot open the record store at /nonexistent/records.duckdb; caused by "
        "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/records.duckdb'",
    }


def test_a_failure_raised_on_purpose_gives_its_description_and_cause(client: TestClient) -> None:
    recorded = json.loads((RECORDED.parent / "failure_raised_graphql.json").read_text(encoding="utf-8"))
    body = job_as_recorded(client, recorded)
    assert body["status"] == "FAILURE" and body["job"] == "index"
    assert body["error"] == {
        "step": "vectors",
        "error_type": "ValueError",
        "message": "the embedder is misconfigured: Unknown precision 'fp8'; "
        "caused by ValueError: Unknown precision 'fp8'",
    }


def test_a_run_that_did_not_fail_has_no_error(recorded: dict[str, Any]) -> None:
    run_exchange = recorded["exchanges"][0]
    succeeded = json.loads(json.dumps(run_exchange).replace('"FAILURE"', '"SUCCESS"'))
    # Only the Run question is recorded: asking for failure events would fail the test.
    runs = DagsterRuns("http://127.0.0.1:1", "logviz", transport=recorded_dagster([succeeded]))
    run = runs.run(recorded["run_id"])
    assert run["status"] == "SUCCESS" and run["error"] is None
    assert JobRun(**run).error is None


def test_a_run_failure_outside_any_step_is_told_too() -> None:
    # A run whose worker died has no step failure, only the run's own (message, sometimes no error).
    died = {"__typename": "RunFailureEvent", "message": "Run worker 4242 is gone.", "error": None}
    assert run_error(None, died) == {"step": None, "error_type": None, "message": died["message"]}
    ended = {
        "__typename": "RunFailureEvent",
        "message": 'Execution of run for "index" failed. An exception was thrown during execution.',
        "error": {"className": "MemoryError", "message": "MemoryError\n", "causes": []},
    }
    assert run_error(None, ended) == {"step": None, "error_type": "MemoryError", "message": "MemoryError"}


def test_a_huge_error_message_is_cut_saying_so() -> None:
    huge = "ValueError: " + "x" * 100_000
    event = {"stepKey": "records", "error": {"className": "ValueError", "message": huge, "causes": []}}
    message = run_error("records", event)["message"]
    assert len(message) < 4100 and message.startswith("ValueError: xxx") and "100012 characters" in message


# --- GET /jobs/{id}: a run's progress ----------------------------------------------------------


def _observation(run_id: str, at_ms: int, **values: Any) -> dict[str, Any]:
    entries = []
    for label, value in values.items():
        if isinstance(value, int):
            entries.append({"label": label, "__typename": "IntMetadataEntry", "intValue": value})
        elif isinstance(value, float):
            entries.append({"label": label, "__typename": "FloatMetadataEntry", "floatValue": value})
        elif value is None:
            entries.append({"label": label, "__typename": "NullMetadataEntry"})
        else:
            entries.append({"label": label, "__typename": "TextMetadataEntry", "text": value})
    return {"runId": run_id, "timestamp": str(at_ms), "metadataEntries": entries}


def test_progress_is_the_newest_report_of_this_run_among_the_assets() -> None:
    counted = {"unit": "texts", "seconds": 2.0, "rate_per_second": 50.0, "seconds_left": 1.0, "message": "m"}
    answer = {
        # The newest observation of `records` belongs to another run; `embeddings` is this run's latest.
        "records": {
            "__typename": "Asset",
            "assetObservations": [_observation("other", 9_000, stage="load", done=1, total=1, **counted)],
        },
        "embeddings": {
            "__typename": "Asset",
            "assetObservations": [_observation("r1", 5_000, stage="embed", done=100, total=150, **counted)],
        },
        "projection": {"__typename": "AssetNotFoundError"},
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"data": answer}))
    progress = DagsterRuns("http://127.0.0.1:1", "logviz", transport=transport).progress("r1")
    assert progress is not None and progress["asset"] == "embeddings"
    assert (progress["done"], progress["total"], progress["stage"]) == (100, 150, "embed")
    assert progress["reported_at"].timestamp() == 5.0
    assert DagsterRuns("http://127.0.0.1:1", "logviz", transport=transport).progress("r2") is None
