"""Runs whose worker died: found by process id, marked ended, their pool slots freed (no daemon here).

The runs are records in a real SQLite instance (pools need one), each with the engine event
a run worker writes when it starts; the worker processes are real processes of this test.
The end-to-end case, with the real daemon and a real `kill -9`, is test_killed_run_frees_its_slot.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    SkipReason,
    build_sensor_context,
)
from dagster._core.events import EngineEventData

from logviz_assets.defs.assets import DUCKDB_POOL, LANCEDB_POOL
from logviz_assets.defs.run_workers import end_runs_without_worker, process_alive, worker_pid
from logviz_assets.defs.sensors import dead_run_workers
from tests.helpers.processes import REPO_ROOT


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as real:
        yield real


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that ran and ended (reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def zombie() -> Iterator[int]:
    """A child killed and not yet reaped: its pid still exists, as a zombie."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    os.kill(child.pid, signal.SIGKILL)
    time.sleep(0.3)
    yield child.pid
    child.wait()


def add_run(
    instance: DagsterInstance, status: DagsterRunStatus, pid: int | None, pool: str | None = None
) -> DagsterRun:
    """A run as its worker leaves it: status, the pid event, and a claimed slot in `pool`."""
    run = instance.add_run(DagsterRun(job_name="load", run_id=str(uuid.uuid4()), status=status))
    if pid is not None:
        instance.report_engine_event(f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid))
        # A later pid (a step process of the multiprocess executor, say) is not the worker's.
        instance.report_engine_event("step process", run, EngineEventData.in_process(os.getpid()))
    if pool is not None:
        instance.event_log_storage.set_concurrency_slots(pool, 1)
        assert instance.event_log_storage.claim_concurrency_slot(pool, run.run_id, "records").is_claimed
    return run


def holders(instance: DagsterInstance, pool: str) -> list[str]:
    return [slot.run_id for slot in instance.event_log_storage.get_concurrency_info(pool).claimed_slots]


def status(instance: DagsterInstance, run: DagsterRun) -> DagsterRunStatus:
    found = instance.get_run_by_id(run.run_id)
    assert found is not None
    return found.status


def test_a_process_is_alive_only_while_it_runs_and_is_the_same_process(dead_pid: int, zombie: int) -> None:
    now = time.time()
    assert process_alive(os.getpid(), now)
    assert not process_alive(dead_pid, now)
    assert not process_alive(zombie, now)
    # This process started after that moment: its pid then belonged to another, now gone.
    assert not process_alive(os.getpid(), now - 3600)


def test_the_worker_pid_is_the_first_one_reported(instance: DagsterInstance, dead_pid: int) -> None:
    run = add_run(instance, DagsterRunStatus.STARTED, dead_pid)
    found = worker_pid(instance, run.run_id)
    assert found is not None and found[0] == dead_pid and abs(found[1] - time.time()) < 60
    assert worker_pid(instance, add_run(instance, DagsterRunStatus.STARTED, None).run_id) is None


def test_runs_whose_worker_died_end_and_give_their_slots_back(instance: DagsterInstance, dead_pid: int) -> None:
    dead = add_run(instance, DagsterRunStatus.STARTED, dead_pid, DUCKDB_POOL)
    canceling = add_run(instance, DagsterRunStatus.CANCELING, dead_pid, LANCEDB_POOL)
    alive = add_run(instance, DagsterRunStatus.STARTED, os.getpid())
    unnamed = add_run(instance, DagsterRunStatus.STARTED, None)
    finished = add_run(instance, DagsterRunStatus.SUCCESS, dead_pid)
    logged: list[str] = []

    ended = end_runs_without_worker(instance, log=logged.append)

    assert {(r.run_id, r.status) for r in ended} == {
        (dead.run_id, DagsterRunStatus.FAILURE),
        (canceling.run_id, DagsterRunStatus.CANCELED),
    }
    assert status(instance, dead) == DagsterRunStatus.FAILURE
    assert status(instance, canceling) == DagsterRunStatus.CANCELED
    assert holders(instance, DUCKDB_POOL) == [] and holders(instance, LANCEDB_POOL) == []
    for untouched, was in ((alive, "STARTED"), (unnamed, "STARTED"), (finished, "SUCCESS")):
        assert status(instance, untouched).value == was
    assert len(logged) == 2 and all(f"worker process {dead_pid} is gone" in line for line in logged)
    failure = instance.get_records_for_run(dead.run_id, of_type=DagsterEventType.RUN_FAILURE).records[0]
    assert f"The run worker (pid {dead_pid}) ended without reporting an end" in failure.event_log_entry.message
    # A second pass finds nothing more to do.
    assert end_runs_without_worker(instance) == []


def test_a_live_worker_keeps_its_run_and_its_slot(instance: DagsterInstance) -> None:
    run = add_run(instance, DagsterRunStatus.STARTED, os.getpid(), DUCKDB_POOL)
    assert end_runs_without_worker(instance) == []
    assert status(instance, run) == DagsterRunStatus.STARTED and holders(instance, DUCKDB_POOL) == [run.run_id]


def test_the_sensor_reports_what_it_ended(instance: DagsterInstance, dead_pid: int) -> None:
    run = add_run(instance, DagsterRunStatus.STARTED, dead_pid, DUCKDB_POOL)
    result = dead_run_workers(build_sensor_context(instance=instance))
    assert isinstance(result, SkipReason) and run.run_id in (result.skip_message or "")
    again = dead_run_workers(build_sensor_context(instance=instance))
    assert isinstance(again, SkipReason) and again.skip_message == "every started run has a live worker"
    assert dead_run_workers.default_status == DefaultSensorStatus.RUNNING and not dead_run_workers.targets


def test_the_instance_config_frees_slots_of_ended_runs(instance: DagsterInstance) -> None:
    assert instance.run_monitoring_enabled
    assert 0 < instance.run_monitoring_settings["free_slots_after_run_end_seconds"] <= 60
    assert "MONITORING" in instance.get_required_daemon_types()
