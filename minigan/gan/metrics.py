"""What did the GAN learn? Metrics computed from scratch.

2-D mixtures (the VEEGAN protocol, Srivastava et al. 2017): draw 2,500 samples; a sample is of
*high quality* when it lies within 3 standard deviations of its nearest mode; a mode is *covered*
when it is the nearest mode of at least one high-quality sample.
"""

from __future__ import annotations

import numpy as np


def mode_metrics(samples, centers, std: float, threshold: float = 3.0) -> dict:
    """Mode coverage of 2-D samples (N, 2) against mode centres (K, 2) of a mixture with `std`.

    Returns modes_covered (int), num_modes, high_quality (fraction of samples within threshold*std
    of their nearest centre), kl_to_uniform (KL(p || uniform) of the histogram p of high-quality
    samples over their nearest modes; 0 for a perfectly balanced generator, inf with no
    high-quality sample) and counts (high-quality samples per mode).
    """
    samples = np.asarray(samples, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"mode_metrics expects samples of shape (N, {centers.shape[1]}), got {samples.shape}")
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=2)  # (N, K)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] <= threshold * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    if counts.sum() == 0:
        kl = float("inf")
    else:
        p = counts / counts.sum()
        nonzero = p > 0
        kl = float(np.sum(p[nonzero] * np.log(p[nonzero] * len(centers))))
    return {
        "modes_covered": int((counts > 0).sum()),
        "num_modes": int(len(centers)),
        "high_quality": float(good.mean()) if len(samples) else 0.0,
        "kl_to_uniform": kl,
        "counts": counts.tolist(),
    }
