"""Runs whose worker process is gone: marked failed, and their pool slots given back.

A run holds a `duckdb_writer` or `lancedb_writer` slot from the start of its step to the
end. A worker killed inside the step (`kill -9`, the OOM killer, a power cut) never gives
it back, and with pools of size 1 every later Load or Index then waits forever. Dagster
covers part of this (dagster.yaml, `run_monitoring`):

- When the code server that launched the run sees its worker die, it marks the run
  FAILURE, but does not free the slots; `free_slots_after_run_end_seconds` frees the slots
  of runs that ended, from the daemon.
- Nothing marks a run that stays STARTED because no one saw its worker die: a
  `dagster job execute` killed, or a code server killed with its workers. The
  DefaultRunLauncher cannot check a worker's health (`supports_check_run_worker_health`
  is False), so run monitoring leaves such runs alone.

`end_runs_without_worker` covers the second case. Every run worker reports its process id
in an engine event when it starts; a STARTED (or CANCELING) run whose process is gone is
marked failed (or canceled) and its slots are freed at once. Runs are launched on this
machine (DefaultRunLauncher, or the `dagster job execute` command line), so a process id
is checked here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

# The process started at most this long after it reported its pid, or the pid was reused.
# (The boot time in /proc/stat is whole seconds, and clocks drift a little.)
PID_REUSE_SLACK_SECONDS = 5.0
WATCHED = [DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


@dataclass(frozen=True)
class EndedRun:
    run_id: str
    job_name: str
    pid: int
    status: DagsterRunStatus  # what it was marked: FAILURE, or CANCELED for a run being canceled


def worker_pid(instance: DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """(pid, when it was reported) of the run's worker: the first engine event that names a pid.

    The first, because a run worker reports its own pid before any step starts; later
    events may name step processes (multiprocess executor) that end on their own.
    """
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        value = data.metadata.get("pid") if data is not None else None
        if value is not None and str(value.value).isdigit():
            return int(value.value), entry.timestamp
    return None


def process_alive(pid: int, since: float) -> bool:
    """Whether process `pid` runs and is the one that was running at time `since`."""
    started = _process_start_time(pid)
    if started is not None:  # Linux: a zombie is gone, and a newer process with the same pid is another one
        return started != _GONE and started <= since + PID_REUSE_SLACK_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


_GONE = -1.0


def _process_start_time(pid: int) -> float | None:
    """Start time (epoch seconds) of `pid` from /proc, _GONE if it is gone, None without /proc."""
    if not Path("/proc/self/stat").exists():
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return _GONE
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces
    if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return _GONE
    ticks = int(fields[19])  # field 22 of the line: start time in clock ticks after boot
    return _boot_time() + ticks / os.sysconf("SC_CLK_TCK")


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def end_runs_without_worker(
    instance: DagsterInstance,
    log: Callable[[str], None] = lambda _: None,
    alive: Callable[[int, float], bool] = process_alive,
) -> list[EndedRun]:
    """Mark every STARTED or CANCELING run whose worker process is gone; free its pool slots."""
    ended = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=WATCHED)):
        run = record.dagster_run
        found = worker_pid(instance, run.run_id)
        if found is None:  # not started far enough to name a worker; Dagster's start timeout covers it
            continue
        pid, reported_at = found
        if alive(pid, reported_at):
            continue
        # Read the status again only now: a worker that ended normally wrote its end before it
        # exited, so a run still in flight after its process is gone was cut off.
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in WATCHED:
            continue
        ended.append(_end(instance, current, pid))
        log(f"run {run.run_id} ({run.job_name}): worker process {pid} is gone; marked {ended[-1].status.value}")
    return ended


def _end(instance: DagsterInstance, run: DagsterRun, pid: int) -> EndedRun:
    message = (
        f"The run worker (pid {pid}) ended without reporting an end: killed, out of memory, or the machine "
        "stopped. logviz marked the run ended and freed its pool slots; run the job again to finish its work "
        "(Load and Index resume where they stopped)."
    )
    if run.status == DagsterRunStatus.CANCELING:
        instance.report_run_canceled(run, message)
        status = DagsterRunStatus.CANCELED
    else:
        instance.report_run_failed(run, message)
        status = DagsterRunStatus.FAILURE
    # At once rather than after run monitoring's `free_slots_after_run_end_seconds`: the next
    # run of the pool is waiting for exactly this.
    if instance.event_log_storage.supports_global_concurrency_limits:
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return EndedRun(run.run_id, run.job_name, pid, status)
