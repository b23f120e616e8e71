"""`GET /search` and `GET /neighbors/{id}`: steps by meaning, by words, or near another step."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api import queries
from api.deps import FilterDep, SearcherDep, StoreDep
from api.models import SearchHit, SearchResults, error_response
from api.shapes import point_of, text_of

router = APIRouter(tags=["map"])


@router.get("/search", response_model=SearchResults)
def search(
    flt: FilterDep,
    engine: SearcherDep,
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


@router.get("/neighbors/{record_id}", response_model=SearchResults, responses={404: error_response("Unknown id")})
def neighbors(
    record_id: str,
    flt: FilterDep,
    store: StoreDep,
    engine: SearcherDep,
    k: Annotated[int, Query(ge=1, le=500)] = 10,
) -> SearchResults:
    """The steps nearest to this one in embedding space (itself and exact copies excluded)."""
    text_hash = queries.text_hash_of(store, record_id)
    rows = engine.hits([engine.neighbors(text_hash)], flt, k, exclude=record_id) if text_hash else []
    return SearchResults(query=record_id, mode="neighbors", hits=[_hit(row) for row in rows])


def _hit(row: dict) -> SearchHit:
    return SearchHit(score=float(row["score"]), point=point_of(row), text=text_of(row))
