"""Index: give every embeddable text a vector, then every vector a point on the map.

Both steps start by asking the stores what is missing, so a second run does nothing and a
run that died half way is finished by the next one. DuckDB is opened briefly and only
between batches, never while the model runs, so loads are not held up by an index.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from logviz_assets import projection
from logviz_assets.embedding import TextEmbedder
from logviz_assets.text import embed_text, text_hash, vector_key
from logviz_assets.vectors import VectorTable

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection | None]]
log = logging.getLogger(__name__)


@dataclass
class EmbedReport:
    texts_total: int = 0
    texts_embedded: int = 0
    texts_already_embedded: int = 0
    batches: int = 0
    seconds: float = 0.0
    texts_per_second: float = 0.0
    model: str = ""


@dataclass
class PlaceReport:
    points_total: int = 0
    points_placed: int = 0
    points_moved: int = 0
    refit: bool = False
    method: str = ""
    layout_id: str = ""
    fitted_points: int = 0
    seconds: float = 0.0
    by_kind: Counter = field(default_factory=Counter)


def record_text_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT DISTINCT text_hash FROM records WHERE text_hash IS NOT NULL").fetchall()
    return {row[0] for row in rows}


def texts_for(con: duckdb.DuckDBPyConnection, hashes: list[str]) -> tuple[list[str], list[str]]:
    """The embed text of one record per hash (records sharing a hash share the text)."""
    con.register("wanted_hashes", pa.table({"text_hash": hashes}))
    rows = con.execute(
        """
        SELECT DISTINCT ON (text_hash) text_hash, kind, text, tool_name, tool_args, is_error
        FROM records WHERE text_hash IN (SELECT text_hash FROM wanted_hashes)
        """
    ).fetchall()
    con.unregister("wanted_hashes")
    found_hashes, texts = [], []
    for key, kind, text, tool_name, tool_args, is_error in rows:
        body = embed_text(kind, text, tool_name, tool_args, is_error)
        if text_hash(body) == key:
            found_hashes.append(key)
            texts.append(body)
    return found_hashes, texts


def embed_missing(
    connect: Connect,
    vectors: VectorTable,
    embedder: TextEmbedder,
    chunk_texts: int = 2048,
    progress: Callable[[str], None] = log.info,
) -> EmbedReport:
    """Embed the texts that have no vector under the current model, chunk by chunk.

    Memory stays bounded by `chunk_texts`; each chunk is written before the next is
    encoded, so a crash loses at most one chunk of work.
    """
    started = time.perf_counter()
    report = EmbedReport(model=embedder.model_name)
    with connect() as con:
        wanted = record_text_hashes(con) if con is not None else set()
    done = vectors.text_hashes(embedder.model_name)
    missing = sorted(wanted - done)
    report.texts_total = len(wanted)
    report.texts_already_embedded = len(wanted) - len(missing)
    progress(f"embedding {len(missing)} of {len(wanted)} texts with {embedder.model_name}")
    if missing:
        vectors.ensure(embedder.dimension)
    for start in range(0, len(missing), chunk_texts):
        with connect() as con:
            hashes, texts = texts_for(con, missing[start : start + chunk_texts])
        matrix = embedder.encode(texts)
        keys = [vector_key(h, embedder.model_name) for h in hashes]
        vectors.upsert(keys, hashes, embedder.model_name, texts, matrix)
        report.texts_embedded += len(hashes)
        report.batches += 1
        elapsed = time.perf_counter() - started
        progress(
            f"embedded {report.texts_embedded}/{len(missing)} texts "
            f"({report.texts_embedded / max(elapsed, 1e-9):.0f}/s)"
        )
    if report.texts_embedded:
        vectors.ensure_text_index()
    report.seconds = round(time.perf_counter() - started, 3)
    report.texts_per_second = round(report.texts_embedded / report.seconds, 1) if report.seconds else 0.0
    return report


def current_points(con: duckdb.DuckDBPyConnection) -> tuple[str | None, dict[str, tuple[float, float]]]:
    rows = con.execute("SELECT text_hash, x, y, layout_id FROM points").fetchall()
    layouts = Counter(row[3] for row in rows)
    layout_id = layouts.most_common(1)[0][0] if layouts else None
    return layout_id, {row[0]: (row[1], row[2]) for row in rows}


def write_points(
    con: duckdb.DuckDBPyConnection, hashes: list[str], coords: np.ndarray, layout_id: str, placed_by: str, replace: bool
) -> None:
    con.begin()
    try:
        if replace:
            con.execute("DELETE FROM points")
        con.register(
            "new_points",
            pa.table(
                {
                    "text_hash": hashes,
                    "x": coords[:, 0].astype(float),
                    "y": coords[:, 1].astype(float),
                    "layout_id": [layout_id] * len(hashes),
                    "placed_by": [placed_by] * len(hashes),
                }
            ),
        )
        con.execute(
            "INSERT OR REPLACE INTO points (text_hash, x, y, layout_id, placed_by) "
            "SELECT text_hash, x, y, layout_id, placed_by FROM new_points"
        )
        con.unregister("new_points")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def place_points(
    read: Connect,
    write: Connect,
    vectors: VectorTable,
    layouts: projection.LayoutStore,
    model: str,
    full_refit: bool = False,
    fit_sample_size: int = 50_000,
    random_state: int | None = None,
    progress: Callable[[str], None] = log.info,
) -> PlaceReport:
    """Place every embedded text of a record on the map.

    With no layout yet (or another model's, or on request) this fits one; a requested
    refit is then aligned onto the old map. Otherwise only texts without a point are
    placed, by the saved reducer, and no existing point moves.
    """
    started = time.perf_counter()
    report = PlaceReport()
    with read() as con:
        if con is None:
            return report
        wanted = record_text_hashes(con)
        layout_id, old_points = current_points(con)
    placeable = wanted & vectors.text_hashes(model)
    saved = layouts.load(layout_id) if layout_id else None
    needs_fit = full_refit or saved is None or saved[0].model != model

    if needs_fit:
        hashes, matrix = vectors.load_vectors(model, placeable)
        if not hashes:
            return report
        progress(f"fitting a layout on {len(hashes)} points (sample of at most {fit_sample_size})")
        previous = np.array([old_points.get(h, (np.nan, np.nan)) for h in hashes], dtype=np.float64)
        reducer, fitted, coords = projection.fit(matrix, fit_sample_size, random_state, previous)
        shared = [i for i, h in enumerate(hashes) if h in old_points]
        if shared:  # keep the map a person knows: move the new layout onto the old one
            old = np.array([old_points[hashes[i]] for i in shared])
            coords = projection.align(coords, coords[shared], old)
            report.points_moved = sum(1 for i in shared if not np.allclose(coords[i], old_points[hashes[i]]))
        info = layouts.save(reducer, model, len(fitted))
        with write() as con:
            write_points(con, hashes, coords, info.layout_id, "refit" if full_refit else "fit", replace=True)
        layouts.prune(keep=info.layout_id)
        report.refit, report.points_placed, report.fitted_points = True, len(hashes), len(fitted)
        report.layout_id, report.method = info.layout_id, info.method
    else:
        info, reducer = saved
        new = placeable - set(old_points)
        report.layout_id, report.method, report.fitted_points = info.layout_id, info.method, info.fitted_points
        if new:
            hashes, matrix = vectors.load_vectors(model, new)
            progress(f"placing {len(hashes)} new points with layout {info.layout_id}")
            coords = projection.place(reducer, matrix)
            with write() as con:
                write_points(con, hashes, coords, info.layout_id, "transform", replace=False)
            report.points_placed = len(hashes)
    with read() as con:
        (report.points_total,) = con.execute("SELECT count(*) FROM points").fetchone()
        report.by_kind = Counter(
            dict(
                con.execute("SELECT kind, count(*) FROM records JOIN points USING (text_hash) GROUP BY kind").fetchall()
            )
        )
    report.seconds = round(time.perf_counter() - started, 3)
    progress(
        f"projection done: {report.points_placed} placed, {report.points_moved} moved, "
        f"{report.points_total} in all ({report.method}, layout {report.layout_id})"
    )
    return report
