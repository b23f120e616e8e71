"""`kill -9` during Load and during Index, then run again: the stores end as a clean run leaves them.

Each Load and Index runs in its own process (tests/helpers/crash_runner.py), as a Dagster run
worker would, over a small corpus from ../shared/samples with a damaged session (for rejects).
The process SIGKILLs itself at a chosen point: inside a DuckDB transaction, between batches,
part way through embedding, between saving a layout and writing its points, before old layouts
are pruned. After the last kill the operation runs to its end, and every table (minus load
times), every vector and every point is compared with a clean run on a fresh folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from logviz_assets.index.vectors import VectorTable
from logviz_assets.settings import Settings
from tests.helpers.crash_runner import KILLED_AT
from tests.helpers.processes import REPO_ROOT
from tests.helpers.samples import clone_session
from tests.helpers.store import dump, query

pytestmark = pytest.mark.model

FORMATS = ("gemini-cli", "langfuse", "langsmith", "openhands", "otel-genai", "swe-agent")
CLAUDE_FILES = ("tool_heavy.jsonl", "agent-aac57f5.jsonl")
DAMAGED_SESSION = "0b4d3c1e-5a7f-4c2e-9d1b-000000000014"
RUN_SECONDS = 300


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> Path:
    """Several formats, two Claude Code sessions, and one session with broken lines in it."""
    root = tmp_path_factory.mktemp("kill-corpus") / "logs"
    for name in FORMATS:
        shutil.copytree(samples_dir / name, root / name)
    for name in CLAUDE_FILES:
        (root / "claude-code").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(samples_dir / "claude-code" / name, root / "claude-code" / name)
    staged = clone_session(samples_dir / "claude-code" / CLAUDE_FILES[0], DAMAGED_SESSION, root.parent / "staging")
    lines = staged.read_text(encoding="utf-8").splitlines(keepends=True)
    damaged = [*lines[:5], "{not json at all\n", *lines[5:12], '{"type": "assistant", "message": \n', *lines[12:]]
    (root / "damaged").mkdir()
    (root / "damaged" / staged.name).write_text("".join(damaged), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # numba (UMAP) keeps its compiled code here, so only the first process compiles it.
    cache = tmp_path_factory.mktemp("numba-cache")
    variables = {k: v for k, v in os.environ.items() if not k.startswith("LOGVIZ_")}
    return {**variables, "NUMBA_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@dataclass
class Outcome:
    killed: bool
    passed: dict[str, int]  # the points a run that was not killed went through, by name
    output: str


def run(operation: str, home: Path, corpus: Path, env: dict[str, str], kill_at: str | None = None) -> Outcome:
    args = [sys.executable, "-m", "tests.helpers.crash_runner", operation, str(home), str(corpus)]
    if kill_at:
        args += ["--kill-at", kill_at]
    done = subprocess.run(args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=RUN_SECONDS)
    output = done.stdout + done.stderr
    if done.returncode == -signal.SIGKILL:
        assert f"{KILLED_AT} {kill_at}" in done.stdout, output[-3000:]
        return Outcome(True, {}, output)
    assert done.returncode == 0, output[-3000:]
    return Outcome(False, json.loads(done.stdout.strip().splitlines()[-1]), output)


@dataclass
class Stores:
    tables: dict[str, list[tuple]]
    vectors: dict[str, tuple[str, str, str, np.ndarray]]  # key → (text hash, model, text, vector)
    points: dict[str, tuple[float, float, str, str]]  # text hash → (x, y, placed by, layout id)
    layouts: list[str]


def stores(home: Path) -> Stores:
    settings = Settings(home=home)
    db = settings.duckdb_path
    table = VectorTable(str(settings.lancedb_path))._table()
    data = table.to_arrow().to_pylist() if table is not None else []
    vectors = {row["key"]: (row["text_hash"], row["model"], row["text"], np.array(row["vector"])) for row in data}
    assert len(vectors) == len(data), "a vector key is stored twice"
    rows = query(db, "SELECT text_hash, x, y, placed_by, layout_id FROM points")
    points = {h: (x, y, by, layout) for h, x, y, by, layout in rows}
    layouts = sorted(p.name for p in settings.layouts_path.iterdir()) if settings.layouts_path.exists() else []
    return Stores(dump(db), vectors, points, layouts)


@dataclass
class Clean:
    stores: Stores
    load_statements: int
    index_statements: int


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, corpus: Path, env: dict[str, str]) -> Clean:
    home = tmp_path_factory.mktemp("clean")
    loaded = run("load", home, corpus, env)
    indexed = run("index", home, corpus, env)
    result = stores(home)
    assert result.tables["rejects"], "the damaged session should give rejects"
    assert len(result.points) > 100 and loaded.passed["sql"] > 20
    return Clean(result, loaded.passed["sql"], indexed.passed["sql"])


def assert_same_tables(got: Stores, want: Stores) -> None:
    for name in ("records", "files", "rejects"):
        assert got.tables[name] == want.tables[name], f"table {name} differs from a clean load"
    ids = [row[0] for row in got.tables["records"]]
    assert len(ids) == len(set(ids))


# --- Load -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kills",
    [[0.1], [0.5], [0.97], [0.6, 0.1]],
    ids=["early", "half-way", "last-batch", "twice"],
)
def test_load_killed_then_run_again_equals_a_clean_load(
    kills: list[float], tmp_path: Path, corpus: Path, env: dict[str, str], clean: Clean
) -> None:
    home = tmp_path / "home"
    for fraction in kills:
        # The k-th statement of a clean load: spread over its batches and inside their transactions.
        point = f"sql:{max(1, round(fraction * clean.load_statements))}"
        assert run("load", home, corpus, env, point).killed, f"the load ended before {point}"
    finished = run("load", home, corpus, env)
    assert not finished.killed
    assert_same_tables(stores(home), clean.stores)
    # And a further load finds nothing to do.
    run("load", home, corpus, env)
    assert_same_tables(stores(home), clean.stores)


# --- Index ------------------------------------------------------------------------------------


def test_index_killed_at_several_points_then_run_again_equals_a_clean_index(
    tmp_path: Path, corpus: Path, env: dict[str, str], clean: Clean
) -> None:
    home = tmp_path / "home"
    run("load", home, corpus, env)
    chain = [
        "encode:2",  # the first chunk of vectors is written, the second is being embedded
        # Before the commit of the points: they are deleted and inserted, not committed, and
        # the new reducer they were placed by is saved but used by no point.
        f"sql:{clean.index_statements}",
        "before-prune",  # points committed; the reducers of the killed runs still on disk
    ]
    for point in chain:
        assert run("index", home, corpus, env, point).killed, f"the index ended before {point}"
        partial = stores(home)
        assert set(partial.points) <= {row[0] for row in partial.vectors.values()}
    assert not run("index", home, corpus, env).killed
    got, want = stores(home), clean.stores

    assert_same_tables(got, want)
    assert sorted(got.vectors) == sorted(want.vectors)
    for key, (text_hash, model, text, vector) in want.vectors.items():
        assert got.vectors[key][:3] == (text_hash, model, text)
        np.testing.assert_allclose(got.vectors[key][3], vector, atol=1e-5)

    assert set(got.points) == set(want.points)
    hashes = sorted(want.points)
    got_xy = np.array([got.points[h][:2] for h in hashes])
    want_xy = np.array([want.points[h][:2] for h in hashes])
    span = float(np.ptp(want_xy, axis=0).max())
    np.testing.assert_allclose(got_xy, want_xy, atol=1e-6 * span)
    assert {p[2] for p in got.points.values()} == {p[2] for p in want.points.values()}
    (layout_id,) = {p[3] for p in got.points.values()}
    assert got.layouts == [f"{layout_id}.json", f"{layout_id}.pkl"], "reducers of killed runs were left behind"
