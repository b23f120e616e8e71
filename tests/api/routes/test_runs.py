"""GET /runs and GET /runs/{run_id}/trajectory (api/routes/runs.py): the run list and one run's steps.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers.api import SUBAGENT_RUN, get_ok
from tests.helpers.pipeline import BuiltStore
from tests.helpers.samples import DOV_SESSION_ID
from tests.helpers.store import duck


@pytest.mark.parametrize("run_id", [DOV_SESSION_ID, SUBAGENT_RUN])
def test_trajectory_is_the_runs_steps_in_order(client: TestClient, store: BuiltStore, run_id: str) -> None:
    body = get_ok(client, f"/runs/{run_id}/trajectory")
    steps = body["steps"]

    want = [
        rid
        for (rid,) in duck(
            store.db, "SELECT record_id FROM records WHERE run_id = ? AND kind <> 'run' ORDER BY seq", [run_id]
        )
    ]
    assert [s["point"]["id"] for s in steps] == want
    seqs = [s["seq"] for s in steps]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(s["point"]["run_id"] == run_id for s in steps)
    assert all(s["point"]["x"] is not None and s["point"]["y"] is not None for s in steps)
    run = body["run"]
    assert run["run_id"] == run_id
    assert run["steps"] == len(steps)
    assert run["tool_calls"] == sum(s["point"]["kind"] == "tool_call" for s in steps)
    assert run["errors"] == sum(bool(s["point"]["is_error"]) for s in steps)
    (parent,) = duck(store.db, "SELECT parent_id FROM records WHERE kind = 'run' AND run_id = ?", [run_id])[0]
    assert run["parent_id"] == parent


def test_runs_list_agrees_with_duckdb(client: TestClient, store: BuiltStore) -> None:
    body = get_ok(client, "/runs", limit=1000)
    run_ids = {rid for (rid,) in duck(store.db, "SELECT run_id FROM records WHERE kind = 'run'")}

    assert body["count"] == len(body["runs"]) == len(run_ids)
    assert {run["run_id"] for run in body["runs"]} == run_ids
    per_run = {
        rid: (steps, calls, errors)
        for rid, steps, calls, errors in duck(
            store.db,
            "SELECT run_id, count(*), count(*) FILTER (WHERE kind = 'tool_call'), count(*) FILTER (WHERE is_error) "
            "FROM records WHERE kind <> 'run' GROUP BY run_id",
        )
    }
    for run in body["runs"]:
        assert (run["steps"], run["tool_calls"], run["errors"]) == per_run.get(run["run_id"], (0, 0, 0))
    starts = [run["started_at"] for run in body["runs"] if run["started_at"]]
    assert starts == sorted(starts, reverse=True)
    assert get_ok(client, "/runs", source_format="claude-code")["count"] == len(run_ids)
    assert get_ok(client, "/runs", source_format="no-such-format") == {"count": 0, "runs": []}
    page = get_ok(client, "/runs", limit=2, offset=1)
    assert page["count"] == len(run_ids)
    assert [run["run_id"] for run in page["runs"]] == [run["run_id"] for run in body["runs"][1:3]]
