"""The two operations as jobs: `load` (cheap, incremental) and `index` (expensive, batch)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

from logviz_assets.defs.assets import embeddings, projection, records

# In-process: the model and UMAP's compiled code are loaded once per run, not once per step.
load_job = define_asset_job(
    "load",
    selection=AssetSelection.assets(records),
    executor_def=in_process_executor,
    description="Read new and grown agent log files into the record store.",
)

index_job = define_asset_job(
    "index",
    selection=AssetSelection.assets(embeddings, projection),
    executor_def=in_process_executor,
    description="Embed texts that have no vector yet, then place new points on the map.",
)
