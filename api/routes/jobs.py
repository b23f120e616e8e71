"""Health and run control: start `load` and `index` as Dagster runs and follow them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response, status

from api.dagster_client import DagsterRuns, RunNotFound
from api.models import Health, IndexRequest, JobRun, PartHealth
from api.queries import NotFound
from api.security import require_token
from logviz_assets import config, store
from logviz_assets.vectors import VectorTable

router = APIRouter(tags=["runs"])


def dagster(request: Request) -> DagsterRuns:
    return request.app.state.dagster


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(response: Response, runs: Annotated[DagsterRuns, Depends(dagster)]) -> Health:
    """The state of each part: record store, vector store, Dagster webserver and daemon, model."""
    parts = {
        "record_store": _record_store_health(),
        "vector_store": _vector_store_health(),
        "model": _model_health(),
    }
    web_ok, web_detail, daemon_ok, daemon_detail = runs.health()
    parts["dagster_webserver"] = PartHealth(ok=web_ok, detail=web_detail)
    parts["dagster_daemon"] = PartHealth(ok=daemon_ok, detail=daemon_detail)
    ok = all(part.ok for part in parts.values())
    if not ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(ok=ok, parts=parts)


@router.post(
    "/load", status_code=status.HTTP_202_ACCEPTED, response_model=JobRun, dependencies=[Depends(require_token)]
)
def start_load(runs: Annotated[DagsterRuns, Depends(dagster)]) -> JobRun:
    """Start a `load` run (new and grown files), or return the one already queued or running."""
    run_id, state, _ = runs.submit("load", tags={"logviz/trigger": "api"})
    return JobRun(run_id=run_id, job="load", status=state)


@router.post(
    "/index", status_code=status.HTTP_202_ACCEPTED, response_model=JobRun, dependencies=[Depends(require_token)]
)
def start_index(
    runs: Annotated[DagsterRuns, Depends(dagster)],
    body: Annotated[IndexRequest | None, Body()] = None,
) -> JobRun:
    """Start an `index` run (embed new texts, place new points), or return the one in flight.

    `{"full_refit": true}` fits the layout anew on every point, aligned onto the current map.
    """
    full_refit = bool(body and body.full_refit)
    run_config = {"ops": {"projection": {"config": {"full_refit": full_refit}}}}
    run_id, state, _ = runs.submit("index", run_config=run_config, tags={"logviz/trigger": "api"})
    return JobRun(run_id=run_id, job="index", status=state)


@router.get("/jobs/{run_id}", response_model=JobRun, responses={404: {"description": "No such run"}})
def job(run_id: str, runs: Annotated[DagsterRuns, Depends(dagster)]) -> JobRun:
    """A run's status, start and end times, and (once finished) the counts each asset reported."""
    try:
        return JobRun(**runs.run(run_id))
    except RunNotFound as err:
        raise NotFound(f"no Dagster run with id {run_id!r}") from err


def _record_store_health() -> PartHealth:
    path = config.duckdb_path()
    if not path.exists():
        return PartHealth(ok=True, detail="empty: nothing loaded yet")
    try:
        with store.read_connection(path, wait_seconds=3) as con:
            (records,) = con.execute("SELECT count(*) FROM records").fetchone()
    except Exception as err:  # any failure to read is what health must report
        return PartHealth(ok=False, detail=f"cannot read {path.name}: {err}")
    return PartHealth(ok=True, detail=f"{records} records")


def _vector_store_health() -> PartHealth:
    path = config.lancedb_path()
    if not path.exists():
        return PartHealth(ok=True, detail="empty: nothing indexed yet")
    try:
        count = VectorTable(str(path)).count()
    except Exception as err:  # any failure to read is what health must report
        return PartHealth(ok=False, detail=f"cannot read vectors: {err}")
    return PartHealth(ok=True, detail=f"{count} vectors")


def _model_health() -> PartHealth:
    name = config.model()
    try:
        path = Path(config.resolve_model_path(name))
    except ImportError as err:
        return PartHealth(ok=False, detail=f"bundled model package missing: {err}")
    if path.is_dir():
        ok = (path / "modules.json").exists() or (path / "config.json").exists()
        return PartHealth(ok=ok, detail=f"{name} at {path}" if ok else f"{path} holds no model")
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(name, local_files_only=True)
    except Exception as err:  # not in the local cache: it would need a download
        return PartHealth(ok=False, detail=f"{name} is not on this machine: {type(err).__name__}")
    return PartHealth(ok=True, detail=f"{name} (Hugging Face cache)")
