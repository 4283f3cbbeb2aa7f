"""A plausible wrong answer to Exercise 20 (lesson 22):
takes the distance straight from |a|^2 + |b|^2 - 2 a.b in float32: rounding leaves a copy at a
small non-zero distance (or a NaN from the square root of a tiny negative number).

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_copies_are_found_at_distance_zero"  # the test that must fail on this answer

import numpy as np


def nearest_neighbours(queries, reference):
    q = np.asarray(queries, np.float32).reshape(len(queries), -1)
    r = np.asarray(reference, np.float32).reshape(len(reference), -1)
    squared = (q * q).sum(1)[:, None] + (r * r).sum(1)[None, :] - 2 * q @ r.T
    nearest = squared.argmin(1)
    return np.sqrt(np.abs(squared[np.arange(len(q)), nearest])).astype(np.float64), nearest


def memorisation_ratio(samples, train, held_out):
    return float(np.median(nearest_neighbours(samples, train)[0]) / np.median(nearest_neighbours(held_out, train)[0]))
