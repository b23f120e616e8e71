"""End to end: the real Dagster webserver and daemon and the API, as processes on loopback ports.

One module-scoped fixture starts `dagster-webserver`, `dagster-daemon`, `python -m api.serve`
and a second API process that requires a token, over a temporary LOGVIZ_HOME and a temporary
copy of the Claude Code samples; then it runs Load and Index through the API. The tests check
what the API serves against the sample JSON and the DuckDB file read directly.

The tests at the end of the module add files to the watched folder (the sensor, and a load and
an index while the map is being read); they run last, in file order, so the earlier ones see the
state the fixture built. Before them: a failed run's error, 100 concurrent POST /load, and the
token, Host and cross-site checks of the served API.

The Stack, the setup flow and the small helpers they share with the tests are in tests/helpers/e2e.py.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyarrow as pa
import pytest
from dagster_graphql import DagsterGraphQLClient

from api.dagster_client import DagsterRuns
from tests.helpers.claude_code import expected_files
from tests.helpers.e2e import (
    IN_FLIGHT,
    JOB_SECONDS,
    STARTUP_SECONDS,
    Stack,
    get_ok,
    points,
    running_stack,
)
from tests.helpers.processes import wait_for
from tests.helpers.samples import (
    DIALYZER_COMMAND,
    DOV_SESSION_ID,
    FUM_SESSION,
    clone_session,
    find_bash_call,
)
from tests.helpers.store import duck, duck_count, duck_ids

pytestmark = pytest.mark.e2e

ARROW = "application/vnd.apache.arrow.stream"
TOKEN = "e2e-" + uuid.uuid4().hex
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PARTS = {"record_store", "vector_store", "dagster_webserver", "dagster_daemon", "model"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e"), samples_dir, TOKEN) as started:
        yield started


# --- the state the setup flow built -------------------------------------------------------------


def test_health_reports_every_part_ok(stack: Stack) -> None:
    assert stack.health["ok"] is True
    assert set(stack.health["parts"]) == PARTS
    assert all(part["ok"] for part in stack.health["parts"].values()), stack.health
    now = stack.api.get("/health")
    assert now.status_code == 200, now.text
    assert all(part["ok"] for part in now.json()["parts"].values())
    assert str(stack.dagster_url) in now.json()["parts"]["dagster_webserver"]["detail"]


def test_load_request_is_accepted_and_the_run_succeeds(stack: Stack) -> None:
    status, body = stack.load_response
    assert status == 202
    assert {"run_id", "job", "status"} <= set(body)
    assert body["job"] == "load" and body["status"] in IN_FLIGHT
    run = stack.load_run
    assert run["run_id"] == body["run_id"] and run["job"] == "load" and run["status"] == "SUCCESS"
    assert run["started_at"] and run["ended_at"] and run["started_at"] <= run["ended_at"]
    assert run["counts"]["records"]["dagster/row_count"] == duck_count(stack.db)


def test_points_are_every_record_with_coordinates(stack: Stack) -> None:
    got = points(stack.api)
    want = expected_files(stack.initial_files)

    assert len(got) == duck_count(stack.db) == sum(want.values())
    assert {p["id"] for p in got} == duck_ids(stack.db)
    assert {kind: sum(p["kind"] == kind for p in got) for kind in want} == dict(want)
    missing = [p["id"] for p in got if p["x"] is None or p["y"] is None or p["pending"]]
    assert not missing, f"{len(missing)} points without coordinates after index, e.g. {missing[:3]}"


def test_second_index_request_returns_the_run_in_flight(stack: Stack) -> None:
    (first_status, first), (second_status, second) = stack.index_responses
    assert first_status == second_status == 202
    assert first["job"] == second["job"] == "index"
    assert second["run_id"] == first["run_id"]
    assert second["status"] in IN_FLIGHT
    distinct_texts = duck(stack.db, "SELECT count(DISTINCT text_hash) FROM records")[0][0]
    counts = stack.index_run["counts"]
    assert counts["embeddings"]["texts_embedded"] == distinct_texts
    assert counts["projection"]["points_placed"] == distinct_texts


def test_runs_report_their_progress(stack: Stack) -> None:
    # Read back from the real webserver: the load's last report counts every file it read.
    runs = DagsterRuns(stack.dagster_url, "logviz")
    load = runs.progress(stack.load_run["run_id"])
    assert load is not None and load["asset"] == "records" and load["stage"] == "load"
    assert load["done"] == load["total"] == stack.load_run["counts"]["records"]["files_read"]
    assert load["unit"] == "files" and load["message"].startswith(f"read {load['done']}/{load['total']} files")
    index = runs.progress(stack.index_run["run_id"])
    assert index is not None and index["asset"] in {"embeddings", "projection"}
    # While the index run was in flight, GET /jobs gave its progress: counted, never past its total.
    seen = stack.progress_seen.get(stack.index_run["run_id"], [])
    assert seen, "GET /jobs never gave the index run's progress while it ran"
    assert all(0 <= p["done"] <= p["total"] and p["stage"] in {"embed", "place"} for p in seen), seen
    assert stack.index_run["progress"] is None  # an ended run reports its counts instead


def test_reads_while_index_runs_never_fail(stack: Stack) -> None:
    assert stack.reads_during_index, "the index run ended before the map could be read"
    failed = [(what, status, detail) for what, status, detail in stack.reads_during_index if status != 200]
    assert not failed, f"{len(failed)} of {len(stack.reads_during_index)} reads failed: {failed[:5]}"


def test_unknown_dagster_run_is_404(stack: Stack) -> None:
    for run_id in (str(uuid.uuid4()), "not-a-run-id"):
        response = stack.api.get(f"/jobs/{run_id}")
        assert response.status_code == 404, response.text
        assert run_id in response.json()["detail"]


def test_search_finds_a_real_command(stack: Stack) -> None:
    call = find_bash_call(stack.sources, DIALYZER_COMMAND)

    text = get_ok(stack.api, "/search", q=DIALYZER_COMMAND, mode="text", k=10)["hits"]
    assert text and text[0]["point"]["id"] == call.record_id
    semantic = get_ok(stack.api, "/search", q=DIALYZER_COMMAND, mode="semantic", k=10)["hits"]
    assert call.record_id in [hit["point"]["id"] for hit in semantic]
    hybrid = get_ok(stack.api, "/search", q=DIALYZER_COMMAND, mode="hybrid", k=10)["hits"]
    assert call.record_id in [hit["point"]["id"] for hit in hybrid]


def test_record_names_its_file_and_line(stack: Stack) -> None:
    call = find_bash_call(stack.sources, DIALYZER_COMMAND)
    record = get_ok(stack.api, f"/records/{call.record_id}")

    assert Path(record["source_file"]).resolve() == call.path.resolve()
    assert record["source_line"] == call.line
    line = call.path.read_text(encoding="utf-8").splitlines()[record["source_line"] - 1]
    event = json.loads(line)
    assert any(block.get("id") == call.tool_use_id for block in event["message"]["content"])
    assert json.loads(record["tool_args"])["command"] == DIALYZER_COMMAND
    assert record["x"] is not None and record["y"] is not None


def test_trajectory_is_ordered_with_coordinates(stack: Stack) -> None:
    body = get_ok(stack.api, f"/runs/{DOV_SESSION_ID}/trajectory")
    steps = body["steps"]

    want = duck(
        stack.db, "SELECT record_id FROM records WHERE run_id = ? AND kind <> 'run' ORDER BY seq", [DOV_SESSION_ID]
    )
    assert [s["point"]["id"] for s in steps] == [rid for (rid,) in want]
    seqs = [s["seq"] for s in steps]
    assert seqs == sorted(seqs)
    assert all(s["point"]["x"] is not None and s["point"]["y"] is not None for s in steps)
    assert body["run"]["run_id"] == DOV_SESSION_ID and body["run"]["steps"] == len(steps)
    assert stack.api.get("/runs/no-such-run/trajectory").status_code == 404


def test_neighbors_are_five_other_steps(stack: Stack) -> None:
    call = find_bash_call(stack.sources, DIALYZER_COMMAND)
    hits = get_ok(stack.api, f"/neighbors/{call.record_id}", k=5)["hits"]
    ids = [hit["point"]["id"] for hit in hits]
    assert len(ids) == len(set(ids)) == 5
    assert call.record_id not in ids


def test_stats_agree_with_duckdb(stack: Stack) -> None:
    stats = get_ok(stack.api, "/stats")
    assert stats["records"] == duck_count(stack.db)
    assert stats["runs"] == duck_count(stack.db, "kind = 'run'")
    assert stats["files"] == len(stack.initial_files) == duck(stack.db, "SELECT count(*) FROM files")[0][0]
    assert stats["rejects"] == duck(stack.db, "SELECT count(*) FROM rejects")[0][0]
    assert stats["vanished_files"] == 0
    assert stats["points"] == stats["records"] and stats["pending"] == 0
    assert stats["vectors"] == duck(stack.db, "SELECT count(DISTINCT text_hash) FROM records")[0][0]
    assert stats["by_kind"] == dict(duck(stack.db, "SELECT kind, count(*) FROM records GROUP BY kind"))


@pytest.mark.parametrize("how", ["format", "accept"])
def test_points_as_arrow(stack: Stack, how: str) -> None:
    json_ids = [p["id"] for p in points(stack.api)]
    params = {"format": "arrow"} if how == "format" else {}
    headers = {"Accept": ARROW} if how == "accept" else {}

    response = stack.api.get("/points", params=params, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith(ARROW)
    table = pa.ipc.open_stream(pa.py_buffer(response.content)).read_all()
    assert table.num_rows == len(json_ids)
    assert table.column_names[:4] == ["id", "x", "y", "pending"] and "kind" in table.column_names
    assert table.column("id").to_pylist() == json_ids

    calls = stack.api.get("/points", params={**params, "kind": "tool_call", "is_error": "false"}, headers=headers)
    assert calls.status_code == 200 and calls.headers["content-type"].startswith(ARROW)
    filtered = pa.ipc.open_stream(pa.py_buffer(calls.content)).read_all()
    assert set(filtered.column("id").to_pylist()) == duck_ids(stack.db, "kind = 'tool_call' AND NOT is_error")


def test_docs_and_openapi_are_served(stack: Stack) -> None:
    docs = stack.api.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    schema = get_ok(stack.api, "/openapi.json")
    assert {"/load", "/index", "/jobs/{run_id}", "/points", "/search"} <= set(schema["paths"])


def test_bad_input_is_4xx_from_the_served_api(stack: Stack) -> None:
    for url in (
        "/points?kind=bogus",
        "/search?q=x&k=0",
        "/search?q=x&mode=bogus",
        "/points?limit=-1",
        "/points?since=nope",
    ):
        assert stack.api.get(url).status_code == 422, url
    assert stack.api.get("/records/no-such-record").status_code == 404


# --- a failed run, many POSTs at once -------------------------------------------------------------


def test_a_failed_run_says_what_failed(stack: Stack, tmp_path: Path) -> None:
    """A load pointed at a folder for its DuckDB file fails in its `records` step, at once and
    without touching the real store; GET /jobs/{id} names the step and the error."""
    not_a_database = tmp_path / "not-a-database"
    not_a_database.mkdir()
    web = httpx.URL(stack.dagster_url)
    run_id = DagsterGraphQLClient(web.host, port_number=web.port).submit_job_execution(
        "load",
        repository_location_name="logviz",
        run_config={"resources": {"record_store": {"config": {"database": str(not_a_database)}}}},
        tags={"logviz/trigger": "test"},
    )
    run = stack.wait_end(run_id)

    assert run["status"] == "FAILURE", run
    error = run["error"]
    assert error is not None and error["step"] == "records", run
    assert error["message"] and "Error occurred while executing" not in error["message"], error
    assert "not-a-database" in error["message"], error
    succeeded = get_ok(stack.api, f"/jobs/{stack.load_run['run_id']}")
    assert succeeded["status"] == "SUCCESS" and succeeded["error"] is None


def test_a_hundred_concurrent_loads_give_one_run_at_a_time(stack: Stack) -> None:
    """100 POST /load at once, half to each API process: every answer 202 with a run id, and the
    runs they name are at most one running and one queued at any moment."""
    stack.wait_in_flight_loads()
    before = set(stack.load_runs())
    clients = [stack.api, httpx.Client(base_url=stack.secured.base_url, headers=BEARER, timeout=120)]
    start = threading.Barrier(100)

    def post(i: int) -> tuple[int, dict]:
        start.wait(timeout=60)
        response = clients[i % 2].post("/load")
        return response.status_code, response.json()

    began = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=100) as pool:
            answers = list(pool.map(post, range(100)))
    finally:
        clients[1].close()
    took = time.monotonic() - began

    assert took < 120, f"100 concurrent POST /load took {took:.0f}s"
    assert [status for status, _ in answers] == [202] * 100, Counter(status for status, _ in answers)
    answered = {body["run_id"] for _, body in answers}
    assert all(body["job"] == "load" and body["run_id"] for _, body in answers)
    stack.wait_in_flight_loads()
    runs = {run_id: run for run_id, run in stack.load_runs().items() if run_id not in before}
    assert answered <= set(runs), f"answers name runs Dagster does not know: {answered - set(runs)}"
    assert 1 <= len(runs) <= 2, f"{len(runs)} load runs for 100 requests: {runs}"
    # At any moment at most one running and one queued: no three runs in flight at once, and no
    # two started and not yet ended at once.
    moments = sorted({t for run in runs.values() for t in (run["created"], run["started"], run["ended"]) if t})
    for moment in moments:
        in_flight = [r for r in runs.values() if r["created"] <= moment < (r["ended"] or float("inf"))]
        running = [r for r in in_flight if r["started"] and r["started"] <= moment]
        assert len(in_flight) <= 2 and len(running) <= 1, f"at {moment}: {in_flight}"
    assert {run["status"] for run in runs.values()} == {"SUCCESS"}, runs


# --- the token, the Host header, cross-site POSTs -----------------------------------------------


def test_token_guards_every_endpoint(stack: Stack) -> None:
    secured = stack.secured
    wait_for(lambda: secured.get("/openapi.json").status_code == 200, STARTUP_SECONDS, "the token API to answer")
    reads = ("/points", "/stats", "/health", "/runs", f"/runs/{DOV_SESSION_ID}/trajectory", "/search?q=mix&mode=text")

    for url in ("/load", "/index"):
        assert secured.post(url).status_code == 401
        assert secured.post(url, headers={"Authorization": "Bearer not-the-token"}).status_code == 401
    for url in (*reads, f"/jobs/{stack.load_run['run_id']}"):
        assert secured.get(url).status_code == 401, url
        assert secured.get(url, headers={"Authorization": "Bearer not-the-token"}).status_code == 401, url
        assert secured.get(url, headers=BEARER).status_code == 200, url
    assert secured.get("/points", headers=BEARER).json()["count"] == duck_count(stack.db)
    # The docs and the schema hold no log content: open, and the schema says a bearer is needed.
    assert secured.get("/docs").status_code == 200
    schema = get_ok(secured, "/openapi.json")
    assert schema["paths"]["/points"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in get_ok(stack.api, "/openapi.json")["paths"]["/points"]["get"]

    response = secured.post("/load", headers=BEARER)
    assert response.status_code == 202, response.text
    assert response.json()["job"] == "load"
    with httpx.Client(base_url=secured.base_url, headers=BEARER, timeout=60) as authorized:
        stack.wait_job(response.json()["run_id"], client=authorized)


def test_a_foreign_host_is_400_from_the_served_api(stack: Stack) -> None:
    port = stack.api.base_url.port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert stack.api.get("/stats", headers={"Host": host}).status_code == 200, host
    for host in (f"rebind.evil.example:{port}", "evil.example"):
        response = stack.api.get("/stats", headers={"Host": host})
        assert response.status_code == 400, host
        assert "LOGVIZ_ALLOWED_HOSTS" in response.json()["detail"]


def test_a_cross_site_form_post_starts_no_run(stack: Stack) -> None:
    stack.wait_in_flight_loads()
    before = set(stack.load_runs())
    response = stack.api.post(
        "/load",
        content=b"x=1",
        headers={"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403 and "cross-site" in response.json()["detail"]
    assert set(stack.load_runs()) == before


# --- these add files to the watched folder: keep them last ------------------------------------


def test_sensor_loads_a_new_file_without_any_request(stack: Stack) -> None:
    stack.wait_in_flight_loads()
    before = duck_count(stack.db)
    runs_before = stack.load_runs()
    new_session = str(uuid.uuid4())
    staged = clone_session(stack.sources / "tool_heavy.jsonl", new_session, stack.root / "staging")
    added = sum(expected_files([staged]).values())
    target = stack.sources / "arrived" / staged.name
    target.parent.mkdir()
    os.replace(staged, target)

    def arrived() -> dict | None:
        stack.services.check_alive()
        stats = get_ok(stack.api, "/stats")
        return stats if stats["records"] >= before + added else None

    stats = wait_for(arrived, JOB_SECONDS, "the sensor's load to bring in the new session", interval=1.0)
    assert stats["records"] == before + added == duck_count(stack.db)
    new = points(stack.api, run_id=new_session)
    assert len(new) == added
    record = get_ok(stack.api, f"/records/{new[0]['id']}")
    assert Path(record["source_file"]).resolve() == target.resolve()

    stack.wait_in_flight_loads()
    started = {run_id: run for run_id, run in stack.load_runs().items() if run_id not in runs_before}
    assert started, "no load run was started"
    triggers = {run["trigger"] for run in started.values()}
    assert triggers == {"sensor"}, f"load runs started by something other than the sensor: {started}"
    assert {run["status"] for run in started.values()} == {"SUCCESS"}


def test_reads_never_fail_while_a_load_and_an_index_write(stack: Stack, samples_dir: Path) -> None:
    """Clients poll /points, /stats, /search and /runs while a Load and an Index run write: 0 errors."""
    stack.wait_in_flight_loads()
    stack.wait_in_flight_loads("index")
    before = duck_count(stack.db)
    new_session = str(uuid.uuid4())
    staged = clone_session(samples_dir / "claude-code" / FUM_SESSION, new_session, stack.root / "staging")
    after = before + sum(expected_files([staged]).values())
    target = stack.sources / "more" / staged.name
    target.parent.mkdir()
    os.replace(staged, target)

    started = {}
    for job in ("load", "index"):
        response = stack.api.post(f"/{job}")
        assert response.status_code == 202, response.text
        started[job] = response.json()["run_id"]

    reads: list[tuple[str, int, str]] = []
    counts: list[int] = []  # /points counts, in the order one client read them
    stop = threading.Event()

    def poll(urls: list[tuple[str, dict]]) -> None:
        with httpx.Client(base_url=stack.api.base_url, timeout=60) as client:
            while not stop.is_set():
                for url, params in urls:
                    got = client.get(url, params=params)
                    reads.append((f"{url} {params}", got.status_code, "" if got.status_code == 200 else got.text[:300]))
                    if url == "/points" and got.status_code == 200:
                        counts.append(got.json()["count"])

    pollers = [
        threading.Thread(target=poll, args=([("/points", {}), ("/stats", {})],), daemon=True),
        threading.Thread(
            target=poll,
            args=(
                [
                    ("/search", {"q": "mix test", "mode": "text"}),
                    ("/search", {"q": "mix test", "mode": "hybrid"}),
                    ("/runs", {}),
                ],
            ),
            daemon=True,
        ),
    ]
    for poller in pollers:
        poller.start()
    try:
        ended = {job: stack.wait_end(run_id, timeout=2 * JOB_SECONDS) for job, run_id in started.items()}
        # The load has committed: let the poller see the final count.
        wait_for(lambda: counts and counts[-1] >= after, 60, "GET /points to show the loaded records")
    finally:
        stop.set()
        for poller in pollers:
            poller.join(timeout=120)

    assert {job: run["status"] for job, run in ended.items()} == {"load": "SUCCESS", "index": "SUCCESS"}, ended
    failed = [read for read in reads if read[1] != 200]
    assert not failed, f"{len(failed)} of {len(reads)} reads failed: {failed[:5]}"
    assert len(reads) >= 10, f"only {len(reads)} reads while the runs wrote"
    assert all(a <= b for a, b in itertools.pairwise(counts)), "the number of points went down"
    assert counts[0] == before and counts[-1] == after == duck_count(stack.db)
