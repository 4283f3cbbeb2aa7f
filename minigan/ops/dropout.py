"""Dropout: zero each element with probability p while training (inverted dropout).

The kept elements are scaled by 1 / (1 - p), so the expected value of every element is unchanged and
nothing needs rescaling at evaluation time, when dropout is the identity. The output is
``input * mask`` with a constant mask, so the gradient is ``grad * mask`` (Mul's backward).
"""

from __future__ import annotations

from minigan import backend
from minigan.autograd import Tensor
from minigan.ops._operands import as_tensor


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: out = input * keep / (1 - p), keep ~ Bernoulli(1 - p) per element.

    The mask is drawn from minigan's generator, so mg.manual_seed(n) reproduces it. Identity when
    not training or p == 0; zeros when p == 1.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p has to be between 0 and 1, got {p}")
    input = as_tensor(input)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    uniform = backend.generator(input.backend).random(input.shape, dtype=input.dtype)
    mask = (uniform >= p).astype(input.dtype) / input.dtype.type(1.0 - p)
    return input * Tensor(mask)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Channel dropout on (N, C, H, W) (or (C, H, W)): zero whole channels with probability p and
    scale the rest by 1 / (1 - p); the mask has shape (N, C, 1, 1), one draw per channel."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: probability p has to be between 0 and 1, got {p}")
    input = as_tensor(input)
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d expects a 3-D or 4-D input, got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    shape = input.shape[:-2] + (1, 1)
    uniform = backend.generator(input.backend).random(shape, dtype=input.dtype)
    mask = (uniform >= p).astype(input.dtype) / input.dtype.type(1.0 - p)
    return input * Tensor(mask)
