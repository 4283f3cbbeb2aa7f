"""A plausible wrong answer to Exercise 23 (lesson 17):
the edge pixel repeated in the mirror (NumPy's 'symmetric', not 'reflect').

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_forward_values"  # the test that must fail on this answer


import numpy as np

import minigan as mg


def reflect_indices(n, p):
    """The source index of each of the n + 2p padded positions: -p..-1 mirror 1..p, n..n+p-1
    mirror n-2..n-1-p (the edge itself is not repeated)."""
    i = np.arange(-p, n + p)
    return np.where(i < 0, -i - 1, np.where(i >= n, 2 * n - 1 - i, i))


def one_hot(indices, n):
    """(len(indices), n) matrix with a 1 at (k, indices[k]): out = M @ x gathers x[indices]."""
    matrix = np.zeros((len(indices), n))
    matrix[np.arange(len(indices)), indices] = 1.0
    return matrix


class ReflectionPad2d(mg.Function):
    """(N, C, H, W) -> (N, C, H + 2p, W + 2p), the border mirrored.

    Forward gathers rows then columns by the reflected indices. Padding is linear, out = R_h x R_w^T
    with 0/1 matrices; its backward is R_h^T g R_w: every padded position sends its gradient back
    to the pixel it copied, so pixels near the border add up two or three contributions.
    """

    @staticmethod
    def forward(ctx, x, p):
        xp = mg.get_array_module(x)
        h, w = x.shape[2:]
        rows, cols = reflect_indices(h, p), reflect_indices(w, p)
        ctx.r_h = one_hot(rows, h).astype(x.dtype)
        ctx.r_w = one_hot(cols, w).astype(x.dtype)
        return x[:, :, xp.asarray(rows)][:, :, :, xp.asarray(cols)]

    @staticmethod
    def backward(ctx, grad):
        r_h, r_w = mg.tensor(ctx.r_h), mg.tensor(ctx.r_w)
        return r_h.mT @ grad @ r_w, None


def reflection_pad2d(x, p):
    return ReflectionPad2d.apply(x, p)
