"""Index: give every embeddable text a vector, then every vector a point on the map.

The Indexer is the record store's texts as vectors (the model, LanceDB) and the vectors as
points (the saved layouts). Both steps start by asking the stores what is missing, so a
second run does nothing and a run that died half way is finished by the next one. The
record store is opened briefly and only between batches, never while the model runs, so
loads are not held up by an index.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from logviz_assets.index import projection
from logviz_assets.index.embedding import TextEmbedder
from logviz_assets.index.text import vector_key
from logviz_assets.index.vectors import VectorTable
from logviz_assets.progress import ProgressCallback, ProgressMeter, message
from logviz_assets.store import RecordStore

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


class EmbedError(RuntimeError):
    """Embedding stopped part way; its cause is `__cause__`.

    Every chunk written before the failure stays written (`report` counts them), so the next
    attempt embeds only what is still missing.
    """

    def __init__(self, report: EmbedReport, missing: int, cause: BaseException) -> None:
        self.report, self.missing = report, missing
        super().__init__(
            f"embedding with {report.model} stopped after {report.texts_embedded} of {missing} texts "
            f"({report.batches} chunks written): {type(cause).__name__}: {cause}"
        )


def embed_missing(
    store: RecordStore,
    vectors: VectorTable,
    embedder: TextEmbedder,
    chunk_texts: int = 2048,
    progress: ProgressCallback = log.info,
) -> EmbedReport:
    """Embed the texts that have no vector under the current model, chunk by chunk.

    Memory stays bounded by `chunk_texts`; each chunk is written before the next is
    encoded, so a crash loses at most one chunk of work.
    """
    started = time.perf_counter()
    report = EmbedReport(model=embedder.model_name)
    wanted = store.text_hashes()
    done = vectors.text_hashes(embedder.model_name)
    missing = sorted(wanted - done)
    report.texts_total = len(wanted)
    report.texts_already_embedded = len(wanted) - len(missing)
    meter = ProgressMeter(
        progress,
        "embed",
        len(missing),
        "texts",
        lambda done, total: f"embedded {done}/{total} texts of {len(wanted)} with {embedder.model_name}",
    )
    try:
        if missing:
            vectors.ensure(embedder.dimension)
        for start in range(0, len(missing), chunk_texts):
            hashes, texts = store.texts_for(missing[start : start + chunk_texts])
            matrix = embedder.encode(texts)
            keys = [vector_key(h, embedder.model_name) for h in hashes]
            vectors.upsert(keys, hashes, embedder.model_name, texts, matrix)
            report.texts_embedded += len(hashes)
            report.batches += 1
            meter.advance(len(hashes))
        if report.texts_embedded:
            vectors.ensure_text_index()
    except Exception as err:  # say how far it got: the caller decides whether to try again
        raise EmbedError(report, len(missing), err) from err
    report.seconds = round(time.perf_counter() - started, 3)
    report.texts_per_second = round(report.texts_embedded / report.seconds, 1) if report.seconds else 0.0
    return report


def place_points(
    store: RecordStore,
    vectors: VectorTable,
    layouts: projection.LayoutStore,
    model: str,
    full_refit: bool = False,
    fit_sample_size: int = 50_000,
    random_state: int | None = None,
    progress: ProgressCallback = log.info,
) -> PlaceReport:
    """Place every embedded text of a record on the map.

    With no layout yet (or another model's, or on request) this fits one; a requested
    refit is then aligned onto the old map. Otherwise only texts without a point are
    placed, by the saved reducer, and no existing point moves.
    """
    started = time.perf_counter()
    report = PlaceReport()
    if not store.exists():
        return report
    wanted = store.text_hashes()
    layout_id, old_points = store.current_points()
    placeable = wanted & vectors.text_hashes(model)
    saved = layouts.load(layout_id) if layout_id else None
    needs_fit = full_refit or saved is None or saved[0].model != model

    if needs_fit:
        hashes, matrix = _in_hash_order(*vectors.load_vectors(model, placeable))
        if not hashes:
            return report
        meter = ProgressMeter(
            progress,
            "place",
            len(hashes),
            "points",
            lambda done, total: (
                f"fitting a layout on {total} points (sample of at most {fit_sample_size}): {done} placed"
            ),
        )
        previous = np.array([old_points.get(h, (np.nan, np.nan)) for h in hashes], dtype=np.float64)
        reducer, fitted, coords = projection.fit(matrix, fit_sample_size, random_state, previous)
        shared = [i for i, h in enumerate(hashes) if h in old_points]
        if shared:  # keep the map a person knows: move the new layout onto the old one
            old = np.array([old_points[hashes[i]] for i in shared])
            coords = projection.align(coords, coords[shared], old)
            report.points_moved = sum(1 for i in shared if not np.allclose(coords[i], old_points[hashes[i]]))
        info = layouts.save(reducer, model, len(fitted))
        store.write_points(hashes, coords, info.layout_id, "refit" if full_refit else "fit", replace=True)
        meter.advance(len(hashes))
        layouts.prune(keep=info.layout_id)
        report.refit, report.points_placed, report.fitted_points = True, len(hashes), len(fitted)
        report.layout_id, report.method = info.layout_id, info.method
    else:
        info, reducer = saved
        new = placeable - set(old_points)
        report.layout_id, report.method, report.fitted_points = info.layout_id, info.method, info.fitted_points
        if new:
            hashes, matrix = _in_hash_order(*vectors.load_vectors(model, new))
            meter = ProgressMeter(
                progress,
                "place",
                len(hashes),
                "points",
                lambda done, total: f"placing {total} new points with layout {info.layout_id}: {done} placed",
            )
            coords = projection.place(reducer, matrix)
            store.write_points(hashes, coords, info.layout_id, "transform", replace=False)
            meter.advance(len(hashes))
            report.points_placed = len(hashes)
        # A run killed between saving a new layout and pruning leaves reducers no point uses.
        layouts.prune(keep=info.layout_id)
    report.points_total, report.by_kind = store.placed()
    report.seconds = round(time.perf_counter() - started, 3)
    progress(
        message(
            f"projection done: {report.points_placed} placed, {report.points_moved} moved, "
            f"{report.points_total} in all ({report.method}, layout {report.layout_id})",
            "place",
        )
    )
    return report


def _in_hash_order(hashes: list[str], matrix: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The vectors sorted by text hash.

    LanceDB returns rows in no fixed order (a merge writes them as its join yields them), and
    UMAP's result depends on the order of its input: sorted, the same vectors and seed give the
    same map, so a run that died half way and the run that finishes it end where a clean run does.
    """
    order = np.argsort(np.asarray(hashes, dtype=object), kind="stable")
    if np.all(order[1:] > order[:-1]):
        return hashes, matrix
    return [hashes[i] for i in order], matrix[order]


class Indexer:
    """The Index operation over one record store: texts to vectors, vectors to points."""

    def __init__(
        self,
        store: RecordStore,
        vectors: VectorTable,
        embedder: TextEmbedder,
        layouts: projection.LayoutStore | None,
        chunk_texts: int = 2048,
        fit_sample_size: int = 50_000,
        random_state: int | None = None,
    ) -> None:
        self.store, self.vectors, self.embedder, self.layouts = store, vectors, embedder, layouts
        self.chunk_texts, self.fit_sample_size, self.random_state = chunk_texts, fit_sample_size, random_state

    def embed_missing(self, progress: ProgressCallback = log.info) -> EmbedReport:
        return embed_missing(self.store, self.vectors, self.embedder, self.chunk_texts, progress)

    def place_points(self, full_refit: bool = False, progress: ProgressCallback = log.info) -> PlaceReport:
        if self.layouts is None:
            raise ValueError("placing points needs the layouts folder")
        return place_points(
            self.store,
            self.vectors,
            self.layouts,
            self.embedder.model_name,
            full_refit=full_refit,
            fit_sample_size=self.fit_sample_size,
            random_state=self.random_state,
            progress=progress,
        )
