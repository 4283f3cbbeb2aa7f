"""A stand-in `cupy` module, NumPy arrays plus the CPU emulator, for dry runs without a GPU.

It has just what benchmarks/cuda_*.py, tools/cuda_sanitize_run.py and minigan's CuPy executor use:
arrays are NumPy arrays, RawModule launches through EmulatorExecutor, events read the host clock,
graph capture fails (so the scripts' fallback is exercised). It checks the scripts' control flow
and bookkeeping; its timings mean nothing.
"""

from __future__ import annotations

import time
import types

import numpy as np


def make_fake_cupy(emulator, sm_count: int = 4, name: str = "Fake GPU (CPU emulator)"):
    """A module object to put in sys.modules['cupy'] (with minigan.backend._cupy_module reset)."""
    cp = types.ModuleType("cupy")
    cp.__getattr__ = lambda attr: getattr(np, attr)  # everything else: NumPy's
    cp.__version__ = "fake"
    cp.ndarray = np.ndarray
    cp.asnumpy = np.asarray
    cp.linalg = np.linalg

    class RawModule:
        def __init__(self, code=None, options=(), name_expressions=()):
            self.names = set(name_expressions)

        def get_function(self, fname):
            if fname not in self.names:
                raise KeyError(fname)
            return lambda grid, block, args, **kw: emulator.launch(fname, grid, block, args)

    cp.RawModule = RawModule

    cuda = types.ModuleType("cupy.cuda")

    class Event:
        def __init__(self, *args, **kwargs):
            self.t = None

        def record(self, stream=None):
            self.t = time.perf_counter()

        def synchronize(self):
            pass

    class Stream:
        def __init__(self, non_blocking=False):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def begin_capture(self, *args):
            raise RuntimeError("fake cupy: no graph capture")

        def end_capture(self):
            raise RuntimeError("fake cupy: no graph capture")

        def synchronize(self):
            pass

    class Device:
        id = 0
        attributes = {"MultiProcessorCount": sm_count}

        def __init__(self, device=0):
            pass

    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDeviceProperties=lambda i: {"name": name.encode(), "major": 9, "minor": 0,
                                       "multiProcessorCount": sm_count, "totalGlobalMem": 2**30,
                                       "l2CacheSize": 0},
        driverGetVersion=lambda: 0, runtimeGetVersion=lambda: 0, deviceSynchronize=lambda: None)
    cuda.Event, cuda.Stream, cuda.Device, cuda.runtime = Event, Stream, Device, runtime
    cuda.get_elapsed_time = lambda start, end: (end.t - start.t) * 1e3
    cuda.set_allocator = lambda allocator=None: None
    cp.cuda = cuda
    return cp
