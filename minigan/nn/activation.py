"""Activation layers: ReLU, LeakyReLU, Tanh, Sigmoid (their ops live in minigan/ops/elementwise.py).

``inplace`` is accepted for compatibility with PyTorch code and has no effect: minigan never
overwrites an input.
"""

from __future__ import annotations

from minigan import functional as F
from minigan.nn.module import Module


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


class Tanh(Module):
    """tanh(x), in (-1, 1): the output layer of a generator whose images are scaled to [-1, 1]."""

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), in (0, 1)."""

    def forward(self, input):
        return F.sigmoid(input)
