"""The `new_log_files` sensor, evaluated against a real (ephemeral) Dagster instance."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    RunRequest,
    SkipReason,
    build_sensor_context,
)
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteRepositoryOrigin

from logviz_assets.defs.resources import LogSources
from logviz_assets.defs.sensors import new_log_files

LINE = '{"type":"user","sessionId":"s1","message":{"role":"user","content":"hello"}}\n'


@pytest.fixture
def instance() -> DagsterInstance:
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    (folder / "project").mkdir(parents=True)
    (folder / "project" / "a.jsonl").write_text(LINE * 3)
    (folder / "b.jsonl").write_text(LINE)
    return folder


def tick(instance: DagsterInstance, logs: Path, cursor: str | None) -> tuple[RunRequest | SkipReason, str | None]:
    """One sensor evaluation: (what it returned, the cursor it left)."""
    context = build_sensor_context(
        instance=instance, cursor=cursor, resources={"sources": LogSources(paths=[str(logs)])}
    )
    result = new_log_files(context)
    return result, context.cursor


def add_run(
    instance: DagsterInstance, job_name: str, status: DagsterRunStatus, tags: dict[str, str] | None = None
) -> str:
    """A run record as the webserver or daemon would leave it (queued runs must name their code location)."""
    origin = RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("logviz"), "__repository__").get_job_origin(job_name)
    run_id = str(uuid.uuid4())
    instance.add_run(
        DagsterRun(job_name=job_name, run_id=run_id, status=status, remote_job_origin=origin, tags=tags or {})
    )
    return run_id


def test_sensor_targets_the_load_job() -> None:
    assert new_log_files.job_name == "load"


def test_first_tick_requests_a_load_and_the_same_state_skips(instance: DagsterInstance, logs: Path) -> None:
    first, cursor = tick(instance, logs, None)
    assert isinstance(first, RunRequest)
    assert first.run_key
    assert first.tags["logviz/files"] == "2"
    assert cursor is not None
    state = json.loads(cursor)
    assert state["files"] == 2 and state["bytes"] == 4 * len(LINE)

    again, cursor_again = tick(instance, logs, cursor)
    assert isinstance(again, SkipReason)
    assert cursor_again == cursor


def test_each_change_requests_a_new_run_key(instance: DagsterInstance, logs: Path) -> None:
    keys = []
    result, cursor = tick(instance, logs, None)
    keys.append(result.run_key)

    with (logs / "b.jsonl").open("a") as handle:  # grown
        handle.write(LINE)
    result, cursor = tick(instance, logs, cursor)
    assert isinstance(result, RunRequest)
    keys.append(result.run_key)

    (logs / "deeper" / "c.jsonl").parent.mkdir()
    (logs / "deeper" / "c.jsonl").write_text(LINE)  # arrived
    result, cursor = tick(instance, logs, cursor)
    assert isinstance(result, RunRequest) and result.tags["logviz/files"] == "3"
    keys.append(result.run_key)

    (logs / "project" / "a.jsonl").unlink()  # vanished
    result, cursor = tick(instance, logs, cursor)
    assert isinstance(result, RunRequest) and result.tags["logviz/files"] == "2"
    keys.append(result.run_key)

    assert len(set(keys)) == len(keys)
    assert isinstance(tick(instance, logs, cursor)[0], SkipReason)


def test_files_that_are_not_logs_do_not_wake_the_sensor(instance: DagsterInstance, logs: Path) -> None:
    _, cursor = tick(instance, logs, None)
    (logs / "notes.txt").write_text("not a log")
    (logs / ".hidden").mkdir()
    (logs / ".hidden" / "x.jsonl").write_text(LINE)
    result, after = tick(instance, logs, cursor)
    assert isinstance(result, SkipReason) and after == cursor


def test_cursor_stays_small_with_many_files(instance: DagsterInstance, tmp_path: Path) -> None:
    logs = tmp_path / "many"
    for i in range(500):
        folder = logs / f"project-{i % 25}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"session-{i:04d}-{uuid.uuid4()}.jsonl").write_text(LINE * (1 + i % 7))
    result, cursor = tick(instance, logs, None)
    assert isinstance(result, RunRequest) and result.tags["logviz/files"] == "500"
    assert len(cursor) < 200


@pytest.mark.parametrize(
    "status",
    [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED],
)
def test_no_request_while_a_load_is_in_flight(instance: DagsterInstance, logs: Path, status: DagsterRunStatus) -> None:
    _, cursor = tick(instance, logs, None)
    (logs / "new.jsonl").write_text(LINE)
    add_run(instance, "load", status)

    result, after = tick(instance, logs, cursor)

    assert isinstance(result, SkipReason)
    assert after == cursor  # unchanged, so the change is seen once that run is over

    for run in instance.get_runs():
        instance.delete_run(run.run_id)
    add_run(instance, "load", DagsterRunStatus.SUCCESS)
    result, after = tick(instance, logs, cursor)
    assert isinstance(result, RunRequest)
    assert after != cursor and json.loads(after)["files"] == 3


def test_other_jobs_in_flight_do_not_hold_a_load_back(instance: DagsterInstance, logs: Path) -> None:
    add_run(instance, "index", DagsterRunStatus.STARTED)
    add_run(instance, "index", DagsterRunStatus.QUEUED)
    add_run(instance, "load", DagsterRunStatus.FAILURE)
    add_run(instance, "load", DagsterRunStatus.CANCELED)
    result, cursor = tick(instance, logs, None)
    assert isinstance(result, RunRequest) and cursor is not None


def test_a_state_that_comes_back_gets_a_fresh_run_key(instance: DagsterInstance, logs: Path, tmp_path: Path) -> None:
    first, cursor = tick(instance, logs, None)
    parked = tmp_path / "parked.jsonl"
    (logs / "b.jsonl").rename(parked)
    gone, cursor = tick(instance, logs, cursor)
    parked.rename(logs / "b.jsonl")  # back, with its old size and mtime
    back, cursor = tick(instance, logs, cursor)
    assert isinstance(gone, RunRequest) and isinstance(back, RunRequest)
    # Dagster launches one run per run_key per sensor: a repeated key means no load for the return.
    assert back.run_key not in {first.run_key, gone.run_key}


def test_a_failed_sensor_load_is_tried_once_more(instance: DagsterInstance, logs: Path) -> None:
    first, cursor = tick(instance, logs, None)
    assert isinstance(first, RunRequest)
    failed = add_run(instance, "load", DagsterRunStatus.FAILURE, dict(first.tags))

    retry, cursor_after = tick(instance, logs, cursor)
    assert isinstance(retry, RunRequest) and cursor_after == cursor
    assert retry.run_key == f"retry-{failed}" and retry.tags["logviz/retry_of"] == failed

    add_run(instance, "load", DagsterRunStatus.FAILURE, dict(retry.tags))  # the retry failed too
    assert isinstance(tick(instance, logs, cursor)[0], SkipReason)  # no loop of retries
    add_run(instance, "load", DagsterRunStatus.FAILURE, {"logviz/trigger": "api"})
    assert isinstance(tick(instance, logs, cursor)[0], SkipReason)  # a failed run someone else started
