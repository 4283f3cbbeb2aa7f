"""Which kernels exist: the .cu files, the template instances the wrappers launch, the tile configs.

One list serves three users: the loader (what to compile), the wrappers (which name to launch) and
the NVRTC compile check (every instance listed here is compiled for sm_80 and sm_90 in the tests),
so an instance cannot be launched without also being compile-checked. Pure Python: no CuPy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

KERNEL_DIR = "kernels"
COMPILE_OPTIONS = ("--std=c++17",)

_CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


@dataclass(frozen=True)
class TileConfig:
    """A register-tiling shape of sgemm_regtile2d: a block computes BM x BN of C, BK deep per step;
    each of its (BM / TM) * (BN / TN) threads computes TM x TN elements."""

    name: str
    BM: int
    BN: int
    BK: int
    TM: int
    TN: int

    @property
    def threads(self) -> int:
        return (self.BM // self.TM) * (self.BN // self.TN)


# "large" suits big products (many 128x128 tiles to fill the GPU); "small" gives four times as many
# blocks for the same C, for the DCGAN-sized products whose C has only a few 128x128 tiles.
TILE_CONFIGS = {
    "large": TileConfig("large", BM=128, BN=128, BK=8, TM=8, TN=8),  # 256 threads, 64 results each
    "small": TileConfig("small", BM=64, BN=64, BK=8, TM=8, TN=4),  # 128 threads, 32 results each
}

SMEM_TILE = 32  # gemm_smem's tile (SMEM_TILE in gemm.cu)
NAIVE_BLOCK = 16  # gemm_naive's block is NAIVE_BLOCK x NAIVE_BLOCK

STAGES = ("naive", "smem", "regtile2d")
STAGE_DTYPES = {
    "naive": (np.dtype(np.float32), np.dtype(np.float64)),
    "smem": (np.dtype(np.float32), np.dtype(np.float64)),
    "regtile2d": (np.dtype(np.float32),),
}


def ctype(dtype) -> str:
    """'float' or 'double' for a NumPy dtype (ValueError for anything else)."""
    dtype = np.dtype(dtype)
    if dtype not in _CTYPES:
        raise ValueError(f"CUDA kernels take float32 or float64 arrays, got {dtype}")
    return _CTYPES[dtype]


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def gemm_kernel_name(stage: str, dtype, trans_a: bool, trans_b: bool, vec: bool = False,
                     config: str = "large") -> str:
    """The C++ name expression of one GEMM instance, e.g. 'gemm_smem<float, false, true>'."""
    t = ctype(dtype)
    if stage in ("naive", "smem"):
        return f"gemm_{stage}<{t}, {_b(trans_a)}, {_b(trans_b)}>"
    if stage == "regtile2d":
        if t != "float":
            raise ValueError("sgemm_regtile2d is float32 only")
        c = TILE_CONFIGS[config]
        return (f"sgemm_regtile2d<{c.BM}, {c.BN}, {c.BK}, {c.TM}, {c.TN}, "
                f"{_b(trans_a)}, {_b(trans_b)}, {_b(vec)}>")
    raise ValueError(f"unknown GEMM stage {stage!r}; expected one of {STAGES}")


def splitk_reduce_name(dtype) -> str:
    return f"gemm_splitk_reduce<{ctype(dtype)}>"


def im2col_kernel_name(kind: str, dtype, index: str) -> str:
    """kind 'im2col' or 'col2im'; index 'int' or 'long long' (see geometry.index_type)."""
    if kind not in ("im2col", "col2im") or index not in ("int", "long long"):
        raise ValueError(f"no kernel {kind!r} with index type {index!r}")
    return f"{kind}_kernel<{ctype(dtype)}, {index}>"


_BOOLS = (False, True)
_FLOATS = (np.float32, np.float64)

# Module groups: one cupy.RawModule each (compiled on first use, then cached in memory and on disk).
# A group is (file, name expressions); groups keep the first launch of one stage from compiling all.
MODULE_GROUPS = {
    "naive": ("gemm.cu", [gemm_kernel_name("naive", d, ta, tb)
                          for d in _FLOATS for ta in _BOOLS for tb in _BOOLS]),
    "smem": ("gemm.cu", [gemm_kernel_name("smem", d, ta, tb)
                         for d in _FLOATS for ta in _BOOLS for tb in _BOOLS]),
    "regtile2d": ("gemm.cu", [gemm_kernel_name("regtile2d", np.float32, ta, tb, v, cfg)
                              for cfg in TILE_CONFIGS for ta in _BOOLS for tb in _BOOLS
                              for v in _BOOLS]),
    "splitk": ("gemm.cu", [splitk_reduce_name(np.float32)]),
                 # split-K is a regtile2d (float32) path
    "im2col": ("im2col.cu", [im2col_kernel_name(k, d, i) for k in ("im2col", "col2im")
                             for d in _FLOATS for i in ("int", "long long")]),
}


def group_of(name_expression: str) -> str:
    """The module group that compiles a name expression."""
    for group, (_, names) in MODULE_GROUPS.items():
        if name_expression in names:
            return group
    raise KeyError(f"no module group compiles {name_expression!r}")


def kernel_files() -> list:
    """The .cu files of the package."""
    return sorted({file for file, _ in MODULE_GROUPS.values()})


def source(file: str) -> str:
    """The CUDA C++ text of a kernel file (package data in minigan/cuda/kernels/)."""
    folder = resources.files("minigan.cuda").joinpath(KERNEL_DIR)
    return folder.joinpath(file).read_text(encoding="utf-8")
