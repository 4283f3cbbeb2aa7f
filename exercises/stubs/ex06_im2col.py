"""Exercise 6 (lesson 3): im2col, which turns a convolution into one matrix product.

    im2col(x, kernel_size, stride=1, padding=0) -> cols

x: raw array (N, C, H, W); kernel_size k, stride s, padding p: ints (square kernels).
x is zero-padded by p on each side; OH = (H + 2p - k) // s + 1, OW likewise.
cols: raw array (C*k*k, N*OH*OW), one column per output position, one row per kernel entry:

    cols[(c*k + i)*k + j, (n*OH + oh)*OW + ow] = x_padded[n, c, oh*s + i, ow*s + j]

Then conv2d(x, W) = (W.reshape(O, C*k*k) @ cols) reshaped to (O, N, OH, OW), then (N, O, OH, OW).
Loop over the k*k kernel offsets (i, j) at most; not over pixels.
Grade it: pytest -m ex_im2col.  Hints: HINTS.md, exercise 6.
"""

import minigan as mg


def im2col(x, kernel_size, stride=1, padding=0):
    raise NotImplementedError("Exercise 6: write im2col")
