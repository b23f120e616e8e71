"""The asset graph on real stores: DuckDB, LanceDB, the all-MiniLM-L6-v2 model, UMAP, a Dagster instance.

The stages build on each other (first index, a repeat, more logs, a full refit), so each is a
module-scoped fixture that asks for the one before it; the model is loaded once for all of them.
"""

from __future__ import annotations

import base64
import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dagster import DagsterInstance, ExecuteInProcessResult, materialize
from scipy.spatial import procrustes

from logviz_assets.defs import resources
from logviz_assets.defs.assets import embeddings, projection, records
from logviz_assets.defs.resources import Embedder, Layouts, LogSources, VectorStore, Viewer
from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.index.projection import similarity_transform
from logviz_assets.index.text import embed_text, text_hash
from logviz_assets.index.vectors import VectorTable
from tests.helpers.claude_code import expected_files
from tests.helpers.store import query

MODEL = "all-MiniLM-L6-v2"
HELD_BACK = "agent-aac57f5.jsonl"  # copied in later, as logs that arrive after the first index
REFIT = {"ops": {"projection": {"config": {"full_refit": True}}}}


@dataclass
class World:
    root: Path
    logs: Path
    samples: Path
    resources: dict[str, Any]
    instance: DagsterInstance
    models: dict[tuple, TextEmbedder]  # every embedder the runs asked for, by constructor arguments

    @property
    def db(self) -> Path:
        return self.root / "records.duckdb"

    def vectors(self) -> VectorTable:
        return VectorTable(str(self.root / "vectors"))

    def materialize(self, run_config: dict | None = None) -> ExecuteInProcessResult:
        result = materialize(
            [records, embeddings, projection], resources=self.resources, instance=self.instance, run_config=run_config
        )
        assert result.success
        return result

    def query(self, sql: str) -> list[tuple]:
        return query(self.db, sql)

    def record_hashes(self) -> set[str]:
        return {h for (h,) in self.query("SELECT DISTINCT text_hash FROM records WHERE text_hash IS NOT NULL")}

    def points(self) -> dict[str, tuple]:
        rows = self.query("SELECT text_hash, x, y, layout_id, placed_by, placed_at FROM points")
        return {row[0]: row[1:] for row in rows}


@dataclass
class Stage:
    result: ExecuteInProcessResult
    hashes_before: set[str]
    hashes_after: set[str]
    points_before: dict[str, tuple]
    points_after: dict[str, tuple]
    records_with_text: int

    def meta(self, node: str) -> dict[str, Any]:
        (materialization,) = self.result.asset_materializations_for_node(node)
        return {key: value.value for key, value in materialization.metadata.items()}


def run_stage(world: World, run_config: dict | None = None) -> Stage:
    hashes, points = (world.record_hashes(), world.points()) if world.db.exists() else (set(), {})
    result = world.materialize(run_config)
    (with_text,) = world.query("SELECT count(*) FROM records WHERE text_hash IS NOT NULL")[0]
    return Stage(result, hashes, world.record_hashes(), points, world.points(), with_text)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path):
    root = tmp_path_factory.mktemp("assets")
    logs = root / "logs"
    shutil.copytree(samples_dir / "claude-code", logs, ignore=shutil.ignore_patterns(HELD_BACK))
    # Dagster builds a fresh Embedder for every run; hand them all the same loaded model.
    loaded: dict[tuple, TextEmbedder] = {}

    def shared(*args: Any, **kwargs: Any) -> TextEmbedder:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in loaded:
            loaded[key] = TextEmbedder(*args, **kwargs)
        return loaded[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resources, "TextEmbedder", shared)
        yield World(
            root=root,
            logs=logs,
            samples=samples_dir,
            resources={
                "sources": LogSources(paths=[str(logs)]),
                "record_store": resources.RecordStoreResource(database=str(root / "records.duckdb")),
                "vector_store": VectorStore(uri=str(root / "vectors")),
                "embedder": Embedder(model=MODEL),
                "layouts": Layouts(folder=str(root / "layouts"), random_state=0),
                "viewer": Viewer(url="http://127.0.0.1:8000/"),
            },
            instance=DagsterInstance.ephemeral(),
            models=loaded,
        )
    assert len(loaded) == 1  # one model for the whole module


@pytest.fixture(scope="module")
def first(world: World) -> Stage:
    return run_stage(world)


@pytest.fixture(scope="module")
def second(world: World, first: Stage) -> Stage:
    return run_stage(world)


@pytest.fixture(scope="module")
def grown(world: World, second: Stage) -> Stage:
    shutil.copyfile(world.samples / "claude-code" / HELD_BACK, world.logs / HELD_BACK)
    return run_stage(world)


@pytest.fixture(scope="module")
def refit(world: World, grown: Stage) -> Stage:
    return run_stage(world, REFIT)


def coords(points: dict[str, tuple], keys: list[str]) -> np.ndarray:
    return np.array([points[k][:2] for k in keys], dtype=np.float64)


# --- the first index --------------------------------------------------------------------------


def test_first_materialization_loads_embeds_and_places_everything(world: World, first: Stage) -> None:
    files = sorted(world.logs.rglob("*.jsonl"))
    want = expected_files(files)
    assert first.meta("records")["records_added"] == sum(want.values())
    assert first.meta("records")["files_new"] == len(files)
    assert dict(world.query("SELECT kind, count(*) FROM records GROUP BY kind")) == dict(want)

    hashes = first.hashes_after
    assert len(hashes) > 100
    table = world.vectors()
    assert table.count(MODEL) == len(hashes)
    assert table.text_hashes(MODEL) == hashes
    assert first.meta("embeddings")["texts_embedded"] == len(hashes)
    assert first.meta("embeddings")["texts_already_embedded"] == 0
    assert first.meta("embeddings")["precision"] == "fp32"

    assert set(first.points_after) == hashes
    assert first.meta("projection")["points_placed"] == len(hashes)
    assert first.meta("projection")["refit"] is True
    assert first.meta("projection")["method"] == "umap"
    xy = coords(first.points_after, sorted(hashes))
    assert np.all(np.isfinite(xy)) and xy.std(axis=0).min() > 0
    assert {p[2] for p in first.points_after.values()} == {first.meta("projection")["layout_id"]}


def test_every_record_with_text_has_a_vector_and_a_point(world: World, first: Stage) -> None:
    (missing,) = world.query(
        "SELECT count(*) FROM records LEFT JOIN points USING (text_hash) "
        "WHERE records.text_hash IS NOT NULL AND points.text_hash IS NULL"
    )[0]
    assert missing == 0
    # Each stored hash is the hash of the text the record is embedded as (none where there is none).
    rows = world.query("SELECT kind, text, tool_name, tool_args, is_error, text_hash FROM records")
    for kind, text, tool_name, tool_args, is_error, stored in rows:
        body = embed_text(kind, text, tool_name, tool_args, is_error)
        assert stored == (text_hash(body) if body else None)


def test_stored_vectors_are_the_model_vectors_of_their_texts(world: World, first: Stage) -> None:
    hashes, matrix = world.vectors().load_vectors(MODEL)
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    picked = sorted(hashes)[:: max(1, len(hashes) // 5)][:5]
    texts = {}
    for kind, text, tool_name, tool_args, is_error, key in world.query(
        "SELECT kind, text, tool_name, tool_args, is_error, text_hash FROM records WHERE text_hash IS NOT NULL"
    ):
        if key in picked:
            texts[key] = embed_text(kind, text, tool_name, tool_args, is_error)
    (model,) = world.models.values()  # the one the runs used, already loaded
    assert model.model_name == MODEL
    again = model.encode([texts[k] for k in picked])
    stored = matrix[[hashes.index(k) for k in picked]]
    assert np.all(np.sum(again * stored, axis=1) > 0.999)
    # ...and different texts got different vectors.
    assert np.sum(stored[0] * stored[1]) < 0.99


def test_projection_metadata_has_a_preview_image(first: Stage) -> None:
    meta = first.meta("projection")
    prefix = "![map preview](data:image/png;base64,"
    assert meta["preview"].startswith(prefix) and meta["preview"].endswith(")")
    png = base64.b64decode(meta["preview"][len(prefix) : -1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert sum(meta["points_by_kind"].values()) == first.records_with_text
    assert meta["dagster/row_count"] == len(first.points_after)


def test_each_step_reports_its_progress_as_observations_and_links_the_viewer(first: Stage) -> None:
    reports: dict[str, list[dict]] = {}
    for event in first.result.get_asset_observation_events():
        observation = event.asset_observation_data.asset_observation
        reports.setdefault(observation.asset_key.to_user_string(), []).append(
            {key: value.value for key, value in observation.metadata.items()}
        )
    records_done = reports["records"][-1]
    assert records_done["stage"] == "load" and records_done["unit"] == "files"
    assert records_done["done"] == records_done["total"] == first.meta("records")["files_read"]
    embedded = reports["embeddings"]
    assert embedded[0]["done"] == 0 and embedded[-1]["done"] == embedded[-1]["total"] == len(first.hashes_after)
    assert reports["projection"][-1]["done"] == first.meta("projection")["points_placed"]
    assert first.meta("projection")["viewer"] == "http://127.0.0.1:8000/"


# --- a repeat changes nothing -----------------------------------------------------------------


def test_second_materialization_embeds_and_moves_nothing(world: World, first: Stage, second: Stage) -> None:
    assert second.meta("records")["records_added"] == 0
    assert second.meta("records")["files_read"] == 0
    assert second.meta("embeddings")["texts_embedded"] == 0
    assert second.meta("embeddings")["texts_already_embedded"] == len(first.hashes_after)
    assert second.meta("projection")["points_placed"] == 0
    assert second.meta("projection")["points_moved"] == 0
    assert second.meta("projection")["refit"] is False
    assert second.points_after == first.points_after  # every column, placed_at included
    assert world.vectors().count(MODEL) == len(first.hashes_after)


# --- new logs arrive --------------------------------------------------------------------------


def test_new_logs_embed_only_new_texts_and_old_points_stay(world: World, second: Stage, grown: Stage) -> None:
    new = grown.hashes_after - grown.hashes_before
    assert new, "the added session should bring texts the map has not seen"
    assert grown.meta("records")["records_added"] == sum(expected_files([world.logs / HELD_BACK]).values())
    assert grown.meta("embeddings")["texts_embedded"] == len(new)
    assert grown.meta("projection")["points_placed"] == len(new)
    assert grown.meta("projection")["points_moved"] == 0
    assert grown.meta("projection")["refit"] is False
    assert world.vectors().count(MODEL) == len(grown.hashes_after)

    assert set(grown.points_after) == grown.hashes_after
    for key, old in second.points_after.items():
        assert grown.points_after[key] == old  # exact coordinates, layout, placement time
    layout = second.meta("projection")["layout_id"]
    for key in new:
        x, y, layout_id, placed_by, _ = grown.points_after[key]
        assert np.isfinite([x, y]).all() and layout_id == layout and placed_by == "transform"


# --- a full refit -----------------------------------------------------------------------------


def test_full_refit_keeps_the_points_and_aligns_onto_the_old_map(world: World, grown: Stage, refit: Stage) -> None:
    meta = refit.meta("projection")
    assert meta["refit"] is True
    assert refit.meta("embeddings")["texts_embedded"] == 0
    assert set(refit.points_after) == set(grown.points_after)
    assert meta["points_placed"] == len(grown.points_after)
    new_layout = meta["layout_id"]
    assert new_layout != grown.meta("projection")["layout_id"]
    assert {(p[2], p[3]) for p in refit.points_after.values()} == {(new_layout, "refit")}
    assert sorted(p.name for p in (world.root / "layouts").iterdir()) == [f"{new_layout}.json", f"{new_layout}.pkl"]

    keys = sorted(grown.points_after)
    old, new = coords(grown.points_after, keys), coords(refit.points_after, keys)
    moved = sum(1 for a, b in zip(old, new, strict=True) if not np.allclose(a, b))
    assert meta["points_moved"] == moved > 0

    # Aligned: no further scale, turn or shift brings the new map closer to the old one.
    scale, turn, shift = similarity_transform(new, old)
    span = float(np.ptp(old, axis=0).max())
    assert scale == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(turn, np.eye(2), atol=1e-6)
    np.testing.assert_allclose(shift, 0.0, atol=1e-6 * span)
    # Recognisable: the shapes agree far better than with the points shuffled.
    _, _, disparity = procrustes(old, new)
    shuffled = new[np.random.default_rng(0).permutation(len(new))]
    _, _, baseline = procrustes(old, shuffled)
    assert disparity < 0.5 * baseline
    # And the aligned coordinates sit where the old ones were, not just in the same shape.
    residual = np.sum((new - old) ** 2) / np.sum((old - old.mean(axis=0)) ** 2)
    assert residual < 0.5 * np.sum((shuffled - old) ** 2) / np.sum((old - old.mean(axis=0)) ** 2)


# --- the code location ------------------------------------------------------------------------


@pytest.fixture
def reloaded_definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import logviz_assets.defs.definitions as module

    monkeypatch.setenv("LOGVIZ_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOGVIZ_SOURCES", str(tmp_path / "logs"))
    yield importlib.reload(module)
    monkeypatch.undo()
    importlib.reload(module)


def test_definitions_have_the_load_and_index_jobs(reloaded_definitions, tmp_path: Path) -> None:
    defs = reloaded_definitions.defs
    load = defs.resolve_job_def("load")
    index = defs.resolve_job_def("index")
    assert index.executor_def.name == "in_process"
    assert load.executor_def.name == "in_process"
    assert {key.to_user_string() for key in load.asset_layer.executable_asset_keys} == {"records"}
    assert {key.to_user_string() for key in index.asset_layer.executable_asset_keys} == {"embeddings", "projection"}
    found = defs.resources
    assert found["record_store"].database == str(tmp_path / "home" / "records.duckdb")
    assert found["sources"].paths == [str(tmp_path / "logs")]
    assert found["vector_store"].uri.startswith(str(tmp_path / "home"))
    assert found["layouts"].folder.startswith(str(tmp_path / "home"))
