"""Exercise 26 (lesson 19): pixel-wise feature normalisation (Karras et al. 2018, sec. 4.2).

    pixel_norm(x, eps=1e-8) -> Tensor

x: Tensor (N, C, H, W) or (N, C). Every pixel's feature vector -- the C values x[n, :, i, j] --
is divided by its root mean square over the channels:

    b[n, c, i, j] = a[n, c, i, j] / sqrt( (1/C) * sum_k a[n, k, i, j]^2 + eps )

so that after the layer each pixel's features have mean square 1. Nothing is learned, and no
other pixel or sample is looked at (unlike BatchNorm).

Rules: Tensor operations only (**, mean with keepdim, sqrt, /), so that gradients flow
(gradcheck, gradgradcheck).
Grade it: pytest -m ex_pixel_norm.  Hints: HINTS.md, exercise 26.
"""

import minigan as mg


def pixel_norm(x, eps=1e-8):
    raise NotImplementedError("Exercise 26: write pixel_norm")
