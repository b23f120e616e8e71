"""The logviz REST API: run control through Dagster, and the map read from the stores.

Run it with `python -m api.serve` (which checks the bind address), or any ASGI server:
`uvicorn api.main:app`. Docs at /docs, the OpenAPI schema at /openapi.json.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

import duckdb
from fastapi import FastAPI, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from api.cache import ResponseCache
from api.dagster_client import DagsterRuns, DagsterUnavailable, RunRejected
from api.queries import NotFound
from api.routes import health, jobs, points, records, runs, search, stats
from api.search import Searcher
from api.security import LOOPBACK_ORIGINS
from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.settings import Settings
from logviz_assets.store import RecordStore
from logviz_assets.store.access import StoreBusy


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app over the stores `settings` name (default: read from the environment, once)."""
    settings = settings or Settings.from_environment()
    store = RecordStore(settings.duckdb_path)
    embedder = TextEmbedder(settings.model, precision=settings.embed_precision, models_dir=settings.models_path)
    searcher = Searcher(store, settings.lancedb_path, embedder)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Load the model in the background, so the first semantic search does not wait for it.
        threading.Thread(target=searcher.warm_up, name="load-model", daemon=True).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="logviz",
        summary="Agent run logs as an embedding map: start Load and Index, read points, search, trajectories.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.dagster = DagsterRuns(settings.dagster_url, settings.location_name)
    app.state.searcher = searcher
    app.state.points_cache = ResponseCache()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_origin_regex=None if settings.cors_origins else LOOPBACK_ORIGINS,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
    )
    for module in (health, jobs, points, records, search, runs, stats):
        app.include_router(module.router)
    _map_errors(app)
    return app


def _map_errors(app: FastAPI) -> None:
    """Domain errors as HTTP statuses, in one place."""

    @app.exception_handler(NotFound)
    def not_found(_: Request, err: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(DagsterUnavailable)
    def dagster_down(_: Request, err: DagsterUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(RunRejected)
    def run_rejected(_: Request, err: RunRejected) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=status.HTTP_502_BAD_GATEWAY)

    @app.exception_handler(duckdb.IOException)
    @app.exception_handler(StoreBusy)
    def store_busy(_: Request, err: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": f"record store is busy or unreadable, try again: {err}"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )


app = create_app()
