"""`GET /health`: the state of each part logviz needs."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Response, status

from api.deps import DagsterDep, SettingsDep, StoreDep
from api.models import Health, PartHealth
from logviz_assets.index.vectors import VectorTable
from logviz_assets.settings import resolve_model_path
from logviz_assets.store import RecordStore

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(response: Response, settings: SettingsDep, store: StoreDep, runs: DagsterDep) -> Health:
    """The state of each part: record store, vector store, Dagster webserver and daemon, model."""
    parts = {
        "record_store": _record_store_health(store),
        "vector_store": _vector_store_health(settings.lancedb_path),
        "model": _model_health(settings.model),
    }
    web_ok, web_detail, daemon_ok, daemon_detail = runs.health()
    parts["dagster_webserver"] = PartHealth(ok=web_ok, detail=web_detail)
    parts["dagster_daemon"] = PartHealth(ok=daemon_ok, detail=daemon_detail)
    ok = all(part.ok for part in parts.values())
    if not ok:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(ok=ok, parts=parts)


def _record_store_health(store: RecordStore) -> PartHealth:
    if not store.exists():
        return PartHealth(ok=True, detail="empty: nothing loaded yet")
    try:
        records = store.counts(wait_seconds=3)["records"]
    except Exception as err:  # any failure to read is what health must report
        return PartHealth(ok=False, detail=f"cannot read {store.path.name}: {err}")
    return PartHealth(ok=True, detail=f"{records} records")


def _vector_store_health(path: Path) -> PartHealth:
    if not path.exists():
        return PartHealth(ok=True, detail="empty: nothing indexed yet")
    try:
        count = VectorTable(str(path)).count()
    except Exception as err:  # any failure to read is what health must report
        return PartHealth(ok=False, detail=f"cannot read vectors: {err}")
    return PartHealth(ok=True, detail=f"{count} vectors")


def _model_health(name: str) -> PartHealth:
    try:
        path = Path(resolve_model_path(name))
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
