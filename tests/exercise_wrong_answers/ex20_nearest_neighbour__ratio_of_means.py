"""A plausible wrong answer to Exercise 20 (lesson 22):
divides the mean distances instead of the medians: a few outlying samples hide a majority of copies.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_the_ratio_is_of_medians"  # the test that must fail on this answer

import numpy as np


def nearest_neighbours(queries, reference):
    q = np.asarray(queries, np.float64).reshape(len(queries), -1)
    r = np.asarray(reference, np.float64).reshape(len(reference), -1)
    d = np.sqrt(((q[:, None, :] - r[None, :, :]) ** 2).sum(-1))
    return d.min(1), d.argmin(1)


def memorisation_ratio(samples, train, held_out):
    return float(nearest_neighbours(samples, train)[0].mean() / nearest_neighbours(held_out, train)[0].mean())
