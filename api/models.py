"""Response bodies of the API, as pydantic models (they are also the OpenAPI schema)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

JobName = Literal["load", "index"]


class PartHealth(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    ok: bool
    parts: dict[str, PartHealth]


class IndexRequest(BaseModel):
    full_refit: bool = Field(False, description="Fit the layout anew on all points, aligned onto the current map.")


class ErrorDetail(BaseModel):
    """The body of every error answer the app writes itself (401, 403, 404, 502, 503)."""

    detail: str


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI `responses` entry for an error answered as ErrorDetail."""
    return {"model": ErrorDetail, "description": description}


class RunError(BaseModel):
    """Why a run failed, as Dagster recorded it."""

    step: str | None = Field(description="The step (asset) that failed; null when the run failed outside any step.")
    error_type: str | None = Field(description="The Python class of the error, e.g. RuntimeError.")
    message: str = Field(description="The error and what caused it, innermost last.")


class JobProgress(BaseModel):
    """How far a run's current counted step has got (Load: files read; Index: texts embedded, points placed)."""

    asset: str = Field(description="The asset being materialized: records, embeddings or projection.")
    stage: str = Field(description="load, embed or place.")
    done: int
    total: int
    unit: str = Field(description="What is counted: files, texts or points.")
    seconds: float = Field(description="Since the counted work began.")
    rate_per_second: float | None = Field(None, description="Units a second so far; null before the first are done.")
    seconds_left: float | None = Field(None, description="At the rate so far; null while no rate is known.")
    message: str
    reported_at: datetime


class JobRun(BaseModel):
    run_id: str
    job: str
    status: str = Field(description="Dagster run status: QUEUED, STARTED, SUCCESS, FAILURE, CANCELED, ...")
    started_at: datetime | None = None
    ended_at: datetime | None = None
    counts: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per asset, the numbers its materialization reported (once finished)."
    )
    error: RunError | None = Field(None, description="What failed, for a run that ended FAILURE; null otherwise.")
    progress: JobProgress | None = Field(
        None, description="The last progress a queued or running run reported; null before its first, and once ended."
    )


class Point(BaseModel):
    id: str
    x: float | None
    y: float | None
    pending: bool = Field(description="Loaded but not placed on the map yet (run index).")
    kind: str
    role: str | None
    tool_name: str | None
    is_error: bool | None
    run_id: str
    model: str | None
    source_format: str
    project: str | None = Field(None, description="The project (working folder or repository) the run worked in.")
    timestamp: datetime | None


class Points(BaseModel):
    count: int
    points: list[Point]


class RecordDetail(BaseModel):
    """One record whole, with where it came from and its place on the map."""

    record_id: str
    run_id: str
    parent_id: str | None
    seq: int | None
    kind: str
    role: str | None
    text: str | None
    tool_name: str | None
    tool_call_id: str | None
    tool_args: str | None
    is_error: bool | None
    agent_name: str | None
    is_subagent: bool | None
    model: str | None
    provider: str | None
    ts_start: datetime | None
    ts_end: datetime | None
    tokens_in: int | None
    tokens_out: int | None
    tokens_cache_read: int | None
    tokens_cache_write: int | None
    cost_usd: float | None
    spawned_run_id: str | None
    project: str | None
    source_format: str
    source_file: str | None
    source_line: int | None
    source_vanished: bool = Field(False, description="The file this record came from is gone from disk.")
    redactions: dict[str, int] | None = Field(
        None,
        description="Secrets (or personal data) replaced before storing, as rule → count: the text holds "
        "placeholders such as <secret:github-token> instead. Null when nothing was redacted.",
    )
    x: float | None = None
    y: float | None = None

    @field_validator("redactions", mode="before")
    @classmethod
    def _from_json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class SearchHit(BaseModel):
    score: float = Field(description="Higher is better: cosine similarity, BM25, or fused rank score.")
    point: Point
    text: str | None


class SearchResults(BaseModel):
    query: str
    mode: str
    hits: list[SearchHit]


class RunSummary(BaseModel):
    run_id: str
    record_id: str
    title: str | None
    source_format: str
    agent_name: str | None
    is_subagent: bool | None
    parent_id: str | None
    model: str | None
    project: str | None
    started_at: datetime | None
    ended_at: datetime | None
    steps: int
    tool_calls: int
    errors: int
    tokens_in: int | None
    tokens_out: int | None


class Runs(BaseModel):
    count: int
    runs: list[RunSummary]


class TrajectoryStep(BaseModel):
    seq: int | None
    point: Point
    text: str | None
    parent_id: str | None


class Trajectory(BaseModel):
    run: RunSummary
    steps: list[TrajectoryStep]


class Stats(BaseModel):
    records: int
    runs: int
    files: int
    vanished_files: int
    rejects: int
    points: int
    pending: int
    vectors: int
    by_kind: dict[str, int]
    by_format: dict[str, int]
    records_redacted: int = Field(description="Records in which redaction replaced something (LOGVIZ_REDACT).")
    redactions_by_rule: dict[str, int] = Field(description="How many values each redaction rule replaced.")
    model: str
