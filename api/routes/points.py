"""`GET /points`: every step as a point, as JSON or Arrow, with an ETag."""

from __future__ import annotations

from typing import Annotated, Literal

import pyarrow as pa
from fastapi import APIRouter, Header, Query, Request, Response

from api import queries
from api.cache import etag_of, store_version
from api.deps import FilterDep, StoreDep
from api.models import Points

router = APIRouter(tags=["map"])

ARROW_TYPE = "application/vnd.apache.arrow.stream"
MAX_ROWS = 1_000_000_000  # bounds for limit/offset, far inside the database's 64-bit range


@router.get(
    "/points",
    response_model=Points,
    responses={
        200: {"content": {ARROW_TYPE: {}}, "description": "JSON, or Arrow IPC stream when asked for"},
        304: {"description": "Not modified: the ETag sent in If-None-Match is current"},
    },
)
def points(
    request: Request,
    store: StoreDep,
    flt: FilterDep,
    format: Annotated[Literal["json", "arrow"] | None, Query(description="Overrides the Accept header.")] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_ROWS, description="At most this many points.")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ROWS, description="Skip this many points first.")] = 0,
    accept: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Every step as a point: id, x, y and the fields to colour and filter by.

    Records loaded but not yet indexed come back with `pending: true` and no coordinates.
    Ask for Arrow (`format=arrow` or `Accept: application/vnd.apache.arrow.stream`) for large maps;
    in Arrow the text columns but `id` are dictionary-encoded (the same values, each sent once).
    The response has an ETag that changes when the store does: send it back in
    `If-None-Match` to get a 304 while the map is unchanged.
    """
    wants_arrow = format == "arrow" or (format is None and accept is not None and ARROW_TYPE in accept)
    media_type = ARROW_TYPE if wants_arrow else "application/json"
    key = (store_version(store.path), media_type, repr(flt), limit, offset)
    headers = {"ETag": etag_of(key), "Cache-Control": "no-cache"}
    if if_none_match == headers["ETag"]:
        return Response(status_code=304, headers=headers)

    def body() -> bytes:
        if wants_arrow:
            table = queries.points_table(store, flt, limit, offset)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return sink.getvalue().to_pybytes()
        # Serialised by DuckDB: validating 100k points through pydantic would cost more than the query.
        return queries.points_json(store, flt, limit, offset)

    return Response(request.app.state.points_cache.get(key, body), media_type=media_type, headers=headers)
