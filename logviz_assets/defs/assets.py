"""The asset graph: log files → records (Load) → embeddings → projection (Index)."""
# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import numpy as np
from dagster import (
    AssetExecutionContext,
    AssetObservation,
    Backoff,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)
from pydantic import Field

from logviz_assets.defs.resources import Embedder, Layouts, LogSources, RecordStoreResource, VectorStore, Viewer
from logviz_assets.index import preview
from logviz_assets.index.embedding import ModelLoadError
from logviz_assets.index.operation import EmbedError, Indexer
from logviz_assets.load.operation import load
from logviz_assets.progress import Progress, ProgressCallback

# Dagster pools with limit 1 (dagster.yaml): one writer per store at a time.
DUCKDB_POOL = "duckdb_writer"
LANCEDB_POOL = "lancedb_writer"
# Embedding errors other than a model that cannot load (a LanceDB commit that lost a race, a
# reader holding the record store past its wait, memory short for a moment) may pass: tried
# again after 2, 6 and 14 seconds. Each attempt embeds only what is still missing.
EMBED_RETRY_POLICY = RetryPolicy(max_retries=3, delay=2, backoff=Backoff.EXPONENTIAL)


def _progress(context: AssetExecutionContext) -> ProgressCallback:
    """Each report into the run's log; a counted one also as an observation of the asset, which
    the UI shows and the API reads for a run's progress (the operations send one a second at most)."""

    def report(progress: Progress) -> None:
        context.log.info(progress.message)
        if progress.counted:
            context.log_event(AssetObservation(asset_key=context.asset_key, metadata=progress.metadata()))

    return report


@asset(
    group_name="logviz",
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    description="Every step of every agent run in the log folders: DuckDB tables records, files and rejects. "
    "Reads only new, grown and rewritten files.",
)
def records(
    context: AssetExecutionContext, sources: LogSources, record_store: RecordStoreResource
) -> MaterializeResult:
    try:
        redactor = sources.redactor()
    except ValueError as err:  # an unknown LOGVIZ_REDACT, a damaged key file: nothing to retry
        raise Failure(description=f"redaction is misconfigured: {err}", allow_retries=False) from err
    report = load(
        sources.source(),
        record_store.store(),
        progress=_progress(context),
        workers=sources.load_workers,
        redactor=redactor,
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": report.records_total,
            "files_read": report.files_read,
            "files_new": report.plan.get("new", 0),
            "files_grown": report.plan.get("grown", 0),
            "files_rewritten": report.plan.get("rewritten", 0),
            "files_vanished": report.plan.get("vanished", 0),
            "files_unchanged": report.plan.get("unchanged", 0),
            "records_read": report.records_read,
            "records_added": report.records_added,
            "records_replaced": report.records_in_rewritten_files,
            "rejects": report.rejects,
            # Every line of the JSON Lines files read: records, rejected, or skipped on purpose.
            "lines_read": report.lines_read,
            "lines_with_records": report.record_lines,
            "lines_rejected": report.rejected_lines,
            "lines_skipped_by_kind": MetadataValue.json(dict(report.lines_skipped.most_common())),
            "files_unreadable": report.files_unreadable,
            "runs_linked_to_spawning_calls": report.runs_linked,
            # What was replaced before storing (LOGVIZ_REDACT), by rule: counts, never values.
            "redaction_mode": redactor.mode.value,
            "records_redacted": report.records_redacted,
            "redactions_by_rule": MetadataValue.json(dict(report.redactions.most_common())),
            "redactions_in_rejects_and_state": report.redactions_in_rejects_and_state,
            "formats": MetadataValue.json(dict(report.formats)),
            "seconds": report.seconds,
            "sources": MetadataValue.json(list(sources.paths)),
        }
    )


@asset(
    group_name="logviz",
    deps=[records],
    pool=LANCEDB_POOL,
    kinds={"lancedb"},
    retry_policy=EMBED_RETRY_POLICY,
    description="A vector for every distinct record text under the configured model (LanceDB table vectors). "
    "Embeds only texts that have none.",
)
def embeddings(
    context: AssetExecutionContext, record_store: RecordStoreResource, vector_store: VectorStore, embedder: Embedder
) -> MaterializeResult:
    try:
        model = embedder.embedder()
    except ValueError as err:  # a setting no retry can change (an unknown precision)
        raise Failure(
            description=f"the embedder is misconfigured: {err}",
            metadata={"model": embedder.model, "precision": embedder.precision},
            allow_retries=False,
        ) from err
    indexer = Indexer(record_store.store(), vector_store.table(), model, None, chunk_texts=embedder.chunk_texts)
    try:
        report = indexer.embed_missing(progress=_progress(context))
    except EmbedError as err:
        raise _embed_failure(context, err) from err
    return MaterializeResult(
        metadata={
            "dagster/row_count": report.texts_total,
            "texts_embedded": report.texts_embedded,
            "texts_already_embedded": report.texts_already_embedded,
            "batches": report.batches,
            "texts_per_second": report.texts_per_second,
            "model": report.model,
            # What ran: a bf16 request falls back to fp32 on a CPU without native bf16.
            "precision": indexer.embedder.precision,
            "seconds": report.seconds,
        }
    )


class ProjectionConfig(Config):
    full_refit: bool = Field(
        default=False,
        description="Fit the layout again on every point, aligned onto the current map (old points move).",
    )


@asset(
    group_name="logviz",
    deps=[embeddings],
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    description="A 2D position for every embedded text (DuckDB table points) and the fitted reducer that placed "
    "them. New points are placed without moving old ones; a full refit is aligned onto the old map.",
)
def projection(
    context: AssetExecutionContext,
    config: ProjectionConfig,
    record_store: RecordStoreResource,
    vector_store: VectorStore,
    embedder: Embedder,
    layouts: Layouts,
    viewer: Viewer,
) -> MaterializeResult:
    indexer = _indexer(record_store, vector_store, embedder, layouts)
    report = indexer.place_points(full_refit=config.full_refit, progress=_progress(context))
    metadata = {
        "dagster/row_count": report.points_total,
        "points_placed": report.points_placed,
        "points_moved": report.points_moved,
        "refit": report.refit,
        "method": report.method,
        "layout_id": report.layout_id,
        "fitted_points": report.fitted_points,
        "points_by_kind": MetadataValue.json(dict(report.by_kind)),
        "seconds": report.seconds,
        "viewer": MetadataValue.url(viewer.url),
    }
    sample = indexer.store.preview_sample()
    if sample:
        xy = np.array([(x, y) for x, y, _ in sample])
        png = preview.scatter_png(xy, [kind for _, _, kind in sample])
        metadata["preview"] = MetadataValue.md(preview.markdown_image(png))
    return MaterializeResult(metadata=metadata)


def _embed_failure(context: AssetExecutionContext, err: EmbedError) -> Failure:
    """A Failure that says what failed, what stays written, and whether Dagster tries again."""
    cause = err.__cause__
    permanent = isinstance(cause, ModelLoadError)
    # For a model that cannot load, the error inside: JSONDecodeError, SafetensorError, OSError.
    root = cause.__cause__ if permanent and cause.__cause__ is not None else cause
    attempt, attempts = context.retry_number + 1, EMBED_RETRY_POLICY.max_retries + 1
    metadata = {
        "model": err.report.model,
        "texts_to_embed": err.missing,
        "texts_embedded_before_failure": err.report.texts_embedded,
        "chunks_written_before_failure": err.report.batches,
        "error_type": type(root).__name__,
        "permanent": permanent,
        "attempt": attempt,
    }
    if permanent:
        # Loading again fails the same way: no retry, and the message names what to change.
        metadata.update(model_path=cause.path, setting="LOGVIZ_MODEL")
        return Failure(description=str(cause), metadata=metadata, allow_retries=False)
    then = "Dagster tries again with backoff." if attempt < attempts else "No attempts are left: the run fails."
    description = (
        f"{err} (attempt {attempt} of {attempts}). The vectors written before this failure stay, and the next "
        f"attempt embeds only the texts still missing. {then}"
    )
    return Failure(description=description, metadata=metadata, allow_retries=True)


def _indexer(
    record_store: RecordStoreResource, vector_store: VectorStore, embedder: Embedder, layouts: Layouts | None = None
) -> Indexer:
    """The Indexer the resources describe (embedding alone needs no layouts)."""
    return Indexer(
        record_store.store(),
        vector_store.table(),
        embedder.embedder(),
        layouts.store() if layouts else None,
        chunk_texts=embedder.chunk_texts,
        fit_sample_size=layouts.fit_sample_size if layouts else 0,
        random_state=layouts.random_state if layouts else None,
    )
