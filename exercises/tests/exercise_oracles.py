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
