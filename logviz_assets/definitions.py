"""Everything Dagster loads for logviz: assets, jobs, the sensor and the resources."""

from __future__ import annotations

from dagster import Definitions

from logviz_assets.assets import embeddings, projection, records
from logviz_assets.jobs import index_job, load_job
from logviz_assets.resources import from_environment
from logviz_assets.sensors import new_log_files

defs = Definitions(
    assets=[records, embeddings, projection],
    jobs=[load_job, index_job],
    sensors=[new_log_files],
    resources=from_environment(),
)
