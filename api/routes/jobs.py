"""Run control: start `load` and `index` as Dagster runs, and follow them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, status

from api.dagster_client import RunNotFound
from api.deps import DagsterDep
from api.models import IndexRequest, JobRun
from api.queries import NotFound
from api.security import require_token

router = APIRouter(tags=["runs"])


@router.post(
    "/load", status_code=status.HTTP_202_ACCEPTED, response_model=JobRun, dependencies=[Depends(require_token)]
)
def start_load(runs: DagsterDep) -> JobRun:
    """Start a `load` run (new and grown files), or return the one already queued or running."""
    run_id, state, _ = runs.submit("load", tags={"logviz/trigger": "api"})
    return JobRun(run_id=run_id, job="load", status=state)


@router.post(
    "/index", status_code=status.HTTP_202_ACCEPTED, response_model=JobRun, dependencies=[Depends(require_token)]
)
def start_index(runs: DagsterDep, body: Annotated[IndexRequest | None, Body()] = None) -> JobRun:
    """Start an `index` run (embed new texts, place new points), or return the one in flight.

    `{"full_refit": true}` fits the layout anew on every point, aligned onto the current map.
    """
    full_refit = bool(body and body.full_refit)
    run_config = {"ops": {"projection": {"config": {"full_refit": full_refit}}}}
    run_id, state, _ = runs.submit("index", run_config=run_config, tags={"logviz/trigger": "api"})
    return JobRun(run_id=run_id, job="index", status=state)


@router.get("/jobs/{run_id}", response_model=JobRun, responses={404: {"description": "No such run"}})
def job(run_id: str, runs: DagsterDep) -> JobRun:
    """A run's status, start and end times, and (once finished) the counts each asset reported."""
    try:
        return JobRun(**runs.run(run_id))
    except RunNotFound as err:
        raise NotFound(f"no Dagster run with id {run_id!r}") from err
