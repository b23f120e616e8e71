"""`GET /records/{id}`: one record whole."""

from __future__ import annotations

from fastapi import APIRouter

from api import queries
from api.deps import StoreDep
from api.models import RecordDetail, error_response

router = APIRouter(tags=["map"])


@router.get("/records/{record_id}", response_model=RecordDetail, responses={404: error_response("Unknown record id")})
def record(record_id: str, store: StoreDep) -> RecordDetail:
    """One record whole, with the file and line it came from and its place on the map."""
    return RecordDetail(**queries.record(store, record_id))
