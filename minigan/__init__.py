"""minigan: generative adversarial networks from first principles.

    import minigan as mg
    x = mg.randn(3, requires_grad=True)
    (x ** 3).sum().backward()
    x.grad                          # 3 * x ** 2

The layers come in order: backend -> tensor -> autograd -> ops -> functional / nn / optim ->
datasets -> gan (tensor.py binds `autograd` and `ops` for its methods at its end, so it is imported
first). `minigan.gan` (training) and `minigan.cuda` (GPU kernels, torch.cuda's is_available & co)
are imported when first used. PyTorch programs run with `import minigan as torch` (README: "Coming
from PyTorch"); the legacy names of old tutorials live in minigan/legacy.py.
"""

import numpy as np

from minigan.tensor import Tensor  # first: see minigan/tensor.py's last lines
from minigan.autograd import (
    Context, Function, SavedConstantWarning, enable_grad, grad, inference_mode, is_grad_enabled, no_grad,
    set_grad_enabled,
)
from minigan.tensor import Size
from minigan.printing import get_printoptions, printoptions, set_printoptions
from minigan import backend, dtypes
from minigan.backend import (
    Generator, cuda_available, default_generator, device, get_array_module, get_backend,
    get_num_threads, get_rng_state, initial_seed, manual_seed, set_backend, set_default_dtype, set_num_threads, set_rng_state,
)
from minigan.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigan.ops import (
    abs, add, allclose, amax, amin, arange, argmax, argmin, as_tensor, asarray, bitwise_and, bitwise_not,
    bitwise_or, bitwise_xor, broadcast_to, cat, clamp, clip, concatenate, div, einsum, empty,
    empty_like, eq, equal, exp, eye, flatten, floor_divide, from_numpy, full, full_like, gather, ge, gt,
    index_select, isclose, le, linspace, log, log1p, logical_and, logical_not, logical_or, logical_xor,
    logsigmoid, lt, masked_fill, matmul, max, maximum, mean, min, minimum, mul, narrow, ne, neg,
    nonzero, normal, ones, ones_like, pad, permute, pow, rand, rand_like, randint, randn,
    randn_like, randperm, relu, remainder, reshape, roll, rsqrt, scatter, scatter_add, sigmoid,
    sign, softplus, sqrt, square, squeeze, stack, sub, sum, sum_to, t, tanh, tensor, transpose,
    unsqueeze, var, where, zeros, zeros_like,
)
from minigan.ops import all_ as all, any_ as any  # noqa: E402  (torch.all / torch.any)
from minigan.ops.loss import log_softmax, softmax  # noqa: E402  (torch.softmax & co)
from minigan.serialization import load, save
from minigan import functional, nn, optim, datasets, utils  # noqa: E402  (built on everything above)
from minigan import backends, accelerator  # noqa: E402  (torch.backends / torch.accelerator flags)
from minigan.backends import use_deterministic_algorithms  # noqa: E402
from minigan import legacy  # noqa: E402  (Variable, FloatTensor, Tensor.type: old-tutorial names)
from minigan.legacy import FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor  # noqa: E402

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
    """torch.norm: the p-norm of input over dim (all elements when None); Tensor.norm's docstring."""
    return input.norm(p, dim, keepdim)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def is_tensor(obj) -> bool:
    """Whether obj is a minigan Tensor (torch.is_tensor)."""
    return isinstance(obj, Tensor)


def numel(x) -> int:
    """The number of elements of a tensor."""
    return x.numel()


def __getattr__(name):
    """Import minigan.gan and minigan.cuda the first time they are used (mg.cuda.is_available())."""
    if name in ("gan", "cuda"):
        import importlib

        return importlib.import_module(f"minigan.{name}")
    raise AttributeError(f"module 'minigan' has no attribute {name!r}")

__version__ = "0.1.0"
