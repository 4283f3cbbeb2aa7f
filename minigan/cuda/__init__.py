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
use_own_kernels(False) (or use_cublas(True), or MINIGAN_USE_CUBLAS=1 set before import) CuPy's own
cuBLAS product and the NumPy-style im2col/col2im run instead. Importing this package does not import
CuPy.
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
]  # and FloatTensor & co


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
# What PyTorch programs ask torch.cuda (mg.cuda.is_available(), mg.cuda.FloatTensor ...) lives with
# the other PyTorch-only names in minigan/compat/cuda.py; mg.cuda offers it under torch.cuda's name.
from minigan.compat.cuda import (  # noqa: E402
    CUDA_TENSOR_TYPES, current_device, device_count, is_available, manual_seed, manual_seed_all,
    synchronize,
)

globals().update(CUDA_TENSOR_TYPES)  # mg.cuda.FloatTensor & co (old tutorials)
