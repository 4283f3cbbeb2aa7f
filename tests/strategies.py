"""Hypothesis strategies shared by the op tests: shapes (with size-0 and size-1 axes), broadcasting
pairs, and float64 arrays that may be non-contiguous views.

Values come from a NumPy generator seeded by hypothesis, not from hypothesis' float strategy, so
they are continuous (no ties at a max, no points exactly on a kink) and reproducible.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
NONEMPTY_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def noncontiguous(array: np.ndarray) -> np.ndarray:
    """The same values as a strided (every other element) view: never C-contiguous when size > 1."""
    if array.ndim == 0:
        return array
    padded = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
    view = padded[..., ::2]
    view[...] = array
    return view


def values(seed: int, shape, low=-2.0, high=2.0, away_from=(), margin=0.05) -> np.ndarray:
    """Uniform float64 values in [low, high], pushed at least `margin` away from each kink."""
    x = np.random.default_rng(seed).uniform(low, high, size=shape)
    for point in away_from:
        near = np.abs(x - point) < margin
        x = np.where(near, point + np.where(x >= point, margin, -margin), x)
    return x


@st.composite
def arrays(draw, shape=SHAPES, low=-2.0, high=2.0, away_from=()):
    """A float64 array of a drawn shape, contiguous or a strided view."""
    shape = draw(shape) if not isinstance(shape, tuple) else shape
    x = values(draw(st.integers(0, 2**32 - 1)), shape, low, high, away_from)
    return noncontiguous(x) if draw(st.booleans()) else x


broadcastable_pairs = hnp.mutually_broadcastable_shapes(
    num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3
)
