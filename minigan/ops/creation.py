"""Making tensors: from data (tensor), filled (zeros, ones, full, arange) and random (randn, rand).

New tensors live on the current backend (mg.set_backend) and have the default float dtype
(float32) unless `dtype` says otherwise. Random draws come from the generator that
mg.manual_seed(n) seeds, so a seed reproduces them bit for bit.
"""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.tensor import Tensor, array_from_data as _as_array


def _shape(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_))
               for s in size):
        raise TypeError(f"sizes must be integers, got {tuple(size)!r}")
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise ValueError(f"sizes must be non-negative, got {shape}")
    return shape


def _dtype(dtype) -> np.dtype:
    return backend.get_default_dtype() if dtype is None else np.dtype(dtype)


def _xp(device):
    """The array module for `device` (None: the current backend): numpy or cupy."""
    return backend.backend_module(None if device is None else backend.normalize_backend(device))


def _new(array, device, requires_grad) -> Tensor:
    """Wrap a freshly made array, moved to `device` when one is named."""
    if device is not None:
        array = backend.to_backend(array, backend.normalize_backend(device))
    return Tensor(array, requires_grad=requires_grad)


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor (always a copy) from a number, a nested list, or a NumPy/CuPy array.

    PyTorch's dtypes: Python floats become the default float dtype, ints int64, bools bool (a list
    mixing them takes the highest kind); NumPy arrays keep their dtype (float64 stays float64).
    device: 'cpu'/'cuda' (or mg.device(...)); None keeps the current backend.
    """
    return _new(_as_array(data, dtype).copy(), device, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array, with the array's dtype (no copy, as in
    PyTorch)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return Tensor(_xp(device).zeros(_shape(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return Tensor(_xp(device).ones(_shape(size), dtype=_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Like zeros: minigan fills "uninitialised" memory with zeros, so that runs are
    reproducible."""
    return Tensor(_xp(device).zeros(_shape(size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with fill_value (default float dtype, as PyTorch for a float value;
    an int or bool fill_value gives int64 or bool, as in PyTorch)."""
    shape = _shape((size,))
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = np.bool_
    elif dtype is None and isinstance(fill_value, (int, np.integer)):
        dtype = np.int64
    return Tensor(_xp(device).full(shape, fill_value, dtype=_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """start, start+step, ... below end. Integer arguments give int64 (as in PyTorch) unless dtype
    is set."""
    if end is None:
        start, end = 0, start
    if dtype is None and all(isinstance(v, (int, np.integer)) for v in (start, end, step)):
        dtype = np.int64
    return Tensor(_xp(device).arange(start, end, step, dtype=_dtype(dtype)), requires_grad)


def _like(x: Tensor, dtype, device):
    """(array module, shape, dtype) of a tensor made like x: x's dtype and backend unless given."""
    xp = backend.get_array_module(x.array) if device is None else _xp(device)
    return xp, x.shape, x.dtype if dtype is None else np.dtype(dtype)


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp, shape, dtype = _like(x, dtype, device)
    return Tensor(xp.zeros(shape, dtype), requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp, shape, dtype = _like(x, dtype, device)
    return Tensor(xp.ones(shape, dtype), requires_grad)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return zeros_like(x, dtype, device, requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    xp, shape, dtype = _like(x, dtype, device)
    return Tensor(xp.full(shape, fill_value, dtype), requires_grad)


# ----------------------------------------------------------------------------- random
# With generator=g (an mg.Generator) the numbers come from g's own stream (drawn on the CPU, then
# moved to `device`); without, from the global generator that mg.manual_seed seeds.


def _draw(device, generator):
    name = backend.get_backend() if device is None else backend.normalize_backend(device)
    return backend.generator_for(generator, name)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution N(0, 1)."""
    data = _draw(device, generator).standard_normal(_shape(size), dtype=_dtype(dtype))
    return _new(data, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1)."""
    data = _draw(device, generator).random(_shape(size), dtype=_dtype(dtype))
    return _new(data, device, requires_grad)


def randint(*args, size=None, generator=None, dtype=np.int64, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): randint(high, size) or randint(low, high,
    size)."""
    if size is None:
        *args, size = args
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint expects (high, size) or (low, high, size)")
    shape = (int(size),) if isinstance(size, (int, np.integer)) else _shape((size,))
    data = _draw(device, generator).integers(int(low), int(high), size=shape)
    return _new(data.astype(dtype, copy=False), device, requires_grad)


def randperm(n: int, generator=None, dtype=np.int64, device=None) -> Tensor:
    """A random permutation of 0 .. n-1 (int64)."""
    gen = _draw(device, generator)
    keys = gen.random((int(n),), dtype=np.float64)  # sorting uniform keys: works on NumPy and CuPy
    return _new(backend.get_array_module(keys).argsort(keys).astype(dtype, copy=False), device,
                False)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std**2): torch.normal(mean, std, size) with numbers, or elementwise
    with tensors `mean` and/or `std` (the output has their broadcast shape; not differentiable
    with respect to them, as in PyTorch)."""
    mean_a = mean.array if isinstance(mean, Tensor) else mean
    std_a = std.array if isinstance(std, Tensor) else std
    if size is None:
        if not (isinstance(mean, Tensor) or isinstance(std, Tensor)):
            raise TypeError("normal(mean, std) with two numbers needs a size, e.g. normal(0, 1, "
                            "size=(4, 2))")
        shape = np.broadcast_shapes(np.shape(mean_a), np.shape(std_a))
        if dtype is None:
            dtype = next(t.dtype for t in (mean, std) if isinstance(t, Tensor))
        if device is None:
            device = next(t.backend for t in (mean, std) if isinstance(t, Tensor))
    else:
        shape = _shape((size,))
    dtype = _dtype(dtype)
    eps = _draw(device, generator).standard_normal(shape, dtype=dtype)
    if device is not None:
        eps = backend.to_backend(eps, backend.normalize_backend(device))
    xp = backend.get_array_module(eps)
    out = (xp.asarray(mean_a, dtype=dtype) + xp.asarray(std_a, dtype=dtype) * eps).astype(dtype)
    return Tensor(out, requires_grad)


def randn_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp, shape, dtype = _like(x, dtype, device)
    return randn(*shape, dtype=dtype, device=device or x.backend, requires_grad=requires_grad)


def rand_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp, shape, dtype = _like(x, dtype, device)
    return rand(*shape, dtype=dtype, device=device or x.backend, requires_grad=requires_grad)


# ------------------------------------------------------------------------ more ways to make tensors


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor(), but without a copy where none is needed: a Tensor of the asked dtype and
    device is returned as it is, and a NumPy array of the right dtype is shared (as in PyTorch)."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    on_numpy = device in (None, "cpu", "numpy") and backend.get_backend() == "numpy"
    if (isinstance(data, np.ndarray) and on_numpy
            and (dtype is None or np.dtype(dtype) == data.dtype)):
        return Tensor(data)
    return _new(_as_array(data, dtype), device, False)


asarray = as_tensor


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included."""
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative integer, got {steps!r}")
    return Tensor(_xp(device).linspace(start, end, int(steps), dtype=_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    return Tensor(_xp(device).eye(n, n if m is None else m, dtype=_dtype(dtype)), requires_grad)

