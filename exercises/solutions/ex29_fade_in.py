"""Exercise 29 (lesson 19), reference solution: the fade-in of a new block."""

import minigan as mg
from minigan import functional as F


def fade_in(old, new, alpha):
    """lerp(upsample(old), new, alpha): old (N, C, R, R) repeated 2 x 2, blended with new."""
    return F.interpolate(old, scale_factor=2, mode="nearest").lerp(new, alpha)
