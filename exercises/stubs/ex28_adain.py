"""Exercise 28 (lesson 20): adaptive instance normalisation, AdaIN (Karras et al. 2019).

    adain(x, style, eps=1e-5) -> Tensor

x: (N, C, H, W), the features of a layer; style: (N, 2 * C), what the learned affine map A made of
w: the first C values are the scales s, the last C the biases b. Each channel of each sample is
normalised over its own pixels (instance normalisation), then scaled and shifted by the style:

    mean[n, c] = average over i, j of x[n, c, i, j]
    var[n, c]  = average over i, j of (x[n, c, i, j] - mean[n, c])^2          (biased)
    y[n, c]    = (1 + s[n, c]) * (x[n, c] - mean[n, c]) / sqrt(var[n, c] + eps) + b[n, c]

(1 + s: the official StyleGAN code starts the scales at 1.) The output's per-channel statistics
come from the style alone: mean b, standard deviation about |1 + s|.

Rules: Tensor operations only (mean over (2, 3) with keepdim, sqrt, reshape or indexing of the
style), so that gradients reach x and the style (gradcheck, gradgradcheck). No F.instance_norm.
Grade it: pytest -m ex_adain.  Hints: HINTS.md, exercise 28.
"""

import minigan as mg


def adain(x, style, eps=1e-5):
    raise NotImplementedError("Exercise 28: write adain")
