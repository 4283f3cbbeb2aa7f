"""PyTorch's dtype objects (``mg.float32`` prints as ``torch.float32``) and its type promotion.

Arrays keep NumPy's dtypes; ``Tensor.dtype`` and the names ``mg.float32``, ``mg.long``, ``mg.bool``
... are `dtype` objects that wrap them. A `dtype` is usable wherever NumPy wants a dtype
(``np.zeros(3, dtype=mg.float32)``, ``array.astype(t.dtype)``: NumPy reads its ``.dtype``), equals
the NumPy dtype it wraps (``t.dtype == np.float32``) and hashes like it, and forwards NumPy's
attributes (``.kind``, ``.itemsize``).

Type promotion (`result_type`) is PyTorch's, which differs from NumPy's in two ways that matter:

    1. categories first: bool < integer < floating < complex. Mixing categories gives the higher
       category's type: int64 tensor + float32 tensor is float32 (NumPy: float64).
    2. three priorities: tensors with dimensions, then 0-d tensors, then Python numbers. A lower
       priority operand changes the result only when its category is higher, and a Python float
       then brings the default dtype: int64 tensor * 2.5 is float32, float32 tensor + float64 0-d
       tensor is float32, uint8 tensor + 1 stays uint8.

True division (`/`) of integers gives the default float dtype (int tensor / 2 is float32).
"""

from __future__ import annotations

import numpy as np

from minigan import backend

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


class dtype:
    """PyTorch's torch.dtype for one NumPy dtype: ``repr`` is 'torch.float32', and it works
    wherever a NumPy dtype does."""

    __slots__ = ("numpy", "_name")

    def __init__(self, name: str, numpy_dtype):
        self._name, self.numpy = name, np.dtype(numpy_dtype)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (NumPy's protocol: np.dtype(mg.float32) is float32)."""
        return self.numpy

    @property
    def is_floating_point(self) -> bool:
        return self.numpy.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.numpy.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self.numpy.kind in "ifc"

    @property
    def itemsize(self) -> int:
        return self.numpy.itemsize

    def __getattr__(self, name):  # .kind, .char, .type, .str ... as NumPy's dtype has them
        return getattr(self.numpy, name)

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __eq__(self, other) -> bool:
        if isinstance(other, dtype):
            return self.numpy == other.numpy
        if other is None or isinstance(other, str):
            return False  # np.dtype(None) would be float64; torch.float32 == 'float32' is False
        try:
            return self.numpy == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.numpy)

    def __reduce__(self):
        return (as_dtype, (self.numpy.str,))


# PyTorch's name of each dtype minigan has (NumPy has no bfloat16)
_NAMES = {"float32": "float32", "float64": "float64", "float16": "float16", "int64": "int64",
          "int32": "int32", "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
          "complex64": "complex64", "complex128": "complex128", "uint16": "uint16",
          "uint32": "uint32", "uint64": "uint64"}
_BY_NUMPY = {np.dtype(name): dtype(torch_name, name) for name, torch_name in _NAMES.items()}


def as_dtype(value) -> dtype:
    """The dtype object for a NumPy dtype, a NumPy type (np.float32), a dtype object, or a name."""
    if isinstance(value, dtype):
        return value
    numpy_dtype = np.dtype(value)
    found = _BY_NUMPY.get(numpy_dtype)
    if found is None:
        found = _BY_NUMPY[numpy_dtype] = dtype(numpy_dtype.name, numpy_dtype)
    return found


def of_array(array) -> dtype:
    """The dtype object of an array (what Tensor.dtype returns)."""
    return _BY_NUMPY.get(array.dtype) or as_dtype(array.dtype)


# ----------------------------------------------------------------------------- promotion


def category(numpy_dtype) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex."""
    return _CATEGORY[np.dtype(numpy_dtype).kind]


def promote_types(a, b) -> np.dtype:
    """torch.promote_types for two dtypes: within a category the wider one (NumPy's rule), across
    categories the higher category's type (int64 with float16 is float16; NumPy says float64)."""
    a, b = np.dtype(a), np.dtype(b)
    ca, cb = category(a), category(b)
    if ca == cb:
        return np.promote_types(a, b)
    high, low = (a, b) if ca > cb else (b, a)
    if high.kind == "c" and low.kind == "f":
        return np.promote_types(high, low)  # complex64 with float64 is complex128
    return high


def _combine(higher, lower):
    """PyTorch's rule for a lower-priority result `lower` meeting a higher-priority `higher`."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = category(higher), category(lower)
    if ch == 3:
        return higher
    if cl == 3:
        return np.promote_types(higher, lower) if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_types(higher, lower)
    return higher


def _number_dtype(value) -> np.dtype:
    """The dtype a Python number brings: bool, int64, the default float, or its complex partner."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(value, (int, np.integer)):
        return np.dtype(np.int64)
    default = backend.get_default_dtype()
    if isinstance(value, (float, np.floating)):
        return default
    return np.dtype(np.complex128 if default == np.float64 else np.complex64)


def result_type(*operands) -> np.dtype:
    """torch.result_type of Tensors (or arrays) and Python numbers: see the module docstring."""
    results = [None, None, None]  # tensors with dimensions, 0-d tensors, numbers
    for value in operands:
        array = getattr(value, "array", value)
        if hasattr(array, "dtype") and not isinstance(array, np.generic):
            slot, kind = (0 if array.ndim else 1), array.dtype
        else:
            slot, kind = 2, _number_dtype(value)
        results[slot] = kind if results[slot] is None else promote_types(results[slot], kind)
    return np.dtype(_combine(results[0], _combine(results[1], results[2])))


def true_divide_type(*operands) -> np.dtype:
    """The dtype of a / b: the promoted type, or the default float dtype when that is an integer."""
    kind = result_type(*operands)
    return backend.get_default_dtype() if kind.kind in "biu" else kind


def floating(numpy_dtype) -> np.dtype:
    """The dtype a float-valued op (exp, log, sqrt ...) gives: integers and bool become the default
    float dtype, as in PyTorch."""
    numpy_dtype = np.dtype(numpy_dtype)
    return backend.get_default_dtype() if numpy_dtype.kind in "biu" else numpy_dtype


def promote_types_dtype(a, b) -> dtype:
    """torch.promote_types: the dtype object of promote_types(a, b)."""
    return as_dtype(promote_types(a, b))


def result_type_dtype(a, b) -> dtype:
    """torch.result_type(tensor_or_number, tensor_or_number), as a dtype object."""
    return as_dtype(result_type(a, b))
