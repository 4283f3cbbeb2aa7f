"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Tanh, Sigmoid, Softmax (their ops:
minigan/ops/elementwise.py).

``inplace`` is accepted for compatibility with PyTorch code and has no effect: minigan never
overwrites an input.
"""

from __future__ import annotations

from minigan import functional as F
from minigan.nn import init as nn_init
from minigan.nn.module import Module
from minigan.nn.parameter import empty_parameter


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (DCGAN's discriminators use 0.2)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise (Clevert et al. 2016)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """tanh(x), in (-1, 1): the output layer of a generator whose images are scaled to [-1, 1]."""

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), in (0, 1)."""

    def forward(self, input):
        return F.sigmoid(input)


def _implicit_softmax_dim(ndim: int) -> int:
    """PyTorch's old default when dim is not given: 0 for 0-, 1- and 3-D input, else 1."""
    import warnings

    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x_i) / sum_j exp(x_j) along dim (give dim; without it PyTorch's old implicit choice,
    with its warning)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _implicit_softmax_dim(input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along dim, computed stably."""

    def forward(self, input):
        dim = self.dim if self.dim is not None else _implicit_softmax_dim(input.ndim)
        return F.log_softmax(input, dim)


class PReLU(Module):
    """x for x > 0, a * x otherwise, with the slope a learned: one for all channels
    (num_parameters=1) or one per channel (num_parameters=C); initialised to `init` (0.25)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = empty_parameter(num_parameters, device=device, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
