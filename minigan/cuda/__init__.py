"""minigan.cuda: hand-written CUDA kernels for the two hot paths, matrix multiply and convolution.

The CUDA C++ lives in minigan/cuda/kernels/*.cu (read them: the comments explain the tiling);
this package compiles them with CuPy on first use and wraps each kernel in a checked Python
function:

    sgemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c=None, stage=None)
    matmul(a, b, stage=None)                      # numpy.matmul's rules, batched
    im2col(x, kernel_size, stride=1, padding=0, dilation=1)
    col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1)

The switch, use_own_kernels(flag): minigan's MatMul op sends CuPy arrays to matmul_arrays below and
minigan/ops/conv.py sends them to im2col/col2im here, both while own_kernels_enabled(); after
use_own_kernels(False) (or use_cublas(True), or MINIGAN_USE_CUBLAS=1 set before import) CuPy's
own cuBLAS product and the NumPy-style im2col/col2im run instead. Importing this package does not import CuPy.
"""

from __future__ import annotations

import os

import numpy as np

from minigan.cuda.conv import col2im, im2col
from minigan.cuda.gemm import FLOAT_DTYPES, default_stage, matmul, sgemm
from minigan.cuda.kernels_index import STAGES, TILE_CONFIGS

__all__ = [
    "STAGES", "TILE_CONFIGS", "col2im", "cublas_enabled", "current_device", "default_stage",
    "device_count", "im2col", "is_available", "manual_seed", "manual_seed_all", "matmul",
    "matmul_arrays", "own_kernels_enabled", "sgemm", "synchronize", "use_cublas", "use_own_kernels",
]


def env_flag(value) -> bool:
    """True for '1', 'true', 'yes', 'on' (any case, surrounding spaces ignored); False otherwise."""
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


_settings = {"own_kernels": not env_flag(os.environ.get("MINIGAN_USE_CUBLAS"))}


def use_own_kernels(flag: bool) -> None:
    """The one switch for CuPy arrays: minigan's own kernels (True, the default) run the matrix
    products (gemm.cu) and im2col/col2im (im2col.cu); False sends the products to cuBLAS
    (cupy.matmul) and im2col/col2im to the NumPy-style code of minigan/ops/conv.py run on CuPy."""
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"use_own_kernels expects True or False, got {flag!r}")
    _settings["own_kernels"] = bool(flag)


def own_kernels_enabled() -> bool:
    """Whether CuPy arrays go to minigan's own kernels (see use_own_kernels)."""
    return _settings["own_kernels"]


def use_cublas(flag: bool) -> None:
    """use_own_kernels(not flag): the switch under its older name."""
    if not isinstance(flag, (bool, np.bool_)):
        raise TypeError(f"use_cublas expects True or False, got {flag!r}")
    use_own_kernels(not flag)


def cublas_enabled() -> bool:
    """not own_kernels_enabled(): the switch under its older name."""
    return not own_kernels_enabled()


def matmul_arrays(a, b):
    """a @ b for CuPy arrays, the way minigan's MatMul op computes it on the GPU.

    minigan's kernels by default; cupy.matmul when cuBLAS is selected, or for what the kernels do
    not cover (dtypes other than float32/float64, or two different dtypes).
    """
    if (not own_kernels_enabled() or a.dtype != b.dtype or np.dtype(a.dtype) not in FLOAT_DTYPES):
        from minigan.backend import get_array_module
        return get_array_module(a).matmul(a, b)
    return matmul(a, b)


# ----------------------------------------------------------------------------- torch.cuda's surface
# What PyTorch programs ask torch.cuda (mg.cuda.is_available() ...). None of it imports CuPy at
# import time; is_available() tries to, once, and answers False when CuPy or the GPU is missing.


def is_available() -> bool:
    """True when CuPy imports and sees a CUDA device (the same answer as mg.cuda_available())."""
    from minigan.backend import cuda_available

    return cuda_available()


def device_count() -> int:
    """The number of CUDA devices CuPy sees (0 without CuPy or a GPU). minigan uses the first."""
    if not is_available():
        return 0
    from minigan.backend import _import_cupy

    return int(_import_cupy().cuda.runtime.getDeviceCount())


def current_device() -> int:
    """The index of the GPU minigan uses: always 0."""
    return 0


def manual_seed(seed: int) -> None:
    """Seed the GPU's random numbers only (the CPU's stream is mg.manual_seed's); harmless without a GPU."""
    from minigan.backend import manual_seed_cuda

    manual_seed_cuda(seed)


def manual_seed_all(seed: int) -> None:
    """The same as manual_seed: minigan uses one GPU."""
    manual_seed(seed)


def synchronize() -> None:
    """Wait for the GPU to finish its queued work (nothing to wait for without one)."""
    from minigan.backend import cupy_loaded, _import_cupy

    if cupy_loaded() and is_available():
        _import_cupy().cuda.Device().synchronize()


def __getattr__(name):
    """mg.cuda.FloatTensor & co: the legacy constructors of tensors on the GPU (minigan/legacy.py)."""
    from minigan import legacy

    if name in legacy.CUDA_TENSOR_TYPES:
        return legacy.CUDA_TENSOR_TYPES[name]
    raise AttributeError(f"module 'minigan.cuda' has no attribute {name!r}")
