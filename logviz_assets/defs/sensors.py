"""Start a `load` when log files arrive, grow, change or go.

The cursor is a small fingerprint of the folders (file count, bytes, newest mtime, a
checksum of names and sizes), never a list of files: the `records` asset itself decides
what is new, so a load the sensor starts does exactly what one started by hand does.
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
from logviz_assets.run_status import IN_FLIGHT_STATUSES

IN_FLIGHT = [DagsterRunStatus(status) for status in IN_FLIGHT_STATUSES]


def load_in_flight(context: SensorEvaluationContext) -> bool:
    runs = context.instance.get_runs(filters=RunsFilter(job_name=load_job.name, statuses=IN_FLIGHT), limit=1)
    return bool(runs)


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
        return SkipReason("no log file arrived, grew or vanished")
    if load_in_flight(context):
        # Leave the cursor: once that run ends, the next tick looks again.
        return SkipReason("a load run is already queued or running")
    # Keyed by the change (old state to new), not the new state alone: a folder that returns
    # to an earlier state (a file moved away and back) is a change too.
    run_key = hashlib.sha256(f"{context.cursor}\0{cursor}".encode()).hexdigest()[:16]
    context.update_cursor(cursor)
    return RunRequest(run_key=run_key, tags={"logviz/trigger": "sensor", "logviz/files": str(current["files"])})
