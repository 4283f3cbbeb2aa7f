"""Exercise 20 (lesson 22), reference solution: nearest training neighbours and the memorisation ratio."""

import numpy as np


def nearest_neighbours(queries, reference, batch=500):
    """(distance to the nearest reference row (N,), its index (N,)) for each query row."""
    q = np.asarray(queries, np.float64).reshape(len(queries), -1)
    r = np.asarray(reference, np.float64).reshape(len(reference), -1)
    distances, indices = np.empty(len(q)), np.empty(len(q), dtype=np.int64)
    r_norms = (r * r).sum(1)
    for start in range(0, len(q), batch):
        block = q[start:start + batch]
        squared = (block * block).sum(1)[:, None] + r_norms[None, :] - 2 * block @ r.T
        nearest = squared.argmin(1)
        indices[start:start + batch] = nearest
        # the winner's distance from the difference itself: the expansion above rounds, and an
        # exact copy must come out at 0
        distances[start:start + batch] = np.sqrt(((block - r[nearest]) ** 2).sum(1))
    return distances, indices


def memorisation_ratio(samples, train, held_out):
    """median NN distance (samples -> train) / median NN distance (held-out real -> train)."""
    return float(np.median(nearest_neighbours(samples, train)[0]) / np.median(nearest_neighbours(held_out, train)[0]))
