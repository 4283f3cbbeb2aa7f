"""Exercise 16: the Frechet distance between two Gaussians."""

import math

import numpy as np
import pytest

pytestmark = pytest.mark.ex_frechet


def covariance(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_diagonal_covariances(student):
    """Diagonal: tr(S1 + S2 - 2 sqrt(S1 S2)) = sum (sqrt(a) - sqrt(b))^2."""
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = 5.0 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    got = student.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert isinstance(got, float) and math.isclose(got, expected, rel_tol=1e-12)


def test_full_covariances(student):
    """tr((S1 S2)^(1/2)) is the sum of the square roots of S1 S2's eigenvalues (real, >= 0)."""
    rng = np.random.default_rng(0)
    s1, s2 = covariance(rng, 4), covariance(rng, 4)
    mu1, mu2 = rng.standard_normal(4), rng.standard_normal(4)
    trace_sqrt = np.sqrt(np.linalg.eigvals(s1 @ s2).real).sum()
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt
    assert math.isclose(student.frechet_distance(mu1, s1, mu2, s2), expected, rel_tol=1e-9)


def test_zero_for_identical_and_symmetric(student):
    rng = np.random.default_rng(1)
    s1, s2 = covariance(rng, 5), covariance(rng, 5)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    assert abs(student.frechet_distance(mu1, s1, mu1, s1)) < 1e-9
    assert math.isclose(student.frechet_distance(mu1, s1, mu2, s2),
                        student.frechet_distance(mu2, s2, mu1, s1), rel_tol=1e-9)
