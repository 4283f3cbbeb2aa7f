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
    Context, Function, SavedConstantWarning, enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled,
)
from minigan.backend import (
    Generator, cuda_available, device, get_array_module, get_backend, get_default_dtype,
    get_num_threads, get_rng_state, manual_seed, set_backend, set_default_dtype, set_num_threads,
    set_rng_state,
)
from minigan.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigan.ops import (
    abs, add, amax, amin, arange, argmax, argmin, broadcast_to, cat, clamp, clip, concatenate, div,
    empty, empty_like, exp, flatten, from_numpy, full, full_like, log, logsigmoid, matmul, max,
    mean, min, mul, neg, normal, ones, ones_like, pad, permute, pow, rand, rand_like, randint,
    randn, randn_like, randperm, relu, reshape, sigmoid, softplus, sqrt, squeeze, stack, sub, sum,
    sum_to, tanh, tensor, transpose, unsqueeze, var, where, zeros, zeros_like,
)
from minigan.ops import chunk, clone, flip, lerp, split, std  # noqa: E402  (issue 21's Tensor ops)
from minigan.serialization import load, save
from minigan import functional, nn, optim, datasets, utils  # noqa: E402  (built on everything above)
from minigan import backends, accelerator  # noqa: E402  (torch.backends / torch.accelerator flags)
from minigan.backends import use_deterministic_algorithms  # noqa: E402
from minigan import legacy  # noqa: E402  (Variable, FloatTensor, Tensor.type: old-tutorial names)
from minigan.legacy import FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor  # noqa: E402

# PyTorch's names of the dtypes (minigan's dtypes are NumPy's). `mg.float` is float32 as in
# PyTorch (Python's float is float64): these names shadow the builtins only as attributes of mg.
float32 = np.float32
float64 = np.float64
float16 = half = np.float16
int64 = np.int64
int32 = np.int32
int16 = np.int16
int8 = np.int8
uint8 = np.uint8
globals().update({"float": np.float32, "double": np.float64, "long": np.int64, "int": np.int32,
                  "short": np.int16, "bool": np.bool_})
mm = bmm = matmul  # torch.mm / torch.bmm: matrix products (matmul's broadcasting covers both)
divide, multiply, subtract = div, mul, sub


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
