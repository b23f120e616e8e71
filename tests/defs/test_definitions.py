"""The code location Dagster loads: it validates, and the graph has the shape DESIGN.md describes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dagster import AssetKey, Backoff, DagsterInstance, DefaultSensorStatus

from logviz_assets.defs.definitions import defs
from logviz_assets.settings import Settings
from tests.helpers.processes import REPO_ROOT

DAGSTER = REPO_ROOT / ".venv" / "bin" / "dagster"


@pytest.fixture
def dagster_env(tmp_path: Path) -> dict[str, str]:
    """The environment `source scripts/env.sh` gives, pointed at a temporary data folder."""
    home = tmp_path / "home"
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    (tmp_path / "logs").mkdir()
    return {
        **os.environ,
        "LOGVIZ_HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "LOGVIZ_SOURCES": str(tmp_path / "logs"),
    }


def validate(workspace: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DAGSTER), "definitions", "validate", "-w", str(workspace)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_workspace_validates(dagster_env: dict[str, str]) -> None:
    done = validate(REPO_ROOT / "workspace.yaml", dagster_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "logviz" in done.stdout + done.stderr


def test_validate_fails_on_a_broken_location(dagster_env: dict[str, str], tmp_path: Path) -> None:
    # The control for the test above: validation really loads the module.
    broken = tmp_path / "workspace.yaml"
    broken.write_text(
        (REPO_ROOT / "workspace.yaml")
        .read_text()
        .replace("logviz_assets.defs.definitions", "logviz_assets.no_such_module")
    )
    assert validate(broken, dagster_env).returncode != 0


def test_assets_and_their_dependencies() -> None:
    graph = defs.resolve_asset_graph()
    assert graph.get_all_asset_keys() == {AssetKey("records"), AssetKey("embeddings"), AssetKey("projection")}
    assert set(graph.get(AssetKey("records")).parent_keys) == set()
    assert set(graph.get(AssetKey("embeddings")).parent_keys) == {AssetKey("records")}
    assert set(graph.get(AssetKey("projection")).parent_keys) == {AssetKey("embeddings")}


def test_jobs() -> None:
    load = defs.resolve_job_def("load")
    index = defs.resolve_job_def("index")
    assert {k.to_user_string() for k in load.asset_layer.executable_asset_keys} == {"records"}
    assert {k.to_user_string() for k in index.asset_layer.executable_asset_keys} == {"embeddings", "projection"}
    assert index.executor_def.name == "in_process"  # model and UMAP code loaded once per run


def test_sensor() -> None:
    sensor = defs.resolve_sensor_def("new_log_files")
    assert sensor.job_name == "load"
    assert sensor.default_status == DefaultSensorStatus.RUNNING
    assert sensor.required_resource_keys == {"sources"}


def test_embeddings_retry_with_exponential_backoff() -> None:
    policy = defs.resolve_assets_def("embeddings").op.retry_policy
    assert policy is not None
    assert policy.backoff == Backoff.EXPONENTIAL
    assert policy.max_retries >= 1 and policy.delay and policy.delay > 0


def test_writers_share_one_pool_per_store() -> None:
    pools = {key: defs.resolve_assets_def(key).op.pool for key in ("records", "embeddings", "projection")}
    assert pools == {"records": "duckdb_writer", "embeddings": "lancedb_writer", "projection": "duckdb_writer"}


def test_instance_config_limits_each_pool_to_one_and_queues_runs(dagster_env: dict[str, str]) -> None:
    instance = DagsterInstance.from_config(dagster_env["DAGSTER_HOME"])
    try:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    finally:
        instance.dispose()


def test_resources_are_configured_from_the_environment() -> None:
    assert set(defs.resources) == {"sources", "record_store", "vector_store", "embedder", "layouts", "viewer"}
    settings = Settings.from_environment()
    assert defs.resources["viewer"].url == settings.viewer_url
    assert defs.resources["sources"].redact == settings.redact
    tagged = defs.resources["sources"].redaction_key
    assert tagged == (str(settings.redaction_key_path) if settings.redact_tags else None)
