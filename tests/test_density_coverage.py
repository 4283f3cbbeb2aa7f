"""density_coverage (Naeem et al. 2020): values on hand-made sets, the outlier case that fools k-NN
precision, and bad input."""

import numpy as np
import pytest

from minigan.gan.metrics import density_coverage, precision_recall


def brute_force(real, fake, k):
    d_rr = np.linalg.norm(real[:, None] - real[None], axis=2)
    radii = np.sort(d_rr, axis=1)[:, k]                      # column 0 is the point itself
    inside = np.linalg.norm(fake[:, None] - real[None], axis=2) <= radii[None, :]
    return inside.sum() / (k * len(fake)), inside.any(axis=0).mean()


def test_matches_the_definition_on_random_sets():
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((60, 3)), rng.standard_normal((45, 3)) + 0.5
    got = density_coverage(real, fake, k=4, batch=7)
    density, coverage = brute_force(real, fake, 4)
    assert got["density"] == pytest.approx(density) and got["coverage"] == pytest.approx(coverage)


def test_one_dimensional_example_by_hand():
    real = np.array([[0.0], [1.0], [2.0], [3.0]])            # k=1: every ball has radius 1
    fake = np.array([[0.5], [10.0]])                          # 0.5 is in the balls of 0 and 1
    got = density_coverage(real, fake, k=1)
    assert got == {"density": 2 / 2, "coverage": 2 / 4}


def test_same_distribution_gives_density_and_coverage_near_one():
    rng = np.random.default_rng(1)
    got = density_coverage(rng.standard_normal((2000, 2)), rng.standard_normal((2000, 2)), k=5)
    assert 0.9 < got["density"] < 1.1 and got["coverage"] > 0.95


def test_a_real_outlier_fools_precision_but_not_density():
    rng = np.random.default_rng(2)
    real = np.concatenate([rng.standard_normal((200, 2)), [[30.0, 0.0]]])   # one far outlier: a huge ball
    fake = 25.0 + 0.1 * rng.standard_normal((100, 2))                        # all near the outlier
    assert precision_recall(real, fake, k=3)["precision"] == 1.0
    got = density_coverage(real, fake, k=3)
    assert got["density"] == pytest.approx(1 / 3) and got["coverage"] == pytest.approx(1 / 201)


@pytest.mark.parametrize("k", [0, 10, 2.5])
def test_bad_k_is_named(k):
    with pytest.raises(ValueError, match="density_coverage: k must be an integer in 1..9"):
        density_coverage(np.zeros((10, 2)), np.zeros((5, 2)), k=k)


def test_dimension_mismatch_is_named():
    with pytest.raises(ValueError, match="real_features have 2 dimensions, fake_features have 3"):
        density_coverage(np.zeros((10, 2)), np.zeros((5, 3)))
