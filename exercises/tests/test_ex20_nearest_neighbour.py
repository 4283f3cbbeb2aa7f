"""Exercise 20: nearest training neighbours and the memorisation ratio."""

import numpy as np
import pytest

pytestmark = pytest.mark.ex_nearest_neighbour


def images(rng, n):
    return rng.uniform(-1, 1, (n, 1, 6, 6)).astype(np.float32)


def test_against_brute_force(student):
    rng = np.random.default_rng(0)
    queries, reference = images(rng, 30), images(rng, 40)
    distances, indices = student.nearest_neighbours(queries, reference)
    brute = np.sqrt(((queries.reshape(30, 1, -1).astype(np.float64) - reference.reshape(1, 40, -1)) ** 2).sum(-1))
    assert distances.shape == (30,) and indices.shape == (30,)
    np.testing.assert_array_equal(indices, brute.argmin(1))
    np.testing.assert_allclose(distances, brute.min(1), rtol=1e-10)


def test_copies_are_found_at_distance_zero(student):
    """A sample that copies a training image pixel for pixel is at distance exactly 0 from it."""
    rng = np.random.default_rng(1)
    reference = images(rng, 50) * 37.0                  # large pixel values: rounding in |a|^2 + |b|^2 - 2ab shows
    queries = reference[[3, 41, 17]]
    distances, indices = student.nearest_neighbours(queries, reference)
    assert indices.tolist() == [3, 41, 17]
    assert distances.tolist() == [0.0, 0.0, 0.0]


def test_feature_vectors_and_single_rows(student):
    reference = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    distances, indices = student.nearest_neighbours(np.array([[3.0, 3.0], [9.0, 1.0]]), reference)
    assert indices.tolist() == [1, 2]
    np.testing.assert_allclose(distances, [1.0, np.sqrt(2.0)], rtol=1e-12)


def test_memorisation_ratio(student):
    rng = np.random.default_rng(2)
    train, held_out, fresh = images(rng, 200), images(rng, 200), images(rng, 200)
    copies = train[rng.integers(0, 200, 100)]
    assert student.memorisation_ratio(copies, train, held_out) == 0.0       # every sample a copy
    assert 0.9 < student.memorisation_ratio(fresh, train, held_out) < 1.1  # new samples of the same distribution


def test_the_ratio_is_of_medians(student):
    """Medians: a few samples far off do not hide that most are copies."""
    rng = np.random.default_rng(3)
    train, held_out = images(rng, 100), images(rng, 100)
    samples = np.concatenate([train[:60] + 0.01, 50 + images(rng, 40)])     # 60 near-copies, 40 far outliers
    ratio = student.memorisation_ratio(samples, train, held_out)
    assert ratio < 0.05
