"""Making tensors: from data (tensor), filled (zeros, ones, full, arange) and random (randn, rand).

New tensors live on the current backend (mg.set_backend) and have the default float dtype
(float32) unless `dtype` says otherwise. Random draws come from the generator that
mg.manual_seed(n) seeds, so a seed reproduces them bit for bit.
"""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.tensor import Tensor, array_from_data


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise ValueError(f"sizes must be non-negative, got {shape}")
    return shape


def _dtype(dtype) -> np.dtype:
    return backend.get_default_dtype() if dtype is None else np.dtype(dtype)


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor (always a copy) from a number, a nested list, or a NumPy/CuPy array.

    Integers and booleans become the default float dtype unless `dtype` is given; NumPy float
    arrays keep their dtype (float64 stays float64), Python floats become the default dtype.
    """
    return Tensor(array_from_data(data, dtype).copy(), requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(backend.backend_module().zeros(_shape(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(backend.backend_module().ones(_shape(size), dtype=_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(backend.backend_module().empty(_shape(size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    shape = _shape((size,))
    return Tensor(backend.backend_module().full(shape, fill_value, dtype=_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None) -> Tensor:
    """start, start+step, ... below end. Integer arguments give int64 (as in PyTorch) unless dtype is set."""
    if end is None:
        start, end = 0, start
    xp = backend.backend_module()
    if dtype is None and all(isinstance(v, (int, np.integer)) for v in (start, end, step)):
        dtype = np.int64
    return Tensor(xp.arange(start, end, step, dtype=_dtype(dtype)))


def _like(x: Tensor, dtype):
    return dict(shape=x.shape, dtype=x.dtype if dtype is None else np.dtype(dtype))


def zeros_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    spec = _like(x, dtype)
    return Tensor(backend.get_array_module(x.array).zeros(spec["shape"], spec["dtype"]), requires_grad)


def ones_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    spec = _like(x, dtype)
    return Tensor(backend.get_array_module(x.array).ones(spec["shape"], spec["dtype"]), requires_grad)


# ----------------------------------------------------------------------------- random


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution N(0, 1)."""
    data = backend.generator().standard_normal(_shape(size), dtype=_dtype(dtype))
    return Tensor(data, requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1)."""
    data = backend.generator().random(_shape(size), dtype=_dtype(dtype))
    return Tensor(data, requires_grad)


def randint(low: int, high: int, size, dtype=np.int64) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    data = backend.generator().integers(low, high, size=_shape((size,)) if isinstance(size, int) else _shape(size))
    return Tensor(data.astype(dtype, copy=False))


def randn_like(x: Tensor, dtype=None) -> Tensor:
    return Tensor(backend.generator(x.backend).standard_normal(x.shape, dtype=_like(x, dtype)["dtype"]))


def rand_like(x: Tensor, dtype=None) -> Tensor:
    return Tensor(backend.generator(x.backend).random(x.shape, dtype=_like(x, dtype)["dtype"]))
