"""minigan: generative adversarial networks from first principles.

    import minigan as mg
    x = mg.randn(3, requires_grad=True)
    (x ** 3).sum().backward()
    x.grad                          # 3 * x ** 2

The layers come in order, each importing only those before it: backend -> tensor -> autograd ->
ops -> functional / nn / optim -> datasets -> gan (README, "Where things live"). `import minigan`
loads the core (tensors, autograd, the ops behind the Tensor's methods); the rest (nn, optim,
functional, datasets, gan, cuda, mg.save, mg.gradcheck ...) is imported the first time it is used.
PyTorch programs run with `import minigan as torch` (README: "Coming from PyTorch"); the names only
PyTorch has live in minigan/compat/.
"""

import importlib
import os
import sys

# Before NumPy loads its BLAS: idle BLAS threads sleep after ~1.5 ms instead of spinning ~0.1 s (the
# reason, and how to keep BLAS's own setting: minigan/backend.py, "CPU threads").
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "22")

import numpy as np  # noqa: E402

from minigan.tensor import Tensor  # first: see minigan/tensor.py's last lines
from minigan.autograd import Context, Function, SavedConstantWarning, grad
from minigan.tensor import Size
from minigan import backend, dtypes
from minigan.backend import (
    Generator, cuda_available, default_generator, get_array_module, get_backend, get_num_threads,
    get_rng_state, initial_seed, manual_seed, set_backend, set_default_dtype, set_num_threads,
    set_rng_state,
)
from minigan.compat.device import device
from minigan.fast_paths import fast_paths, fast_paths_enabled, use_fast_paths
from minigan.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from minigan.gradcheck import GradcheckError, gradcheck, gradgradcheck  # (function and module)
from minigan.ops import (
    abs, add, allclose, amax, amin, arange, argmax, argmin, as_tensor, asarray, bitwise_and,
    bitwise_not, bitwise_or, bitwise_xor, broadcast_to, cat, clamp, clip, concatenate, div, einsum,
    empty, empty_like, eq, equal, exp, eye, flatten, floor_divide, from_numpy, full, full_like,
    gather, ge, gt, index_select, isclose, le, linspace, log, log1p, logical_and, logical_not,
    logical_or, logical_xor, logsigmoid, lt, masked_fill, matmul, max, maximum, mean, min, minimum,
    mul, narrow, ne, neg, nonzero, normal, ones, ones_like, pad, permute, pow, rand, rand_like,
    randint, randn, randn_like, randperm, relu, remainder, reshape, roll, rsqrt, scatter,
    scatter_add, sigmoid, sign, softplus, sqrt, square, squeeze, stack, sub, sum, sum_to, t, tanh,
    tensor, transpose, unsqueeze, var, where, zeros, zeros_like,
)
from minigan.ops import chunk, clone, flip, lerp, split, std  # issue 21's Tensor ops
from minigan.ops import all_ as all, any_ as any  # torch.all / torch.any
from minigan.compat import accelerator, backends, legacy

# PyTorch's module paths for what lives in minigan/compat/: `import minigan.backends.cudnn as
# cudnn`, `import minigan.accelerator` (and minigan.legacy, this module's old home).
sys.modules.update({"minigan.backends": backends, "minigan.backends.cudnn": backends.cudnn,
                    "minigan.accelerator": accelerator, "minigan.legacy": legacy})

# PyTorch's names of the dtypes: dtype objects (minigan/dtypes.py) that print as torch.float32 and
# work wherever NumPy takes a dtype. `mg.float` is float32 as in PyTorch (Python's float is
# float64): these names shadow the builtins only as attributes of mg.
float32 = dtypes.as_dtype(np.float32)
float64 = dtypes.as_dtype(np.float64)
float16 = half = dtypes.as_dtype(np.float16)
complex64 = cfloat = dtypes.as_dtype(np.complex64)
complex128 = cdouble = dtypes.as_dtype(np.complex128)
int64 = dtypes.as_dtype(np.int64)
int32 = dtypes.as_dtype(np.int32)
int16 = dtypes.as_dtype(np.int16)
int8 = dtypes.as_dtype(np.int8)
uint8 = dtypes.as_dtype(np.uint8)
globals().update({"float": float32, "double": float64, "long": int64, "int": int32, "short": int16,
                  "bool": dtypes.as_dtype(np.bool_)})
dtype = dtypes.dtype
promote_types = dtypes.promote_types_dtype
result_type = dtypes.result_type_dtype


def get_default_dtype():
    """The float dtype of new tensors (torch.float32 unless set_default_dtype changed it)."""
    return dtypes.as_dtype(backend.get_default_dtype())


mm = bmm = matmul  # torch.mm / torch.bmm: matrix products (matmul's broadcasting covers both)
divide, multiply, subtract, true_divide, negative = div, mul, sub, div, neg


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """torch.norm: the p-norm of input over dim (all elements when None); see Tensor.norm."""
    return input.norm(p, dim, keepdim)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def is_tensor(obj) -> bool:
    """Whether obj is a minigan Tensor (torch.is_tensor)."""
    return isinstance(obj, Tensor)


def numel(x) -> int:
    """The number of elements of a tensor."""
    return x.numel()


# ----------------------------------------------------------------------------- imported when used
# mg.nn, mg.optim, ... are minigan's subpackages, imported on first use; the names below come from
# a module imported on first use too (mg.save is minigan.serialization.save).
_SUBMODULES = ("nn", "optim", "functional", "datasets", "utils", "gan", "cuda", "serialization",
               "formats")
_LAZY_NAMES = {
    "save": "serialization", "load": "serialization",
    "use_deterministic_algorithms": "compat.backends",
    "are_deterministic_algorithms_enabled": "compat.backends",
    "FloatTensor": "compat.legacy", "DoubleTensor": "compat.legacy", "LongTensor": "compat.legacy",
    "IntTensor": "compat.legacy", "BoolTensor": "compat.legacy", "ByteTensor": "compat.legacy",
    "softmax": "ops.loss", "log_softmax": "ops.loss",  # torch.softmax & co
    "set_printoptions": "printing", "get_printoptions": "printing", "printoptions": "printing",
}


def __getattr__(name):
    """mg.nn, mg.save, ...: import the module that holds them the first time they are asked for."""
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"minigan.{_LAZY_NAMES[name]}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"minigan.{name}")
    else:
        raise AttributeError(f"module 'minigan' has no attribute {name!r}")
    globals()[name] = value  # found in this module's namespace from now on
    return value


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_LAZY_NAMES))


__version__ = "0.1.0"
