"""Embedding failures in a Dagster run: transient ones retried with exponential backoff, permanent ones not.

The Index runs in process on a Dagster instance, with the real model behind a test-only
Embedder resource whose `encode` fails as a test plans (the model's own errors are injected
as `ConnectionError`s, which a real backend may raise). A model folder with a damaged file is
the permanent case. The stores hold an earlier complete index, and logs that arrived since,
so each test also checks that what was written before a failure is still there.

The tests run in file order: each leaves texts without vectors for the next.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    EventLogEntry,
    ExecuteInProcessResult,
    materialize,
)

from logviz_assets.defs import resources
from logviz_assets.defs.assets import EMBED_RETRY_POLICY, embeddings, projection, records
from logviz_assets.defs.resources import Embedder, Layouts, LogSources, VectorStore, Viewer
from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.index.vectors import VectorTable
from logviz_assets.settings import DEFAULT_MODEL_NAME, resolve_model_path
from tests.helpers.store import dump, query

pytestmark = pytest.mark.model

FIRST, LATER = "tool_heavy.jsonl", "agent-aac57f5.jsonl"
CHUNK_TEXTS = 6
INJECTED = "injected: the embedding backend went away"


@dataclass
class Plan:
    """Which calls of `encode` fail (1-based, counted over every attempt and run)."""

    failing: set[int] = field(default_factory=set)
    fail_after: int | None = None  # every call after this one fails
    calls: int = 0

    def fails(self) -> bool:
        self.calls += 1
        return self.calls in self.failing or (self.fail_after is not None and self.calls > self.fail_after)


PLAN = Plan()
MODEL: list[TextEmbedder] = []  # the real model, loaded once for the module


class FailingEncoder:
    """The real embedder, but `encode` raises where PLAN says."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        self.model_name, self.precision = inner.model_name, inner.precision

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        if PLAN.fails():
            raise ConnectionError(INJECTED)
        return self.inner.encode(texts)


class InjectedEmbedder(Embedder):
    """The Embedder resource, failing as PLAN says (test only)."""

    def embedder(self) -> FailingEncoder:  # type: ignore[override]
        if not MODEL:
            MODEL.append(TextEmbedder(self.model, self.batch_size))
        return FailingEncoder(MODEL[0])


@dataclass
class World:
    root: Path
    logs: Path
    resources: dict[str, Any]
    instance: DagsterInstance

    @property
    def db(self) -> Path:
        return self.root / "records.duckdb"

    def index(self, embedder: Embedder | None = None) -> ExecuteInProcessResult:
        found = {**self.resources, **({"embedder": embedder} if embedder else {})}
        return materialize([embeddings, projection], resources=found, instance=self.instance, raise_on_error=False)

    def state(self) -> dict[str, Any]:
        """Records, files, rejects, vectors and points as they are now."""
        table = VectorTable(str(self.root / "vectors"))._table()
        rows = table.to_arrow().to_pylist() if table is not None else []
        return {
            "tables": dump(self.db),
            "vectors": {row["key"]: np.array(row["vector"]) for row in rows},
            "points": query(self.db, "SELECT text_hash, x, y, layout_id, placed_by, placed_at FROM points"),
        }

    def events(self, result: ExecuteInProcessResult, kind: DagsterEventType) -> list[EventLogEntry]:
        """The run's events of one kind, as stored (with their times)."""
        return list(self.instance.all_logs(result.run_id, of_type=kind))

    def missing(self) -> int:
        wanted = {h for (h,) in query(self.db, "SELECT DISTINCT text_hash FROM records WHERE text_hash IS NOT NULL")}
        return len(wanted - VectorTable(str(self.root / "vectors")).text_hashes(DEFAULT_MODEL_NAME))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> World:
    """A complete index of one session, then a second session loaded and not yet indexed."""
    root = tmp_path_factory.mktemp("embed-failures")
    logs = root / "logs"
    logs.mkdir()
    shutil.copyfile(samples_dir / "claude-code" / FIRST, logs / FIRST)
    found = {
        "sources": LogSources(paths=[str(logs)], load_workers=1),
        "record_store": resources.RecordStoreResource(database=str(root / "records.duckdb")),
        "vector_store": VectorStore(uri=str(root / "vectors")),
        "embedder": InjectedEmbedder(model=DEFAULT_MODEL_NAME, chunk_texts=CHUNK_TEXTS),
        "layouts": Layouts(folder=str(root / "layouts"), random_state=0),
        "viewer": Viewer(url="http://127.0.0.1:8000/"),
    }
    world = World(root, logs, found, DagsterInstance.ephemeral())
    assert materialize([records, embeddings, projection], resources=found, instance=world.instance).success
    shutil.copyfile(samples_dir / "claude-code" / LATER, logs / LATER)
    assert materialize([records], resources=found, instance=world.instance).success
    assert world.missing() > 2 * CHUNK_TEXTS
    return world


def step_failure(result: ExecuteInProcessResult) -> tuple[str, dict[str, Any]]:
    """The embeddings step's failure: its error text (causes included) and the Failure's metadata."""
    (event,) = [e for e in result.all_node_events if e.is_step_failure]
    data = event.step_failure_data
    text, error = [], data.error
    while error is not None:
        text.append(f"{error.cls_name}: {error.message}")
        error = error.cause
    metadata = {k: v.value for k, v in data.user_failure_data.metadata.items()} if data.user_failure_data else {}
    return "\n".join(text), metadata


@pytest.fixture
def broken_model(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The bundled model folder with one damaged file (the big weights linked, not copied)."""
    damaged, content = request.param
    source = Path(resolve_model_path(DEFAULT_MODEL_NAME))
    folder = tmp_path / "model"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    os.symlink(source / "model.safetensors", folder / "model.safetensors")
    (folder / damaged).unlink()
    (folder / damaged).write_bytes(content)
    return folder


@pytest.mark.parametrize(
    ("broken_model", "error_type"),
    [(("modules.json", b"[{"), "JSONDecodeError"), (("model.safetensors", b"\0" * 64), "SafetensorError")],
    indirect=["broken_model"],
    ids=["json", "weights"],
)
def test_a_model_that_cannot_load_fails_at_once_and_names_the_setting(
    world: World, broken_model: Path, error_type: str
) -> None:
    before = world.state()
    result = world.index(Embedder(model=str(broken_model), chunk_texts=CHUNK_TEXTS))

    assert not result.success
    assert not world.events(result, DagsterEventType.STEP_UP_FOR_RETRY), "a permanent failure was retried"
    text, metadata = step_failure(result)
    assert str(broken_model) in text and "LOGVIZ_MODEL" in text and error_type in text
    assert metadata["permanent"] is True and metadata["model_path"] == str(broken_model)
    assert metadata["setting"] == "LOGVIZ_MODEL" and metadata["error_type"] == error_type
    after = world.state()
    assert after["tables"] == before["tables"] and after["points"] == before["points"]
    assert after["vectors"].keys() == before["vectors"].keys()


def test_a_lasting_embedding_error_is_retried_with_backoff_then_fails_clearly(world: World) -> None:
    before, missing = world.state(), world.missing()
    PLAN.calls, PLAN.fail_after = 0, 1  # the first chunk is embedded; every later encode fails
    try:
        result = world.index()
    finally:
        PLAN.fail_after = None

    assert not result.success
    retries = world.events(result, DagsterEventType.STEP_UP_FOR_RETRY)
    waits = [e.dagster_event.event_specific_data.seconds_to_wait for e in retries]
    policy = EMBED_RETRY_POLICY
    assert waits == [policy.calculate_delay(n) for n in range(1, policy.max_retries + 1)] == [2, 6, 14]
    # ...and the run did wait that long between attempts.
    restarts = world.events(result, DagsterEventType.STEP_RESTARTED)
    assert len(restarts) == len(retries)
    for retry, restart, wait in zip(retries, restarts, waits, strict=True):
        assert restart.timestamp - retry.timestamp >= wait - 0.5
    first_error = retries[0].dagster_event.event_specific_data.error
    assert INJECTED in str(first_error.to_string()) and "attempt 1 of 4" in str(first_error.to_string())

    text, metadata = step_failure(result)
    assert "Exceeded max_retries of 3" in text and INJECTED in text and "ConnectionError" in text
    assert "No attempts are left" in text and "The vectors written before this failure stay" in text
    assert metadata["permanent"] is False and metadata["attempt"] == 4
    assert metadata["error_type"] == "ConnectionError" and metadata["texts_to_embed"] == missing - CHUNK_TEXTS
    assert not world.events(result, DagsterEventType.ASSET_MATERIALIZATION)  # projection did not run on a failure

    # Earlier data intact: the tables and points as they were, every earlier vector unchanged,
    # plus the one chunk embedded before the error began.
    after = world.state()
    assert after["tables"] == before["tables"] and after["points"] == before["points"]
    for key, vector in before["vectors"].items():
        np.testing.assert_array_equal(after["vectors"][key], vector)
    assert len(after["vectors"]) == len(before["vectors"]) + CHUNK_TEXTS
    assert world.missing() == missing - CHUNK_TEXTS


def test_passing_embedding_errors_are_retried_and_the_index_completes(world: World) -> None:
    before, missing = world.state(), world.missing()
    assert missing > 0
    PLAN.calls, PLAN.failing = 0, {1, 2}  # the first two attempts fail on their first chunk
    try:
        result = world.index()
    finally:
        PLAN.failing = set()

    assert result.success
    retries = world.events(result, DagsterEventType.STEP_UP_FOR_RETRY)
    assert [e.dagster_event.event_specific_data.seconds_to_wait for e in retries] == [2, 6]
    embedded = result.asset_materializations_for_node("embeddings")[0].metadata
    assert embedded["texts_embedded"].value == missing and embedded["batches"].value >= 1
    assert world.missing() == 0
    after = world.state()
    assert after["tables"] == before["tables"]
    old_points = {row[0]: row for row in before["points"]}
    new_points = {row[0]: row for row in after["points"]}
    assert {h: new_points[h] for h in old_points} == old_points  # placed points do not move
    assert len(new_points) == len(after["vectors"])
