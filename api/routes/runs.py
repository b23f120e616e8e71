"""`GET /runs` and `GET /runs/{id}/trajectory`: agent runs and their paths across the map."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api import queries
from api.deps import StoreDep
from api.models import Runs, RunSummary, Trajectory, TrajectoryStep, error_response
from api.routes.points import MAX_ROWS
from api.shapes import point_of, text_of

router = APIRouter(tags=["map"])


@router.get("/runs", response_model=Runs)
def runs(
    store: StoreDep,
    source_format: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROWS)] = 0,
) -> Runs:
    """Runs, newest first, with their step, tool-call, error and token counts."""
    total, rows = queries.runs(store, source_format, limit, offset)
    return Runs(count=total, runs=[RunSummary(**row) for row in rows])


@router.get("/runs/{run_id}/trajectory", response_model=Trajectory, responses={404: error_response("Unknown run")})
def trajectory(run_id: str, store: StoreDep) -> Trajectory:
    """A run's steps in order, each with its place on the map: the run's path across it."""
    summary, steps = queries.trajectory(store, run_id)
    return Trajectory(
        run=RunSummary(**summary),
        steps=[
            TrajectoryStep(seq=s["seq"], point=point_of(s), text=text_of(s), parent_id=s["parent_id"]) for s in steps
        ],
    )
