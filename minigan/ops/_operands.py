"""Turning the values users mix with tensors (numbers, NumPy arrays) into op operands."""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.tensor import Tensor, array_from_data

_SCALAR_TYPES = (bool, int, float, np.bool_, np.number)


def as_tensor(value, like: Tensor | None = None) -> Tensor:
    """A Tensor for `value`, on the backend of `like` (default: the current backend).

    Scalars take the float dtype of `like`; arrays and lists follow mg.tensor()'s rules
    (integers become the default float dtype).
    """
    if isinstance(value, Tensor):
        return value
    if like is None:
        return Tensor(array_from_data(value))
    if isinstance(value, _SCALAR_TYPES) and like.dtype.kind in "fc":
        return Tensor(backend.get_array_module(like.array).asarray(value, dtype=like.dtype))
    return Tensor(backend.to_backend(array_from_data(value), like.backend))


def operands(a, b):
    """Both operands of a binary op: Tensors stay, arrays and lists become constant Tensors, and
    numbers stay Python numbers.

    Numbers are "weak", as in PyTorch and NumPy 2: ``2.5 * x`` keeps x's dtype. A NumPy scalar
    (np.float64(2.5)) is turned into a Python number so that it is weak too.
    """
    if isinstance(a, Tensor) and (isinstance(b, Tensor) or type(b) in (int, float)):
        return a, b  # the common cases, first
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_tensor(a)
    like = a if isinstance(a, Tensor) else b
    return _operand(a, like), _operand(b, like)


def _operand(value, like: Tensor):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _SCALAR_TYPES):
        return value.item() if isinstance(value, np.generic) else value
    return as_tensor(value, like)


def as_tensors(a, b) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors (numbers become 0-d tensors of the other operand's dtype)."""
    if isinstance(a, Tensor):
        return a, as_tensor(b, like=a)
    if isinstance(b, Tensor):
        return as_tensor(a, like=b), b
    a = as_tensor(a)
    return a, as_tensor(b, like=a)


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
        hint = (" (mg.tensor(ints) gives floats unless dtype=mg.int64 is passed)"
                if array.dtype.kind == "f" else "")
        raise TypeError(f"{what} must hold integers, got dtype {array.dtype}{hint}")
    return array
