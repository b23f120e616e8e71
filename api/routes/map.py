"""The map: points, records, search, neighbours, runs and their trajectories, stats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import pyarrow as pa
from fastapi import APIRouter, Depends, Header, Query, Request, Response

from api import queries
from api.cache import etag_of, store_version
from api.models import (
    Point,
    Points,
    Record,
    Runs,
    RunSummary,
    SearchHit,
    SearchResults,
    Stats,
    Trajectory,
    TrajectoryStep,
)
from api.queries import PointFilter, Searcher
from logviz_assets import config

router = APIRouter(tags=["map"])

ARROW_TYPE = "application/vnd.apache.arrow.stream"
MAX_ROWS = 1_000_000_000  # bounds for limit/offset, far inside the database's 64-bit range
Kind = Literal["run", "message", "reasoning", "tool_call", "tool_result", "llm_call"]


def point_filter(
    kind: Kind | None = None,
    role: str | None = None,
    tool_name: str | None = None,
    is_error: bool | None = None,
    run_id: str | None = None,
    model: str | None = None,
    source_format: str | None = None,
    since: Annotated[datetime | None, Query(description="Only steps at or after this time (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Only steps before this time (ISO 8601).")] = None,
) -> PointFilter:
    return PointFilter(kind, role, tool_name, is_error, run_id, model, source_format, since, until)


Filter = Annotated[PointFilter, Depends(point_filter)]


def searcher(request: Request) -> Searcher:
    return request.app.state.searcher


@router.get(
    "/points",
    response_model=Points,
    responses={200: {"content": {ARROW_TYPE: {}}, "description": "JSON, or Arrow IPC stream when asked for"}},
)
def points(
    request: Request,
    flt: Filter,
    format: Annotated[Literal["json", "arrow"] | None, Query(description="Overrides the Accept header.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_ROWS, description="At most this many points.")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ROWS, description="Skip this many points first.")] = 0,
    accept: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Every step as a point: id, x, y and the fields to colour and filter by.

    Records loaded but not yet indexed come back with `pending: true` and no coordinates.
    Ask for Arrow (`format=arrow` or `Accept: application/vnd.apache.arrow.stream`) for large maps.
    The response has an ETag that changes when the store does: send it back in
    `If-None-Match` to get a 304 while the map is unchanged.
    """
    wants_arrow = format == "arrow" or (format is None and accept is not None and ARROW_TYPE in accept)
    media_type = ARROW_TYPE if wants_arrow else "application/json"
    key = (store_version(config.duckdb_path()), media_type, repr(flt), limit, offset)
    headers = {"ETag": etag_of(key), "Cache-Control": "no-cache"}
    if if_none_match == headers["ETag"]:
        return Response(status_code=304, headers=headers)

    def body() -> bytes:
        if wants_arrow:
            table = queries.points_table(flt, limit, offset)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return sink.getvalue().to_pybytes()
        # Serialised by DuckDB: validating 100k points through pydantic would cost more than the query.
        return queries.points_json(flt, limit, offset)

    return Response(request.app.state.points_cache.get(key, body), media_type=media_type, headers=headers)


@router.get("/records/{record_id}", response_model=Record, responses={404: {"description": "Unknown record id"}})
def record(record_id: str) -> Record:
    """One record whole, with the file and line it came from and its place on the map."""
    return Record(**queries.record(record_id))


@router.get("/search", response_model=SearchResults)
def search(
    flt: Filter,
    engine: Annotated[Searcher, Depends(searcher)],
    q: Annotated[str, Query(min_length=1, max_length=2000, pattern=r"\S", description="What to look for.")],
    mode: Annotated[Literal["semantic", "text", "hybrid"], Query()] = "hybrid",
    k: Annotated[int, Query(ge=1, le=500)] = 20,
) -> SearchResults:
    """Search steps by meaning (the same model as the map), by words (full-text index), or both."""
    rankings = {
        "semantic": [engine.semantic(q)],
        "text": [engine.text(q)],
        "hybrid": [engine.semantic(q), engine.text(q)],
    }[mode]
    rows = engine.hits(rankings, flt, k)
    return SearchResults(query=q, mode=mode, hits=[_hit(row) for row in rows])


@router.get("/neighbors/{record_id}", response_model=SearchResults, responses={404: {"description": "Unknown id"}})
def neighbors(
    record_id: str,
    flt: Filter,
    engine: Annotated[Searcher, Depends(searcher)],
    k: Annotated[int, Query(ge=1, le=500)] = 10,
) -> SearchResults:
    """The steps nearest to this one in embedding space (itself and exact copies excluded)."""
    text_hash = queries.text_hash_of(record_id)
    rows = engine.hits([engine.neighbors(text_hash)], flt, k, exclude=record_id) if text_hash else []
    return SearchResults(query=record_id, mode="neighbors", hits=[_hit(row) for row in rows])


@router.get("/runs", response_model=Runs)
def runs(
    source_format: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ROWS)] = 0,
) -> Runs:
    """Runs, newest first, with their step, tool-call, error and token counts."""
    total, rows = queries.runs(source_format, limit, offset)
    return Runs(count=total, runs=[RunSummary(**row) for row in rows])


@router.get("/runs/{run_id}/trajectory", response_model=Trajectory, responses={404: {"description": "Unknown run"}})
def trajectory(run_id: str) -> Trajectory:
    """A run's steps in order, each with its place on the map: the run's path across it."""
    summary, steps = queries.trajectory(run_id)
    return Trajectory(
        run=RunSummary(**summary),
        steps=[TrajectoryStep(seq=s["seq"], point=_point(s), text=_text(s), parent_id=s["parent_id"]) for s in steps],
    )


@router.get("/stats", response_model=Stats)
def stats() -> Stats:
    """How much is loaded, indexed and placed."""
    return Stats(**queries.stats())


def _point(row: dict[str, Any]) -> Point:
    return Point(**{name: row[name] for name in Point.model_fields})


def _text(row: dict[str, Any]) -> str | None:
    return row.get("text") or (f"{row.get('tool_name') or ''} {row.get('tool_args') or ''}".strip() or None)


def _hit(row: dict[str, Any]) -> SearchHit:
    return SearchHit(score=float(row["score"]), point=_point(row), text=_text(row))
