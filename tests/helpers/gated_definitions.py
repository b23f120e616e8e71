"""A code location for fault tests: logviz's assets, jobs and run-worker sensor, with a Load that can be held.

While the file named by `LOGVIZ_TEST_GATE` exists, the `records` step waits inside its body,
so it holds its `duckdb_writer` pool slot for as long as a test needs to find and kill its
worker. Without the file the Load runs as in production. The `new_log_files` sensor is left
out, so no run starts that the test did not ask for.

Load it as `-m tests.helpers.gated_definitions` (the CLI) or from a workspace file, from the repo root.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from dagster import Definitions

from logviz_assets.defs.assets import embeddings, projection, records
from logviz_assets.defs.jobs import index_job, load_job
from logviz_assets.defs.resources import LogSources, resources_from
from logviz_assets.defs.sensors import dead_run_workers
from logviz_assets.load.source import DataSource
from logviz_assets.settings import Settings

GATE_VARIABLE = "LOGVIZ_TEST_GATE"
HELD_MESSAGE = "held at the gate"


class GatedLogSources(LogSources):
    """LogSources whose `source()` waits while the gate file exists (inside the step, slot held)."""

    gate: str = ""

    def source(self) -> DataSource:
        gate = Path(self.gate) if self.gate else None
        if gate is not None and gate.exists():
            print(HELD_MESSAGE, os.getpid(), flush=True)
            while gate.exists():
                time.sleep(0.2)
        return super().source()


def _definitions() -> Definitions:
    settings = Settings.from_environment()
    resources = resources_from(settings)
    sources = resources["sources"]
    resources["sources"] = GatedLogSources(
        paths=sources.paths, load_workers=sources.load_workers, gate=os.environ.get(GATE_VARIABLE, "")
    )
    return Definitions(
        assets=[records, embeddings, projection],
        jobs=[load_job, index_job],
        sensors=[dead_run_workers],
        resources=resources,
    )


defs = _definitions()
