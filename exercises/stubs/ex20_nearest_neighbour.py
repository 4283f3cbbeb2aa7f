"""Exercise 20 (lesson 22): does a generator copy its training images?

    nearest_neighbours(queries, reference) -> (distances, indices)
        queries: (N, ...) and reference: (M, ...) NumPy arrays (images, or feature vectors) whose
        rows have the same size. For each query, the Euclidean distance to its nearest reference
        row over all remaining dimensions, (N,) float64, and that row's index, (N,) int.
        An exact copy of a reference row is at distance 0.
    memorisation_ratio(samples, train, held_out) -> float
        median nearest-neighbour distance of the samples to the training set, divided by the
        median nearest-neighbour distance of held-out real images (never trained on) to the
        training set. About 1: samples are as far from the training images as new real images
        are; near 0: the samples are copies.

Work in float64. A (N, M) matrix of distances fits in memory for the sizes of lesson 22 (a few
thousand rows each); an (N, M, pixels) array does not: use |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, or
loop over the queries in batches.
Grade it: pytest -m ex_nearest_neighbour.  Hints: HINTS.md, exercise 20.
"""

import numpy as np


def nearest_neighbours(queries, reference):
    raise NotImplementedError("Exercise 20: write nearest_neighbours")


def memorisation_ratio(samples, train, held_out):
    raise NotImplementedError("Exercise 20: write memorisation_ratio")
