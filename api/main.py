"""The logviz REST API: run control through Dagster, and the map read from the stores.

Run it with `python -m api.serve` (which checks the bind address), or any ASGI server:
`uvicorn api.main:app`. Docs at /docs, the OpenAPI schema at /openapi.json.

With a token configured every route requires it. /docs and /openapi.json stay open: they hold
no log content, only the API's shape, and Swagger UI must read the schema before it can offer
to take the token.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

import duckdb
from fastapi import Depends, FastAPI, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from api.cache import ResponseCache
from api.dagster_client import DagsterRuns, DagsterUnavailable, RunRejected
from api.models import error_response
from api.queries import NotFound
from api.routes import health, jobs, points, records, runs, search, stats, viewer
from api.search import Searcher
from api.security import LOOPBACK_ORIGINS, RequestGuard, require_token
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

    # The token guards every route only when one is configured, and the OpenAPI schema says so
    # only then: the bearer dependency is what puts the security requirement in the schema.
    secured = bool(settings.api_token)
    app = FastAPI(
        lifespan=lifespan,
        title="logviz",
        summary="Agent run logs as an embedding map: start Load and Index, read points, search, trajectories.",
        version="0.1.0",
        dependencies=[Depends(require_token)] if secured else [],
        responses={
            # A read waits out a batch write; only a store held for longer answers this.
            503: error_response("The record store stayed busy (retry after Retry-After) or Dagster is unreachable"),
            **({401: error_response("No valid bearer token")} if secured else {}),
        },
    )
    app.state.settings = settings
    app.state.store = store
    app.state.dagster = DagsterRuns(
        settings.dagster_url, settings.location_name, submit_lock=settings.home / "api-submit.lock"
    )
    app.state.searcher = searcher
    app.state.points_cache = ResponseCache()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_origin_regex=None if settings.cors_origins else LOOPBACK_ORIGINS,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Accept"],
    )
    # Added last, so it runs first: a request with a foreign Host or a cross-site POST gets no further.
    app.add_middleware(RequestGuard, allowed_hosts=settings.allowed_hosts, origins=settings.cors_origins)
    for module in (health, jobs, points, records, search, runs, stats, viewer):
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
