"""Run control: start `load` and `index` as Dagster runs, and follow them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from api.dagster_client import RunNotFound
from api.deps import DagsterDep
from api.models import IndexRequest, JobRun, error_response
from api.queries import NotFound

router = APIRouter(tags=["runs"])

DAGSTER_DOWN: dict[int | str, dict[str, Any]] = {503: error_response("The Dagster webserver is unreachable")}
# Answered by api.security.RequestGuard before the route runs; listed so the schema says it can happen.
SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    **DAGSTER_DOWN,
    403: error_response("A POST from a page of another origin"),
    502: error_response("Dagster refused the run"),
}


@router.post("/load", status_code=status.HTTP_202_ACCEPTED, response_model=JobRun, responses=SUBMIT_ERRORS)
def start_load(runs: DagsterDep) -> JobRun:
    """Start a `load` run (new and grown files), or return the one already queued or running."""
    run_id, state, _ = runs.submit("load", tags={"logviz/trigger": "api"})
    return JobRun(run_id=run_id, job="load", status=state)


@router.post(
    "/index",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobRun,
    # FastAPI answers 400 itself to a body it cannot decode as text (invalid UTF-8); malformed JSON is 422.
    responses={**SUBMIT_ERRORS, 400: error_response("A body that is not UTF-8 text")},
)
def start_index(runs: DagsterDep, body: Annotated[IndexRequest | None, Body()] = None) -> JobRun:
    """Start an `index` run (embed new texts, place new points), or return the one in flight.

    `{"full_refit": true}` fits the layout anew on every point, aligned onto the current map.
    """
    full_refit = bool(body and body.full_refit)
    run_config = {"ops": {"projection": {"config": {"full_refit": full_refit}}}}
    run_id, state, _ = runs.submit("index", run_config=run_config, tags={"logviz/trigger": "api"})
    return JobRun(run_id=run_id, job="index", status=state)


@router.get(
    "/jobs/{run_id}",
    response_model=JobRun,
    responses={404: error_response("No such run"), **DAGSTER_DOWN},
)
def job(run_id: str, runs: DagsterDep) -> JobRun:
    """A run's status, start and end times, (once finished) the counts each asset reported, and
    for a failed run what failed: the step and its error."""
    try:
        return JobRun(**runs.run(run_id))
    except RunNotFound as err:
        raise NotFound(f"no Dagster run with id {run_id!r}") from err
