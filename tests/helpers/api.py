"""Helpers for the in-process API tests: the app's client, GET and read the answer, Arrow bodies,
a loader to run beside the app."""

from __future__ import annotations

import pyarrow as pa
from fastapi.testclient import TestClient

from api.main import create_app
from logviz_assets.settings import Settings
from tests.helpers.samples import DOV_SESSION_ID

# The app answers only loopback Host headers (api/security.py); TestClient's default is "testserver".
LOCAL_URL = "http://127.0.0.1:8000"

SUBAGENT_RUN = f"{DOV_SESSION_ID}:agent-a2898e3"
# The fields of a point, in JSON and as Arrow columns.
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
    "project",
    "timestamp",
}


def local_client(settings: Settings, raise_server_exceptions: bool = False) -> TestClient:
    """The app over `settings`, in process, called as a client on this machine would."""
    return TestClient(create_app(settings), base_url=LOCAL_URL, raise_server_exceptions=raise_server_exceptions)


class RecordingRuns:
    """Stands in for DagsterRuns: records what the routes submit, starts nothing."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, dict | None, dict | None]] = []

    def submit(self, job: str, run_config: dict | None = None, tags: dict | None = None) -> tuple[str, str, bool]:
        self.submitted.append((job, run_config, tags))
        return f"run-{len(self.submitted)}", "QUEUED", True


def get_ok(client: TestClient, url: str, **params: object) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def read_arrow(content: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(content)).read_all()


# Run as `python -c WRITER <logs folder> <records.duckdb>`: loads the folder into the record store
# in batches of 20 records, from another process, and prints how many records it added.
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
