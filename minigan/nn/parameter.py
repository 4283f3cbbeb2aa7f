"""Parameter: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.autograd import Tensor


class Parameter(Tensor):
    """A leaf Tensor with requires_grad=True that Module attribute assignment registers.

    ``self.weight = nn.Parameter(mg.randn(3, 4))`` makes ``weight`` appear in parameters(),
    named_parameters() and state_dict(). The data is shared with the given tensor or array, not
    copied (as in PyTorch). Operations on a Parameter give plain Tensors.
    """

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = backend.backend_module().zeros(0, dtype=backend.get_default_dtype())
        super().__init__(data.array if isinstance(data, Tensor) else data, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def empty_parameter(*shape, device=None, dtype=None) -> Parameter:
    """An uninitialised Parameter for a layer to fill: on `device` ('cpu'/'cuda', 'numpy'/'cupy';
    default: the current backend), of `dtype` (a float dtype; default: the default dtype)."""
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0
               for n in shape):
        raise TypeError(f"a layer's sizes must be non-negative integers, got {shape!r}")
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters must have a float dtype, got {dtype}")
    xp = backend.backend_module(device)
    return Parameter(xp.empty(shape, dtype=dtype))
