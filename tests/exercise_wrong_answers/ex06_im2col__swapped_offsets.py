"""A plausible wrong answer to Exercise 6 (lesson 3):
rows ordered (c, j, i) instead of (c, i, j): the kernel offsets transposed.

The CI proof (tests/test_exercises.py) checks that the exercise's tests catch it."""

CAUGHT_BY = "test_layout_of_a_3x3_image"  # the test that must fail on this answer

import minigan as mg


def im2col(x, kernel_size, stride=1, padding=0):
    """x: (N, C, H, W) array -> cols: (C*k*k, N*OH*OW) array, OH = (H + 2p - k) // s + 1 (OW alike),

    cols[(c*k + i)*k + j, (n*OH + oh)*OW + ow] = x_padded[n, c, oh*s + i, ow*s + j].
    """
    xp = mg.get_array_module(x)
    k, s, p = kernel_size, stride, padding
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    padded = xp.zeros((n, c, h + 2 * p, w + 2 * p), dtype=x.dtype)
    padded[:, :, p:p + h, p:p + w] = x
    cols = xp.empty((c, k, k, n, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            # every output position's pixel at kernel offset (i, j), all at once
            window = padded[:, :, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s]  # (N, C, OH, OW)
            cols[:, j, i] = window.transpose(1, 0, 2, 3)
    return cols.reshape(c * k * k, n * oh * ow)
