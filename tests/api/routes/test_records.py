"""GET /records/{record_id} (api/routes/records.py): one record, with the file and line it came from.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.helpers.api import get_ok
from tests.helpers.pipeline import BuiltStore
from tests.helpers.samples import DIALYZER_COMMAND, DOV_SESSION_ID, ToolCall


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
