"""Everything Dagster loads for logviz: assets, jobs, the sensors and the resources.

The one place the Dagster code location reads the environment (`Settings.from_environment`).
"""

from __future__ import annotations

from dagster import Definitions

from logviz_assets.defs.assets import embeddings, projection, records
from logviz_assets.defs.jobs import index_job, load_job
from logviz_assets.defs.resources import resources_from
from logviz_assets.defs.sensors import dead_run_workers, new_log_files
from logviz_assets.settings import Settings

defs = Definitions(
    assets=[records, embeddings, projection],
    jobs=[load_job, index_job],
    sensors=[new_log_files, dead_run_workers],
    resources=resources_from(Settings.from_environment()),
)
