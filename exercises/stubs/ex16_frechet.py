"""Exercise 16 (lesson 14): the Frechet distance between two Gaussians (the "FD" of FID).

    frechet_distance(mu1, sigma1, mu2, sigma2) -> float

mu1, mu2: NumPy vectors (d,); sigma1, sigma2: symmetric positive semi-definite (d, d) arrays.
    FD = ||mu1 - mu2||^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))
(sigma1 sigma2)^(1/2) is a matrix square root, not an elementwise one. sigma1 sigma2 is not
symmetric; its eigenvalues are real and non-negative, though (it is similar to a symmetric
matrix). Round-off may make tiny eigenvalues negative: clip them at 0.
Grade it: pytest -m ex_frechet.  Hints: HINTS.md, exercise 16.
"""

import numpy as np


def frechet_distance(mu1, sigma1, mu2, sigma2):
    raise NotImplementedError("Exercise 16: write frechet_distance")
