"""Issue 4's acceptance: every shared sample loads without rejects, and Index puts every format on the map."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from logviz_assets.defs.assets import embeddings, projection, records
from logviz_assets.defs.resources import Embedder, Layouts, LogSources, RecordStoreResource, VectorStore, Viewer
from logviz_assets.formats import FORMATS, HEAD_BYTES, detect_format

SAMPLE_FORMATS = {
    "claude-code",
    "codex-cli",
    "gemini-cli",
    "inspect-ai",
    "langfuse",
    "langsmith",
    "openhands",
    "otel-genai",
    "swe-agent",
}


def test_each_sample_is_claimed_by_exactly_one_format(samples_dir: Path) -> None:
    for path in sorted(p for p in samples_dir.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        head = path.read_bytes()[:HEAD_BYTES]
        claimed = [f.name for f in FORMATS if f.detect(head, str(path))]
        assert len(set(claimed)) == 1, (path.name, claimed)
        assert claimed[0] == path.relative_to(samples_dir).parts[0], path.name
        assert detect_format(head, str(path)).name == claimed[0]


def test_all_samples_load_and_index_onto_one_map(samples_dir: Path, tmp_path: Path) -> None:
    database = tmp_path / "records.duckdb"
    resources = {
        "sources": LogSources(paths=[str(samples_dir)]),
        "record_store": RecordStoreResource(database=str(database)),
        "vector_store": VectorStore(uri=str(tmp_path / "vectors")),
        "embedder": Embedder(model="all-MiniLM-L6-v2"),
        "layouts": Layouts(folder=str(tmp_path / "layouts"), random_state=0),
        "viewer": Viewer(url="http://127.0.0.1:8000/"),
    }
    result = materialize([records, embeddings, projection], resources=resources, instance=DagsterInstance.ephemeral())
    assert result.success

    sample_files = [p for p in samples_dir.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM files WHERE format IS NOT NULL").fetchone()[0] == len(sample_files)
        placed = dict(
            con.execute(
                "SELECT r.source_format, count(p.x) FROM records r LEFT JOIN points p USING (text_hash) GROUP BY 1"
            ).fetchall()
        )
        unplaced = con.execute(
            "SELECT count(*) FROM records r LEFT JOIN points p USING (text_hash) WHERE p.x IS NULL"
        ).fetchone()[0]
    assert set(placed) == SAMPLE_FORMATS
    assert all(count > 0 for count in placed.values()), placed
    assert unplaced == 0
