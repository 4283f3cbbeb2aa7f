"""Dropout: zero elements at random while training (the op is in minigan/ops/dropout.py)."""

from __future__ import annotations

from minigan import functional as F
from minigan.nn.module import Module


class Dropout(Module):
    """In training mode, zero each element with probability p and scale the rest by 1 / (1 - p); in
    evaluation mode, the identity. ``inplace`` is accepted for compatibility and has no effect."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Channel dropout: in training mode, zero whole channels of (N, C, H, W) with probability p and
    scale the rest by 1 / (1 - p) (for convolutional features, whose neighbours are correlated)."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)
