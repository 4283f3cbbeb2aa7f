"""A CPU emulator of minigan's CUDA kernels, for tests on machines without a GPU.

The .cu files are compiled with g++ (C++20) against runtime.h, which maps CUDA's few builtins to
std::thread (one per CUDA thread) and std::barrier (__syncthreads). Every name expression of
minigan.cuda.kernels_index.MODULE_GROUPS becomes an entry of a table, launched by name with its
arguments marshalled as cuLaunchKernel would (an array of pointers to the values). EmulatorExecutor
has the executor interface of minigan.cuda.launch, so `with use_executor(EmulatorExecutor()):` runs
the real wrappers -- argument checks, layouts, tile choice, split-K, chunking -- on NumPy arrays.

What it checks: index arithmetic, tiling, edge handling, transposes, vectorised and scalar paths,
split-K, and that every thread of a block reaches each barrier. What it cannot: speed, races that
a real GPU's memory model would expose, warp behaviour (compute-sanitizer on a GPU covers those).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from minigan.cuda.kernels_index import MODULE_GROUPS, kernel_files, source

HERE = Path(__file__).resolve().parent
CXX = os.environ.get("CXX", "g++")
CXX_FLAGS = ["-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", "-Wno-unknown-pragmas",
             "-Wno-attributes"]
# MINIGAN_EMU_SANITIZE=address builds with AddressSanitizer, which then reports any read or write
# outside the NumPy buffers the kernels are given; run Python with the ASan runtime preloaded:
#   LD_PRELOAD=$(g++ -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
#   MINIGAN_EMU_SANITIZE=address PYTHONPATH=. python -m pytest tests/test_cuda_kernels.py -k emulator
if os.environ.get("MINIGAN_EMU_SANITIZE") == "address":
    CXX_FLAGS += ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"]


@functools.lru_cache(maxsize=None)
def compiler_available() -> bool:
    """Whether a C++20 compiler with <barrier> is installed (the emulator's one requirement)."""
    if shutil.which(CXX) is None:
        return False
    probe = "#include <barrier>\nint main() { std::barrier<> b(1); b.arrive_and_wait(); }\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "probe.cpp")
        src.write_text(probe)
        result = subprocess.run([CXX, "-std=c++20", "-pthread", str(src), "-o", str(Path(tmp, "probe"))],
                                capture_output=True)
        return result.returncode == 0


def harness_source() -> str:
    """The C++ translation unit: runtime, every .cu file, and the table of name expressions."""
    names = [name for _, group in MODULE_GROUPS.values() for name in group]
    lines = [f'#include "{HERE / "runtime.h"}"', "#include <map>", "#include <string>", ""]
    for file in kernel_files():
        lines += [f"// ---- {file}", source(file), ""]
    lines += ["using Launcher = void (*)(dim3, dim3, void**);",
              "static const std::map<std::string, Launcher> table = {"]
    for name in names:
        lines.append(f'    {{"{name}", [](dim3 g, dim3 b, void** p) {{ emu::launch(g, b, &{name}, p); }}}},')
    lines += ["};", "",
              'extern "C" int emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz,',
              "                          unsigned bx, unsigned by, unsigned bz, void** params)",
              "{",
              "    auto it = table.find(name);",
              "    if (it == table.end()) return 1;",
              "    it->second(dim3(gx, gy, gz), dim3(bx, by, bz), params);",
              "    return 0;",
              "}"]
    return "\n".join(lines) + "\n"


def build(cache_dir: str | None = None) -> Path:
    """Compile the harness to a shared library (cached by the hash of its source and flags)."""
    text = harness_source()
    digest = hashlib.sha256((text + " ".join(CXX_FLAGS) + (HERE / "runtime.h").read_text()).encode()).hexdigest()[:16]
    cache = Path(cache_dir or os.environ.get("MINIGAN_EMU_CACHE", Path(tempfile.gettempdir(), "minigan_cuda_emu")))
    cache.mkdir(parents=True, exist_ok=True)
    lib = cache / f"emu_{digest}.so"
    if not lib.exists():
        src = cache / f"emu_{digest}.cpp"
        src.write_text(text)
        tmp = cache / f"emu_{digest}.{os.getpid()}.so"
        result = subprocess.run([CXX, *CXX_FLAGS, str(src), "-o", str(tmp)], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"emulator build failed:\n{result.stderr[-4000:]}")
        os.replace(tmp, lib)
    return lib


_SCALARS = {np.dtype(np.int32): ctypes.c_int32, np.dtype(np.int64): ctypes.c_int64,
            np.dtype(np.float32): ctypes.c_float, np.dtype(np.float64): ctypes.c_double}


class EmulatorExecutor:
    """The executor interface of minigan.cuda.launch, running kernels on the CPU on NumPy arrays."""

    name = "emulator"
    xp = np

    def __init__(self, lib_path=None, sm_count: int = 132):
        self._lib = ctypes.CDLL(str(lib_path or build()))
        self._lib.emu_launch.restype = ctypes.c_int
        self._sm_count = sm_count
        self.launches = []  # (name, grid, block) of every launch, for tests that check the plan

    def is_array(self, a) -> bool:
        return isinstance(a, np.ndarray)

    def pointer(self, a) -> int:
        return a.ctypes.data

    def sm_count(self) -> int:
        return self._sm_count

    def launch(self, name: str, grid: tuple, block: tuple, args: tuple) -> None:
        grid = tuple(grid) + (1,) * (3 - len(grid))
        block = tuple(block) + (1,) * (3 - len(block))
        holders = []
        for arg in args:
            if isinstance(arg, np.ndarray):
                holders.append(ctypes.c_void_p(arg.ctypes.data))
            elif isinstance(arg, np.generic) and arg.dtype in _SCALARS:
                holders.append(_SCALARS[arg.dtype](arg.item()))
            else:
                raise TypeError(f"emulator: argument {arg!r} of {name} is not an array or a NumPy scalar")
        params = (ctypes.c_void_p * len(holders))(*[ctypes.addressof(h) for h in holders])
        self.launches.append((name, grid, block))
        if self._lib.emu_launch(name.encode(), *map(int, grid), *map(int, block), params) != 0:
            raise KeyError(f"emulator: no kernel instance {name!r}")


class _PoisonedModule:
    """An array module whose `empty` fills float arrays with NaN: an output element a kernel forgets
    to write stays NaN and fails the comparison, whatever the allocator happened to hand out."""

    def __init__(self, xp):
        self._xp = xp

    def __getattr__(self, name):
        return getattr(self._xp, name)

    def empty(self, shape, dtype=float, *args, **kwargs):
        out = self._xp.empty(shape, dtype, *args, **kwargs)
        if np.dtype(dtype).kind == "f":
            out.fill(np.nan)
        return out


class PoisonedExecutor:
    """Wraps an executor: outputs and workspaces start as NaN, and every launch is recorded."""

    def __init__(self, base):
        self.base = base
        self.name = base.name
        self.xp = _PoisonedModule(base.xp)
        self.launches = []  # (name expression, grid, block)

    def is_array(self, a) -> bool:
        return self.base.is_array(a)

    def pointer(self, a) -> int:
        return self.base.pointer(a)

    def sm_count(self) -> int:
        return self.base.sm_count()

    def launch(self, name, grid, block, args) -> None:
        self.launches.append((name, tuple(grid), tuple(block)))
        self.base.launch(name, grid, block, args)
