"""The NumPy/CuPy switch: which array module, the default dtype, device moves, random numbers.

Everything above this module works on "an array module" called ``xp``: NumPy on the CPU, CuPy on a
CUDA GPU. The two have the same API, so an op is written once::

    xp = get_array_module(a)      # numpy or cupy, whichever holds `a`
    return xp.exp(a)

Importing minigan never imports CuPy; it is imported the first time it is asked for.
"""

from __future__ import annotations

import numpy as np

from minigan.compat.device import Device

BACKENDS = ("numpy", "cupy")
_ALIASES = {"numpy": "numpy", "cpu": "numpy", "cupy": "cupy", "cuda": "cupy"}

_state = {"backend": "numpy", "default_dtype": np.dtype(np.float32), "seed": None}
_cupy_module = None  # cached once imported
_generators: dict = {}  # backend name -> random generator, created on first use


# ----------------------------------------------------------------------------- CuPy, lazily


def _import_cupy():
    """Import CuPy on first use; raise a clear error when it is missing or has no GPU."""
    global _cupy_module
    if _cupy_module is None:
        try:
            import cupy
        except ImportError as err:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "the 'cupy' backend needs CuPy: pip install 'minigan[cuda13]' (or [cuda12])"
            ) from err
        _cupy_module = cupy
    return _cupy_module


def cupy_loaded() -> bool:
    """Whether CuPy has been imported (until it is, every array is a NumPy array)."""
    return _cupy_module is not None


def cuda_available() -> bool:
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        cupy = _import_cupy()
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


# ----------------------------------------------------------------------------- which backend


def normalize_backend(name) -> str:
    """'numpy'/'cpu' -> 'numpy', 'cupy'/'cuda' -> 'cupy'; anything else is a ValueError.

    Also accepts PyTorch's device spellings: a device object (mg.device("cuda")) and an indexed
    name, "cpu:0" or "cuda:0" (minigan uses one GPU: the index is checked, then dropped).
    """
    key = str(name).lower()
    base, _, index = key.partition(":")
    if base in ("cpu", "cuda") and index:
        if not index.isdigit():
            raise ValueError(f"invalid device string {name!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        key = base
    if key not in _ALIASES:
        raise ValueError("backend must be one of 'numpy', 'cupy' (or 'cpu', 'cuda', 'cuda:0'), "
                         f"got {name!r}")
    return _ALIASES[key]


def require_cuda(what: str) -> None:
    """Raise a clear RuntimeError when `what` needs a CUDA GPU and there is none."""
    if _state.get("cuda_ok"):
        return
    if not cuda_available():
        raise RuntimeError(
            f"{what} needs a CUDA GPU, and mg.cuda_available() is False on this machine: install "
            "CuPy for your CUDA version (pip install 'minigan[cuda13]' or [cuda12]) on a machine "
            "with an NVIDIA GPU, or use the 'cpu' device"
        )
    _state["cuda_ok"] = True




def _is_dtype(value) -> bool:
    """A dtype object, a NumPy dtype or a NumPy scalar type (np.float32) -- not a device name."""
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return True
    return isinstance(getattr(value, "numpy", None), np.dtype)  # minigan's dtypes (mg.float32)


def parse_to(args: tuple, kwargs: dict, what: str) -> tuple:
    """(backend name or None, NumPy dtype or None, copy) from the arguments of PyTorch's
    ``.to()``: (dtype), (device), (device, dtype), (tensor), and the keywords device=, dtype=,
    non_blocking= (accepted: minigan's moves are synchronous), copy=, memory_format= (accepted)."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"{what}() got unexpected keyword argument(s) {sorted(unknown)}")
    target, dtype = kwargs.get("device"), kwargs.get("dtype")
    args = list(args)
    if args and hasattr(args[0], "array") and hasattr(args[0], "backend"):  # to(other_tensor)
        other = args.pop(0)
        target, dtype = other.backend, other.dtype
    elif args and not _is_dtype(args[0]):
        target = args.pop(0)
    if args and _is_dtype(args[0]):
        dtype = args.pop(0)
    if args and isinstance(args[0], bool):  # the old positional non_blocking (and copy)
        args = args[2:] if len(args) > 1 and isinstance(args[1], bool) else args[1:]
    if args:
        raise TypeError(f"{what}() received an invalid combination of arguments: expected "
                        f"(device, dtype), (dtype), (tensor) or keywords, got {args!r} left over")
    name = None if target is None else normalize_backend(target)
    return name, (None if dtype is None else np.dtype(dtype)), bool(kwargs.get("copy", False))


def set_backend(name: str) -> None:
    """Make new tensors (mg.tensor, mg.randn, layers' parameters ...) live on NumPy or CuPy."""
    name = normalize_backend(name)
    if name == "cupy":
        require_cuda(f"set_backend({name!r})")
    _state["backend"] = name


def get_backend() -> str:
    """The backend new tensors are created on: 'numpy' or 'cupy'."""
    return _state["backend"]


def backend_module(name: str | None = None):
    """The array module of a backend name (default: the current backend)."""
    name = normalize_backend(name or _state["backend"])
    if name == "numpy":
        return np
    require_cuda("the 'cuda' device")
    return _import_cupy()


def get_array_module(array):
    """numpy for a NumPy array (or scalar), cupy for a CuPy array."""
    if _cupy_module is not None and isinstance(array, _cupy_module.ndarray):
        return _cupy_module
    return np


def backend_of(array) -> str:
    """'numpy' or 'cupy': the backend that holds `array`."""
    return "numpy" if get_array_module(array) is np else "cupy"


def to_backend(array, name: str):
    """Move an array to a backend (a copy across devices, the same array otherwise)."""
    name = normalize_backend(name)
    if backend_of(array) == name:
        return array
    if name == "numpy":
        return _import_cupy().asnumpy(array)
    require_cuda("moving a tensor to 'cuda'")
    return _import_cupy().asarray(array)


# ----------------------------------------------------------------------------- dtypes


def set_default_dtype(dtype) -> None:
    """The float dtype of new tensors: float32 (the default) or float64."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"default dtype must be float32 or float64, got {dtype}")
    _state["default_dtype"] = dtype


def get_default_dtype() -> np.dtype:
    return _state["default_dtype"]


# ----------------------------------------------------------------------------- random numbers


class _CupyRandom:
    """The two or three draws minigan needs, on CuPy's RandomState (same names as NumPy's
    Generator)."""

    def __init__(self, seed):
        self._state = _import_cupy().random.RandomState(seed)

    def standard_normal(self, size, dtype):
        return self._state.standard_normal(size, dtype=dtype)

    def random(self, size, dtype):
        return self._state.random_sample(size, dtype=dtype)

    def integers(self, low, high, size):
        return self._state.randint(low, high, size=size)


def manual_seed(seed: int) -> Generator:
    """Seed every random draw minigan makes (randn, rand, dropout, initialisation, shuffling);
    returns the default generator (mg.default_generator), as PyTorch does.

    The same seed gives bit-identical numbers on the same backend; NumPy and CuPy use different
    generators, so the two backends draw different numbers from the same seed.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _state["seed"] = int(seed)
    _state.pop("cuda_seed", None)
    _generators.clear()
    return default_generator


def initial_seed() -> int:
    """The seed of the last manual_seed (None before the first)."""
    return _state["seed"]


def manual_seed_cuda(seed: int) -> None:
    """Seed only the GPU's draws (torch.cuda.manual_seed); the CPU's stream is left as it is.

    A no-op for the CPU, as in PyTorch on a machine without CUDA: the seed waits until CuPy is used.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed expects a non-negative integer, got {seed!r}")
    _state["cuda_seed"] = int(seed)
    _generators.pop("cupy", None)


def generator(name: str | None = None):
    """The random generator of a backend (NumPy's PCG64 Generator, or CuPy's RandomState)."""
    name = normalize_backend(name or _state["backend"])
    if name not in _generators:
        seed = _state["seed"]
        if name == "numpy":
            _generators[name] = np.random.Generator(np.random.PCG64(seed))
        else:
            require_cuda("random numbers on the 'cuda' device")
            _generators[name] = _CupyRandom(_state.get("cuda_seed", seed))
    return _generators[name]


class Generator:
    """PyTorch's torch.Generator: a stream of random numbers of its own, on the CPU.

        g = mg.Generator().manual_seed(0)
        DataLoader(data, shuffle=True, generator=g)   # its shuffling, apart from mg.manual_seed
        mg.randn(3, generator=g)

    It wraps a NumPy PCG64 Generator; the same seed gives the same numbers (not PyTorch's numbers:
    the two libraries use different algorithms).
    """

    default_seed = 67280421310721  # PyTorch's default seed of a new Generator (any would do)

    def __init__(self, device="cpu"):
        if normalize_backend(device) != "numpy":
            raise ValueError(f"mg.Generator: only 'cpu' generators exist in minigan, "
                             f"got {device!r}")
        self.device = Device("cpu")
        self.manual_seed(self.default_seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed`; returns the generator (as in PyTorch)."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"Generator.manual_seed expects a non-negative integer, got {seed!r}")
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def __repr__(self) -> str:
        return f"<minigan.Generator seed={self._seed}>"


class _DefaultGenerator(Generator):
    """torch.default_generator: the global stream that mg.manual_seed seeds, as a Generator object
    (what manual_seed returns; ``generator=mg.default_generator`` draws from the global stream)."""

    def __init__(self):
        self.device = Device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        return manual_seed(seed)

    def initial_seed(self) -> int:
        return _state["seed"]

    @property
    def numpy(self):
        return generator("numpy")

    def __repr__(self) -> str:
        return f"<minigan.default_generator seed={_state['seed']}>"


default_generator = _DefaultGenerator()


def generator_for(gen, name: str | None = None):
    """The NumPy/CuPy draw object to use: a Generator's own stream, or the backend's global one."""
    if gen is None:
        return generator(name)
    if not isinstance(gen, Generator):
        raise TypeError(f"generator must be a minigan.Generator, got {type(gen).__name__}")
    return gen.numpy


def get_rng_state() -> dict:
    """The NumPy generator's state as a flat dict of strings and ints (checkpoint-friendly).

    The 128-bit PCG64 integers are kept as decimal strings so that they fit in an .npz file.
    """
    state = generator("numpy").bit_generator.state
    return {
        "bit_generator": state["bit_generator"],
        "state": str(state["state"]["state"]),
        "inc": str(state["state"]["inc"]),
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }


def check_rng_state(state) -> None:
    """ValueError unless `state` is what get_rng_state() returns (a hand-edited one is named)."""
    keys = {"bit_generator", "state", "inc", "has_uint32", "uinteger"}
    if not isinstance(state, dict) or set(state) != keys:
        got = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(f"a random generator state must be a dict with the keys {sorted(keys)}, "
                         f"got {got}")
    if state["bit_generator"] != "PCG64":
        raise ValueError(f"expected a PCG64 generator state, got {state['bit_generator']!r}")
    for key, bits in (("state", 128), ("inc", 128)):
        value = state[key]
        if not (isinstance(value, str) and value.isdigit() and len(value) <= 39
                and int(value) < 2 ** bits):
            raise ValueError(f"the random generator's {key!r} must be a decimal string of a "
                             f"{bits}-bit integer, got {value!r}"[:200])
    for key, high in (("has_uint32", 2), ("uinteger", 2 ** 32)):
        value = state[key]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or \
                not 0 <= value < high:
            raise ValueError(f"the random generator's {key!r} must be an integer in [0, {high}), "
                             f"got {value!r}")


def set_rng_state(state: dict) -> None:
    """Restore a state from get_rng_state(): the next draws repeat those made after it was taken."""
    check_rng_state(state)
    gen = generator("numpy")
    gen.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": int(state["state"]), "inc": int(state["inc"])},
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }


# ----------------------------------------------------------------------------- CPU threads


def set_num_threads(n: int) -> None:
    """Use n threads on the CPU (PyTorch's torch.set_num_threads): for the BLAS library's matrix
    products (through threadpoolctl, when it is installed); minigan's own array passes run on one
    thread. On a machine shared with other work, fewer threads than cores is often faster: idle
    BLAS threads spin and take the cores from everyone else."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - without threadpoolctl BLAS keeps its count
        # (pip install 'minigan[threads]')
        threadpool_limits = None
    if threadpool_limits is not None:
        threadpool_limits(int(n), user_api="blas")  # stays in force until changed again
    _state["threads"] = int(n)


# speed: OpenBLAS's idle worker threads spin for ~2^28 clock cycles (~0.1 s) after each matrix
# product before they sleep, so with two threads a training loop keeps both cores busy all the time
# (CPU time twice the wall time) although only the products use the second core. minigan/__init__.py
# sets OPENBLAS_THREAD_TIMEOUT=22 in the environment before NumPy is imported, unless it is set
# already: the workers sleep after 2^22 cycles (~1.5 ms), long enough to span the Python between
# one small product and the next, short enough not to spin through a whole step. OpenBLAS reads
# the variable once, when it loads, so it takes effect when minigan is imported before NumPy
# (`python -m minigan`, or `import minigan` first). Set OPENBLAS_THREAD_TIMEOUT yourself (28 is
# OpenBLAS's own) to choose another. Measured on the idle 2-core machine (benchmarks/NOTES.md,
# rounds four and five):
#   - 28 against 18, `python benchmarks/sustained.py` (40 s of DCGAN-28 steps without pauses, each
#     value in a process of its own): 45-48 ms wall and 90-96 ms CPU per step with 28, 45-53 ms and
#     66-76 ms with 18. Two of three 28 runs that afternoon (one of them the default `train` of
#     run.py) slowed to ~62 ms per step after ~12 s of full load and stayed there; none of four
#     runs with 18 or less did. So round four chose 18.
#   - 18 against 22, the MLP-GAN step (`python benchmarks/blas_timeout.py`, processes alternating):
#     with 18 the second thread gained nothing (2.7-2.8 ms at two threads, 2.8 at one: the worker
#     sleeps between the small products and each one pays its wake-up); with 22 2.43-2.58 ms,
#     1.04-1.06x PyTorch's against 1.16-1.20x with 18 (four of five pairs). The DCGAN step is the
#     same within noise (sustained.py, 22 against 18: 44.5-60 and 43.5-65 ms wall per step, with
#     55-60 ms stretches in both), at ~90 instead of ~70 ms of CPU time per step.


def get_num_threads() -> int:
    """The CPU threads minigan uses (set_num_threads; until then, the BLAS library's own count)."""
    if "threads" not in _state:
        try:
            from threadpoolctl import threadpool_info

            counts = [pool["num_threads"] for pool in threadpool_info()
                      if pool.get("user_api") == "blas"]
        except ImportError:  # pragma: no cover
            counts = []
        _state["threads"] = max(counts) if counts else 1
    return _state["threads"]


# ----------------------------------------------------------------------------- CPU memory
# speed: glibc's malloc returns every freed block of more than 128 KiB to the kernel (munmap), so
# each new array of that size -- most of a GAN step's activations, columns and gradients -- starts
# as fresh pages that fault in one 4 KiB page at a time, in the kernel. With BLAS on two threads
# every munmap also stops the other core to flush its address cache. Measured on DCGAN-28 (batch
# 64, idle 2-core machine, `python benchmarks/page_faults.py`: each setting in processes of its
# own, alternated): 5,300 page faults per step -> 1; one thread 80 -> 69 ms per step, two threads
# 76 -> 50 ms (PyTorch's step with the same setting: 62 -> 58 and 36 -> 34 ms). So at
# import minigan asks glibc to keep blocks up to 32 MiB on its own heap (M_MMAP_THRESHOLD, the
# largest glibc accepts) and to give the heap's free top back only past 128 MiB (M_TRIM_THRESHOLD):
# freed arrays are reused by the next step instead of faulted in again. It changes no number, only
# where freed memory waits; peak memory is measured by benchmarks/run.py's memory case.
# MINIGAN_KEEP_FREED_MEMORY=0 in the environment leaves glibc's defaults; other C libraries (macOS,
# musl) are left alone.

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers, from glibc's malloc.h
KEEP_FREED_MEMORY = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 128 << 20}


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed arrays for reuse (the settings above); True when it took
    them, False where the C library is not glibc or MINIGAN_KEEP_FREED_MEMORY=0."""
    import os
    import platform

    if os.environ.get("MINIGAN_KEEP_FREED_MEMORY", "1") == "0" or platform.libc_ver()[0] != "glibc":
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a glibc without mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in KEEP_FREED_MEMORY.items())


_state["keeps_freed_memory"] = keep_freed_memory()
