"""2D placement: fit a reducer once, place later points with it, align refits onto the old map.

Pure numpy/umap code: the projection asset decides *which* vectors to place and stores
the results; this module only does the geometry and keeps fitted reducers on disk.
"""

from __future__ import annotations

import json
import pickle
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

# Below this many points UMAP's neighbour graph is too thin to mean much (and its
# spectral start can fail), so a linear projection places them instead.
MIN_POINTS_FOR_UMAP = 20


@dataclass
class LayoutInfo:
    layout_id: str
    model: str
    method: str
    fitted_points: int


class LinearReducer:
    """PCA to 2D by SVD: the placement for maps too small for UMAP."""

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        self.mean_ = vectors.mean(axis=0)
        centered = vectors - self.mean_
        if len(vectors) < 2:
            self.components_ = np.eye(vectors.shape[1], 2, dtype=np.float32)
        else:
            _, _, vt = np.linalg.svd(centered, full_matrices=False)
            components = vt[:2]
            if components.shape[0] < 2:
                components = np.vstack([components, np.zeros((2 - components.shape[0], vectors.shape[1]))])
            self.components_ = components.T
        return self.transform(vectors)

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        return (vectors - self.mean_) @ self.components_


def make_reducer(n_points: int, random_state: int | None = None, init: np.ndarray | None = None):
    """UMAP for real maps, the linear reducer for tiny ones; `init` starts UMAP from given coordinates."""
    if n_points < MIN_POINTS_FOR_UMAP:
        return LinearReducer()
    import umap

    return umap.UMAP(
        n_neighbors=min(15, n_points - 1),
        n_components=2,
        metric="cosine",
        min_dist=0.1,
        random_state=random_state,
        low_memory=True,
        init="spectral" if init is None else init,
    )


def fit(
    vectors: np.ndarray,
    sample_size: int,
    random_state: int | None = None,
    previous: np.ndarray | None = None,
) -> tuple[object, np.ndarray, np.ndarray]:
    """Fit a reducer on all vectors, or on a random sample of them when there are more.

    Returns (reducer, indices fitted on, coordinates of every vector). Above
    `sample_size` points a full UMAP fit costs more memory and time than it is worth;
    the rest are placed by `transform`, as later points are.

    `previous` (one row per vector, NaN where a vector had no point) starts the fit from
    the map a person already knows, so a refit rearranges it as little as the data lets it.
    """
    n = len(vectors)
    rng = np.random.default_rng(random_state)
    fitted = np.sort(rng.choice(n, size=sample_size, replace=False)) if n > sample_size else np.arange(n)
    init = None if previous is None else starting_coordinates(vectors[fitted], previous[fitted])
    reducer = make_reducer(len(fitted), random_state, init)
    coords = np.empty((n, 2), dtype=np.float64)
    coords[fitted] = reducer.fit_transform(vectors[fitted])
    rest = np.setdiff1d(np.arange(n), fitted, assume_unique=True)
    if len(rest):
        coords[rest] = place(reducer, vectors[rest])
    return reducer, fitted, coords


def starting_coordinates(vectors: np.ndarray, previous: np.ndarray, batch: int = 4096) -> np.ndarray | None:
    """`previous`, with each missing row taken from the most similar vector that has one.

    None when too few rows have coordinates to start from, or they are all one point.
    """
    placed = np.isfinite(previous).all(axis=1)
    known, missing = np.flatnonzero(placed), np.flatnonzero(~placed)
    if len(known) < MIN_POINTS_FOR_UMAP or np.ptp(previous[known], axis=0).min() <= 0:
        return None
    start = previous.astype(np.float64, copy=True)
    for i in range(0, len(missing), batch):
        rows = missing[i : i + batch]
        nearest = known[np.argmax(vectors[rows] @ vectors[known].T, axis=1)]
        start[rows] = previous[nearest]
    # Points sharing one start would stay stuck together; a little jitter parts them.
    jitter = np.random.default_rng(0).normal(0.0, 1e-4 * np.ptp(start, axis=0).max(), start.shape)
    return start + jitter


def place(reducer: object, vectors: np.ndarray, batch: int = 20_000) -> np.ndarray:
    """Coordinates for new vectors under a fitted reducer; fitted points do not move."""
    if len(vectors) == 0:
        return np.zeros((0, 2))
    parts = [
        np.asarray(reducer.transform(vectors[i : i + batch]), dtype=np.float64) for i in range(0, len(vectors), batch)
    ]
    return np.vstack(parts)


def similarity_transform(source: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale, rotation (or reflection) and shift that best map `source` points onto `target`.

    Least squares over corresponding rows (Umeyama 1991, with reflections allowed since a
    mirrored map is as recognisable as a rotated one). Apply as `scale * p @ R + t`.
    """
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mu_s, target - mu_t
    u, sigma, vt = np.linalg.svd(s.T @ t)
    rotation = u @ vt
    variance = (s**2).sum()
    scale = float(sigma.sum() / variance) if variance > 0 else 1.0
    shift = mu_t - scale * mu_s @ rotation
    return scale, rotation, shift


def align(new: np.ndarray, new_shared: np.ndarray, old_shared: np.ndarray) -> np.ndarray:
    """`new` coordinates moved by the similarity transform that best fits shared points."""
    if len(new_shared) < 3:
        return new
    scale, rotation, shift = similarity_transform(new_shared, old_shared)
    return scale * new @ rotation + shift


class LayoutStore:
    """Fitted reducers on disk, one file per layout id, written before the points that use it.

    Points name their layout id, so a crash between saving a reducer and writing its
    points leaves the previous layout (and its reducer) in force.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, reducer: object, model: str, fitted_points: int) -> LayoutInfo:
        self.folder.mkdir(parents=True, exist_ok=True)
        method = "umap" if type(reducer).__module__.startswith("umap") else "linear"
        info = LayoutInfo(uuid.uuid4().hex[:12], model, method, fitted_points)
        partial = self.folder / f"{info.layout_id}.pkl.partial"
        with partial.open("wb") as handle:
            pickle.dump({"info": asdict(info), "reducer": reducer}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.rename(self.folder / f"{info.layout_id}.pkl")
        (self.folder / f"{info.layout_id}.json").write_text(json.dumps(asdict(info)))
        return info

    def load(self, layout_id: str) -> tuple[LayoutInfo, object] | None:
        path = self.folder / f"{layout_id}.pkl"
        if not path.exists():
            return None
        with path.open("rb") as handle:
            saved = pickle.load(handle)
        return LayoutInfo(**saved["info"]), saved["reducer"]

    def info(self, layout_id: str) -> LayoutInfo | None:
        path = self.folder / f"{layout_id}.json"
        return LayoutInfo(**json.loads(path.read_text())) if path.exists() else None

    def prune(self, keep: str) -> None:
        """Remove reducers of layouts no point uses any more."""
        for path in self.folder.glob("*.pkl*"):
            if not path.name.startswith(keep):
                path.unlink(missing_ok=True)
        for path in self.folder.glob("*.json"):
            if path.stem != keep:
                path.unlink(missing_ok=True)
