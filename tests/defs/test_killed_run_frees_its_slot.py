"""A run killed while it holds its pool slot does not block the next run: the real daemon frees it.

One module-scoped `dagster-daemon` runs over a temporary DAGSTER_HOME holding the repo's
dagster.yaml, with a code location (tests/helpers/gated_definitions.py) whose `records` step
waits inside its body while a gate file exists, so the slot is held until the test kills
the run's worker with SIGKILL. Then a new `load`, launched through the run queue as the API
and the UI launch them, must succeed within a bounded time with no one freeing anything by hand:

- a worker the daemon's code server launched: the code server marks the run failed, and
  run monitoring (`free_slots_after_run_end_seconds`) frees the slot;
- a `dagster job execute` killed: nothing sees it die and the run stays STARTED; the
  `dead_run_workers` sensor marks it failed and frees the slot.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from logviz_assets.defs.assets import DUCKDB_POOL
from logviz_assets.defs.run_workers import worker_pid
from tests.helpers.gated_definitions import GATE_VARIABLE, HELD_MESSAGE
from tests.helpers.processes import BIN, REPO_ROOT, Services, dagster_home, start_service, wait_for
from tests.helpers.store import duck_count

pytestmark = pytest.mark.e2e

# From the kill to the next run's success: slot freed (monitoring polls every 10 s and frees
# 10 s after a run's end; the sensor runs every 15 s), the queue launches the run, its worker
# starts (imports torch) and loads.
RECOVERY_SECONDS = 180
HOLD_SECONDS = 180  # for a launched run to reach its step and hold the slot


@dataclass
class Daemon:
    services: Services
    home: Path
    workspace: Path
    env: dict[str, str]
    gate: Path  # holds the runs the daemon launches, while it exists

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    def instance(self) -> DagsterInstance:
        return DagsterInstance.from_config(str(self.dagster_home))

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BIN / "dagster"), *args], cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    def launch_load(self) -> str:
        """A `load` run submitted to the run queue (QUEUED until the daemon launches it)."""
        run_id = str(uuid.uuid4())
        self.cli("job", "launch", "-w", str(self.workspace), "-j", "load", "--run-id", run_id)
        return run_id

    def run(self, run_id: str) -> DagsterRun:
        with self.instance() as instance:
            run = instance.get_run_by_id(run_id)
        assert run is not None, f"no run {run_id}"
        return run

    def slot_holders(self) -> list[str]:
        with self.instance() as instance:
            info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
        return [slot.run_id for slot in info.claimed_slots]

    def wait_holding(self, run_id: str) -> int:
        """Wait until `run_id` is STARTED and holds the DuckDB slot; its worker's pid."""

        def holding() -> int | None:
            self.services.check_alive()
            if run_id not in self.slot_holders() or self.run(run_id).status != DagsterRunStatus.STARTED:
                return None
            with self.instance() as instance:
                found = worker_pid(instance, run_id)
            return found[0] if found else None

        return wait_for(holding, HOLD_SECONDS, f"run {run_id} to hold the {DUCKDB_POOL} slot", interval=1.0)

    def wait_success(self, run_id: str) -> DagsterRun:
        def ended() -> DagsterRun | None:
            self.services.check_alive()
            run = self.run(run_id)
            return run if run.is_finished else None

        try:
            run = wait_for(ended, RECOVERY_SECONDS, f"run {run_id} to end", interval=1.0)
        except AssertionError as err:
            raise AssertionError(f"{err}\nslot held by {self.slot_holders()}\n{self.services.tails()}") from err
        assert run.status == DagsterRunStatus.SUCCESS, f"run {run_id} ended {run.status}\n{self.failure(run_id)}"
        return run

    def failure(self, run_id: str) -> str:
        with self.instance() as instance:
            events = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
        return "\n".join(event.message or "" for event in events)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> Iterator[Daemon]:
    root = tmp_path_factory.mktemp("killed-run")
    home = dagster_home(root)
    logs = root / "logs"
    logs.mkdir()
    shutil.copyfile(samples_dir / "claude-code" / "tool_heavy.jsonl", logs / "tool_heavy.jsonl")
    workspace = root / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        "  - python_module:\n"
        "      module_name: tests.helpers.gated_definitions\n"
        "      location_name: logviz\n"
        f"      working_directory: {REPO_ROOT}\n"
    )
    gate = root / "gate"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGVIZ_", "DAGSTER_"))}
    env.update(
        LOGVIZ_HOME=str(home),
        DAGSTER_HOME=str(home / "dagster"),
        LOGVIZ_SOURCES=str(logs),
        LOGVIZ_LOAD_WORKERS="1",
        NUMBA_CACHE_DIR=str(root / "numba-cache"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **{GATE_VARIABLE: str(gate)},
    )
    services = Services()
    daemon = Daemon(services, home, workspace, env, gate)
    daemon.cli("instance", "migrate")
    try:
        services.add(
            start_service(
                "dagster-daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], env, root / "service-logs"
            )
        )
        yield daemon
    finally:
        services.stop()


def test_worker_killed_under_the_daemon_does_not_block_the_next_load(daemon: Daemon) -> None:
    daemon.gate.touch()
    held = daemon.launch_load()
    pid = daemon.wait_holding(held)

    os.kill(pid, signal.SIGKILL)
    daemon.gate.unlink()
    after = daemon.launch_load()

    daemon.wait_success(after)
    assert daemon.run(held).status == DagsterRunStatus.FAILURE
    assert daemon.slot_holders() == []
    assert duck_count(daemon.home / "records.duckdb") > 0


def test_killed_dagster_job_execute_does_not_block_the_next_load(daemon: Daemon, tmp_path: Path) -> None:
    # Its own gate: the runs the daemon launches are not held.
    gate = tmp_path / "gate"
    gate.touch()
    tag = str(uuid.uuid4())
    command = ["job", "execute", "-m", "tests.helpers.gated_definitions", "-j", "load"]
    log = (tmp_path / "execute.log").open("wb")
    execute = subprocess.Popen(
        [str(BIN / "dagster"), *command, "--tags", json.dumps({"logviz/test": tag})],
        cwd=REPO_ROOT,
        env={**daemon.env, GATE_VARIABLE: str(gate)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def started_run() -> str | None:
            assert execute.poll() is None, (tmp_path / "execute.log").read_text()
            with daemon.instance() as instance:
                runs = instance.get_runs(filters=RunsFilter(tags={"logviz/test": tag}))
            return runs[0].run_id if runs else None

        held = wait_for(started_run, HOLD_SECONDS, "dagster job execute to start its run")
        pid = daemon.wait_holding(held)
        assert pid == execute.pid
        assert HELD_MESSAGE in (tmp_path / "execute.log").read_text()
    finally:
        # The whole session: the command and any process it started.
        os.killpg(execute.pid, signal.SIGKILL)
        execute.wait(timeout=30)
        log.close()
    assert daemon.run(held).status == DagsterRunStatus.STARTED  # no one saw it die
    after = daemon.launch_load()

    daemon.wait_success(after)
    assert daemon.run(held).status == DagsterRunStatus.FAILURE
    assert f"The run worker (pid {pid}) ended without reporting an end" in daemon.failure(held)
    assert daemon.slot_holders() == []
