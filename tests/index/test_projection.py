"""The geometry of the map alone: alignment, the small-map reducer, sampled fits, saved layouts."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.spatial import procrustes

from logviz_assets.index import projection
from logviz_assets.index.projection import LayoutStore, LinearReducer, align, fit, place, similarity_transform


def rotation(theta: float) -> np.ndarray:
    return np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])


MIRROR = np.array([[1.0, 0.0], [0.0, -1.0]])


def pairwise(points: np.ndarray) -> np.ndarray:
    return np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)


def plane_points(n: int, dim: int, seed: int) -> np.ndarray:
    """`n` points lying on a random 2D plane through a random point of R^dim."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(dim, 2)))
    return rng.normal(size=(n, 2)) @ basis.T + rng.normal(size=dim)


# --- similarity transform and alignment -------------------------------------------------------


@pytest.mark.parametrize("reflect", [False, True])
def test_similarity_transform_recovers_a_known_transform(reflect: bool) -> None:
    rng = np.random.default_rng(7)
    source = rng.normal(size=(40, 2))
    turn = rotation(0.7) @ (MIRROR if reflect else np.eye(2))
    target = 2.5 * source @ turn + np.array([3.0, -4.0])

    scale, rot, shift = similarity_transform(source, target)

    assert scale == pytest.approx(2.5)
    np.testing.assert_allclose(rot, turn, atol=1e-9)
    np.testing.assert_allclose(shift, [3.0, -4.0], atol=1e-9)
    assert np.linalg.det(rot) == pytest.approx(-1.0 if reflect else 1.0)
    np.testing.assert_allclose(scale * source @ rot + shift, target, atol=1e-9)


def test_similarity_transform_with_noise_is_close() -> None:
    rng = np.random.default_rng(3)
    source = rng.uniform(-10, 10, size=(200, 2))
    target = 0.5 * source @ rotation(-2.0) + np.array([1.0, 1.0]) + rng.normal(scale=0.05, size=(200, 2))
    scale, rot, shift = similarity_transform(source, target)
    assert scale == pytest.approx(0.5, rel=0.01)
    np.testing.assert_allclose(rot, rotation(-2.0), atol=0.01)
    np.testing.assert_allclose(shift, [1.0, 1.0], atol=0.05)


def test_similarity_transform_of_identical_points_is_identity() -> None:
    points = np.random.default_rng(0).normal(size=(10, 2))
    scale, rot, shift = similarity_transform(points, points)
    assert scale == pytest.approx(1.0)
    np.testing.assert_allclose(rot, np.eye(2), atol=1e-9)
    np.testing.assert_allclose(shift, 0.0, atol=1e-9)


def test_similarity_transform_of_collapsed_source_does_not_divide_by_zero() -> None:
    source = np.ones((5, 2))
    target = np.random.default_rng(1).normal(size=(5, 2))
    scale, _, shift = similarity_transform(source, target)
    assert scale == 1.0
    assert np.all(np.isfinite(shift))


def test_align_moves_a_whole_layout_onto_the_old_one_by_its_shared_points() -> None:
    rng = np.random.default_rng(11)
    old_all = rng.normal(size=(50, 2))
    # The refit is the old map turned, mirrored, shrunk and shifted, plus points the old map lacks.
    turn = rotation(1.9) @ MIRROR
    new_all = 0.3 * old_all @ turn + np.array([-7.0, 2.0])
    shared = np.arange(0, 50, 2)

    aligned = align(new_all, new_all[shared], old_all[shared])

    np.testing.assert_allclose(aligned, old_all, atol=1e-9)  # the unshared points follow too
    assert not np.allclose(new_all, old_all)


def test_align_leaves_the_layout_alone_with_fewer_than_three_shared_points() -> None:
    new = np.random.default_rng(2).normal(size=(10, 2))
    assert align(new, new[:2], new[:2] + 5.0) is new


# --- the linear reducer -----------------------------------------------------------------------


def test_linear_reducer_on_one_point() -> None:
    vectors = np.random.default_rng(0).normal(size=(1, 384)).astype(np.float32)
    reducer = LinearReducer()
    coords = reducer.fit_transform(vectors)
    assert coords.shape == (1, 2)
    np.testing.assert_allclose(coords, 0.0, atol=1e-6)  # the only point is the centre
    later = reducer.transform(np.random.default_rng(1).normal(size=(3, 384)).astype(np.float32))
    assert later.shape == (3, 2) and np.all(np.isfinite(later))


def test_linear_reducer_on_two_points_keeps_their_distance() -> None:
    vectors = np.random.default_rng(4).normal(size=(2, 384))
    coords = LinearReducer().fit_transform(vectors)
    assert coords.shape == (2, 2)
    assert np.linalg.norm(coords[0] - coords[1]) == pytest.approx(np.linalg.norm(vectors[0] - vectors[1]))
    np.testing.assert_allclose(coords.mean(axis=0), 0.0, atol=1e-9)


def test_linear_reducer_on_five_points_of_a_plane_keeps_every_distance() -> None:
    six = plane_points(6, 384, seed=5)
    vectors, extra = six[:5], six[5:]
    reducer = LinearReducer()
    coords = reducer.fit_transform(vectors)
    assert coords.shape == (5, 2)
    np.testing.assert_allclose(pairwise(coords), pairwise(vectors), atol=1e-8)
    # A later point of the same plane lands where its distances say it should.
    both = np.vstack([coords, reducer.transform(extra)])
    np.testing.assert_allclose(pairwise(both), pairwise(np.vstack([vectors, extra])), atol=1e-8)


def test_linear_reducer_on_one_dimensional_vectors() -> None:
    vectors = np.array([[0.0], [1.0], [3.0], [6.0], [10.0]])
    coords = LinearReducer().fit_transform(vectors)
    assert coords.shape == (5, 2)
    np.testing.assert_allclose(np.abs(coords[:, 0]), np.abs(vectors[:, 0] - 4.0))
    np.testing.assert_allclose(coords[:, 1], 0.0)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_fit_places_tiny_inputs_with_the_linear_reducer(n: int) -> None:
    vectors = np.random.default_rng(n).normal(size=(n, 16)).astype(np.float32)
    reducer, fitted, coords = fit(vectors, sample_size=1000, random_state=0)
    assert isinstance(reducer, LinearReducer)
    assert list(fitted) == list(range(n))
    assert coords.shape == (n, 2) and np.all(np.isfinite(coords))


# --- fitting on a sample ----------------------------------------------------------------------


def test_fit_on_a_sample_places_every_point() -> None:
    vectors = np.random.default_rng(8).normal(size=(50, 32))
    reducer, fitted, coords = fit(vectors, sample_size=10, random_state=42)

    assert len(fitted) == 10 == len(set(fitted.tolist()))
    assert list(fitted) == sorted(fitted) and fitted.min() >= 0 and fitted.max() < 50
    assert coords.shape == (50, 2) and np.all(np.isfinite(coords))
    # Sampled and unsampled points alike sit where the fitted reducer puts them.
    np.testing.assert_allclose(coords, reducer.transform(vectors), atol=1e-9)
    # The reducer was fitted on the sample only: its centre is the sample's mean.
    np.testing.assert_allclose(reducer.mean_, vectors[fitted].mean(axis=0))
    assert not np.allclose(reducer.mean_, vectors.mean(axis=0))

    _again_reducer, again_fitted, again_coords = fit(vectors, sample_size=10, random_state=42)
    assert list(again_fitted) == list(fitted)
    np.testing.assert_allclose(again_coords, coords)


def test_umap_fit_on_a_sample_places_every_point() -> None:
    rng = np.random.default_rng(9)
    centres = rng.normal(scale=5.0, size=(3, 24))
    labels = np.repeat(np.arange(3), 30)
    vectors = (centres[labels] + rng.normal(size=(90, 24))).astype(np.float32)

    reducer, fitted, coords = fit(vectors, sample_size=45, random_state=0)

    assert type(reducer).__module__.startswith("umap")
    assert len(fitted) == 45
    assert coords.shape == (90, 2) and np.all(np.isfinite(coords))
    rest = np.setdiff1d(np.arange(90), fitted)
    # Points placed later land with their own cluster: nearest fitted neighbour shares the label.
    nearest = fitted[np.argmin(pairwise(np.vstack([coords[rest], coords[fitted]]))[: len(rest), len(rest) :], axis=1)]
    assert np.mean(labels[nearest] == labels[rest]) > 0.9


def test_place_handles_empty_and_batched_inputs() -> None:
    vectors = np.random.default_rng(6).normal(size=(30, 8))
    reducer = LinearReducer()
    reducer.fit_transform(vectors[:10])
    assert place(reducer, vectors[:0]).shape == (0, 2)
    np.testing.assert_allclose(place(reducer, vectors, batch=7), reducer.transform(vectors))


def test_make_reducer_switches_to_umap_at_the_threshold() -> None:
    assert isinstance(projection.make_reducer(projection.MIN_POINTS_FOR_UMAP - 1), LinearReducer)
    assert type(projection.make_reducer(projection.MIN_POINTS_FOR_UMAP)).__module__.startswith("umap")


# --- saved layouts ----------------------------------------------------------------------------


def fitted_linear(seed: int) -> tuple[LinearReducer, np.ndarray]:
    vectors = np.random.default_rng(seed).normal(size=(6, 12))
    reducer = LinearReducer()
    reducer.fit_transform(vectors)
    return reducer, vectors


def test_layout_store_saves_and_loads_a_reducer(tmp_path) -> None:
    layouts = LayoutStore(tmp_path / "layouts")  # created on first save
    reducer, vectors = fitted_linear(1)

    info = layouts.save(reducer, "some-model", fitted_points=6)

    assert info.method == "linear" and info.model == "some-model" and info.fitted_points == 6
    loaded = layouts.load(info.layout_id)
    assert loaded is not None
    loaded_info, loaded_reducer = loaded
    assert loaded_info == info
    np.testing.assert_array_equal(loaded_reducer.transform(vectors), reducer.transform(vectors))
    assert layouts.info(info.layout_id) == info
    assert json.loads((tmp_path / "layouts" / f"{info.layout_id}.json").read_text())["model"] == "some-model"
    assert not list((tmp_path / "layouts").glob("*.partial"))
    assert layouts.load("000000000000") is None and layouts.info("000000000000") is None


def test_layout_store_gives_each_save_its_own_id_and_prunes_the_others(tmp_path) -> None:
    layouts = LayoutStore(tmp_path)
    first = layouts.save(fitted_linear(1)[0], "m", 6)
    second = layouts.save(fitted_linear(2)[0], "m", 6)
    third = layouts.save(fitted_linear(3)[0], "m", 6)
    assert len({first.layout_id, second.layout_id, third.layout_id}) == 3
    (tmp_path / f"{first.layout_id}.pkl.partial").write_bytes(b"left by a crash")

    layouts.prune(keep=second.layout_id)

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{second.layout_id}.pkl", f"{second.layout_id}.json"])
    assert layouts.load(second.layout_id) is not None
    assert layouts.load(first.layout_id) is None and layouts.load(third.layout_id) is None


def test_starting_coordinates_fill_a_missing_point_from_its_most_similar_neighbour() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    previous = rng.normal(size=(30, 2))
    vectors[7] = vectors[21] * 0.99 + 0.01 * vectors[3]  # 7 is most like 21
    vectors[7] /= np.linalg.norm(vectors[7])
    previous[7] = np.nan

    start = projection.starting_coordinates(vectors, previous)

    assert start is not None and np.isfinite(start).all()
    np.testing.assert_allclose(start[7], previous[21], atol=1e-2)
    known = np.arange(30) != 7
    np.testing.assert_allclose(start[known], previous[known], atol=1e-2)


def test_starting_coordinates_need_enough_known_points() -> None:
    vectors = np.eye(30, 8, dtype=np.float32)
    previous = np.full((30, 2), np.nan)
    assert projection.starting_coordinates(vectors, previous) is None
    previous[:5] = np.arange(10).reshape(5, 2)
    assert projection.starting_coordinates(vectors, previous) is None


def test_refit_from_the_previous_map_stays_closer_to_it() -> None:
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(6, 32))
    vectors = np.vstack([c + 0.3 * rng.normal(size=(60, 32)) for c in centers]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    _, _, first = projection.fit(vectors, 10_000, random_state=1)
    previous = first.copy()
    previous[::5] = np.nan  # a fifth of the points are new to the map

    _, _, started = projection.fit(vectors, 10_000, random_state=2, previous=previous)
    _, _, fresh = projection.fit(vectors, 10_000, random_state=2)

    assert procrustes(first, started)[2] < procrustes(first, fresh)[2]
