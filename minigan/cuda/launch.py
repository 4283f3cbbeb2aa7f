"""Compiling and launching: who runs a kernel once the wrappers have checked the arguments.

The wrappers (gemm.py, conv.py) never call CuPy directly to launch. They ask the current
*executor* for the array module (to allocate outputs), for an array's address (to decide on float4
access), and to launch a kernel by its C++ name expression with a grid, a block and the argument
tuple. The normal executor is CupyExecutor: it compiles each module group of kernels_index once per
process with cupy.RawModule (CuPy also caches the compiled code on disk) and launches on the
current device. The test suite swaps in a CPU emulator of the same interface (tests/cuda_emu), so
the wrappers' whole path -- layouts, transposes, tiles, split-K, chunking -- is exercised without a
GPU as well.

CuPy is imported only when the CuPy executor is first used.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from minigan import backend
from minigan.cuda.kernels_index import COMPILE_OPTIONS, MODULE_GROUPS, group_of, source


def compile_options() -> tuple:
    """NVRTC options: COMPILE_OPTIONS, plus -lineinfo when MINIGAN_CUDA_LINEINFO=1 (so that
    compute-sanitizer and profilers can point at lines of the .cu files)."""
    extra = ("-lineinfo",) if os.environ.get("MINIGAN_CUDA_LINEINFO") == "1" else ()
    return COMPILE_OPTIONS + extra


class CupyExecutor:
    """Launches kernels on the current CUDA device through cupy.RawModule."""

    name = "cupy"

    def __init__(self):
        self._modules = {}  # group -> cupy.RawModule
        self._functions = {}  # name expression -> cupy.RawKernel
        self._sm_count = {}  # device id -> multiprocessor count

    @property
    def xp(self):
        return backend._import_cupy()

    def is_array(self, a) -> bool:
        """Whether `a` is a CuPy array (False, not an ImportError, when CuPy is not installed)."""
        try:
            cupy = self.xp
        except RuntimeError:
            return False
        return isinstance(a, cupy.ndarray)

    def pointer(self, a) -> int:
        return a.data.ptr

    def sm_count(self) -> int:
        cupy = self.xp
        device = cupy.cuda.Device()
        if device.id not in self._sm_count:
            self._sm_count[device.id] = device.attributes["MultiProcessorCount"]
        return self._sm_count[device.id]

    def module(self, group: str):
        """The compiled RawModule of a module group (compiled on first use)."""
        if group not in self._modules:
            file, names = MODULE_GROUPS[group]
            self._modules[group] = self.xp.RawModule(
                code=source(file), options=compile_options(), name_expressions=names)
        return self._modules[group]

    def function(self, name_expression: str):
        if name_expression not in self._functions:
            module = self.module(group_of(name_expression))
            self._functions[name_expression] = module.get_function(name_expression)
        return self._functions[name_expression]

    def launch(self, name_expression: str, grid: tuple, block: tuple, args: tuple) -> None:
        self.function(name_expression)(grid, block, args)


_current = {"executor": None}


def executor():
    """The executor the wrappers launch through (a CupyExecutor unless use_executor says else)."""
    if _current["executor"] is None:
        _current["executor"] = CupyExecutor()
    return _current["executor"]


@contextmanager
def use_executor(ex):
    """Run the wrappers through another executor inside a `with` block (the tests' CPU emulator)."""
    previous = _current["executor"]
    _current["executor"] = ex
    try:
        yield ex
    finally:
        _current["executor"] = previous
