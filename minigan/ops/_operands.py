"""Turning the values users mix with tensors (numbers, NumPy arrays) into op operands."""

from __future__ import annotations

import numpy as np

from minigan import backend, dtypes
from minigan.tensor import Tensor, array_from_data

_SCALAR_TYPES = (bool, int, float, np.bool_, np.number)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """A Tensor for `value`, on the backend of `like` (default: the current backend).

    Scalars take the float dtype of `like`; arrays and lists follow mg.tensor()'s rules.
    """
    if isinstance(value, Tensor):
        return value
    if like is None:
        return Tensor(array_from_data(value))
    if isinstance(value, _SCALAR_TYPES) and like.array.dtype.kind in "fc":
        return Tensor(backend.get_array_module(like.array).asarray(value, dtype=like.array.dtype))
    return Tensor(backend.to_backend(array_from_data(value), like.backend))


def operands(a, b, wrap: bool = True):
    """Both operands of a binary op, in PyTorch's promoted dtype (minigan/dtypes.py): Tensors (cast
    where the dtypes differ: int64 tensor + float32 tensor -> both float32), or Python numbers,
    which stay numbers.

    Numbers are "weak", as in PyTorch: ``2.5 * x`` keeps x's float dtype, ``ints + 1`` stays int64,
    and ``ints * 2.5`` is float32 (the default float dtype). A NumPy scalar (np.float64(2.5)) is
    turned into a Python number so that it is weak too.
    """
    if isinstance(a, Tensor):  # the common cases, first: nothing to convert
        if isinstance(b, Tensor):
            if a.array.dtype == b.array.dtype:
                return a, b
        elif type(b) in (float, int) and a.array.dtype.kind in "fc":
            return a, b
    elif type(a) in (float, int) and isinstance(b, Tensor) and b.array.dtype.kind in "fc":
        return a, b
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor(a)
    like = a if isinstance(a, Tensor) else b
    a, b = _operand(a, like, wrap), _operand(b, like, wrap)
    kind = dtypes.result_type(a, b)
    return _cast(a, kind), _cast(b, kind)


def _operand(value, like: Tensor, wrap: bool = True):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _SCALAR_TYPES):
        value = value.item() if isinstance(value, np.generic) else value
        kind = like.array.dtype
        if (wrap and type(value) is int and kind.kind in "iu"
                and not np.iinfo(kind).min <= value <= np.iinfo(kind).max):
            value = int(np.array(value).astype(kind))  # wraps around, as PyTorch casts the number
        return value
    return as_tensor(value, like)


def _cast(value, kind):
    """A Tensor converted to dtype `kind` (differentiably); a number is left as it is."""
    if isinstance(value, Tensor) and value.array.dtype != kind:
        return value.astype(kind)
    return value


def as_tensors(a, b) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of their promoted dtype (numbers become 0-d tensors of it)."""
    a, b = operands(a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return a, b
    like = a if isinstance(a, Tensor) else b
    xp = backend.get_array_module(like.array)
    if not isinstance(a, Tensor):
        a = Tensor(xp.asarray(a, dtype=like.array.dtype))
    if not isinstance(b, Tensor):
        b = Tensor(xp.asarray(b, dtype=like.array.dtype))
    return a, b


def integer_array(indices, what: str):
    """Integer indices (class labels, embedding rows) as a raw array, from an integer NumPy/CuPy
    array, an integer Tensor or a list of ints; float indices are a TypeError that says how to fix
    it.

    what: the start of the error message, e.g. "embedding: indices" or "nll_loss: target".
    """
    array = indices.array if isinstance(indices, Tensor) else indices
    if not hasattr(array, "dtype"):
        array = np.asarray(array)
    if array.dtype.kind not in "iu":
        hint = " (convert them with .long())" if array.dtype.kind == "f" else ""
        raise TypeError(f"{what} must hold integers, got dtype {array.dtype}{hint}")
    return array
