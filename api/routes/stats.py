"""`GET /stats`: how much is loaded, indexed and placed."""

from __future__ import annotations

from fastapi import APIRouter

from api import queries
from api.deps import SettingsDep, StoreDep
from api.models import Stats
from logviz_assets.index.vectors import VectorTable

router = APIRouter(tags=["map"])


@router.get("/stats", response_model=Stats)
def stats(settings: SettingsDep, store: StoreDep) -> Stats:
    """How much is loaded, indexed and placed."""
    path = settings.lancedb_path
    vectors = VectorTable(str(path)).count(settings.model) if path.exists() else 0
    return Stats(**queries.stats(store), vectors=vectors, model=settings.model)
