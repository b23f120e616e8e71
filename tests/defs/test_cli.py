"""The documented command line: `source scripts/env.sh`, then `dagster job execute` for load and index.

Each step runs in its own process, as a person would run it, on a temporary data folder and a
temporary copy of the Claude Code samples; the stores are then read directly (read-only).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus

from logviz_assets.index.vectors import VectorTable
from logviz_assets.settings import Settings
from tests.helpers.claude_code import expected_files
from tests.helpers.processes import REPO_ROOT
from tests.helpers.store import query


@dataclass
class Setup:
    home: Path
    logs: Path

    def __post_init__(self) -> None:
        self.dagster_home = self.home / "dagster"  # where scripts/env.sh puts Dagster's instance
        self.db = Settings(home=self.home).duckdb_path

    def job(self, name: str) -> subprocess.CompletedProcess:
        command = (
            f"source scripts/env.sh && dagster job execute -m logviz_assets.defs.definitions -j {shlex.quote(name)}"
        )
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env.update(LOGVIZ_HOME=str(self.home), LOGVIZ_SOURCES=str(self.logs))
        done = subprocess.run(
            ["bash", "-c", command], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    def query(self, sql: str) -> list[tuple]:
        return query(self.db, sql)

    def counts(self) -> dict[str, int]:
        return {
            table: self.query(f"SELECT count(*) FROM {table}")[0][0] for table in ("records", "files", "rejects")
        } | {"runs": self.query("SELECT count(*) FROM records WHERE kind = 'run'")[0][0]}

    def points(self) -> list[tuple]:
        return self.query("SELECT * FROM points ORDER BY text_hash")

    def hashes(self) -> set[str]:
        return {h for (h,) in self.query("SELECT DISTINCT text_hash FROM records WHERE text_hash IS NOT NULL")}

    def latest(self, asset: str) -> dict:
        with DagsterInstance.from_config(str(self.dagster_home)) as instance:
            event = instance.get_latest_materialization_event(AssetKey(asset))
            assert event is not None
            return {k: v.value for k, v in event.asset_materialization.metadata.items()}

    def runs(self) -> list[tuple[str, DagsterRunStatus]]:
        with DagsterInstance.from_config(str(self.dagster_home)) as instance:
            return [(run.job_name, run.status) for run in reversed(instance.get_runs())]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> Setup:
    root = tmp_path_factory.mktemp("cli")
    logs = root / "logs"
    shutil.copytree(samples_dir / "claude-code", logs)
    return Setup(home=root / "home", logs=logs)


@pytest.fixture(scope="module")
def loaded(setup: Setup) -> dict[str, int]:
    setup.job("load")
    return setup.counts()


@pytest.fixture(scope="module")
def loaded_again(setup: Setup, loaded: dict[str, int]) -> dict[str, int]:
    setup.job("load")
    return setup.counts()


@pytest.fixture(scope="module")
def indexed(setup: Setup, loaded_again: dict[str, int]) -> list[tuple]:
    setup.job("index")
    return setup.points()


@pytest.fixture(scope="module")
def indexed_again(setup: Setup, indexed: list[tuple]) -> list[tuple]:
    setup.job("index")
    return setup.points()


def test_env_script_puts_dagster_home_in_the_data_folder(setup: Setup, loaded: dict[str, int]) -> None:
    assert (setup.dagster_home / "dagster.yaml").read_text() == (REPO_ROOT / "dagster.yaml").read_text()
    assert setup.db.exists()
    assert setup.runs() == [("load", DagsterRunStatus.SUCCESS)]


def test_load_reads_the_samples(setup: Setup, loaded: dict[str, int]) -> None:
    files = sorted(setup.logs.rglob("*.jsonl"))
    want = expected_files(files)
    assert loaded == {"records": sum(want.values()), "files": len(files), "rejects": 0, "runs": want["run"]}
    sources = {Path(p) for (p,) in setup.query("SELECT DISTINCT source_file FROM records")}
    assert sources <= set(files)


def test_second_load_adds_nothing(setup: Setup, loaded: dict[str, int], loaded_again: dict[str, int]) -> None:
    assert loaded_again == loaded
    meta = setup.latest("records")
    assert meta["records_added"] == 0 and meta["files_read"] == 0
    assert meta["files_unchanged"] == loaded["files"]


def test_index_gives_every_text_a_vector_and_a_point(setup: Setup, indexed: list[tuple]) -> None:
    hashes = setup.hashes()
    assert hashes
    assert {row[0] for row in indexed} == hashes
    assert VectorTable(str(setup.home / "vectors.lance")).count() == len(hashes)
    assert setup.latest("embeddings")["texts_embedded"] == len(hashes)
    assert setup.latest("projection")["points_placed"] == len(hashes)


def test_second_index_changes_nothing(setup: Setup, indexed: list[tuple], indexed_again: list[tuple]) -> None:
    assert indexed_again == indexed  # every column of every point, placement time included
    assert setup.latest("embeddings")["texts_embedded"] == 0
    assert setup.latest("projection")["points_placed"] == 0
    assert setup.runs() == [
        ("load", DagsterRunStatus.SUCCESS),
        ("load", DagsterRunStatus.SUCCESS),
        ("index", DagsterRunStatus.SUCCESS),
        ("index", DagsterRunStatus.SUCCESS),
    ]
