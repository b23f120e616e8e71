"""GET /stats (api/routes/stats.py): the counts agree with the sample files, DuckDB and LanceDB.

The app runs in process (FastAPI's TestClient) over the store `built_store` built with the real
model, with Dagster pointed at a closed loopback port (fixtures in tests/api/conftest.py).
Expected values come from the sample JSON or from DuckDB and LanceDB read directly.
"""

from __future__ import annotations

import lancedb
from fastapi.testclient import TestClient

from tests.helpers.api import get_ok
from tests.helpers.claude_code import expected_files
from tests.helpers.pipeline import BuiltStore
from tests.helpers.samples import jsonl_files
from tests.helpers.store import duck, duck_count


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
