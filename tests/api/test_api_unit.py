"""The REST API in process (FastAPI's TestClient) over a store built directly with the real model.

The store is the Claude Code samples minus one project, loaded, embedded and placed by the
same functions the Dagster assets call (`built_store` in conftest.py). Dagster is not running
here: the app is pointed at a closed loopback port, which is also how the 503 paths are tested.
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import lancedb
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import check_bind
from logviz_assets.settings import Settings
from tests.helpers.claude_code import expected_files
from tests.helpers.pipeline import BuiltStore
from tests.helpers.processes import REPO_ROOT, free_port
from tests.helpers.samples import (
    DIALYZER_COMMAND,
    DOV_SESSION_ID,
    FUM_PROJECT,
    FUM_SESSION,
    ToolCall,
    clone_session,
    find_bash_call,
    jsonl_files,
)
from tests.helpers.store import duck, duck_count, duck_ids

ARROW = "application/vnd.apache.arrow.stream"
SUBAGENT_RUN = f"{DOV_SESSION_ID}:agent-a2898e3"
POINT_FIELDS = {
    "id",
    "x",
    "y",
    "pending",
    "kind",
    "role",
    "tool_name",
    "is_error",
    "run_id",
    "model",
    "source_format",
    "timestamp",
}


# --- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(built_store: BuiltStore) -> BuiltStore:
    return built_store


@pytest.fixture(scope="module")
def dead_dagster() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def client(store: BuiltStore, dead_dagster: str) -> Iterator[TestClient]:
    app = create_app(Settings(home=store.home, dagster_url=dead_dagster))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def dialyzer(store: BuiltStore) -> ToolCall:
    return find_bash_call(store.sources, DIALYZER_COMMAND)


def get_ok(client: TestClient, url: str, **params: object) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def get_points(client: TestClient, **params: object) -> list[dict]:
    body = get_ok(client, "/points", **params)
    assert body["count"] == len(body["points"])
    return body["points"]


def search(client: TestClient, q: str, mode: str, k: int = 10, **params: object) -> list[dict]:
    body = get_ok(client, "/search", q=q, mode=mode, k=k, **params)
    assert body["query"] == q and body["mode"] == mode
    hits = body["hits"]
    assert len(hits) <= k
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True), f"{mode} hits are not best first: {scores}"
    return hits


def read_arrow(content: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(content)).read_all()


# --- points -------------------------------------------------------------------------------------


def test_points_are_every_record_each_placed(client: TestClient, store: BuiltStore) -> None:
    points = get_points(client)
    want = expected_files(jsonl_files(store.sources))

    assert len(points) == duck_count(store.db) == sum(want.values())
    assert Counter(p["kind"] for p in points) == want
    assert {p["id"] for p in points} == duck_ids(store.db)
    assert len({p["id"] for p in points}) == len(points)
    assert set(points[0]) == POINT_FIELDS
    unplaced = [p["id"] for p in points if p["x"] is None or p["y"] is None or p["pending"]]
    assert not unplaced, f"{len(unplaced)} points without coordinates, e.g. {unplaced[:3]}"
    assert {p["source_format"] for p in points} == {"claude-code"}


@pytest.mark.parametrize("how", ["format", "accept"])
def test_points_as_arrow_match_json(client: TestClient, how: str) -> None:
    points = get_points(client)
    kwargs = {"params": {"format": "arrow"}} if how == "format" else {"headers": {"Accept": ARROW}}

    response = client.get("/points", **kwargs)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(ARROW)
    table = read_arrow(response.content)
    assert table.num_rows == len(points)
    assert table.column_names[:3] == ["id", "x", "y"]
    assert set(table.column_names) == POINT_FIELDS
    assert table.column("id").to_pylist() == [p["id"] for p in points]
    assert table.column("x").null_count == table.column("y").null_count == 0
    assert table.column("kind").to_pylist() == [p["kind"] for p in points]


def test_format_json_overrides_the_accept_header(client: TestClient) -> None:
    response = client.get("/points", params={"format": "json", "limit": 3}, headers={"Accept": ARROW})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["count"] == 3


FILTERS = [
    ({"kind": "tool_call"}, "kind = 'tool_call'", []),
    ({"kind": "tool_result", "is_error": "true"}, "kind = 'tool_result' AND is_error", []),
    ({"is_error": "true"}, "is_error", []),
    ({"is_error": "false"}, "NOT is_error", []),
    ({"run_id": SUBAGENT_RUN}, "run_id = ?", [SUBAGENT_RUN]),
    ({"tool_name": "Bash", "run_id": DOV_SESSION_ID}, "tool_name = 'Bash' AND run_id = ?", [DOV_SESSION_ID]),
    ({"role": "user", "kind": "message"}, "role = 'user' AND kind = 'message'", []),
    ({"source_format": "claude-code", "kind": "run"}, "kind = 'run'", []),
    ({"model": "no-such-model"}, "false", []),
]


@pytest.mark.parametrize(("params", "where", "args"), FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_point_filters_narrow_like_sql(
    client: TestClient, store: BuiltStore, params: dict, where: str, args: list
) -> None:
    want = duck_ids(store.db, where, args)
    total = duck_count(store.db)
    if where != "false":
        assert 0 < len(want) < total, "the filter should pick some but not all records"

    got = get_points(client, **params)
    assert {p["id"] for p in got} == want
    arrow = client.get("/points", params={**params, "format": "arrow"})
    assert arrow.status_code == 200
    assert set(read_arrow(arrow.content).column("id").to_pylist()) == want


def test_since_and_until_narrow_by_step_time(client: TestClient, store: BuiltStore) -> None:
    middle, later = duck(store.db, "SELECT quantile_disc(ts_start, 0.5), quantile_disc(ts_start, 0.75) FROM records")[0]
    since = duck_ids(store.db, "ts_start >= ?", [middle])
    until = duck_ids(store.db, "ts_start < ?", [middle])
    window = duck_ids(store.db, "ts_start >= ? AND ts_start < ?", [middle, later])
    assert since and until and window and len(window) < len(since)

    assert {p["id"] for p in get_points(client, since=middle.isoformat())} == since
    assert {p["id"] for p in get_points(client, until=middle.isoformat())} == until
    assert {p["id"] for p in get_points(client, since=middle.isoformat(), until=later.isoformat())} == window
    # The same instant written in another time zone selects the same steps.
    elsewhere = middle.astimezone(timezone(timedelta(hours=-5))).isoformat()
    assert {p["id"] for p in get_points(client, since=elsewhere)} == since
    for point in get_points(client, since=middle.isoformat(), kind="tool_call"):
        assert datetime.fromisoformat(point["timestamp"]) >= middle
        assert point["timestamp"].endswith("Z")


def test_limit_and_offset_page_through_the_same_order(client: TestClient) -> None:
    everything = [p["id"] for p in get_points(client)]
    page = [p["id"] for p in get_points(client, limit=10, offset=5)]
    assert page == everything[5:15]
    assert [p["id"] for p in get_points(client, limit=5, offset=len(everything) - 2)] == everything[-2:]


# --- one record, search, neighbours ------------------------------------------------------------


def test_record_names_its_file_and_line(client: TestClient, store: BuiltStore, dialyzer: ToolCall) -> None:
    record = get_ok(client, f"/records/{dialyzer.record_id}")

    assert record["record_id"] == dialyzer.record_id
    assert record["kind"] == "tool_call" and record["tool_name"] == "Bash"
    assert record["run_id"] == dialyzer.run_id
    assert json.loads(record["tool_args"])["command"] == DIALYZER_COMMAND
    assert Path(record["source_file"]).resolve() == dialyzer.path.resolve()
    assert record["source_line"] == dialyzer.line
    line = dialyzer.path.read_text(encoding="utf-8").splitlines()[record["source_line"] - 1]
    assert dialyzer.tool_use_id in line and DOV_SESSION_ID in line
    assert record["source_vanished"] is False
    assert record["x"] is not None and record["y"] is not None
    assert record["source_format"] == "claude-code"
    assert "raw" not in record and "text_hash" not in record


def test_text_search_finds_the_command_first(client: TestClient, dialyzer: ToolCall) -> None:
    hits = search(client, DIALYZER_COMMAND, "text")
    assert hits, "no hits"
    assert hits[0]["point"]["id"] == dialyzer.record_id
    assert "mix dialyzer --format short" in hits[0]["text"]
    assert hits[0]["point"]["x"] is not None


def test_semantic_search_finds_the_command_in_the_top_ten(client: TestClient, dialyzer: ToolCall) -> None:
    hits = search(client, DIALYZER_COMMAND, "semantic", k=10)
    assert dialyzer.record_id in [hit["point"]["id"] for hit in hits]
    assert all(-1.0 <= hit["score"] <= 1.0 + 1e-6 for hit in hits)


def test_hybrid_search_finds_the_command_in_the_top_ten(client: TestClient, dialyzer: ToolCall) -> None:
    hits = search(client, DIALYZER_COMMAND, "hybrid", k=10)
    assert dialyzer.record_id in [hit["point"]["id"] for hit in hits]


@pytest.mark.parametrize("mode", ["text", "semantic", "hybrid"])
def test_search_honours_the_point_filters(client: TestClient, mode: str) -> None:
    hits = search(client, "mix test failures", mode, k=20, kind="tool_result", run_id=DOV_SESSION_ID)
    assert hits
    assert {hit["point"]["kind"] for hit in hits} == {"tool_result"}
    assert {hit["point"]["run_id"] for hit in hits} == {DOV_SESSION_ID}


@pytest.mark.parametrize("endpoint", ["search", "neighbors"])
def test_filtered_vector_search_fills_k_when_enough_records_match(
    client: TestClient, store: BuiltStore, dialyzer: ToolCall, endpoint: str
) -> None:
    assert duck_count(store.db, "run_id = ?", [SUBAGENT_RUN]) >= 20
    if endpoint == "search":
        hits = search(client, "mix test failures", "semantic", k=20, run_id=SUBAGENT_RUN)
    else:
        hits = get_ok(client, f"/neighbors/{dialyzer.record_id}", k=20, run_id=SUBAGENT_RUN)["hits"]
    assert len(hits) == 20


def test_neighbors_are_k_other_steps(client: TestClient, store: BuiltStore, dialyzer: ToolCall) -> None:
    body = get_ok(client, f"/neighbors/{dialyzer.record_id}", k=5)
    hits = body["hits"]

    assert body["mode"] == "neighbors"
    assert len(hits) == 5
    ids = [hit["point"]["id"] for hit in hits]
    assert dialyzer.record_id not in ids and len(set(ids)) == 5
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_neighbors_leave_out_exact_copies_of_the_text(client: TestClient, store: BuiltStore) -> None:
    shared_hash, copies = duck(
        store.db,
        "SELECT text_hash, list(record_id ORDER BY record_id) FROM records GROUP BY text_hash "
        "HAVING count(*) > 1 ORDER BY count(*) DESC, text_hash LIMIT 1",
    )[0]
    hits = get_ok(client, f"/neighbors/{copies[0]}", k=10)["hits"]
    assert len(hits) == 10
    assert not {hit["point"]["id"] for hit in hits} & set(copies)
    hashes = dict(duck(store.db, "SELECT record_id, text_hash FROM records"))
    assert shared_hash not in {hashes[hit["point"]["id"]] for hit in hits}


# --- runs and trajectories ----------------------------------------------------------------------


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


def test_stats_agree_with_the_stores(client: TestClient, store: BuiltStore) -> None:
    stats = get_ok(client, "/stats")
    table = lancedb.connect(str(store.home / "vectors.lance")).open_table("vectors")

    assert stats["records"] == duck_count(store.db) == sum(expected_files(jsonl_files(store.sources)).values())
    assert stats["runs"] == duck_count(store.db, "kind = 'run'")
    assert stats["files"] == len(jsonl_files(store.sources)) == duck(store.db, "SELECT count(*) FROM files")[0][0]
    assert stats["vanished_files"] == 0
    assert stats["rejects"] == duck(store.db, "SELECT count(*) FROM rejects")[0][0]
    placed = duck(store.db, "SELECT count(*) FROM records JOIN points USING (text_hash)")[0][0]
    assert stats["points"] == placed == stats["records"]
    assert stats["pending"] == 0
    distinct_texts = duck(store.db, "SELECT count(DISTINCT text_hash) FROM records")[0][0]
    assert stats["vectors"] == table.count_rows() == distinct_texts
    assert stats["by_kind"] == dict(duck(store.db, "SELECT kind, count(*) FROM records GROUP BY kind"))
    assert stats["by_format"] == {"claude-code": stats["records"]}
    assert stats["model"] == "all-MiniLM-L6-v2"


# --- errors -------------------------------------------------------------------------------------

BAD_REQUESTS = [
    "/points?kind=bogus",
    "/points?limit=-1",
    "/points?limit=0",
    "/points?offset=-1",
    "/points?since=not-a-date",
    "/points?until=2026-13-40",
    "/points?is_error=maybe",
    "/points?format=bogus",
    "/search?q=mix&k=0",
    "/search?q=mix&k=100000",
    "/search?q=mix&mode=bogus",
    "/search?q=",
    "/search?q=%20%20%09",
    "/search",
    "/search?q=mix&kind=bogus",
    "/search?q=mix&since=not-a-date",
    "/neighbors/anything?k=0",
    "/neighbors/anything?kind=bogus",
    "/runs?limit=-1",
    "/runs?offset=-1",
]


@pytest.mark.parametrize("url", BAD_REQUESTS)
def test_bad_parameters_are_422(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"][0] == "query"


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"full_refit": "perhaps"}', b"[1, 2]"],
)
def test_bad_index_body_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/index", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "url",
    [
        "/records/no-such-record",
        "/neighbors/no-such-record",
        "/runs/no-such-run/trajectory",
        "/runs/%27%3B--/trajectory",
    ],
)
def test_unknown_ids_are_404(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404, response.text
    assert "no " in response.json()["detail"]


ODD_QUERIES = [
    '"unbalanced',
    "foo AND (",
    "a:b",
    "*",
    "'",
    '""',
    " a ",
    "[x",
    "x^2",
    "foo~",
    "-",
    "+",
    "x OR",
    "NOT",
    "\\",
    "%",
    "ünïcode 中文 🙂",
    "title:(a b",
    "x" * 2000,
]


@pytest.mark.parametrize("mode", ["text", "semantic", "hybrid"])
@pytest.mark.parametrize("q", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_odd_search_text_never_fails(client: TestClient, q: str, mode: str) -> None:
    response = client.get("/search", params={"q": q, "mode": mode, "k": 5})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["hits"], list)


def test_dagster_unreachable_is_503_naming_the_webserver(client: TestClient, dead_dagster: str) -> None:
    for method, url in (("post", "/load"), ("post", "/index"), ("get", "/jobs/4b7e6a52-5c5f-4f0e-9a43-0f1d7f3f7c10")):
        response = getattr(client, method)(url)
        assert response.status_code == 503, f"{method} {url}: {response.text}"
        assert "webserver" in response.json()["detail"] and dead_dagster in response.json()["detail"]

    response = client.get("/health")
    assert response.status_code == 503
    health = response.json()
    assert health["ok"] is False
    assert set(health["parts"]) == {"record_store", "vector_store", "dagster_webserver", "dagster_daemon", "model"}
    assert health["parts"]["dagster_webserver"]["ok"] is False
    assert "webserver" in health["parts"]["dagster_webserver"]["detail"]
    assert health["parts"]["dagster_daemon"]["ok"] is False
    for part in ("record_store", "vector_store", "model"):
        assert health["parts"][part]["ok"] is True, health["parts"][part]


def test_docs_and_openapi_schema_are_served(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    schema = get_ok(client, "/openapi.json")
    for path in (
        "/health",
        "/load",
        "/index",
        "/jobs/{run_id}",
        "/points",
        "/records/{record_id}",
        "/search",
        "/neighbors/{record_id}",
        "/runs",
        "/runs/{run_id}/trajectory",
        "/stats",
    ):
        assert path in schema["paths"], path


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


# --- auth and bind ------------------------------------------------------------------------------


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


# --- an empty store, and reads while another process writes ------------------------------------


def test_an_empty_store_answers_empty(tmp_path: Path, dead_dagster: str) -> None:
    app = create_app(Settings(home=tmp_path / "nothing-yet", dagster_url=dead_dagster))
    with TestClient(app, raise_server_exceptions=False) as empty:
        assert get_ok(empty, "/points") == {"count": 0, "points": []}
        arrow = empty.get("/points", params={"format": "arrow"})
        assert arrow.status_code == 200 and read_arrow(arrow.content).num_rows == 0
        stats = get_ok(empty, "/stats")
        assert stats["records"] == stats["points"] == stats["vectors"] == 0
        assert get_ok(empty, "/runs") == {"count": 0, "runs": []}
        for mode in ("text", "semantic", "hybrid"):
            assert get_ok(empty, "/search", q="anything", mode=mode)["hits"] == []
        for url in ("/records/x", "/neighbors/x", "/runs/x/trajectory"):
            assert empty.get(url).status_code == 404, url
        parts = empty.get("/health").json()["parts"]
        assert parts["record_store"]["ok"] and parts["vector_store"]["ok"]


def test_an_empty_store_still_sends_the_arrow_columns(tmp_path: Path, dead_dagster: str) -> None:
    with TestClient(create_app(Settings(home=tmp_path / "nothing-yet", dagster_url=dead_dagster))) as empty:
        response = empty.get("/points", params={"format": "arrow"})
    assert set(read_arrow(response.content).column_names) == POINT_FIELDS


WRITER = """
import sys
from pathlib import Path

from logviz_assets.load.operation import load
from logviz_assets.load.source import DataSource
from logviz_assets.store import RecordStore

store = RecordStore(Path(sys.argv[2]))
report = load(DataSource([sys.argv[1]]), store, batch_records=20, progress=lambda _: None)
print(report.records_added)
"""


def test_reads_never_fail_while_another_process_loads(
    store: BuiltStore, samples_dir: Path, tmp_path: Path, dead_dagster: str
) -> None:
    """A loader in another process writes many small batches; GET /points keeps answering."""
    home = tmp_path / "home"
    shutil.copytree(store.home, home)
    logs = tmp_path / "logs"
    shutil.copytree(store.sources, logs)
    shutil.copytree(samples_dir / "claude-code" / "projects" / FUM_PROJECT, logs / "projects" / FUM_PROJECT)
    new_session = str(uuid.uuid4())
    clone = clone_session(samples_dir / "claude-code" / FUM_SESSION, new_session, logs / "clones")
    added_files = [*jsonl_files(logs / "projects" / FUM_PROJECT), clone]
    db = home / "records.duckdb"
    before = duck_count(db)
    after = before + sum(expected_files(added_files).values())
    client = TestClient(create_app(Settings(home=home, dagster_url=dead_dagster)), raise_server_exceptions=False)

    def read() -> tuple[int, int]:
        response = client.get("/points")
        return response.status_code, response.json()["count"] if response.status_code == 200 else -1

    reads = [read()]
    log = tmp_path / "writer.log"
    with log.open("w") as out:
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(logs), str(db)],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        during = 0
        while writer.poll() is None and time.monotonic() < deadline:
            reads.append(read())
            during += 1
        assert writer.poll() is not None, "the writer did not finish in time"
    finally:
        if writer.poll() is None:
            os.killpg(writer.pid, signal.SIGKILL)
            writer.wait()
    reads.append(read())

    assert writer.returncode == 0, log.read_text()
    failed = [status for status, _ in reads if status != 200]
    assert not failed, f"{len(failed)} of {len(reads)} reads failed: {Counter(failed)}"
    counts = [count for _, count in reads]
    assert all(a <= b for a, b in itertools.pairwise(counts)), f"the count went down: {counts}"
    assert counts[0] == before and counts[-1] == after == duck_count(db)
    assert during > 0


@pytest.mark.parametrize(
    "url",
    ["/points?limit=99999999999999999999", "/points?offset=9223372036854775808", "/runs?offset=99999999999999999999"],
)
def test_huge_paging_values_are_422_not_500(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 422


def test_points_offset_works_without_limit(client: TestClient) -> None:
    everything = get_ok(client, "/points")
    rest = get_ok(client, "/points", offset=5)
    assert rest["count"] == everything["count"] - 5
    assert [p["id"] for p in rest["points"]] == [p["id"] for p in everything["points"][5:]]


def test_points_carry_an_etag_that_changes_only_with_the_store(
    store: BuiltStore, samples_dir: Path, tmp_path: Path, dead_dagster: str
) -> None:
    home = tmp_path / "home"
    shutil.copytree(store.home, home)
    client = TestClient(create_app(Settings(home=home, dagster_url=dead_dagster)), raise_server_exceptions=False)
    first = client.get("/points")
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag

    unchanged = client.get("/points", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["etag"] == etag
    assert client.get("/points", params={"format": "arrow"}).headers["etag"] != etag
    assert client.get("/points", params={"kind": "tool_call"}).headers["etag"] != etag
    assert client.get("/points", params={"limit": 5}).headers["etag"] != etag

    clone = clone_session(samples_dir / "claude-code" / FUM_SESSION, str(uuid.uuid4()), tmp_path / "more")
    writer = subprocess.run(
        [sys.executable, "-c", WRITER, str(clone.parent), str(home / "records.duckdb")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert writer.returncode == 0, writer.stderr
    changed = client.get("/points", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    added = sum(expected_files([clone]).values())
    assert changed.json()["count"] == first.json()["count"] + added == duck_count(home / "records.duckdb")
