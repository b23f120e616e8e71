"""GET /points (api/routes/points.py): every record placed, as JSON and as Arrow, the filters, paging, the ETag.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from logviz_assets.settings import Settings
from tests.helpers.api import POINT_FIELDS, SUBAGENT_RUN, WRITER, get_ok, local_client, read_arrow
from tests.helpers.claude_code import expected_files
from tests.helpers.pipeline import BuiltStore
from tests.helpers.processes import REPO_ROOT
from tests.helpers.samples import DOV_SESSION_ID, FUM_SESSION, clone_session, jsonl_files
from tests.helpers.store import duck, duck_count, duck_ids

ARROW = "application/vnd.apache.arrow.stream"


def get_points(client: TestClient, **params: object) -> list[dict]:
    body = get_ok(client, "/points", **params)
    assert body["count"] == len(body["points"])
    return body["points"]


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
    # The text columns but the id come dictionary-encoded (the viewer reads them as codes), with
    # the same values as the JSON.
    for name in ("kind", "role", "tool_name", "run_id", "model", "source_format", "project"):
        assert pa.types.is_dictionary(table.schema.field(name).type), name
        assert table.column(name).to_pylist() == [p[name] for p in points], name


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
    client = local_client(Settings(home=home, dagster_url=dead_dagster))
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
