"""Start a `load` when log files arrive, grow, change or go; end runs whose worker died.

`new_log_files`: the cursor is a small fingerprint of the folders (file count, bytes, newest
mtime, a checksum of names and sizes), never a list of files: the `records` asset itself
decides what is new, so a load the sensor starts does exactly what one started by hand does.

`dead_run_workers`: frees the pool slot of a run killed inside its step (run_workers.py).
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import hashlib
import json

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from logviz_assets.defs.jobs import load_job
from logviz_assets.defs.resources import LogSources
from logviz_assets.defs.run_workers import end_runs_without_worker
from logviz_assets.run_status import IN_FLIGHT_STATUSES

IN_FLIGHT = [DagsterRunStatus(status) for status in IN_FLIGHT_STATUSES]


def load_in_flight(context: SensorEvaluationContext) -> bool:
    runs = context.instance.get_runs(filters=RunsFilter(job_name=load_job.name, statuses=IN_FLIGHT), limit=1)
    return bool(runs)


def failed_sensor_load(context: SensorEvaluationContext) -> str | None:
    """The id of the newest load run when the sensor started it and it failed (not a retry itself)."""
    runs = context.instance.get_runs(filters=RunsFilter(job_name=load_job.name), limit=1)
    if not runs or runs[0].status != DagsterRunStatus.FAILURE:
        return None
    tags = runs[0].tags
    return runs[0].run_id if tags.get("logviz/trigger") == "sensor" and RETRY_OF not in tags else None


RETRY_OF = "logviz/retry_of"


@sensor(
    job=load_job,
    minimum_interval_seconds=10,
    default_status=DefaultSensorStatus.RUNNING,
    description="Requests a load run when agent log files arrive or grow.",
)
def new_log_files(context: SensorEvaluationContext, sources: LogSources):
    current = sources.source().fingerprint()
    cursor = json.dumps(current, sort_keys=True)
    if cursor == context.cursor:
        # The files did not change, but the load the last change asked for failed (the store
        # busy for too long, say): try it once more rather than wait for the next change.
        failed = failed_sensor_load(context)
        if failed and not load_in_flight(context):
            tags = {"logviz/trigger": "sensor", RETRY_OF: failed}
            return RunRequest(run_key=f"retry-{failed}", tags=tags)
        return SkipReason("no log file arrived, grew or vanished")
    if load_in_flight(context):
        # Leave the cursor: once that run ends, the next tick looks again.
        return SkipReason("a load run is already queued or running")
    # Keyed by the change (old state to new), not the new state alone: a folder that returns
    # to an earlier state (a file moved away and back) is a change too.
    run_key = hashlib.sha256(f"{context.cursor}\0{cursor}".encode()).hexdigest()[:16]
    context.update_cursor(cursor)
    return RunRequest(run_key=run_key, tags={"logviz/trigger": "sensor", "logviz/files": str(current["files"])})


@sensor(
    minimum_interval_seconds=15,
    default_status=DefaultSensorStatus.RUNNING,
    description="Marks runs whose worker process died (kill -9, out of memory) as failed and frees their pool "
    "slots, so the next load or index is not blocked forever.",
)
def dead_run_workers(context: SensorEvaluationContext):
    # A sensor because sensors are evaluated by the daemon, on the machine whose processes
    # run the workers, every few seconds; it requests no run.
    ended = end_runs_without_worker(context.instance, log=context.log.warning)
    if ended:
        return SkipReason("ended runs whose worker died: " + ", ".join(f"{r.run_id} ({r.job_name})" for r in ended))
    return SkipReason("every started run has a live worker")
