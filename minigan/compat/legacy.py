"""Legacy PyTorch names, kept in this one module so that old tutorials run and the core stays clean.

Each name below was replaced in PyTorch itself (in 0.4, 2018) by what minigan offers everywhere
else; a program written today should use the modern spelling given in each note.

    Variable(t, requires_grad=False)   -> a tensor with requires_grad=...: .requires_grad_()
    FloatTensor(2, 3), LongTensor(data) -> mg.zeros(2, 3) / mg.tensor(data, dtype=mg.long)
    mg.cuda.FloatTensor(...)           -> mg.tensor(..., device="cuda")
    x.type(FloatTensor), x.type()      -> x.to(mg.float32), x.dtype

``from minigan.autograd import Variable`` and ``x.type(Tensor)`` reach the two names here
(autograd's module __getattr__ and Tensor.type ask this module for them); nothing is attached from
outside.
"""

from __future__ import annotations

import numpy as np

from minigan import backend
from minigan.tensor import Tensor


def Variable(tensor, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """Old wrapper around a tensor: today a tensor is its own Variable. Returns a new leaf tensor
    sharing `tensor`'s array (cut from its history, as PyTorch's Variable(t) is)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Variable expects a Tensor, got {type(tensor).__name__}")
    return Tensor(tensor.array, requires_grad=requires_grad)


# -- tensor types: FloatTensor & co -----------------------------------------------------------
# Each is a class whose call builds a tensor and whose isinstance() checks dtype and device, so
# `x.type(FloatTensor)` and `isinstance(x, FloatTensor)` work as in PyTorch.

_TYPE_NAMES = {np.dtype(np.float32): "Float", np.dtype(np.float64): "Double",
               np.dtype(np.float16): "Half", np.dtype(np.int64): "Long", np.dtype(np.int32): "Int",
               np.dtype(np.int16): "Short", np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
               np.dtype(np.bool_): "Bool"}


class _TensorType(type):
    """The metaclass of FloatTensor & co: calling one makes a tensor (see __call__)."""

    def __call__(cls, *args):
        """T(2, 3): a (2, 3) tensor of zeros (PyTorch leaves it uninitialised); T(data): a copy of
        `data` (list, NumPy array, Tensor) converted to T's dtype; T(): an empty tensor."""
        if not args:
            array = np.zeros((0,), dtype=cls.dtype)
        elif all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            array = np.zeros(tuple(int(a) for a in args), dtype=cls.dtype)
        elif len(args) == 1:
            data = args[0]
            if isinstance(data, Tensor):
                data = backend.to_backend(data.array, "numpy")
            array = np.array(data).astype(cls.dtype)
        else:
            raise TypeError(f"{cls.__name__}(*sizes) or {cls.__name__}(data), got {args!r}")
        if cls.device == "cuda":
            backend.require_cuda(f"torch.cuda.{cls.__name__}")
        return Tensor(backend.to_backend(array, cls.device))

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device == cls.device

    def __repr__(cls) -> str:
        return f"<class '{cls.type_name}'>"


def _tensor_type(dtype, device: str) -> _TensorType:
    name = _TYPE_NAMES[np.dtype(dtype)] + "Tensor"
    prefix = "torch." if device == "cpu" else "torch.cuda."
    return _TensorType(name, (), {"dtype": np.dtype(dtype), "device": device,
                                  "type_name": prefix + name})


TENSOR_TYPES = {t.__name__: t for t in (_tensor_type(d, "cpu") for d in _TYPE_NAMES)}
CUDA_TENSOR_TYPES = {t.__name__: t for t in (_tensor_type(d, "cuda") for d in _TYPE_NAMES)}
_BY_NAME = {t.type_name: t for t in (*TENSOR_TYPES.values(), *CUDA_TENSOR_TYPES.values())}

FloatTensor = TENSOR_TYPES["FloatTensor"]      # float32 on the CPU (mg.float32)
DoubleTensor = TENSOR_TYPES["DoubleTensor"]    # float64 (mg.float64)
LongTensor = TENSOR_TYPES["LongTensor"]        # int64 (mg.long): class labels
IntTensor = TENSOR_TYPES["IntTensor"]          # int32
BoolTensor = TENSOR_TYPES["BoolTensor"]        # bool
ByteTensor = TENSOR_TYPES["ByteTensor"]        # uint8


def tensor_type(self: Tensor, dtype=None, non_blocking: bool = False):
    """x.type(): the type's name ('torch.FloatTensor'); x.type(T) with T a tensor type (or its
    name, or a dtype, or Tensor: the default float type on the CPU): x converted to T's dtype and
    device (x itself when it already is one)."""
    if dtype is None:
        prefix = "torch." if self.device == "cpu" else "torch.cuda."
        return prefix + _TYPE_NAMES.get(np.dtype(self.dtype), str(self.dtype)) + "Tensor"
    if dtype is Tensor:  # x.type(torch.Tensor): torch.Tensor is the default tensor type, on the CPU
        dtype = TENSOR_TYPES[_TYPE_NAMES[np.dtype(backend.get_default_dtype())] + "Tensor"]
    if isinstance(dtype, str):
        if dtype not in _BY_NAME:
            raise ValueError(f"invalid type {dtype!r}: expected a name like 'torch.FloatTensor'")
        dtype = _BY_NAME[dtype]
    if isinstance(dtype, _TensorType):
        out = self if self.dtype == dtype.dtype else self.to(dtype.dtype)
        return out if out.device == dtype.device else out.to(dtype.device)
    return self if self.dtype == np.dtype(dtype) else self.to(np.dtype(dtype))


__all__ = ["BoolTensor", "ByteTensor", "DoubleTensor", "FloatTensor", "IntTensor", "LongTensor",
           "Variable", "tensor_type"]
