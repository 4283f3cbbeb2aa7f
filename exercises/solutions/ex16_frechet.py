"""Exercise 16 (lesson 14), reference solution: the Frechet distance between two Gaussians."""

import numpy as np


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """||mu1 - mu2||^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)), NumPy arrays in, a float out.

    tr((sigma1 sigma2)^(1/2)) = tr((A sigma2 A)^(1/2)) with A = sigma1^(1/2): a symmetric matrix,
    whose square root comes from its eigenvalues (negative round-off clipped to 0).
    """
    def sqrtm_psd(m):
        values, vectors = np.linalg.eigh((m + m.T) / 2)
        return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T

    a = sqrtm_psd(sigma1)
    middle = np.linalg.eigvalsh(a @ sigma2 @ a)
    trace_sqrt = np.sqrt(np.clip(middle, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt)
