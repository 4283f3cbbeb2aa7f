"""Layers that let the discriminator look at a whole minibatch at once: a remedy for mode collapse.

A discriminator that judges each sample alone cannot see that all the generated samples in a batch
are the same point; these layers give it a feature that measures how similar the samples are.

    MinibatchDiscrimination   Salimans et al. 2016, "Improved Techniques for Training GANs" 3.2
    MinibatchStdDev           Karras et al. 2018, "Progressive Growing of GANs", sec. 3

Both append their statistic to the input: the layer before them is unchanged, and the next layer
is one or a few features wider.
"""

from __future__ import annotations

import math

import minigan as mg
from minigan.autograd import Tensor
from minigan.nn import init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class MinibatchDiscrimination(Module):
    """x: (N, in_features) -> (N, in_features + out_features), the input followed by o(x).

    With A = in_features, B = out_features, C = kernel_dims and the learned tensor T (A, B, C):

        M_i      = x_i T                                   (B, C) for each sample i
        c_b(i,j) = exp(-|| M_{i,b} - M_{j,b} ||_1)         the L1 distance of rows b, in (0, 1]
        o(x_i)_b = sum_{j=1}^{N} c_b(i, j)                 (the sum includes j = i, which adds 1)

    A batch of identical samples gives o = N in every feature; a diverse batch gives o close to 1.
    The (N, N, B, C) difference tensor is built in memory: keep N * N * B * C modest.
    T is initialised N(0, 1/A), so that M has about unit scale for inputs of unit scale.
    """

    def __init__(self, in_features: int, out_features: int, kernel_dims: int, device=None,
                 dtype=None):
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features),
                            ("kernel_dims", kernel_dims)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MinibatchDiscrimination: {name} must be a positive integer, got "
                                 f"{value!r}")
        self.in_features, self.out_features = in_features, out_features
        self.kernel_dims = kernel_dims
        self.T = empty_parameter(in_features, out_features, kernel_dims, device=device, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.T, 0.0, 1.0 / math.sqrt(self.in_features))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"MinibatchDiscrimination(in_features={self.in_features}) expects "
                             f"input of shape (N, {self.in_features}), got {tuple(x.shape)}")
        n, b, c = x.shape[0], self.out_features, self.kernel_dims
        m = (x @ self.T.reshape(self.in_features, b * c)).reshape(n, b, c)      # (N, B, C)
        l1 = (m.unsqueeze(1) - m.unsqueeze(0)).abs().sum(dim=3)                 # (N, N, B)
        o = mg.exp(-l1).sum(dim=1)                                              # (N, B)
        return mg.cat([x, o], dim=1)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"kernel_dims={self.kernel_dims}")


class MinibatchStdDev(Module):
    """x: (N, C, H, W) -> (N, C + 1, H, W), or (N, F) -> (N, F + 1): one appended feature, the
    average standard deviation of the features over a group of samples.

    The batch is split into N / G groups of G = min(group_size, N) samples; sample n belongs to
    group n mod (N / G), as in the paper's code. For each group g:

        s_g = mean over c, h, w of  sqrt( (1/G) sum_{k in g} (x_k - mean_{k' in g} x_k')^2 + eps )

    and every sample of the group gets s_g as its extra channel (constant over H and W).
    The standard deviation is the biased one (divided by G); eps = 1e-8 keeps sqrt differentiable
    where all G samples are equal. N must be divisible by G.
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8):
        super().__init__()
        if not isinstance(group_size, int) or isinstance(group_size, bool) or group_size < 2:
            raise ValueError("MinibatchStdDev: group_size must be an integer >= 2, got "
                             f"{group_size!r}")
        self.group_size, self.eps = group_size, float(eps)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (2, 4):
            raise ValueError("MinibatchStdDev expects input of shape (N, C, H, W) or (N, F), got "
                             f"{tuple(x.shape)}")
        n = x.shape[0]
        g = min(self.group_size, n)
        if n % g != 0:
            raise ValueError(f"MinibatchStdDev(group_size={self.group_size}): the batch size {n} "
                             f"is not "
                             f"divisible by the group size {g}")
        groups = n // g
        y = x.reshape(g, groups, *x.shape[1:])                                  # (G, N/G, ...)
        y = y - y.mean(dim=0, keepdim=True)
        std = ((y * y).mean(dim=0) + self.eps).sqrt()                           # (N/G, ...)
        s = std.reshape(groups, -1).mean(dim=1)                                 # (N/G,)
        s = mg.cat([s] * g, dim=0)                                              # (N,): s[n mod N/G]
        if x.ndim == 2:
            return mg.cat([x, s.reshape(n, 1)], dim=1)
        h, w = x.shape[2], x.shape[3]
        return mg.cat([x, s.reshape(n, 1, 1, 1) * mg.ones(n, 1, h, w, dtype=x.dtype)], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"
