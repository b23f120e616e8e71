"""The API's typed dependencies, declared once; routes only name them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator

from api.dagster_client import DagsterRuns
from api.queries import PointFilter
from api.search import Searcher
from logviz_assets.record import Kind
from logviz_assets.settings import Settings
from logviz_assets.store import RecordStore


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> RecordStore:
    return request.app.state.store


def _searcher(request: Request) -> Searcher:
    return request.app.state.searcher


def _dagster(request: Request) -> DagsterRuns:
    return request.app.state.dagster


NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _iso_only(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970; the schema promises ISO 8601 date-times, and
    # "?since=2026" read as 2026 seconds after 1970 would be a silent surprise.
    if isinstance(value, int | float) or (isinstance(value, str) and NUMBER.fullmatch(value.strip())):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-01-25T06:21:47Z, not a number")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


def _point_filter(
    kind: Kind | None = None,
    role: str | None = None,
    tool_name: str | None = None,
    is_error: bool | None = None,
    run_id: str | None = None,
    model: str | None = None,
    source_format: str | None = None,
    project: str | None = None,
    since: Annotated[IsoDateTime | None, Query(description="Only steps at or after this time (ISO 8601).")] = None,
    until: Annotated[IsoDateTime | None, Query(description="Only steps before this time (ISO 8601).")] = None,
) -> PointFilter:
    return PointFilter(kind, role, tool_name, is_error, run_id, model, source_format, project, since, until)


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[RecordStore, Depends(_store)]
SearcherDep = Annotated[Searcher, Depends(_searcher)]
DagsterDep = Annotated[DagsterRuns, Depends(_dagster)]
FilterDep = Annotated[PointFilter, Depends(_point_filter)]
