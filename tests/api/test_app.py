"""The app as a whole (api/main.py): the OpenAPI schema, errors across routers, an empty store, reads during writes.

Errors here are those of more than one router (422, 404, 503 from a closed Dagster port); reads during
writes have a loader in another process write the record store while GET /points keeps answering.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from logviz_assets.settings import Settings
from tests.helpers.api import POINT_FIELDS, WRITER, get_ok, local_client, read_arrow
from tests.helpers.claude_code import expected_files
from tests.helpers.pipeline import BuiltStore
from tests.helpers.processes import REPO_ROOT
from tests.helpers.samples import FUM_PROJECT, FUM_SESSION, clone_session, jsonl_files
from tests.helpers.store import duck_count


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


# --- errors -------------------------------------------------------------------------------------


BAD_REQUESTS = [
    "/points?kind=bogus",
    "/points?limit=-1",
    "/points?limit=0",
    "/points?offset=-1",
    "/points?since=not-a-date",
    "/points?until=2026-13-40",
    "/points?since=2026",
    "/points?until=0.5",
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
    "url",
    ["/points?limit=99999999999999999999", "/points?offset=9223372036854775808", "/runs?offset=99999999999999999999"],
)
def test_huge_paging_values_are_422_not_500(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 422


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


# --- an empty store, and reads while another process writes -------------------------------------


def test_an_empty_store_answers_empty(tmp_path: Path, dead_dagster: str) -> None:
    with local_client(Settings(home=tmp_path / "nothing-yet", dagster_url=dead_dagster)) as empty:
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
    with local_client(Settings(home=tmp_path / "nothing-yet", dagster_url=dead_dagster), True) as empty:
        response = empty.get("/points", params={"format": "arrow"})
    assert set(read_arrow(response.content).column_names) == POINT_FIELDS


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
    client = local_client(Settings(home=home, dagster_url=dead_dagster))

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
