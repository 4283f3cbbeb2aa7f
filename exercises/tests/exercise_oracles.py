"""Slow, obvious versions of what the exercises compute, for the tests to compare against."""

import numpy as np


def im2col_loop(x, k, stride=1, padding=0):
    """The im2col layout of exercise 6, one element at a time."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    cols = np.zeros((c * k * k, n * oh * ow), dtype=x.dtype)
    for ci in range(c):
        for i in range(k):
            for j in range(k):
                for ni in range(n):
                    for a in range(oh):
                        for b in range(ow):
                            cols[(ci * k + i) * k + j, (ni * oh + a) * ow + b] = \
                                padded[ni, ci, a * stride + i, b * stride + j]
    return cols


def col2im_loop(cols, x_shape, k, stride=1, padding=0):
    """The adjoint of im2col_loop: every column entry added back onto its pixel."""
    n, c, h, w = x_shape
    oh, ow = (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for ci in range(c):
        for i in range(k):
            for j in range(k):
                for ni in range(n):
                    for a in range(oh):
                        for b in range(ow):
                            padded[ni, ci, a * stride + i, b * stride + j] += \
                                cols[(ci * k + i) * k + j, (ni * oh + a) * ow + b]
    return padded[:, :, padding:padding + h, padding:padding + w]


def conv_output(size, k, stride, padding):
    return (size + 2 * padding - k) // stride + 1


def gradgradcheck_of_a_right_backward(fn, inputs):
    """gradgradcheck(fn, inputs), once gradcheck(fn, inputs) has passed.

    gradgradcheck differentiates your backward and compares with central differences of that same
    backward: a backward that is wrong but written with Tensor operations passes it against itself.
    A second derivative of a wrong first derivative is worth nothing, so this test earns its points
    only when the first derivative is right.
    """
    import minigan as mg

    assert mg.gradcheck(fn, inputs, raise_exception=False), (
        "the first derivative (your backward) is wrong: see test_gradcheck. gradgradcheck only checks "
        "the derivative of your backward, so it cannot pass before backward itself is right")
    return mg.gradgradcheck(fn, inputs)
